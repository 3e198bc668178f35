// rpm SQLite databases: a real rpmdb.sqlite made here with rpm itself (packages built with rpmbuild and
// registered with --justdb), checked against `rpm -qa`; the distribution from os-release in the same root or
// image; the size cap and damaged databases as sbom.unreadable; the temp copy never outlives the read.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { createRpmdbDetector, parseRpmHeader } from '../../../src-main/sbom/rpmdb'
import { osEcosystem } from '../../../src-main/vulns/ecosystems'
import { openDatabase } from '../../../src-main/store/db'
import { VulnDb } from '../../../src-main/vulns/osv'
import { buildRpmdb } from '../../fixtures/sbom-binaries'

const PACKAGES = [
  { name: 'openssl-libs', version: '3.0.7', release: '24.el9', epoch: 1, arch: 'x86_64' },
  { name: 'tzdata', version: '2023c', release: '1.el9' },
  { name: 'bash', version: '5.1.8', release: '6.el9_1', arch: 'x86_64' },
]
const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith('preflight-rpmdb-'))

describe('rpm sqlite database', () => {
  let dir: string
  let db: string
  beforeAll(() => {
    dir = mkdtempSync(join(process.env.TMPDIR!, 'rpmdb-'))
    db = buildRpmdb(dir, PACKAGES)
  })

  it('lists every installed package with epoch, version and release, as rpm -qa does', () => {
    const bytes = readFileSync(db)
    const want = execFileSync(
      'rpm',
      ['--dbpath', join(dir, 'rpmdb'), '-qa', '--qf', '%{NAME}@%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n'],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .sort()
    expect(want).toEqual(['bash@5.1.8-6.el9_1', 'openssl-libs@1:3.0.7-24.el9', 'tzdata@2023c-1.el9'])
    for (const chunk of [bytes.length, 4096, 333]) {
      const sink = createRpmdbDetector().open('x')
      for (let i = 0; i < bytes.length; i += chunk) sink.write(bytes.subarray(i, i + chunk))
      const got = sink.end()
      expect(got.map((c) => `${c.name}@${c.version}`).sort()).toEqual(want)
      expect(got.find((c) => c.name === 'openssl-libs')!.purl).toBe(
        'pkg:rpm/openssl-libs@3.0.7-24.el9?arch=x86_64&epoch=1&upstream=openssl-libs-3.0.7-24.el9.src.rpm',
      )
    }
    expect(leftovers()).toEqual([])
  })

  it('in an image layer: the ecosystem follows os-release of the same root, or of another layer of the same image', async () => {
    const src = join(dir, 'pkg')
    const rocky = join(dir, 'rocky')
    mkdirSync(join(rocky, 'etc'), { recursive: true })
    mkdirSync(join(rocky, 'var/lib/rpm'), { recursive: true })
    writeFileSync(
      join(rocky, 'etc/os-release'),
      'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n',
    )
    writeFileSync(join(rocky, 'var/lib/rpm/rpmdb.sqlite'), readFileSync(db))
    const alma = join(dir, 'alma')
    mkdirSync(join(alma, 'base/usr/lib'), { recursive: true })
    mkdirSync(join(alma, 'top/usr/lib/sysimage/rpm'), { recursive: true })
    writeFileSync(join(alma, 'base/usr/lib/os-release'), 'ID="almalinux"\n')
    writeFileSync(join(alma, 'top/usr/lib/sysimage/rpm/rpmdb.sqlite'), readFileSync(db))
    mkdirSync(join(src, 'alma'), { recursive: true })
    execFileSync('tar', ['-cf', join(src, 'rocky-layer.tar'), '-C', rocky, 'etc', 'var'])
    execFileSync('tar', ['-cf', join(src, 'alma/layer1.tar'), '-C', join(alma, 'base'), 'usr'])
    execFileSync('tar', ['-cf', join(src, 'alma/layer2.tar'), '-C', join(alma, 'top'), 'usr'])
    execFileSync('tar', ['-czf', join(dir, 'images.tar.gz'), '-C', src, '.'])
    const osv = openDatabase(':memory:')
    mkdirSync(join(dir, 'osv'))
    writeFileSync(
      join(dir, 'osv/RLSA-1.json'),
      JSON.stringify({
        id: 'RLSA-2024:0001',
        modified: '2026-01-01T00:00:00Z',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }],
        affected: [
          {
            package: { ecosystem: 'Rocky Linux:9', name: 'openssl-libs' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:3.0.7-25.el9_3' }] }],
          },
        ],
      }),
    )
    await new VulnDb(osv).importPath(join(dir, 'osv'))
    const r = await scanPackage(join(dir, 'images.tar.gz'), { db: osv })
    const ecosystems = [...new Set(r.components.map((c) => `${c.ecosystem} ${c.location}`))].sort()
    expect(ecosystems).toEqual([
      'AlmaLinux images.tar.gz!alma/layer2.tar!usr/lib/sysimage/rpm/rpmdb.sqlite',
      'Rocky Linux:9 images.tar.gz!rocky-layer.tar!var/lib/rpm/rpmdb.sqlite',
    ])
    expect(
      r.findings
        .filter((f) => f.rule.startsWith('vuln.'))
        .map((f) => `${f.rule} ${f.details!.advisory} ${f.details!.component} ${f.location}`),
    ).toEqual(['vuln.cvss-high RLSA-2024:0001 openssl-libs images.tar.gz!rocky-layer.tar!var/lib/rpm/rpmdb.sqlite'])
    expect(leftovers()).toEqual([])
  })

  it('a database over the cap and a damaged one are sbom.unreadable; the temp copy is removed', async () => {
    const sink = createRpmdbDetector(1024).open('x')
    sink.write(readFileSync(db))
    expect(() => sink.end()).toThrow(/larger than/)
    const src = join(dir, 'bad')
    mkdirSync(join(src, 'var/lib/rpm'), { recursive: true })
    writeFileSync(
      join(src, 'var/lib/rpm/rpmdb.sqlite'),
      Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(5000, 7)]),
    )
    execFileSync('tar', ['-cf', join(dir, 'bad.tar'), '-C', src, 'var'])
    const r = await scanPackage(join(dir, 'bad.tar'))
    const bad = r.findings.filter((f) => f.rule === 'sbom.unreadable')
    expect(bad.map((f) => f.location)).toEqual(['bad.tar!var/lib/rpm/rpmdb.sqlite'])
    expect(bad[0].message).toMatch(/^rpm-sqlite: cannot be parsed/)
    expect(leftovers()).toEqual([])
  })

  it('a hostile database (Packages as a view, triggers) is refused before any of its SQL runs', () => {
    const Database = require('better-sqlite3') as typeof import('better-sqlite3')
    for (const [name, sql] of [
      ['view', 'CREATE TABLE real (hnum INTEGER, blob BLOB); CREATE VIEW Packages AS SELECT hnum, blob FROM real'],
      [
        'trigger',
        'CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); CREATE TABLE t (x); CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM Packages; END',
      ],
    ] as const) {
      const file = join(dir, `hostile-${name}.sqlite`)
      const w = new Database(file)
      w.exec(sql)
      w.close()
      const sink = createRpmdbDetector().open('x')
      sink.write(readFileSync(file))
      expect(() => sink.end(), name).toThrow(name === 'view' ? /Packages is a view, not rpm's table/ : /holds triggers/)
    }
    expect(leftovers()).toEqual([])
  })

  it('header blobs: the rpm header format, and damaged blobs are errors', () => {
    // one index entry (NAME) plus VERSION and RELEASE, data store of NUL-terminated strings
    const data = Buffer.from('zlib\x001.2.11\x0040.el9\x00')
    const entries = [
      [1000, 6, 0, 1],
      [1001, 6, 5, 1],
      [1002, 6, 12, 1],
    ]
    const blob = Buffer.alloc(8 + entries.length * 16 + data.length)
    blob.writeUInt32BE(entries.length, 0)
    blob.writeUInt32BE(data.length, 4)
    entries.forEach((e, i) => e.forEach((v, k) => blob.writeUInt32BE(v, 8 + i * 16 + k * 4)))
    data.copy(blob, 8 + entries.length * 16)
    expect(parseRpmHeader(blob)).toEqual({
      name: 'zlib',
      version: '1.2.11',
      release: '40.el9',
      epoch: null,
      arch: null,
      sourceRpm: null,
    })
    expect(() => parseRpmHeader(blob.subarray(0, 30))).toThrow(/out of range/)
    const noTerm = Buffer.from(blob)
    noTerm[noTerm.length - 1] = 0x41
    expect(() => parseRpmHeader(noTerm)).toThrow(/unterminated/)
    expect(() => parseRpmHeader(Buffer.alloc(4))).toThrow()
  })

  it('os-release to OSV ecosystem', () => {
    const rpm = (t: string | null) => osEcosystem('rpm', t)
    expect(
      [
        'ID=rhel',
        'ID="rocky"',
        "ID='almalinux'",
        'ID=centos\nID_LIKE="rhel fedora"',
        'ID="opensuse-leap"',
        'ID=sles',
        'ID=fedora',
      ].map(rpm),
    ).toEqual(['Red Hat', 'Rocky Linux', 'AlmaLinux', 'Red Hat', 'openSUSE', 'SUSE', 'Fedora'])
    expect(
      [
        'ID=rhel\nVERSION_ID="9.3"',
        'ID="rocky"\nVERSION_ID="8.9"',
        'ID=centos\nID_LIKE="rhel fedora"\nVERSION_ID="9"',
        'ID="opensuse-leap"\nVERSION_ID="15.5"',
        'ID=sles\nVERSION_ID="15"',
        'ID=opensuse-tumbleweed',
        'ID=fedora\nVERSION_ID=39',
        'ID=openEuler\nVERSION_ID="22.03"',
      ].map(rpm),
    ).toEqual([
      'Red Hat:9',
      'Rocky Linux:8',
      'Red Hat:9',
      'openSUSE:15.5',
      'SUSE:15.0',
      'openSUSE:tumbleweed',
      'Fedora:39',
      'openEuler:22.03',
    ])
    expect(rpm(null)).toBe('Red Hat')
  })
})
