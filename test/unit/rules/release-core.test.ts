import { describe, expect, it } from 'vitest'
import { forbiddenNameReason, validateRelease } from '../../../src-main/rules/release'
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
    expect(forbiddenNameReason('Nginx V2.1')).toMatch(/version/)
    expect(forbiddenNameReason('Nginx $5')).toMatch(/price/)
    expect(forbiddenNameReason('Call 138 1234 5678')).toMatch(/phone/)
    expect(forbiddenNameReason('Nginx Web Server')).toBeNull()
  })
})
