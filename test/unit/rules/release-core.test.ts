import { describe, expect, it } from 'vitest'
import { forbiddenNameReason, validateRelease } from '../../../src-main/rules/release'
import { validateAttrs } from '../../../src-main/rules/attrs'
import { PROFILE_IDS } from '../../../src-main/rules/profiles'
import type { Finding } from '../../../src-main/reports/model'
import { goodImage } from '../../fixtures/releases'

const rules = (profile: string, values: Record<string, unknown>, opts = {}) =>
  validateRelease(profile, values, opts).map((f) => `${f.rule}@${f.location}`)

describe('validateRelease', () => {
  it('accepts a complete KooGallery image release', () => {
    expect(rules('koogallery-image', goodImage)).toEqual([])
  })

  it('names each bad field by its path and rule', () => {
    const bad = structuredClone(goodImage) as any
    bad.versions = [{ name: '1.0' }]
    bad.product.pricingMode = 'free'
    bad.product.name = 'Huawei Cloud Nginx'
    bad.attrs.minDiskGB = 20
    bad.image.securityGroup[0].source = 'anywhere'
    bad.released = { tiers: [{ vcpus: 4 }] }
    expect(rules('koogallery-image', bad).sort()).toEqual([
      'image.attribute-invalid@attrs.minDiskGB',
      'release.field-invalid@image.securityGroup.0.source',
      'release.free-vcpu@product.template',
      'release.name-forbidden@product.name',
      'release.vcpu-tier-removed@product.tiers',
      'release.version-format@versions.0.name',
    ])
  })

  it('checks min disk against the virtual size', () => {
    expect(rules('koogallery-image', goodImage, { virtualSize: 50 * 1024 ** 3 + 1 })).toEqual([
      'image.min-disk-too-small@attrs.minDiskGB',
    ])
  })

  it('SWR names and SCP sharing', () => {
    expect(
      rules('swr-image', { attrs: { organization: 'Acme', repository: 'web', tag: 'v1' }, swr: { registry: 'r' } }),
    ).toEqual(['swr.name-invalid@attrs.organization'])
    expect(
      rules('scp-image', { attrs: { name: 'img', osType: 'Ubuntu', visibility: 'Private', shareWith: 'acct-1' } }),
    ).toEqual(['image.attribute-invalid@attrs.shareWith'])
  })

  it('forbidden product names', () => {
    expect(forbiddenNameReason('Nginx V2.1')?.en).toMatch(/version/)
    expect(forbiddenNameReason('Nginx V2.1')?.zh).toBe('包含版本号')
    expect(forbiddenNameReason('Nginx $5')?.en).toMatch(/price/)
    expect(forbiddenNameReason('Call 138 1234 5678')?.en).toMatch(/phone/)
    expect(forbiddenNameReason('Nginx Web Server')).toBeNull()
  })
})

/** Deliberately invalid drafts of each profile: every field empty, then every field there but wrong. */
const INVALID: Record<
  string,
  Array<{ values: Record<string, unknown>; opts?: Parameters<typeof validateRelease>[2] }>
