// Waivers (../shared/spec/rules.md "Waivers"): a JSON or YAML file `{ waivers: [{ rule, location?, advisory?,
// reason, expires? }] }`. Applied after scanning, never inside scanners: a waived finding stays in the report,
// marked waived with its reason; an expired waiver no longer applies.
import { readFile } from 'node:fs/promises'
import YAML from 'yaml'
import { z } from 'zod'
import { PreflightError } from '../../src-preload/errors'
import { hasRule } from '../rules/catalogue'
import type { Finding } from './model'

export const waiverSchema = z.object({
  rule: z.string().min(1).refine(hasRule, { message: 'unknown rule id (see ../shared/spec/rules.md)' }),
  location: z.string().min(1).optional(),
  advisory: z.string().min(1).optional(),
  reason: z.string().min(1),
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expires must be an ISO date (YYYY-MM-DD)').optional(),
}).strict()

export const waiverFileSchema = z.object({ waivers: z.array(waiverSchema) }).strict()
export type Waiver = z.infer<typeof waiverSchema>

export function parseWaivers(text: string, source: string): Waiver[] {
  let data: unknown
  try {
    data = /^\s*[{[]/.test(text) ? JSON.parse(text) : YAML.parse(text)
  } catch (err) {
    throw new PreflightError('invalid-input', `${source} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  const r = waiverFileSchema.safeParse(data)
  if (!r.success) throw new PreflightError('invalid-input', `${source}: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`)
  return r.data.waivers
}

export async function readWaivers(path: string): Promise<Waiver[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new PreflightError('not-found', `Cannot read the waivers file: ${path}`)
  })
  return parseWaivers(text, path)
}

/** `*` matches within one path or nesting level, `**` across them, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*'
      i++
    } else if (c === '*') re += '[^!/]*'
    else if (c === '?') re += '[^!/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

function advisoriesOf(f: Finding): string[] {
  const d = f.details ?? {}
  return [d.advisory, ...(Array.isArray(d.advisories) ? d.advisories : []), ...(Array.isArray(d.aliases) ? d.aliases : [])].filter((x): x is string => typeof x === 'string')
}

export function applyWaivers(findings: Finding[], waivers: Waiver[], now = new Date()): Finding[] {
  const today = now.toISOString().slice(0, 10)
  const live = waivers.filter((w) => !w.expires || w.expires.slice(0, 10) >= today)
  return findings.map((f) => {
    const w = live.find((x) => x.rule === f.rule && (!x.location || x.location === f.location || globToRegExp(x.location).test(f.location)) && (!x.advisory || advisoriesOf(f).includes(x.advisory)))
    return w ? { ...f, waived: true, waiverReason: w.reason } : f
  })
}
