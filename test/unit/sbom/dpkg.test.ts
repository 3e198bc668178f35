// dpkg components are the binary packages as installed: the JSON report's version is each package's own Version
// (epoch included) and equals the version in its purl; the source package is a purl qualifier and what Debian
// advisories are matched on. Checked on this machine's real /var/lib/dpkg/status against dpkg-query's own reading
// of it, and on packages whose binary and source versions differ (epochs, binNMUs, a binary versioned apart).
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { jsonReport } from '../../../src-main/reports/json'
import type { Component } from '../../../src-main/reports/model'
import { DETECTORS } from '../../../src-main/sbom/detectors'
import { openDatabase } from '../../../src-main/store/db'
import { VulnDb } from '../../../src-main/vulns/osv'

const DEBIAN_12 =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'

/** Paragraphs as Debian 12 installs them, where source and binary versions differ. */
const STATUS = [
  'Package: bsdutils\nEssential: yes\nStatus: install ok installed\nPriority: required\nArchitecture: amd64\nSource: util-linux (2.38.1-5+deb12u3)\nVersion: 1:2.38.1-5+deb12u3\nDescription: basic utilities from 4.4BSD-Lite\n This package contains the bare minimum of BSD utilities.\n',
  'Package: dmsetup\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: foreign\nSource: lvm2 (2.03.16-2)\nVersion: 2:1.02.185-2\n',
  'Package: bash\nEssential: yes\nStatus: install ok installed\nArchitecture: amd64\nSource: bash (5.2.15-2)\nVersion: 5.2.15-2+b8\n',
  'Package: libcap2\nStatus: hold ok installed\nArchitecture: amd64\nSource: libcap2 (1:2.66-4+deb12u2)\nVersion: 1:2.66-4+deb12u2+b2\n',
  'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n',
  'Package: adduser\nStatus: install ok installed\nArchitecture: all\nVersion: 3.134\n',
  'Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1:1.0-1\n',
].join('\n')

