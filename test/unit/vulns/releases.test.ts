// OS packages are matched per distribution release, as OSV keys their advisories: an Ubuntu image's dpkg
// packages against Ubuntu:22.04 advisories (never Debian's), Debian 12 against Debian:12 (never Debian:11);
// withdrawn advisories never match and are removed by the next import; an all.zip import is a snapshot of its
// ecosystems (what it no longer holds goes), a folder import is incremental; components without a version
// comparison (openEuler, Fedora rpm) or without a known release are sbom.unmatched and the check is partial.
import { execFileSync } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import yazl from 'yazl'
import { describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import type { Report } from '../../../src-main/reports/model'
import { openDatabase } from '../../../src-main/store/db'
import { osEcosystem, osReleaseFromReleaseFile, releaseApplies } from '../../../src-main/vulns/ecosystems'
import { VulnDb, type OsvAdvisory } from '../../../src-main/vulns/osv'
import { buildRpmdb } from '../../fixtures/sbom-binaries'

const HIGH = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }]
const adv = (
  id: string,
  ecosystem: string,
  name: string,
  fixed: string,
  extra: Partial<OsvAdvisory> = {},
): OsvAdvisory => ({
  id,
  modified: '2026-01-01T00:00:00Z',
  severity: HIGH,
  ...extra,
  affected: [
    { package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] },
  ],
})

function folder(dir: string, name: string, advisories: OsvAdvisory[]): string {
  const f = join(dir, name)
  mkdirSync(f, { recursive: true })
  for (const a of advisories) writeFileSync(join(f, `${a.id}.json`), JSON.stringify(a))
  return f
}

async function zip(dir: string, name: string, advisories: OsvAdvisory[]): Promise<string> {
  const z = new yazl.ZipFile()
  for (const a of advisories) z.addBuffer(Buffer.from(JSON.stringify(a)), `${a.id}.json`)
  z.end()
  await new Promise<void>((res) => z.outputStream.pipe(createWriteStream(join(dir, name))).on('close', () => res()))
  return join(dir, name)
}

/** An image-like tar: each layer a tar of the given files, stored as OCI layouts store blobs. */
function image(dir: string, name: string, layers: Array<Record<string, string>>): string {
  const src = join(dir, `${name}-src`)
  mkdirSync(src, { recursive: true })
  layers.forEach((files, i) => {
    const root = join(dir, `${name}-layer${i}`)
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(join(root, p, '..'), { recursive: true })
      writeFileSync(join(root, p), text)
    }
    mkdirSync(join(src, 'blobs/sha256'), { recursive: true })
    execFileSync('tar', ['-cf', join(src, `blobs/sha256/layer${i}`), '-C', root, '.'])
  })
  execFileSync('tar', ['-czf', join(dir, name), '-C', src, '.'])
  return join(dir, name)
}

/** A docker-archive as skopeo (and docker save before Docker 25) writes it: one tar per layer beside manifest.json,
 *  whose Layers list gives their order; made from an OCI layout built with umoci. */
