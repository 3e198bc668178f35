// Every setting a client may read or write, each with its zod schema (settings.get / settings.set): an unknown key
// or a value of the wrong shape is refused with the key and what was wrong. No setting holds free-form command
// line arguments: the ClamAV engine takes named, bounded options only.
import { z } from 'zod'
import { PreflightError } from '../../src-preload/errors'
import { engineSetting } from '../malware/engine'
import { waiverSchema } from '../reports/waivers'

const FIXED: Record<string, z.ZodType> = {
  'malware.engine': engineSetting,
  'history.actor': z.string().trim().min(1).max(100),
}

/** Keys with a variable part: the waivers of one package (by its sha256). */
const PATTERNS: Array<[RegExp, z.ZodType]> = [[/^waivers:[0-9a-f]{64}$/, z.array(waiverSchema).max(10_000)]]

export function settingSchema(key: string): z.ZodType {
  const schema = FIXED[key] ?? PATTERNS.find(([re]) => re.test(key))?.[1]
  if (!schema) throw new PreflightError('invalid-input', `There is no setting "${key.slice(0, 100)}" (known: ${Object.keys(FIXED).join(', ')}, waivers:<sha256>).`)
  return schema
}

/** The value parsed by its key's schema, or a clear error. */
export function validSetting(key: string, value: unknown): unknown {
  const parsed = settingSchema(key).safeParse(value)
  if (!parsed.success) throw new PreflightError('invalid-input', `The value for setting "${key}" is not valid: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}.`)
  return parsed.data
}
