// The bundled CLI (out/main/cli.js), as installed builds run it: the checkout's launcher runs the TypeScript
// sources, so only this suite proves that the build (dependencies bundled and tree-shaken, chunks loaded on
// use) still does every job. Each command below loads a different bundled dependency: yauzl (OSV all.zip),
// ae-cvss-calculator (scores), @renovatebot/pep440 (PyPI ranges), yaml (pnpm-lock.yaml), fzstd (.zst),
// tar, zod (OCI schemas, release attributes), yazl (zip bundle); and the external ones, better-sqlite3,
// fs-ext, @cyclonedx/cyclonedx-library and exceljs. The UI served by the bundle runs its services in the
// bundled services worker, as the desktop app does.
import { execFileSync, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import yazl from 'yazl'
import { beforeAll, describe, expect, it } from 'vitest'
import { umociImage } from '../fixtures/umoci-image'
import { dropFiles, openBrowser, ROOT, startUi, tmp } from './harness'

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
let dir: string
let launcher: string
let home: string

/** Runs the bundled CLI the way an installed `preflight` does. */
function preflight(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [launcher, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PREFLIGHT_HOME: home },
    cwd: dir,
  })
}

async function osvZip(file: string, advisories: object[]): Promise<void> {
  const zip = new yazl.ZipFile()
  for (const a of advisories) zip.addBuffer(Buffer.from(JSON.stringify(a)), `${(a as { id: string }).id}.json`)
  zip.end()
  await new Promise<void>((r) => zip.outputStream.pipe(createWriteStream(file)).on('close', () => r()))
}

beforeAll(() => {
  const cli = join(ROOT, 'out', 'main', 'cli.js')
  if (!existsSync(cli))
    throw new Error('out/main/cli.js is missing: the e2e project builds it first (npm run test:e2e)')
  dir = tmp('cli-bundle-')
  home = join(dir, 'home')
  launcher = join(dir, 'preflight-bundled.cjs')
  writeFileSync(launcher, `require(${JSON.stringify(cli)}).main()\n`)
})

