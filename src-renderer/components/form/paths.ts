// Reading and writing nested form values by dotted path ("versions.0.name"), immutably.

export type Values = Record<string, unknown>

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const key of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

export function setPath<T extends Values>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.')
  const isIndex = /^\d+$/.test(head)
  const base: any = Array.isArray(obj) ? [...obj] : { ...(obj ?? {}) }
  if (rest.length === 0) {
    if (value === undefined) {
      if (Array.isArray(base) && isIndex) base.splice(Number(head), 1)
      else delete base[head]
    } else base[head] = value
    return base
  }
  const child = base[head] ?? (/^\d+$/.test(rest[0]) ? [] : {})
  base[head] = setPath(child, rest.join('.'), value)
  return base
}