/** The version a purl names, percent-decoded. */
function purlVersion(purl: string): string {
  const m = /^pkg:deb\/[^/]+\/[^@]+@([^?#]+)/.exec(purl)
  if (!m) throw new Error(`not a deb purl with a version: ${purl}`)
  return decodeURIComponent(m[1])
}

function imageTar(dir: string, status: string): string {
  const root = join(dir, 'root')
  mkdirSync(join(root, 'etc'), { recursive: true })
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
  writeFileSync(join(root, 'etc/os-release'), DEBIAN_12)
  copyFileSync(status, join(root, 'var/lib/dpkg/status'))
  execFileSync('tar', ['-cf', join(dir, 'rootfs.tar'), '-C', root, 'etc', 'var'])
  return join(dir, 'rootfs.tar')
}

describe('dpkg status components', () => {
  const parse = (text: string) => DETECTORS.find((d) => d.id === 'dpkg-status')!.parse(text, 'var/lib/dpkg/status')

  it('the binary version, epoch included, is the version and the purl version; the source is a qualifier', () => {
    expect(parse(STATUS).map((c) => [c.name, c.version, c.sourceName, c.sourceVersion, c.purl])).toEqual([
      [
        'bsdutils',
        '1:2.38.1-5+deb12u3',
        'util-linux',
        '2.38.1-5+deb12u3',
        'pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&upstream=util-linux%402.38.1-5%2Bdeb12u3',
      ],
      [
        'dmsetup',
        '2:1.02.185-2',
        'lvm2',
        '2.03.16-2',
        'pkg:deb/debian/dmsetup@2:1.02.185-2?arch=amd64&upstream=lvm2%402.03.16-2',
      ],
      [
        'bash',
        '5.2.15-2+b8',
        'bash',
        '5.2.15-2',
        'pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&upstream=bash%405.2.15-2',
      ],
      [
        'libcap2',
        '1:2.66-4+deb12u2+b2',
        'libcap2',
        '1:2.66-4+deb12u2',
        'pkg:deb/debian/libcap2@1:2.66-4%2Bdeb12u2%2Bb2?arch=amd64&upstream=libcap2%401:2.66-4%2Bdeb12u2',
      ],
      [
        'zlib1g',
        '1:1.2.13.dfsg-1',
        'zlib',
        undefined,
        'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&upstream=zlib',
      ],
      ['adduser', '3.134', 'adduser', undefined, 'pkg:deb/debian/adduser@3.134?arch=all'],
    ])
  })

  it("this machine's dpkg status: every component's JSON version is its purl's and dpkg-query's", async () => {
    expect(existsSync('/var/lib/dpkg/status'), 'the tests run on Debian (see scripts/system-deps.mjs)').toBe(true)
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'dpkg-'))
    const admin = join(dir, 'admin')
    mkdirSync(admin)
    copyFileSync('/var/lib/dpkg/status', join(admin, 'status'))
    // dpkg's own reading of the same file: binary version and source package of every installed package
    const installed = execFileSync(
      'dpkg-query',
      [
        '--admindir',
        admin,
        '-W',
        '-f',
        '${Status}\\t${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\n',
      ],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter((l) => /^\S+ \S+ installed\t/.test(l))
      .map((l) => l.split('\t').slice(1))
    expect(installed.length).toBeGreaterThan(20)
    const report = JSON.parse(
      jsonReport(await scanPackage(imageTar(dir, join(admin, 'status')), { db: openDatabase(':memory:') })),
    ) as { components: Component[] }
    const dpkg = report.components.filter((c) => c.location.endsWith('var/lib/dpkg/status'))
    expect(dpkg.map((c) => [c.name, c.version, c.sourceName, c.sourceVersion ?? c.version]).sort()).toEqual(
      installed.sort(),
    )
    for (const c of dpkg) {
      expect(purlVersion(c.purl!), c.purl).toBe(c.version)
      expect(c.ecosystem).toBe('Debian:12')
    }
    // the case the JSON used to get wrong: a binary with an epoch whose source has none (or a binNMU)
    expect(dpkg.some((c) => c.version.includes(':') && c.sourceVersion !== undefined)).toBe(
      installed.some(([, v, , , sv]) => v.includes(':') && v !== sv),
    )
  })

  it('advisories are matched on the source version: an epoch or a binNMU of the binary never hides one', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'dpkg-'))
    writeFileSync(join(dir, 'status'), STATUS)
    const db = openDatabase(':memory:')
    const osv = join(dir, 'osv')
    mkdirSync(osv)
    const advisory = (id: string, name: string, fixed: string) =>
      writeFileSync(
        join(osv, `${id}.json`),
        JSON.stringify({
          id,
          modified: '2026-01-01T00:00:00Z',
          severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
          affected: [
            {
              package: { ecosystem: 'Debian:12', name },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
            },
          ],
        }),
      )
    advisory('DEBIAN-CVE-2026-0001', 'util-linux', '2.38.1-5+deb12u4') // bsdutils 1:… would compare above it by its epoch alone
    advisory('DEBIAN-CVE-2026-0002', 'lvm2', '2.03.16-3') // dmsetup 2:1.02.185-2 likewise
    advisory('DEBIAN-CVE-2026-0003', 'bash', '5.2.15-3') // binNMU 5.2.15-2+b8 of source 5.2.15-2
    advisory('DEBIAN-CVE-2026-0004', 'zlib', '1:1.2.13.dfsg-1') // installed the fixed version
    advisory('DEBIAN-CVE-2026-0005', 'libcap2', '1:2.66-4+deb12u1') // the source is newer than the fix
    await new VulnDb(db).importPath(osv)
    const report = await scanPackage(imageTar(dir, join(dir, 'status')), { db })
    const vulns = report.findings.filter((f) => f.rule.startsWith('vuln.'))
    expect(vulns.map((f) => `${f.details!.component} ${f.details!.version} ${f.details!.advisory}`).sort()).toEqual([
      'bash 5.2.15-2+b8 DEBIAN-CVE-2026-0003',
      'bsdutils 1:2.38.1-5+deb12u3 DEBIAN-CVE-2026-0001',
      'dmsetup 2:1.02.185-2 DEBIAN-CVE-2026-0002',
    ])
    expect(vulns.find((f) => f.details!.component === 'dmsetup')!.message).toMatch(
      /^dmsetup 2:1\.02\.185-2 \(source lvm2 2\.03\.16-2\) \(Debian:12\) is affected by DEBIAN-CVE-2026-0002/,
    )
  })
})
