// image.os-mismatch: the OS the seller picked for the release against the OS the scan found in the guest, for
// SCP (osType) and KooGallery (osType Linux/Windows/Other, free-text osVersion); in the release validation, in a
// draft whose package snapshot holds the scan's guest OS (as the wizard's prefill stores it) or whose last scan
// of the same package names it, and in the catalogue in both languages.
import { describe, expect, it } from 'vitest'
import { DraftService } from '../../../src-main/drafts/service'
import { getRule, ruleText } from '../../../src-preload/catalogue'
import { osMismatchFindings, validateRelease, type DetectedOs } from '../../../src-main/rules/release'
import { openDatabase } from '../../../src-main/store/db'
import { prefill } from '../../../src-renderer/screens/wizard/derive'
import { goodImage } from '../../fixtures/releases'

const UBUNTU: DetectedOs = { id: 'ubuntu', versionId: '22.04', name: 'Ubuntu 22.04.3 LTS' }
const ROCKY: DetectedOs = { id: 'rocky', versionId: '9.2', name: 'Rocky Linux 9.2 (Blue Onyx)' }
const DEBIAN: DetectedOs = { id: 'debian', versionId: '12', name: 'Debian GNU/Linux 12 (bookworm)' }
const scp = (osType: string) => ({ attrs: { name: 'web', osType, visibility: 'Private', minDiskGB: 10 } })
const kg = (attrs: Record<string, unknown>) => ({ ...goodImage, attrs: { ...goodImage.attrs, ...attrs } })
const mismatches = (profile: string, values: Record<string, unknown>, guestOs?: DetectedOs | null) =>
  validateRelease(profile, values, { guestOs })
    .filter((f) => f.rule === 'image.os-mismatch')
    .map((f) => `${f.location}: ${f.message}`)

describe('image.os-mismatch in the release validation', () => {
  it("scp-image: the OS type must be the guest's; an OS SCP does not list is said", () => {
    expect(mismatches('scp-image', scp('Ubuntu'), UBUNTU)).toEqual([])
    expect(mismatches('scp-image', scp('Rocky Linux'), ROCKY)).toEqual([])
    expect(mismatches('scp-image', scp('CentOS'), UBUNTU)).toEqual([
      'attrs.osType: The stated OS type "CentOS" disagrees with the guest the scan found: Ubuntu 22.04.3 LTS (ubuntu 22.04) is "Ubuntu".',
    ])
    expect(mismatches('scp-image', scp('Ubuntu'), DEBIAN)).toEqual([
      expect.stringMatching(
        /^attrs\.osType: .*"Ubuntu".*Debian GNU\/Linux 12 \(bookworm\) \(debian 12\), which is none of SCP's OS types\.$/,
      ),
    ])
    // no scan, or a scan that found no OS: nothing to compare
    expect(mismatches('scp-image', scp('CentOS'))).toEqual([])
    expect(mismatches('scp-image', scp('CentOS'), null)).toEqual([])
    const f = validateRelease('scp-image', scp('RHEL'), { guestOs: ROCKY }).find((x) => x.rule === 'image.os-mismatch')!
    expect(f.severity).toBe('blocker')
    expect(f.details).toEqual({
      stated: 'RHEL',
      detected: { id: 'rocky', versionId: '9.2', name: 'Rocky Linux 9.2 (Blue Onyx)' },
    })
  })

  it('koogallery-image: Windows for a Linux guest, an OS version naming another system or another release', () => {
    expect(mismatches('koogallery-image', goodImage, UBUNTU)).toEqual([])
    for (const osVersion of [
      'Ubuntu 22.04',
      'Ubuntu Server 22.04.3 LTS 64-bit',
      'ubuntu 22',
      'x86_64 Ubuntu 22.04',
      'My web stack',
    ])
      expect(mismatches('koogallery-image', kg({ osVersion }), UBUNTU), osVersion).toEqual([])
    expect(mismatches('koogallery-image', kg({ osType: 'Windows' }), UBUNTU)).toEqual([
      'attrs.osType: The stated OS type "Windows" disagrees with the guest the scan found: Ubuntu 22.04.3 LTS (ubuntu 22.04) is "Linux".',
    ])
    expect(mismatches('koogallery-image', kg({ osType: 'Other' }), UBUNTU)).toEqual([])
    expect(mismatches('koogallery-image', kg({ osVersion: 'CentOS 7.9' }), UBUNTU)).toEqual([
      'attrs.osVersion: The stated OS version "CentOS 7.9" names another system than the guest the scan found: Ubuntu 22.04.3 LTS (ubuntu 22.04).',
    ])
    expect(mismatches('koogallery-image', kg({ osVersion: 'Windows Server 2022' }), UBUNTU)).toHaveLength(1)
    expect(mismatches('koogallery-image', kg({ osVersion: 'Ubuntu 20.04' }), UBUNTU)).toEqual([
      'attrs.osVersion: The stated OS version "Ubuntu 20.04" disagrees with the guest the scan found: Ubuntu 22.04.3 LTS (ubuntu 22.04) is version 22.04.',
    ])
    expect(mismatches('koogallery-image', kg({ osVersion: 'Rocky Linux 8' }), ROCKY)).toHaveLength(1)
    expect(mismatches('koogallery-image', kg({ osVersion: 'Rocky Linux 9' }), ROCKY)).toEqual([])
  })

  it("the same check serves the CLI's --attrs scan (readGuest) through osMismatchFindings", () => {
    expect(osMismatchFindings('scp-image', { osType: 'SLES' }, UBUNTU).map((f) => f.rule)).toEqual([
      'image.os-mismatch',
    ])
    expect(osMismatchFindings('swr-image', { osType: 'SLES' }, UBUNTU)).toEqual([])
  })

  it('is in the catalogue in English and Simplified Chinese', () => {
    expect(getRule('image.os-mismatch').severity).toBe('blocker')
    expect(ruleText('image.os-mismatch', 'en').title).toMatch(/OS/)
    expect(ruleText('image.os-mismatch', 'zh-CN').title).toMatch(/操作系统/)
  })
})

