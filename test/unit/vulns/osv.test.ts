// The offline vulnerability gate end to end: an OSV database built here (folder and all.zip), a package
// holding an npm lockfile, a Debian image layer, a go.mod and a Go binary (built here with vendored modules,
// one of them replaced), exactly the expected blockers and warnings;
// no database → vulndb.missing; an old import → vulndb.stale.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, createWriteStream } from 'node:fs'
import { join } from 'node:path'
import yazl from 'yazl'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { openDatabase } from '../../../src-main/store/db'
import { affects, VulnDb } from '../../../src-main/vulns/osv'
import { compareSemver } from '../../../src-main/vulns/versions/semver'
import { goStdlibVersion } from '../../../src-main/sbom/binaries'
import { buildGoBinary, goVersion } from '../../fixtures/sbom-binaries'

const ADVISORIES = [
  {
    id: 'GHSA-lodash-1',
    modified: '2026-01-01T00:00:00Z',
    aliases: ['CVE-2021-23337'],
    summary: 'Command injection in lodash',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'npm', name: 'lodash' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }],
      },
    ],
  },
  {
    id: 'GHSA-minimist-low',
    modified: '2026-01-01T00:00:00Z',
    database_specific: { severity: 'LOW' },
    affected: [
      {
        package: { ecosystem: 'npm', name: 'minimist' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { last_affected: '1.2.5' }] }],
      },
    ],
  },
  {
    id: 'DEBIAN-CVE-2024-0001',
    modified: '2026-01-01T00:00:00Z',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }],
      },
    ],
  },
  {
    id: 'GO-2024-0002',
    modified: '2026-01-01T00:00:00Z',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N' }],
    affected: [
      {
        package: { ecosystem: 'Go', name: 'golang.org/x/net' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] }],
      },
    ],
  },
  {
    id: 'GO-2024-stdlib',
    modified: '2026-01-01T00:00:00Z',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' }],
    affected: [
      {
        package: { ecosystem: 'Go', name: 'stdlib' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.18.0' }, { fixed: '1.99.0' }] }],
      },
    ],
  },
  // affects the version the binary's go.mod requires (v0.3.0), not the replacement it was built with (v0.3.8)
  {
    id: 'GO-2024-text',
    modified: '2026-01-01T00:00:00Z',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'Go', name: 'golang.org/x/text' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.3.7' }] }],
      },
    ],
  },
  {
    id: 'GHSA-not-affected',
    modified: '2026-01-01T00:00:00Z',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, versions: ['3.0.0'] }],
  },
]

function osvFolder(dir: string): string {
  const f = join(dir, 'osv')
  mkdirSync(f, { recursive: true })
  for (const a of ADVISORIES) writeFileSync(join(f, `${a.id}.json`), JSON.stringify(a))
  writeFileSync(join(f, 'README.json'), '{"not": "osv"}')
  return f
}

let goBinary: string | null = null

function buildPackage(dir: string): string {
  const src = join(dir, 'pkg')
  mkdirSync(join(src, 'web'), { recursive: true })
  mkdirSync(join(src, 'bin'), { recursive: true })
  goBinary ??= buildGoBinary(mkdtempSync(join(process.env.TMPDIR!, 'gobin-')))
  copyFileSync(goBinary, join(src, 'bin/app'))
  writeFileSync(
    join(src, 'web/package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'web' },
        'node_modules/lodash': { version: '4.17.20' },
        'node_modules/minimist': { version: '1.2.5' },
        'node_modules/safe': { version: '1.0.0' },
      },
    }),
  )
  writeFileSync(
    join(src, 'go.mod'),
    'module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.10.0\n\tgolang.org/x/text v0.13.0\n)\n',
  )
  const layer = join(dir, 'layer')
  mkdirSync(join(layer, 'var/lib/dpkg'), { recursive: true })
  mkdirSync(join(layer, 'etc'), { recursive: true })
  writeFileSync(
    join(layer, 'etc/os-release'),
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
  )
  writeFileSync(
    join(layer, 'var/lib/dpkg/status'),
    'Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\n',
  )
  execFileSync('tar', ['-czf', join(src, 'layer.tar.gz'), '-C', layer, 'etc', 'var'])
  execFileSync('tar', ['-czf', join(dir, 'app.tar.gz'), '-C', src, '.'])
  return join(dir, 'app.tar.gz')
}

// built once, in a hook (a cold Go build cache compiles the standard library first)
beforeAll(() => {
  goBinary ??= buildGoBinary(mkdtempSync(join(process.env.TMPDIR!, 'gobin-')))
})

