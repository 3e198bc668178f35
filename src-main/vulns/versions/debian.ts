// Debian (and Ubuntu) version ordering, after dpkg's verrevcmp: epoch, upstream version and Debian revision,
// where `~` sorts before everything, letters before other characters, and digit runs compare numerically.
// No maintained JavaScript implementation exists.

function order(c: string | undefined): number {
  if (c === undefined) return 0
  if (c >= '0' && c <= '9') return 0
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0)
  if (c === '~') return -1
  return c.charCodeAt(0) + 256
}

export function verrevcmp(a: string, b: string): number {
  let i = 0
  let j = 0
  const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'
  while (i < a.length || j < b.length) {
    let firstDiff = 0
    while ((i < a.length && !digit(a[i])) || (j < b.length && !digit(b[j]))) {
      const ac = order(a[i])
      const bc = order(b[j])
      if (ac !== bc) return ac - bc
      i++
      j++
    }
    while (a[i] === '0') i++
    while (b[j] === '0') j++
    while (digit(a[i]) && digit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j)
      i++
      j++
    }
    if (digit(a[i])) return 1
    if (digit(b[j])) return -1
    if (firstDiff) return firstDiff
  }
  return 0
}

function split(v: string): { epoch: number; upstream: string; revision: string } {
  let s = v.trim()
  let epoch = 0
  const colon = s.indexOf(':')
  if (colon >= 0 && /^\d+$/.test(s.slice(0, colon))) {
    epoch = Number(s.slice(0, colon))
    s = s.slice(colon + 1)
  }
  const dash = s.lastIndexOf('-')
  return dash >= 0
    ? { epoch, upstream: s.slice(0, dash), revision: s.slice(dash + 1) }
    : { epoch, upstream: s, revision: '' }
}

export function compareDebian(a: string, b: string): number {
  const x = split(a)
  const y = split(b)
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1
  return Math.sign(verrevcmp(x.upstream, y.upstream)) || Math.sign(verrevcmp(x.revision, y.revision))
}
