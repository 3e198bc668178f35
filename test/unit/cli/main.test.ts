// The CLI's plumbing through the real launcher (bin/preflight.cjs → tsx → src-main/cli/main.ts).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import pkg from '../../../package.json'

const BIN = resolve(__dirname, '../../../bin/preflight.cjs')
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PREFLIGHT_HOME: join(process.env.TMPDIR!, 'cli-home'), ...env },
  })

describe('preflight CLI', () => {
  it('prints its version and help', () => {
    const v = run(['--version'])
    expect(v.status).toBe(0)
    expect(v.stdout.trim()).toBe(pkg.version)
    const h = run(['--help'])
    expect(h.status).toBe(0)
    expect(h.stdout).toMatch(/Usage: preflight <command>/)
    expect(h.stdout).toMatch(/inspect/)
  })

  it('inspect --format json gives kind, size and the sha256 of sha256sum', () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'cli-'))
    const src = join(dir, 'a.txt')
    writeFileSync(src, 'hello preflight\n')
    const tar = join(dir, 'app.tar')
    execFileSync('tar', ['-cf', tar, '-C', dir, 'a.txt'])
    const tgz = join(dir, 'app.tar.gz')
    writeFileSync(tgz, gzipSync(readFileSync(tar)))
    for (const [file, kind] of [
      [tar, 'tar'],
      [tgz, 'tar.gz'],
    ] as const) {
      const r = run(['inspect', file, '--format', 'json'])
      expect(r.status, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out.kind).toBe(kind)
      expect(out.sha256).toBe(execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0])
      expect(out.size).toBe(statSync(file).size)
    }
  })

  it('a missing file is exit 2 with one line on stderr and no stack', () => {
    const r = run(['inspect', '/nonexistent/pkg.zip', '--format', 'json'])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/No such file: \/nonexistent\/pkg\.zip/)
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/)
  })

  it('bad arguments and unknown commands are exit 2', () => {
    expect(run(['inspect']).status).toBe(2)
    expect(run(['inspect', 'a', '--format', 'yaml']).status).toBe(2)
    expect(run(['frobnicate']).status).toBe(2)
    expect(run(['inspect', 'x', '--bogus']).stderr).toMatch(/bogus/)
  })
})
