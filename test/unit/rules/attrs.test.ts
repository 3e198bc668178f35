// `--attrs`: only the keys given are checked; a key left out is not "required", a key given blank is.
import { describe, expect, it } from 'vitest'
import { validateAttrs } from '../../../src-main/rules/attrs'

describe('validateAttrs', () => {
  it('asks for no key that was left out, and for a key given blank with what to do', () => {
    expect(validateAttrs('scp-image', { minDiskGB: 1 })).toEqual([])
    const blank = validateAttrs('scp-image', { name: '', minDiskGB: 1 })
    expect(blank.map((f) => `${f.rule}@${f.location}: ${f.message}`)).toEqual([
      'release.field-invalid@attrs.name: Image name is required: enter or choose a value.',
    ])
  })
})