function dockerArchive(dir: string, name: string, layers: Array<Record<string, string | Buffer>>): string {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  layers.forEach((files, i) => {
    const root = join(dir, `${name}-layer${i}`)
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(join(root, p, '..'), { recursive: true })
      writeFileSync(join(root, p), text)
    }
    execFileSync('tar', ['-cf', `${root}.tar`, '-C', root, '.'])
    execFileSync('umoci', ['raw', 'add-layer', '--image', `${layout}:latest`, `${root}.tar`])
  })
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${join(dir, name)}:app:1`])
  return join(dir, name)
}

const vulns = (r: Report) =>
  r.findings
    .filter((f) => f.rule.startsWith('vuln.'))
    .map((f) => `${f.details!.advisory} ${f.details!.component}`)
    .sort()

const UBUNTU_OS =
  'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n'
const DEBIAN_OS =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
const STATUS =
  'Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.2-0ubuntu1.10\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.11.dfsg-2ubuntu9\n'

describe('distribution releases', () => {
  it("an Ubuntu 22.04 image is matched against Ubuntu:22.04 advisories (and ESM), never Debian's or another release's", async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'rel-'))
    const db = openDatabase(':memory:')
    await new VulnDb(db).importPath(
      folder(dir, 'osv', [
        adv('UBUNTU-CVE-1', 'Ubuntu:22.04:LTS', 'openssl', '3.0.2-0ubuntu1.12'),
        adv('UBUNTU-CVE-ESM', 'Ubuntu:Pro:22.04:LTS', 'zlib', '1:1.2.11.dfsg-2ubuntu9.2+esm1'),
        adv('UBUNTU-CVE-FIPS', 'Ubuntu:Pro:FIPS-updates:22.04:LTS', 'openssl', '3.0.2-0ubuntu1.99+fips'),
        adv('UBUNTU-CVE-2004', 'Ubuntu:20.04:LTS', 'openssl', '3.0.2-0ubuntu1.99'),
        adv('DEBIAN-CVE-1', 'Debian:12', 'openssl', '3.0.11-1~deb12u2'),
        adv('DEBIAN-CVE-2', 'Debian', 'zlib', '1:1.3'),
      ]),
    )
    // os-release in the base layer, the package database in the next one (as real images split them)
    const r = await scanPackage(
      image(dir, 'ubuntu.tar.gz', [{ 'etc/os-release': UBUNTU_OS }, { 'var/lib/dpkg/status': STATUS }]),
      { db },
    )
    expect(vulns(r)).toEqual(['UBUNTU-CVE-1 libssl3', 'UBUNTU-CVE-ESM zlib1g'])
    expect(r.components.map((c) => `${c.ecosystem} ${c.name} ${c.purl}`).sort()).toEqual([
      'Ubuntu:22.04 libssl3 pkg:deb/ubuntu/libssl3@3.0.2-0ubuntu1.10?upstream=openssl',
      'Ubuntu:22.04 zlib1g pkg:deb/ubuntu/zlib1g@1:1.2.11.dfsg-2ubuntu9?upstream=zlib',
    ])
    expect(r.checks.vulnerabilities.state).toBe('run')
    // the same in a docker-archive: layers are <id>/layer.tar, their order is manifest.json's
    const d = await scanPackage(
      dockerArchive(dir, 'ubuntu-docker.tar', [{ 'usr/lib/os-release': UBUNTU_OS }, { 'var/lib/dpkg/status': STATUS }]),
      { db },
    )
    expect(vulns(d)).toEqual(['UBUNTU-CVE-1 libssl3', 'UBUNTU-CVE-ESM zlib1g'])
    expect(d.findings.filter((f) => f.rule === 'sbom.unmatched')).toEqual([])
  })

  it('a Debian 12 component is not matched by a Debian:11-only advisory; an unknown release is said, not guessed', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'rel-'))
    const db = openDatabase(':memory:')
    await new VulnDb(db).importPath(
      folder(dir, 'osv', [
        adv('DSA-11', 'Debian:11', 'openssl', '1.1.1w-0+deb11u2'),
        adv('DSA-12', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u1'),
      ]),
    )
    const status =
      'Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 1.1.1n-0+deb11u5\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n'
    const r = await scanPackage(
      image(dir, 'debian.tar.gz', [{ 'etc/os-release': DEBIAN_OS, 'var/lib/dpkg/status': status }]),
      { db },
    )
    expect(vulns(r)).toEqual(['DSA-12 zlib1g'])
    expect(r.findings.filter((f) => f.rule === 'sbom.unmatched')).toEqual([])
    // no os-release anywhere in the image: the release is unknown, and the report says so
    const bare = await scanPackage(image(dir, 'bare.tar.gz', [{ 'var/lib/dpkg/status': status }]), { db })
    expect(vulns(bare)).toEqual([])
    const un = bare.findings.filter((f) => f.rule === 'sbom.unmatched')
    expect(un.map((f) => `${f.location} ${f.details!.ecosystem} ${f.details!.count} ${f.details!.reason}`)).toEqual([
      'bare.tar.gz!blobs/sha256/layer0!var/lib/dpkg/status Debian 2 release-unknown',
    ])
    expect(un[0].message).toMatch(/^2 Debian component\(s\) were NOT checked .*release is unknown.*libssl3, zlib1g\.$/)
    expect(bare.checks.vulnerabilities).toMatchObject({ state: 'partial' })
    // no os-release but Debian's own release file: the release is known
    const old = await scanPackage(
      image(dir, 'old.tar.gz', [{ 'etc/debian_version': '12.5\n', 'var/lib/dpkg/status': status }]),
      { db },
    )
    expect(vulns(old)).toEqual(['DSA-12 zlib1g'])
    expect(old.components.map((c) => c.ecosystem)).toEqual(['Debian:12', 'Debian:12'])
  })

  it('os-release to the OSV ecosystem with release; advisory releases per OSV conventions', () => {
    expect(osEcosystem('dpkg', UBUNTU_OS)).toBe('Ubuntu:22.04')
    expect(osEcosystem('dpkg', DEBIAN_OS)).toBe('Debian:12')
    expect(osEcosystem('dpkg', 'ID=debian\nVERSION_CODENAME=trixie\n')).toBe('Debian:13')
    expect(osEcosystem('dpkg', 'ID=debian\nVERSION_CODENAME=sid\n')).toBe('Debian')
    expect(
      osEcosystem('dpkg', 'ID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"\nUBUNTU_CODENAME=jammy\n'),
    ).toBe('Ubuntu:22.04')
    expect(osEcosystem('dpkg', 'ID=raspbian\nID_LIKE=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')).toBe(
      'Debian:12',
    )
    expect(osEcosystem('dpkg', null)).toBe('Debian')
    expect(osEcosystem('apk', 'ID=alpine\nVERSION_ID=3.19.1\n')).toBe('Alpine:v3.19')
    expect(osEcosystem('apk', 'ID=wolfi\n')).toBe('Wolfi')
    expect(osEcosystem('rpm', 'ID="openEuler"\nVERSION_ID="22.03"\n')).toBe('openEuler:22.03')
    // the distributions' release files, where a root has no os-release
    const fromFile = (path: string, text: string, db: 'dpkg' | 'apk' | 'rpm') =>
      osEcosystem(db, osReleaseFromReleaseFile(path, text))
    expect(fromFile('etc/debian_version', '11.9\n', 'dpkg')).toBe('Debian:11')
    expect(fromFile('etc/debian_version', 'bookworm/sid\n', 'dpkg')).toBe('Debian')
    expect(fromFile('etc/alpine-release', '3.18.6\n', 'apk')).toBe('Alpine:v3.18')
    expect(fromFile('etc/centos-release', 'CentOS release 6.10 (Final)\n', 'rpm')).toBe('Red Hat:6')
    expect(fromFile('etc/redhat-release', 'Red Hat Enterprise Linux Server release 7.9 (Maipo)\n', 'rpm')).toBe(
      'Red Hat:7',
    )
    expect(fromFile('etc/rocky-release', 'Rocky Linux release 8.9 (Green Obsidian)\n', 'rpm')).toBe('Rocky Linux:8')
    expect(
      fromFile('etc/SuSE-release', 'SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n', 'rpm'),
    ).toBe('SUSE:11.4')
    expect(fromFile('etc/fedora-release', 'Fedora release 39 (Thirty Nine)\n', 'rpm')).toBe('Fedora:39')
    const yes: Array<[string, string]> = [
      ['Ubuntu:22.04', 'Ubuntu:22.04:LTS'],
      ['Ubuntu:22.04', 'Ubuntu:Pro:22.04:LTS'],
      ['Ubuntu:24.10', 'Ubuntu:24.10'],
      ['Debian:12', 'Debian:12'],
      ['Debian:12', 'Debian'],
      ['Alpine:v3.19', 'Alpine:v3.19'],
      ['Rocky Linux:9', 'Rocky Linux:9'],
      ['Red Hat:9', 'Red Hat:enterprise_linux:9::appstream'],
      ['SUSE:15.5', 'SUSE:Linux Enterprise Server 15 SP5'],
      ['openSUSE:15.5', 'openSUSE:Leap 15.5'],
      ['npm', 'npm'],
    ]
    const no: Array<[string, string]> = [
      ['Ubuntu:22.04', 'Debian:12'],
      ['Ubuntu:22.04', 'Ubuntu:20.04:LTS'],
      ['Ubuntu:22.04', 'Ubuntu:Pro:FIPS-updates:22.04:LTS'],
      ['Ubuntu:22.04', 'Ubuntu:Pro:22.04:LTS:Realtime:Kernel'],
      ['Debian:12', 'Debian:11'],
      ['Debian:12', 'Ubuntu:22.04:LTS'],
      ['Alpine:v3.19', 'Alpine:v3.18'],
      ['Red Hat:9', 'Red Hat:rhel_eus:9.2::baseos'],
      ['Red Hat:9', 'Red Hat:enterprise_linux:8::appstream'],
      ['SUSE:15.5', 'SUSE:Linux Enterprise Server 15 SP4'],
      ['openSUSE:15.5', 'openSUSE:Leap Micro 5.5'],
    ]
    for (const [c, a] of yes) expect(releaseApplies(c, a), `${c} ← ${a}`).toBe(true)
    for (const [c, a] of no) expect(releaseApplies(c, a), `${c} ← ${a}`).toBe(false)
  })
})

describe('withdrawn and removed advisories', () => {
  const debian = (dir: string) =>
    image(dir, 'deb.tar.gz', [
      {
        'etc/os-release': DEBIAN_OS,
        'var/lib/dpkg/status':
          'Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n',
      },
    ])

  it('a withdrawn advisory is not imported, removes the stored copy (folder import), and never matches', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'wd-'))
    const db = openDatabase(':memory:')
    const v = new VulnDb(db)
    const pkg = debian(dir)
    const live = adv('DSA-W', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u1')
    const other = adv('DSA-O', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u1', { modified: '2026-01-02T00:00:00Z' })
    expect(await v.importPath(folder(dir, 'v1', [live, other]))).toMatchObject({ added: 2, removed: 0 })
    expect(vulns(await scanPackage(pkg, { db }))).toEqual(['DSA-O zlib1g', 'DSA-W zlib1g'])
    // the next incremental import brings DSA-W withdrawn and no longer holds DSA-O: DSA-W goes, DSA-O stays
    expect(
      await v.importPath(
        folder(dir, 'v2', [{ ...live, modified: '2026-02-01T00:00:00Z', withdrawn: '2026-02-01T00:00:00Z' }]),
      ),
    ).toMatchObject({ added: 0, updated: 0, removed: 1 })
    expect(vulns(await scanPackage(pkg, { db }))).toEqual(['DSA-O zlib1g'])
    expect(v.status().advisories).toBe(1)
    // a withdrawn advisory never imported before is not imported
    expect(
      await v.importPath(
        folder(dir, 'v3', [{ ...adv('DSA-N', 'Debian:12', 'zlib', '9'), withdrawn: '2026-02-01T00:00:00Z' }]),
      ),
    ).toMatchObject({ added: 0, removed: 0 })
    expect(v.status().advisories).toBe(1)
    // a database stored before withdrawn advisories were refused: matching ignores them
    db.prepare('UPDATE osv_advisories SET json = ? WHERE id = ?').run(
      JSON.stringify({ ...other, withdrawn: '2026-02-01T00:00:00Z' }),
      'DSA-O',
    )
    expect(vulns(await scanPackage(pkg, { db }))).toEqual([])
  })

  it('an all.zip is a snapshot of its ecosystems: advisories it no longer holds are removed, other ecosystems kept', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'snap-'))
    const db = openDatabase(':memory:')
    const v = new VulnDb(db)
    const pkg = debian(dir)
    const a = adv('DSA-A', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u1')
    const b = adv('DSA-B', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u2')
    const c = adv('DSA-C', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u3')
    // one advisory for two ecosystems: the Debian snapshot drops it for Debian only
    const both: OsvAdvisory = {
      ...adv('CVE-BOTH', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u4'),
      affected: [
        ...adv('x', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u4').affected!,
        ...adv('x', 'npm', 'zlib', '2.0.0').affected!,
      ],
    }
    await v.importPath(folder(dir, 'npm', [adv('GHSA-N', 'npm', 'left-pad', '2.0.0')]))
    expect(await v.importPath(await zip(dir, 'v1.zip', [a, b, c, both]))).toMatchObject({ added: 4, removed: 0 })
    expect(vulns(await scanPackage(pkg, { db }))).toEqual([
      'CVE-BOTH zlib1g',
      'DSA-A zlib1g',
      'DSA-B zlib1g',
      'DSA-C zlib1g',
    ])
    // upstream withdrew B and deleted C and CVE-BOTH's Debian part
    expect(
      await v.importPath(
        await zip(dir, 'v2.zip', [a, { ...b, modified: '2026-03-01T00:00:00Z', withdrawn: '2026-03-01T00:00:00Z' }]),
      ),
    ).toMatchObject({ unchanged: 1, removed: 3 })
    expect(vulns(await scanPackage(pkg, { db }))).toEqual(['DSA-A zlib1g'])
    expect(v.status().byEcosystem).toEqual({ Debian: 1, npm: 2 })
    expect(v.match('npm', 'zlib', '1.0.0').map((m) => m.advisory.id)).toEqual(['CVE-BOTH'])
    // a later snapshot that holds it again brings its Debian part back, though its modified time did not change
    expect(await v.importPath(await zip(dir, 'v3.zip', [a, both]))).toMatchObject({ updated: 1, unchanged: 1 })
    expect(vulns(await scanPackage(pkg, { db }))).toEqual(['CVE-BOTH zlib1g', 'DSA-A zlib1g'])
  })

  it("a per-release all.zip is a snapshot of that release only: another release's advisories stay", async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'snap-'))
    const v = new VulnDb(openDatabase(':memory:'))
    await v.importPath(await zip(dir, 'debian11.zip', [adv('DLA-11', 'Debian:11', 'zlib', '1:1.2.11.dfsg-2+deb11u3')]))
    await v.importPath(
      await zip(dir, 'debian12-v1.zip', [
        adv('DSA-12', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u1'),
        adv('DSA-12b', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u2'),
      ]),
    )
    expect(
      await v.importPath(
        await zip(dir, 'debian12-v2.zip', [adv('DSA-12', 'Debian:12', 'zlib', '1:1.2.13.dfsg-1+deb12u1')]),
      ),
    ).toMatchObject({ unchanged: 1, removed: 1 })
    expect(v.match('Debian:11', 'zlib', '1:1.2.11.dfsg-2').map((m) => m.advisory.id)).toEqual(['DLA-11'])
    expect(v.match('Debian:12', 'zlib', '1:1.2.13.dfsg-1').map((m) => m.advisory.id)).toEqual(['DSA-12'])
  })
})

describe('components that could not be matched', () => {
  it('openEuler and Fedora rpm databases are sbom.unmatched (count and names per root) and the check is partial', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'unm-'))
    const rpmdb = buildRpmdb(dir, [
      { name: 'openssl-libs', version: '3.0.12', release: '5.oe2203sp3' },
      { name: 'bash', version: '5.1.8', release: '6.oe2203sp3' },
    ])
    const src = join(dir, 'pkg')
    for (const [name, os] of [
      ['euler', 'NAME="openEuler"\nVERSION="22.03 (LTS-SP3)"\nID="openEuler"\nVERSION_ID="22.03"\n'],
      ['fedora', 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=39\n'],
    ]) {
      const root = join(dir, name)
      mkdirSync(join(root, 'etc'), { recursive: true })
      mkdirSync(join(root, 'var/lib/rpm'), { recursive: true })
      writeFileSync(join(root, 'etc/os-release'), os)
      execFileSync('cp', [rpmdb, join(root, 'var/lib/rpm/rpmdb.sqlite')])
      mkdirSync(src, { recursive: true })
      execFileSync('tar', ['-cf', join(src, `${name}.tar`), '-C', root, 'etc', 'var'])
    }
    writeFileSync(
      join(src, 'package-lock.json'),
      JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/lodash': { version: '4.17.20' } } }),
    )
    execFileSync('tar', ['-czf', join(dir, 'images.tar.gz'), '-C', src, '.'])
    const db = openDatabase(':memory:')
    await new VulnDb(db).importPath(
      folder(dir, 'osv', [
        adv('GHSA-L', 'npm', 'lodash', '4.17.21'),
        adv('OESA-1', 'openEuler:22.03-LTS-SP3', 'openssl-libs', '3.0.12-6.oe2203sp3'),
      ]),
    )
    const r = await scanPackage(join(dir, 'images.tar.gz'), { db })
    expect(vulns(r)).toEqual(['GHSA-L lodash'])
    const un = r.findings.filter((f) => f.rule === 'sbom.unmatched')
    expect(
      un
        .map((f) => `${f.severity} ${f.location} ${f.details!.ecosystem} ${f.details!.count} ${f.details!.reason}`)
        .sort(),
    ).toEqual([
      'warning images.tar.gz!euler.tar!var/lib/rpm/rpmdb.sqlite openEuler:22.03 2 no-comparator',
      'warning images.tar.gz!fedora.tar!var/lib/rpm/rpmdb.sqlite Fedora:39 2 no-comparator',
    ])
    expect(un[0].message).toMatch(
      /^2 .* component\(s\) were NOT checked for vulnerabilities: Preflight cannot compare .* versions.*Components: (openssl-libs, bash|bash, openssl-libs)\.$/,
    )
    expect(r.checks.vulnerabilities.state).toBe('partial')
    expect(r.checks.vulnerabilities.note).toMatch(/^4 component\(s\) not matched \(sbom\.unmatched\)/)
    expect(r.facts.sbom).toMatchObject({ unmatched: 4 })
    // a database an upper layer replaces is not in the image: neither are its components nor their finding
    const rpm = readFileSync(rpmdb)
    const upper = await scanPackage(
      dockerArchive(dir, 'fedora-docker.tar', [
        { 'etc/os-release': 'ID=fedora\nVERSION_ID=39\n', 'var/lib/rpm/rpmdb.sqlite': rpm },
        { 'var/lib/rpm/rpmdb.sqlite': rpm },
      ]),
      { db },
    )
    const un2 = upper.findings.filter((f) => f.rule === 'sbom.unmatched')
    expect(un2.map((f) => f.details!.ecosystem)).toEqual(['Fedora:39'])
    // the upper layer: the one manifest.json lists last
    const manifest = JSON.parse(
      execFileSync('tar', ['-xOf', join(dir, 'fedora-docker.tar'), 'manifest.json'], { encoding: 'utf8' }),
    ) as Array<{ Layers: string[] }>
    expect(un2[0].location).toBe(`fedora-docker.tar!${manifest[0].Layers[1]}!var/lib/rpm/rpmdb.sqlite`)
  })
})
