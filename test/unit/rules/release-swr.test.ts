// SWR release fields: the registry address (swr.registry-invalid) and the organization, repository and tag
// (swr.name-invalid), each a sentence naming the field and what to type.
import { describe, expect, it } from 'vitest'
import { registryAddressProblem, validateRelease } from '../../../src-main/rules/release'
import { ruleText, severityFor } from '../../../src-preload/catalogue'

const good = {
  attrs: { organization: 'acme', repository: 'web-app', tag: 'v1.0' },
  swr: { registry: 'swr.cn-north-4.myhuaweicloud.com', sharing: 'Private' },
}
const withRegistry = (registry: unknown) => validateRelease('swr-image', { ...good, swr: { ...good.swr, registry } })

describe('SWR registry address', () => {
  it.each([
    'swr.cn-north-4.myhuaweicloud.com',
    'swr.example.com:443',
    '127.0.0.1:5000',
    'localhost:5000',
    'registry',
    'my-registry.local',
  ])('accepts %s', (address) => {
    expect(registryAddressProblem(address)).toBeNull()
    expect(withRegistry(address)).toEqual([])
  })

  it.each([
    ['https://swr.example.com', /starts with a scheme \(leave out https:\/\/\)/],
    ['swr.example.com/acme', /contains a path/],
    ['swr.example.com:0', /port 0, outside 1–65535/],
    ['swr.example.com:70000', /port 70000, outside 1–65535/],
    ['swr.example.com:http', /port that is not a number/],
    ['swr.example.com:', /port that is not a number/],
    ['swr example.com', /contains spaces/],
    [' swr.example.com', /contains spaces/],
    ['user@swr.example.com', /user name/],
    ['300.1.2.3', /not a valid IPv4 address/],
    ['-swr.example.com', /not a valid host name/],
    ['swr..example.com', /not a valid host name/],
    ['swr_1.example.com', /not a valid host name/],
  ])('refuses %s, naming the field and what to type', (address, why) => {
    const findings = withRegistry(address)
    expect(findings.map((f) => `${f.rule}@${f.location}`)).toEqual(['swr.registry-invalid@swr.registry'])
    expect(findings[0].severity).toBe('blocker')
    expect(findings[0].message).toMatch(why)
    expect(findings[0].message).toMatch(
      /^Registry address ".*" .*: type the registry's host name and, if it has one, its port, e\.g\. swr\.cn-north-4\.myhuaweicloud\.com or 127\.0\.0\.1:5000\.$/,
    )
  })

  it('asks for a missing registry address as a required field', () => {
    expect(withRegistry('').map((f) => `${f.rule}@${f.location}`)).toEqual(['release.field-invalid@swr.registry'])
  })

  it('the rule is in the catalogue in both languages', () => {
    expect(severityFor('swr.registry-invalid')).toBe('blocker')
    expect(ruleText('swr.registry-invalid').fix).toMatch(/host/)
    expect(ruleText('swr.registry-invalid', 'zh-CN').fix).toMatch(/主机名/)
  })
})

describe('SWR organization, repository and tag', () => {
  const check = (attrs: Record<string, string>) =>
    validateRelease('swr-image', { ...good, attrs: { ...good.attrs, ...attrs } })

  it('accepts the forms SWR accepts', () => {
    for (const attrs of [
      { organization: 'a' },
      { organization: 'acme__tools' },
      { organization: 'acme--x9' },
      { repository: '9lives' },
      { repository: 'a_b' },
      { tag: '_latest' },
      { tag: 'V1.2.3-rc.1' },
      { tag: 'x'.repeat(128) },
    ] as Array<Record<string, string>>)
      expect(check(attrs)).toEqual([])
  })

  it.each([
    [
      'organization',
      'Acme',
      /^Organization "Acme" is not allowed by SWR: type 1–64 lowercase letters, digits and single separators \(_, __ or -\), starting with a lowercase letter and ending with a letter or digit, e\.g\. acme-tools\.$/,
    ],
    ['organization', '9acme', /starting with a lowercase letter/],
    ['organization', 'a'.repeat(65), /1–64/],
    ['organization', 'acme___tools', /single separators/],
    [
      'repository',
      'web-',
      /^Repository "web-" is not allowed by SWR: type 1–128 .* starting with a lowercase letter or digit .* e\.g\. web-app\.$/,
    ],
    ['repository', 'Web_App', /not allowed by SWR/],
    ['repository', 'a'.repeat(129), /1–128/],
    [
      'tag',
      '.hidden',
      /^Tag "\.hidden" is not allowed by SWR: type 1–128 letters, digits, _, \. or -, not starting with \. or -, e\.g\. v1\.0\.$/,
    ],
    ['tag', 'v1:2', /not allowed by SWR/],
    ['tag', 'x'.repeat(129), /1–128/],
  ])('refuses %s %s with what to type', (key, value, message) => {
    const findings = check({ [key]: value })
    expect(findings.map((f) => `${f.rule}@${f.location}`)).toEqual([`swr.name-invalid@attrs.${key}`])
    expect(findings[0].message).toMatch(message)
  })
})