> = {
  'koogallery-app': [
    { values: {} },
    { values: { asset: { name: 'a', category: 'c' }, versions: [{ name: '' }, { name: '1.0' }] } },
  ],
  'koogallery-container': [{ values: {} }, { values: { versions: [{ name: 'v1' }] } }],
  'koogallery-image': [
    { values: {} },
    {
      values: {
        ...structuredClone(goodImage),
        versions: [{ name: '1.0' }],
        attrs: {
          name: ' bad<name>',
          description: '<b>',
          osType: 'Mac',
          osVersion: 'Debian 12',
          architecture: 'mips',
          virtualEnvType: 'KVM',
          diskFormat: 'vmdk',
          minDiskGB: 20,
          minRamMB: 2048,
          maxRamMB: 1024,
        },
        image: {
          regions: 'cn-north-4',
          iamAgency: 'ims',
          securityGroup: [{ protocol: 'SCTP', portRange: '0', source: 'anywhere' }],
        },
        product: {
          name: 'Huawei Cloud Nginx',
          salesType: 'Standard',
          pricingMode: 'paid',
          template: 'simple',
          billing: [],
          price: 0,
          specifications: [{}],
          version: '1.0',
          serviceEmail: 'support',
        },
        released: { tiers: [{ vcpus: 8 }] },
      },
      opts: { virtualSize: 100 * 1024 ** 3, guestOs: { id: 'ubuntu', versionId: '22.04', name: 'Ubuntu 22.04' } },
    },
    {
      values: {
        ...structuredClone(goodImage),
        attrs: { ...goodImage.attrs, osType: 'Windows', osVersion: 'Ubuntu 20.04' },
        product: {
          ...goodImage.product,
          name: 'Nginx $5',
          pricingMode: 'free',
          template: 'vcpu',
          tiers: [{ vcpus: 0, price: -1 }, { vcpus: 2 }, { vcpus: 2, price: 1 }],
          specifications: [],
        },
      },
      opts: { guestOs: { id: 'ubuntu', versionId: '22.04', name: 'Ubuntu 22.04' } },
    },
  ],
  'scp-image': [
    { values: {} },
    {
      values: {
        attrs: {
          name: 'bad!',
          osType: 'Mac',
          minDiskGB: -1,
          minRamGB: 3_000_000,
          visibility: 'Public',
          shareWith: 'ok-1,bad id',
          tags: Object.fromEntries([
            ['', 'x'],
            ['long', 'v'.repeat(300)],
            ...Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']),
          ]),
        },
      },
    },
    {
      values: { attrs: { name: 'img', osType: 'CentOS', visibility: 'Private' } },
      opts: { guestOs: { id: 'ubuntu', versionId: '22.04', name: 'Ubuntu 22.04' } },
    },
    {
      values: { attrs: { name: 'img', osType: 'CentOS', visibility: 'Private' } },
      opts: { guestOs: { id: 'gentoo', versionId: '', name: 'Gentoo' } },
    },
  ],
  'swr-image': [
    { values: {} },
    { values: { attrs: { organization: 'Acme', repository: '-web', tag: '.v1' }, swr: { registry: 'https://r.io' } } },
  ],
}

/** A Chinese sentence: CJK text, ending with a full-width full stop, not the English again. */
function expectChinese(f: Finding): void {
  expect(f.messageZh, `${f.rule}@${f.location}: ${f.message}`).toMatch(/[\u4e00-\u9fff]/)
  expect(f.messageZh, f.message).toMatch(/。$/)
  expect(f.messageZh).not.toBe(f.message)
}

describe('release validation in both languages', () => {
  it.each(PROFILE_IDS.map((p) => [p]))('every finding of an invalid %s draft has its Chinese sentence', (profile) => {
    const findings = INVALID[profile].flatMap(({ values, opts }) => validateRelease(profile, values, opts))
    expect(findings.length).toBeGreaterThan(2)
    for (const f of findings) expectChinese(f)
  })

  it('the invalid drafts reach every kind of sentence the rules write', () => {
    const rules = new Set(
      Object.entries(INVALID).flatMap(([profile, drafts]) =>
        drafts.flatMap(({ values, opts }) => validateRelease(profile, values, opts).map((f) => f.rule)),
      ),
    )
    expect([...rules].sort()).toEqual([
      'image.attribute-invalid',
      'image.min-disk-too-small',
      'image.os-mismatch',
      'release.field-invalid',
      'release.free-vcpu',
      'release.name-forbidden',
      'release.vcpu-tier-removed',
      'release.version-format',
      'swr.name-invalid',
      'swr.registry-invalid',
    ])
  })

  it('a required field names its label in Chinese', () => {
    const [f] = validateRelease('swr-image', { attrs: { organization: 'acme', repository: 'web', tag: 'v1' } })
    expect(f.message).toBe('Registry address is required: enter or choose a value.')
    expect(f.messageZh).toBe('镜像仓库地址为必填项：请输入或选择一个值。')
  })

  it('--attrs findings (unknown keys, replacements, app attributes) have their Chinese sentence', () => {
    const findings = [
      ...validateAttrs('koogallery-image', { colour: 'red', replaces: 'V1' }),
      ...validateAttrs('koogallery-image', {
        osType: 'Linux',
        minDiskGB: 40,
        replaces: { osType: 'Windows', minDiskGB: 50 },
      }),
      ...validateAttrs('koogallery-app', { version: '1', assetName: ' ' }),
      ...validateAttrs('scp-image', { name: '' }),
    ]
    expect(findings.map((f) => f.rule).sort()).toEqual([
      'image.version-mismatch',
      'image.version-mismatch',
      'release.field-invalid',
      'release.field-invalid',
      'release.field-invalid',
      'release.field-invalid',
      'release.version-format',
    ])
    for (const f of findings) expectChinese(f)
  })
})
