// RPM version ordering (Red Hat, Rocky, AlmaLinux, openSUSE), after rpm's rpmvercmp applied to epoch,
// version and release: alphanumeric segments, `~` before everything, `^` after the end but before more.
// No maintained JavaScript implementation exists.

export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0
  let i = 0
  let j = 0
  const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c)
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1
      if (b[j] !== '~') return -1
      i++
      j++
      continue
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1
      if (j >= b.length) return 1
      if (a[i] !== '^') return 1
      if (b[j] !== '^') return -1
      i++
      j++
      continue
    }
    if (!(i < a.length && j < b.length)) break
    const numeric = /[0-9]/.test(a[i])
    const re = numeric ? /^[0-9]+/ : /^[A-Za-z]+/
    const sa = re.exec(a.slice(i))?.[0] ?? ''
    const sb = re.exec(b.slice(j))?.[0] ?? ''
    i += sa.length
    j += sb.length
    if (!sb) return numeric ? 1 : -1
    if (numeric) {
      const na = sa.replace(/^0+/, '')
      const nb = sb.replace(/^0+/, '')
      if (na.length !== nb.length) return na.length > nb.length ? 1 : -1
      if (na !== nb) return na > nb ? 1 : -1
    } else if (sa !== sb) return sa > sb ? 1 : -1
  }
  if (i >= a.length && j >= b.length) return 0
  return i >= a.length ? -1 : 1
}

function split(v: string): [string, string, string | null] {
  let s = v.trim()
  let epoch = '0'
  const colon = s.indexOf(':')
  if (colon >= 0) {
    epoch = s.slice(0, colon) || '0'
    s = s.slice(colon + 1)
  }
  const dash = s.lastIndexOf('-')
  return dash >= 0 ? [epoch, s.slice(0, dash), s.slice(dash + 1)] : [epoch, s, null]
}

export function compareRpm(a: string, b: string): number {
  const x = split(a)
  const y = split(b)
  const c = rpmvercmp(x[0], y[0]) || rpmvercmp(x[1], y[1])
  if (c || x[2] === y[2]) return c
  // a missing release sorts before any release (even an empty one after a trailing "-")
  if (x[2] === null) return -1
  if (y[2] === null) return 1
  return x[2] === y[2] ? 0 : rpmvercmp(x[2], y[2]) || (x[2] === '' ? -1 : y[2] === '' ? 1 : 0)
}
