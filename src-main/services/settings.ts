// Every setting there is, in one list: its key (or key pattern), its zod schema and its default. settings.get and
// settings.set go through it (an unknown key or a value of the wrong shape is refused with the key and what was
// wrong), and so do the services reading a setting (readSetting): a stored value that no longer fits its schema is
// read as its default, or through the key's `stored` schema where an older shape is kept in part. No setting holds
// free-form command line arguments: the ClamAV engine takes named, bounded options only, and an `extraArgs` stored
// by an older version is dropped when read.
import { z } from 'zod'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import { engineSetting, storedEngineSetting } from '../malware/engine'
import { waiverSchema } from '../reports/waivers'
import { syncTargetsSetting } from '../upload/sync'
import { getSetting, type Db } from '../store/db'

export interface SettingSpec {
  /** The key, or a pattern for keys with a variable part. */
  key: string | RegExp
  /** How the key is named in errors (patterns). */
  label: string
  /** What settings.set accepts. */
  schema: z.ZodType
  /** How a stored value is read back (default: `schema`); a value it refuses reads as `default`. */
  stored?: z.ZodType
  default: unknown
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'malware.engine',
    label: 'malware.engine',
    schema: engineSetting,
    stored: storedEngineSetting,
    default: { engine: 'off' },
  },
  /** The name history events are recorded under (null: the OS account; set to null to go back to it). */
  { key: 'history.actor', label: 'history.actor', schema: z.string().trim().min(1).max(100).nullable(), default: null },
  /** The upload bandwidth limit in bytes per second (0: unlimited); set through queue.bandwidth. */
  {
    key: 'upload.bandwidth',
    label: 'upload.bandwidth',
    schema: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    default: 0,
  },
  /** Automatic image sync: a pushed repository (registry/repository) is synced to these docker:// targets. */
  { key: 'sync.targets', label: 'sync.targets', schema: syncTargetsSetting, default: [] },
  /** The waivers of one package, by its sha256. */
  { key: /^waivers:[0-9a-f]{64}$/, label: 'waivers:<sha256>', schema: z.array(waiverSchema).max(10_000), default: [] },
]

export function settingSpec(key: string): SettingSpec {
  const spec = SETTINGS.find((s) => (typeof s.key === 'string' ? s.key === key : s.key.test(key)))
  if (!spec)
    throw new PreflightError(
      'invalid-input',
      bi(
        `There is no setting "${key.slice(0, 100)}" (known: ${SETTINGS.map((s) => s.label).join(', ')}).`,
        `没有设置项“${key.slice(0, 100)}”（已知：${SETTINGS.map((s) => s.label).join('、')}）。`,
      ),
    )
  return spec
}

/** The value parsed by its key's schema, or a clear error. */
export function validSetting(key: string, value: unknown): unknown {
  const parsed = settingSpec(key).schema.safeParse(value)
  if (!parsed.success)
    throw new PreflightError(
      'invalid-input',
      bi(
        `The value for setting "${key.slice(0, 100)}" is not valid (${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || 'value'}: ${i.message}`)
          .join('; ')}): correct it and save again.`,
        `设置项“${key.slice(0, 100)}”的值无效（${parsed.error.issues
          .slice(0, 3)
          .map((i) => i.path.join('.') || '值')
          .join('、')}）：请更正后重新保存。`,
      ),
      {
        details: {
          issues: parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || 'value'}: ${i.message}`),
        },
      },
    )
  return parsed.data
}

/** A setting as stored, read back through its schema; missing or no longer valid: its default. */
export function readSetting<T = unknown>(db: Db, key: string): T {
  const spec = settingSpec(key)
  let raw: unknown
  try {
    raw = getSetting<unknown>(db, key, undefined)
  } catch {
    return spec.default as T // not JSON: as if unset
  }
  if (raw === undefined) return spec.default as T
  const parsed = (spec.stored ?? spec.schema).safeParse(raw)
  return (parsed.success ? parsed.data : spec.default) as T
}