describe('vulnerability gate', () => {
  it('imports a folder, re-imports only changes, and finds exactly the expected advisories', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'osv-'))
    const db = openDatabase(':memory:')
    const v = new VulnDb(db)
    expect(await v.importPath(osvFolder(dir))).toEqual({ added: 7, updated: 0, unchanged: 0, skipped: 1, removed: 0 })
    expect(await v.importPath(osvFolder(dir))).toEqual({ added: 0, updated: 0, unchanged: 7, skipped: 1, removed: 0 })
    expect(v.status().byEcosystem).toEqual({ Debian: 1, Go: 3, npm: 3 })
    const r = await scanPackage(buildPackage(dir), { db })
    const got = r.findings
      .filter((f) => f.rule.startsWith('vuln.'))
      .map((f) => `${f.rule} ${f.details!.advisory} ${f.location}`)
      .sort()
    expect(got).toEqual([
      'vuln.cvss-high DEBIAN-CVE-2024-0001 app.tar.gz!layer.tar.gz!var/lib/dpkg/status',
      'vuln.cvss-high GHSA-lodash-1 app.tar.gz!web/package-lock.json',
      'vuln.cvss-high GO-2024-stdlib app.tar.gz!bin/app',
      'vuln.cvss-low GHSA-minimist-low app.tar.gz!web/package-lock.json',
      'vuln.cvss-low GO-2024-0002 app.tar.gz!bin/app',
      'vuln.cvss-low GO-2024-0002 app.tar.gz!go.mod',
    ])
    expect(r.findings.find((f) => f.details?.advisory === 'GO-2024-stdlib')!.message).toMatch(
      new RegExp(
        `^stdlib ${goStdlibVersion(goVersion())!.replace(/\./g, '\\.')} \\(Go\\) .*score 7\\.5 .*Fixed in 1\\.99\\.0\\.`,
      ),
    )
    const lodash = r.findings.find((f) => f.details?.advisory === 'GHSA-lodash-1')!
    expect(lodash.message).toMatch(
      /lodash 4\.17\.20 .*CVE-2021-23337.*score 7\.2 \(CVSS:3\.1\/AV:N.*Fixed in 4\.17\.21/,
    )
    expect(r.findings.find((f) => f.details?.advisory === 'GHSA-minimist-low')!.message).toMatch(
      /severity label LOW \(GHSA\) was used/,
    )
    expect(r.components.map((c) => `${c.ecosystem}:${c.name}@${c.version}`).sort()).toEqual([
      'Debian:12:bash@5.2.15-2+b2',
      'Debian:12:libssl3@3.0.11-1~deb12u1',
      'Go:golang.org/x/net@v0.10.0',
      'Go:golang.org/x/net@v0.10.0',
      'Go:golang.org/x/text@v0.13.0',
      'Go:golang.org/x/text@v0.3.8',
      `Go:stdlib@${goStdlibVersion(goVersion())}`,
      'npm:lodash@4.17.20',
      'npm:minimist@1.2.5',
      'npm:safe@1.0.0',
    ])
    expect(r.verdict).toBe('fail')
    expect(r.checks.vulnerabilities.state).toBe('run')
  })

  it('imports an all.zip; without a database the report says vulnerabilities were not checked; an old import is stale', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'osv-'))
    const zip = new yazl.ZipFile()
    for (const a of ADVISORIES) zip.addBuffer(Buffer.from(JSON.stringify(a)), `${a.id}.json`)
    zip.end()
    await new Promise<void>((res) =>
      zip.outputStream.pipe(createWriteStream(join(dir, 'all.zip'))).on('close', () => res()),
    )
    const db = openDatabase(':memory:')
    expect((await new VulnDb(db).importPath(join(dir, 'all.zip'))).added).toBe(ADVISORIES.length)
    const pkg = buildPackage(dir)
    const none = await scanPackage(pkg, { db: openDatabase(':memory:') })
    expect(none.findings.filter((f) => f.rule === 'vulndb.missing').map((f) => f.severity)).toEqual(['warning'])
    expect(none.checks.vulnerabilities.state).toBe('not-run')
    db.prepare("UPDATE osv_imports SET imported_at = '2020-01-01T00:00:00Z'").run()
    expect((await scanPackage(pkg, { db })).findings.some((f) => f.rule === 'vulndb.stale')).toBe(true)
  })

  it('range semantics: introduced/fixed/last_affected/limit and explicit versions', () => {
    const x = {
      ranges: [
        {
          type: 'SEMVER',
          events: [
            { introduced: '1.0.0' },
            { fixed: '1.2.0' },
            { introduced: '2.0.0' },
            { last_affected: '2.1.0' },
            { introduced: '3.0.0' },
            { limit: '3.5.0' },
          ],
        },
      ],
      versions: ['0.5.0'],
    }
    const yes = ['1.0.0', '1.1.9', '2.0.0', '2.1.0', '3.0.0', '3.4.9', '0.5.0']
    const no = ['0.9.0', '1.2.0', '1.9.9', '2.1.1', '3.5.0', '4.0.0']
    for (const v of yes) expect(affects(x, v, compareSemver), v).toBe(true)
    for (const v of no) expect(affects(x, v, compareSemver), v).toBe(false)
  })
})

describe('CycloneDX', () => {
  it('writes a CycloneDX 1.6 SBOM with components and rated vulnerabilities, valid per the library', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'cdx-'))
    const db = openDatabase(':memory:')
    await new VulnDb(db).importPath(osvFolder(dir))
    const r = await scanPackage(buildPackage(dir), { db })
    const { cyclonedxReport } = await import('../../../src-main/reports/cyclonedx')
    const json = cyclonedxReport(r)
    const bom = JSON.parse(json)
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' })
    expect(bom.components.map((c: { name: string }) => c.name)).toContain('lodash')
    const v = bom.vulnerabilities.find((x: { id: string }) => x.id === 'GHSA-lodash-1')
    expect(v.ratings[0]).toMatchObject({ score: 7.2, method: 'CVSSv31', severity: 'high' })
    expect(v.affects[0].ref).toBe(bom.components.find((c: { name: string }) => c.name === 'lodash')['bom-ref'])
    const CDX = await import('@cyclonedx/cyclonedx-library')
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6)
    expect(await validator.validate(json)).toBeNull()
  })
})
