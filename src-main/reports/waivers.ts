// Waivers (../shared/spec/rules.md "Waivers"): a JSON or YAML file `{ waivers: [{ rule, location?, advisory?,
// reason, expires? }] }`. Applied after scanning, never inside scanners: a waived finding stays in the report,
// marked waived with its reason; an expired waiver no longer applies.
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import YAML from 'yaml'
import { z } from 'zod'
import { PreflightError } from '../../src-preload/errors'
import { hasRule } from '../../src-preload/catalogue'
import type { Finding } from './model'

export const waiverSchema = z
  .object({
    rule: z.string().min(1).refine(hasRule, { message: 'unknown rule id (see ../shared/spec/rules.md)' }),
    location: z.string().min(1).optional(),
    advisory: z.string().min(1).optional(),
    reason: z.string().min(1),
    expires: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}/, 'expires must be an ISO date (YYYY-MM-DD)')
      .optional(),
  })
  .strict()

export const waiverFileSchema = z.object({ waivers: z.array(waiverSchema) }).strict()
export type Waiver = z.infer<typeof waiverSchema>

export function parseWaivers(text: string, source: string): Waiver[] {
  let data: unknown
  try {
    data = /^\s*[{[]/.test(text) ? JSON.parse(text) : YAML.parse(text)
  } catch (err) {
    throw new PreflightError(
      'invalid-input',
      `${source} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`,
    )
  }
  const r = waiverFileSchema.safeParse(data)
  if (!r.success)
    throw new PreflightError(
      'invalid-input',
      `${source}: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`,
    )
  return r.data.waivers
}

export async function readWaivers(path: string): Promise<Waiver[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new PreflightError('not-found', `Cannot read the waivers file: ${path}`)
  })
  return parseWaivers(text, path)
}

const sameTarget = (a: Waiver, b: Pick<Waiver, 'rule' | 'location' | 'advisory'>) =>
  a.rule === b.rule && (a.location ?? '') === (b.location ?? '') && (a.advisory ?? '') === (b.advisory ?? '')

/** Add a waiver (replacing one with the same rule/location/advisory) or remove the one with that target. */
export function editWaivers(
  list: Waiver[],
  op: 'add' | 'remove',
  waiver: Pick<Waiver, 'rule' | 'location' | 'advisory'> & Partial<Waiver>,
): Waiver[] {
  const rest = list.filter((w) => !sameTarget(w, waiver))
  if (op === 'remove') return rest
  const r = waiverFileSchema.safeParse({ waivers: [waiver] })
  if (!r.success)
    throw new PreflightError(
      'invalid-input',
      `Invalid waiver: ${r.error.issues.map((i) => `${i.path.slice(2).join('.')}: ${i.message}`).join('; ')}`,
    )
  return [...rest, ...r.data.waivers]
}

/** Add/remove a waiver in a waiver file (created on the first add; YAML for .yaml/.yml, else JSON), written to a
 *  temp name and renamed so a crash never leaves half a file. */
export async function editWaiverFile(
  path: string,
  op: 'add' | 'remove',
  waiver: Pick<Waiver, 'rule' | 'location' | 'advisory'> & Partial<Waiver>,
): Promise<Waiver[]> {
  let current: Waiver[] = []
  try {
    current = parseWaivers(await readFile(path, 'utf8'), path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const next = editWaivers(current, op, waiver)
  const text = /\.ya?ml$/i.test(path)
    ? YAML.stringify({ waivers: next })
    : `${JSON.stringify({ waivers: next }, null, 2)}\n`
  const tmp = `${path}.partial-${process.pid}`
  try {
    await writeFile(tmp, text)
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw new PreflightError('forbidden', `Cannot write the waivers file ${path}: ${(err as Error).message}`)
  }
  return next
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
  return [
    d.advisory,
    ...(Array.isArray(d.advisories) ? d.advisories : []),
    ...(Array.isArray(d.aliases) ? d.aliases : []),
  ].filter((x): x is string => typeof x === 'string')
}

export function applyWaivers(findings: Finding[], waivers: Waiver[], now = new Date()): Finding[] {
  const today = now.toISOString().slice(0, 10)
  const live = waivers.filter((w) => !w.expires || w.expires.slice(0, 10) >= today)
  return findings.map((f) => {
    const w = live.find(
      (x) =>
        x.rule === f.rule &&
        (!x.location || x.location === f.location || globToRegExp(x.location).test(f.location)) &&
        (!x.advisory || advisoriesOf(f).includes(x.advisory)),
    )
    return w ? { ...f, waived: true, waiverReason: w.reason } : f
  })
}
