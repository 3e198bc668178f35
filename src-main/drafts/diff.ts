// Leaf-level differences between two JSON values, as dotted paths (the same paths the wizard's fields
// and the validation findings use).

export interface Change {
  path: string
  before: unknown
  after: unknown
}

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) out.set(prefix, Array.isArray(value) ? [] : {})
    for (const [k, v] of entries) leaves(v, prefix ? `${prefix}.${k}` : k, out)
  } else if (value !== undefined) out.set(prefix, value)
}

export function diffValues(before: unknown, after: unknown): Change[] {
  const a = new Map<string, unknown>()
  const b = new Map<string, unknown>()
  leaves(before, '', a)
  leaves(after, '', b)
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort()
  const changes: Change[] = []
  for (const path of paths) {
    const x = a.get(path)
    const y = b.get(path)
    if (JSON.stringify(x) !== JSON.stringify(y)) changes.push({ path, before: x, after: y })
  }
  return changes
}
