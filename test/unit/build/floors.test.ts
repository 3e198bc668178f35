// The house's floors and cycles, as lint enforces them: an import back up a floor fails eslint (fed one here, from
// several depths), every room of src-main is on a floor, the renderer cannot reach src-main, and
// dependency-cruiser finds no import cycle (runtime or type-only) in the three source roots, and does find one when
// fed one.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = resolve(__dirname, '../../..')

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root })
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) })
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('floors (eslint.config.mjs)', () => {
  it('refuses an import that runs back up a floor, from any depth of a room', async () => {
    expect(
      await importErrors(
        'src-main/walk/x.ts',
        "import { scanPackage } from '../inspect/scan'\nexport const a = scanPackage\n",
      ),
    ).toEqual([expect.stringContaining('walk is on floor 3')])
    expect(
      await importErrors(
        'src-main/vm/guest/x.ts',
        "import { repack } from '../../repack/repack'\nexport const a = repack\n",
      ),
    ).toEqual([expect.stringContaining('vm is on floor 4')])
    expect(
      await importErrors(
        'src-main/reports/x.ts',
        "import type { Profile } from '../rules/profiles'\nexport type A = Profile\n",
      ),
    ).toHaveLength(1)
    expect(
      await importErrors(
        'src-main/paths.ts',
        "import { createHandlers } from './services/handlers'\nexport const a = createHandlers\n",
      ),
    ).toHaveLength(1)
    expect(
      await importErrors(
        'src-renderer/screens/x.tsx',
        "import { ruleText } from '../../src-main/reports/model'\nexport const a = ruleText\n",
      ),
    ).toEqual([expect.stringContaining('never import src-main')])
    expect(
      await importErrors('src-preload/x.ts', "import { x } from '../src-main/walk/sniff'\nexport const a = x\n"),
    ).toHaveLength(1)
  })

  it('allows imports down and on the same floor, and electron only in the shell', async () => {
    expect(
      await importErrors(
        'src-main/inspect/x.ts',
        "import { sniff } from '../walk/sniff'\nimport { VulnDb } from '../vulns/osv'\nexport const a = [sniff, VulnDb]\n",
      ),
    ).toEqual([])
    expect(
      await importErrors('src-main/sbom/x.ts', "import { VulnDb } from '../vulns/osv'\nexport const a = VulnDb\n"),
    ).toEqual([])
    expect(await importErrors('src-main/walk/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toEqual([
      expect.stringContaining('Electron shell'),
    ])
    expect(
      await importErrors(
        'src-main/shell/x.ts',
        "import { app } from 'electron'\nimport { createHandlers } from '../services/handlers'\nexport const a = [app, createHandlers]\n",
      ),
    ).toEqual([])
  })

  it('puts every room of src-main on a floor', async () => {
    const { FLOORS } = (await import(join(root, 'eslint.config.mjs'))) as { FLOORS: string[][] }
    const rooms = readdirSync(join(root, 'src-main'), { withFileTypes: true }).map((d) =>
      d.isDirectory() ? d.name : d.name.replace(/\.ts$/, ''),
    )
    expect(rooms.filter((r) => !FLOORS.flat().includes(r))).toEqual([])
  })
})

describe('import cycles (.dependency-cruiser.cjs)', () => {
  const depcruise = (...args: string[]) =>
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
        '--config',
        join(root, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
        ...args,
      ],
      { cwd: root, encoding: 'utf8', stdio: 'pipe' },
    )

  it('finds none in src-main, src-preload and src-renderer', () => {
    expect(depcruise('src-main', 'src-preload', 'src-renderer')).toContain('no dependency violations found')
  })

  it('fails on a type-only circle', () => {
    const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'cycle-'))
    try {
      mkdirSync(join(dir, 'room'))
      writeFileSync(join(dir, 'room/a.ts'), "import type { B } from './b'\nexport interface A { b?: B }\n")
      writeFileSync(join(dir, 'room/b.ts'), "import type { A } from './a'\nexport interface B { a?: A }\n")
      let out = ''
      try {
        depcruise(join(dir, 'room'))
      } catch (err) {
        out = String((err as { stdout?: string }).stdout)
      }
      expect(out).toMatch(/no-circular: .*room\/a\.ts/s)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
