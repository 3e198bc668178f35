// The release fields a later choice hides (the wizard's `when` conditions): data shared by the wizard
// (src-renderer, which shows a field only while its condition holds and drops its value when it stops holding)
// and the drafts service (src-main, which drops them again from every saved draft and every manifest), so it sits
// below both. A value the seller can no longer see is never sent to the console.

type Values = Record<string, unknown>

function at(values: Values, path: string): unknown {
  let cur: unknown = values
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

const paid = (v: Values) => at(v, 'product.pricingMode') === 'paid'

/** Field path → when it is shown. Paths are the same in every profile that has them. */
export const SHOWN_WHEN: Readonly<Record<string, (values: Values) => boolean>> = {
  'product.billing': paid,
  'product.price': (v) => paid(v) && at(v, 'product.template') === 'simple',
  'product.tiers': (v) => at(v, 'product.template') === 'vcpu',
  'attrs.shareWith': (v) => at(v, 'attrs.visibility') === 'Shared',
  'upload.endpoint': (v) => String(at(v, 'upload.target') ?? '').startsWith('s3://'),
}

/** Whether a field is shown for these values (fields without a condition always are). */
export function isShown(path: string, values: Values): boolean {
  const when = SHOWN_WHEN[path]
  return when ? when(values) : true
}

/** The conditional fields that hold a value while hidden. */
export function hiddenPaths(values: Values): string[] {
  return Object.keys(SHOWN_WHEN).filter((p) => at(values, p) !== undefined && !isShown(p, values))
}

/** The values without any field a condition hides (the same object when there is none). */
export function dropHidden<V extends Values>(values: V): V {
  const hidden = hiddenPaths(values)
  if (hidden.length === 0) return values
  const out = structuredClone(values) as Values
  for (const path of hidden) {
    const keys = path.split('.')
    const parent = at(out, keys.slice(0, -1).join('.'))
    if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[keys.at(-1)!]
  }
  return out as V
}