describe('image.os-mismatch in a draft', () => {
  const scanReport = (sha256: string, os: DetectedOs | null) => ({
    verdict: 'pass',
    package: { sha256 },
    findings: [],
    facts: { virtualSize: 10 * 1024 ** 3, guest: { os: os && { ...os, arch: 'x86_64' }, partitions: [] } },
  })

  it("the wizard keeps the scan's guest OS in the package snapshot, and the draft validation compares with it", () => {
    const service = new DraftService(openDatabase(':memory:'))
    const pkg = { path: '/images/web.qcow2', name: 'web.qcow2', kind: 'qcow2', size: 1, sha256: 'a'.repeat(64) }
    // the seller picked CentOS before the scan; the prefill never replaces it, the validation says it is wrong
    const values = prefill(
      'scp-image',
      { package: pkg, attrs: { name: 'web', osType: 'CentOS', visibility: 'Private' } },
      scanReport(pkg.sha256, UBUNTU).facts,
    )
    expect((values.package as { guestOs: unknown }).guestOs).toEqual({
      id: 'ubuntu',
      versionId: '22.04',
      name: 'Ubuntu 22.04.3 LTS',
    })
    expect((values.attrs as { osType: string }).osType).toBe('CentOS')
    expect(
      service
        .validate('scp-image', values)
        .filter((f) => f.rule === 'image.os-mismatch')
        .map((f) => f.location),
    ).toEqual(['attrs.osType'])
    // a rescan that finds no OS clears the snapshot's
    const rescanned = prefill('scp-image', values, scanReport(pkg.sha256, null).facts)
    expect((rescanned.package as { guestOs: unknown }).guestOs).toBeNull()
    expect(service.validate('scp-image', rescanned).some((f) => f.rule === 'image.os-mismatch')).toBe(false)
  })

  it('a draft saved without the snapshot takes the OS from its last scan of the same package (manifest, CLI)', () => {
    const service = new DraftService(openDatabase(':memory:'))
    const pkg = { name: 'web.qcow2', kind: 'qcow2', sha256: 'b'.repeat(64) }
    const d = service.store.create('koogallery-image', 'web', { ...kg({ osVersion: 'CentOS 7.9' }), package: pkg })
    service.store.save(d.id, { values: d.values, lastReport: scanReport(pkg.sha256, UBUNTU) })
    const manifest = service.manifest(service.store.get(d.id))
    expect(manifest.findings.filter((f) => f.rule === 'image.os-mismatch').map((f) => f.location)).toEqual([
      'attrs.osVersion',
    ])
    expect(manifest.ready).toBe(false)
    // a scan of another package tells nothing about this one
    service.store.save(d.id, { values: d.values, lastReport: scanReport('c'.repeat(64), UBUNTU) })
    expect(service.manifest(service.store.get(d.id)).findings.some((f) => f.rule === 'image.os-mismatch')).toBe(false)
  })
})