describe('the bundled CLI', () => {
  it('help lists every command (each command module loads)', () => {
    const r = preflight('--help')
    expect(r.stderr).toBe('')
    for (const c of ['scan', 'inspect', 'repack', 'convert', 'vulndb', 'upload', 'queue', 'drafts'])
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'))
  })

  it('imports OSV, then scan finds npm and PyPI vulnerabilities, malware in a .zst, and writes every report format', async () => {
    await osvZip(join(dir, 'all.zip'), [
      {
        id: 'GHSA-b1-0001',
        modified: '2026-11-01T00:00:00Z',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
        affected: [
          {
            package: { ecosystem: 'npm', name: 'lodash' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }],
          },
        ],
      },
      {
        id: 'PYSEC-b1-0002',
        modified: '2026-11-01T00:00:00Z',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N' }],
        affected: [
          {
            package: { ecosystem: 'PyPI', name: 'django' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '4.2' }, { fixed: '4.2.2rc1' }] }],
          },
        ],
      },
    ])
    const imported = preflight('vulndb', 'import', join(dir, 'all.zip'))
    expect(imported.status, imported.stderr).toBe(0)
    expect(preflight('vulndb', 'status').stdout).toMatch(/npm/)

    const src = join(dir, 'src')
    mkdirSync(src)
    writeFileSync(
      join(src, 'pnpm-lock.yaml'),
      "lockfileVersion: '6.0'\npackages:\n  /lodash@4.17.20:\n    resolution: {integrity: x}\n",
    )
    writeFileSync(join(src, 'requirements.txt'), 'Django==4.2.1\n')
    writeFileSync(join(src, 'eicar.txt'), EICAR)
    execFileSync('zstd', ['-q', '--rm', join(src, 'eicar.txt'), '-o', join(src, 'eicar.txt.zst')])
    execFileSync('tar', ['-czf', join(dir, 'web-1_0.tar.gz'), '-C', src, '.'])

    const scan = preflight('scan', 'web-1_0.tar.gz', '--format', 'json')
    expect(scan.status, scan.stderr).toBe(1)
    const report = JSON.parse(scan.stdout)
    const found = report.findings.map((f: { rule: string; location: string }) => `${f.rule}@${f.location}`)
    expect(found).toContain('malware.detected@web-1_0.tar.gz!eicar.txt.zst!eicar.txt')
    const vulns = report.findings
      .filter((f: { rule: string }) => f.rule === 'vuln.cvss-high')
      .map((f: { message: string }) => f.message)
      .join('\n')
    expect(vulns).toMatch(/GHSA-b1-0001/)
    expect(vulns).toMatch(/PYSEC-b1-0002/)

    for (const [format, check] of [
      ['sarif', (b: Buffer) => expect(JSON.parse(String(b)).runs[0].results.length).toBeGreaterThan(0)],
      [
        'cyclonedx',
        (b: Buffer) =>
          expect(JSON.parse(String(b)).components.map((c: { name: string }) => c.name)).toEqual(
            expect.arrayContaining(['lodash', 'Django']),
          ),
      ],
      ['xlsx', (b: Buffer) => expect(b.subarray(0, 2).toString()).toBe('PK')],
      ['html', (b: Buffer) => expect(String(b)).toMatch(/malware\.detected/)],
      ['csv', (b: Buffer) => expect(String(b)).toMatch(/vuln\.cvss-high/)],
    ] as const) {
      const out = join(dir, `report.${format}`)
      const r = preflight('scan', 'web-1_0.tar.gz', '--format', format, '--output', out)
      expect(r.status, `${format}: ${r.stderr}`).toBe(1)
      check(readFileSync(out))
    }
  })

  it('repacks a docker-archive into a zip bundle that inspect reads and scan passes', () => {
    const layout = umociImage(join(dir, 'layout'), '/srv', { 'index.html': '<h1>shop</h1>\n' })
    const dockerTar = join(dir, 'shop-docker.tar')
    execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${dockerTar}:shop:1.0`])

    const r = preflight('repack', dockerTar, '--output', 'shop.zip')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/shop-1_0\.tar +\(converted from docker-archive\)/)
    const inspect = JSON.parse(preflight('inspect', 'shop.zip', '--format', 'json').stdout)
    expect(inspect.kind).toBe('zip')
    expect(inspect.images).toHaveLength(1)
    const scan = preflight('scan', 'shop.zip', '--profile', 'koogallery-container', '--format', 'json')
    expect(scan.status, scan.stderr).toBe(0)
    expect(JSON.parse(scan.stdout).verdict).toBe('pass')
  })

  it('converts a raw image with holes to a qcow2 that qemu-img finds identical and clean', () => {
    const raw = join(dir, 'disk.raw')
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '64M'])
    execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 7 1M 2M', '-c', 'write -P 9 40M 64k', raw], {
      stdio: 'ignore',
    })
    const r = preflight('convert', raw, '--output', 'disk.qcow2')
    expect(r.status, r.stderr).toBe(0)
    execFileSync('qemu-img', ['compare', '-q', raw, join(dir, 'disk.qcow2')])
    execFileSync('qemu-img', ['check', '-q', join(dir, 'disk.qcow2')])
    const inspect = JSON.parse(preflight('inspect', 'disk.qcow2', '--format', 'json').stdout)
    expect(inspect.qcow2.virtualSize).toBe(64 * 1024 * 1024)
  })

  it('reads and writes the database (drafts) and reports a bad argument in one line with exit 2', () => {
    expect(preflight('drafts', 'list', '--format', 'json').stdout.trim()).toBe('[]')
    const bad = preflight('scan', 'missing.tar')
    expect(bad.status).toBe(2)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('serves the UI whose services (the bundled worker) scan a dropped package', async () => {
    mkdirSync(join(dir, 'ui-src'))
    writeFileSync(join(dir, 'ui-src/eicar.com'), EICAR)
    execFileSync('tar', ['-czf', join(dir, 'app-1_0.tar.gz'), '-C', join(dir, 'ui-src'), 'eicar.com'])
    const ui = await startUi(join(dir, 'ui-home'), launcher)
    const b = await openBrowser('cli-bundle', ui.url)
    try {
      await dropFiles(b.page, '[data-testid=dropzone]', [join(dir, 'app-1_0.tar.gz')])
      await b.page.getByTestId('verdict').waitFor({ timeout: 60_000 })
      expect(await b.page.getByTestId('verdict').textContent()).toMatch(/FAIL/)
      expect(await b.page.locator('[data-rule="malware.detected"]').textContent()).toContain('app-1_0.tar.gz!eicar.com')
    } finally {
      await b.close()
      await ui.stop()
    }
  })
})
