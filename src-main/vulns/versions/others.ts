// Version ordering for Alpine (apk), Maven (ComparableVersion), RubyGems (Gem::Version) and Packagist
// (PHP version_compare after Composer's normalisation). No maintained JavaScript library implements these
// orders, so each follows its reference implementation's rules.

// ---- Alpine (apk-tools version.c)
const APK_PRE = ['alpha', 'beta', 'pre', 'rc']
const APK_POST = ['cvs', 'svn', 'git', 'hg', 'p']
interface Apk {
  nums: string[]
  letter: string
  suffixes: Array<{ rank: number; n: bigint }>
  rev: bigint
  valid: boolean
}
function parseApk(v: string): Apk {
  const m = /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:~[0-9a-f]+)?(?:-r(\d+))?$/.exec(v.trim())
  if (!m) return { nums: [], letter: '', suffixes: [], rev: 0n, valid: false }
  const suffixes = [...m[3].matchAll(/_([a-z]+)(\d*)/g)].map((s) => ({ rank: APK_PRE.includes(s[1]) ? APK_PRE.indexOf(s[1]) - 10 : APK_POST.indexOf(s[1]) + 1, n: BigInt(s[2] || '0') }))
  return { nums: m[1].split('.'), letter: m[2], suffixes, rev: BigInt(m[4] ?? '0'), valid: true }
}
export function compareAlpine(a: string, b: string): number {
  const x = parseApk(a)
  const y = parseApk(b)
  if (!x.valid || !y.valid) return x.valid === y.valid ? Math.sign(a.localeCompare(b)) : x.valid ? 1 : -1
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const p = x.nums[i]
    const q = y.nums[i]
    if (p === undefined) return -1
    if (q === undefined) return 1
    // after the first component a leading zero makes it a fraction: compare as text
    const c = i > 0 && (p.startsWith('0') || q.startsWith('0')) ? (p < q ? -1 : p > q ? 1 : 0) : BigInt(p) < BigInt(q) ? -1 : BigInt(p) > BigInt(q) ? 1 : 0
    if (c) return c
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1
  for (let i = 0; i < Math.max(x.suffixes.length, y.suffixes.length); i++) {
    const p = x.suffixes[i] ?? { rank: 0, n: 0n }
    const q = y.suffixes[i] ?? { rank: 0, n: 0n }
    if (p.rank !== q.rank) return p.rank < q.rank ? -1 : 1
    if (p.n !== q.n) return p.n < q.n ? -1 : 1
  }
  return x.rev < y.rev ? -1 : x.rev > y.rev ? 1 : 0
}

// ---- Maven (org.apache.maven.artifact.versioning.ComparableVersion)
type MItem = { t: 'int'; v: bigint } | { t: 'str'; v: string } | { t: 'list'; v: MItem[] }
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp']
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' }
function qualifierKey(q: string): string {
  const i = QUALIFIERS.indexOf(q)
  return i >= 0 ? String(i) : `${QUALIFIERS.length}-${q}`
}
function strItem(s: string, followedByDigit: boolean): MItem {
  let v = s
  if (followedByDigit && v.length === 1) v = { a: 'alpha', b: 'beta', m: 'milestone' }[v] ?? v
  return { t: 'str', v: ALIASES[v] ?? v }
}
function isNull(i: MItem): boolean {
  return i.t === 'int' ? i.v === 0n : i.t === 'str' ? qualifierKey(i.v) === qualifierKey('') : i.v.length === 0
}
function normalize(list: MItem[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const it = list[i]
    if (isNull(it)) list.splice(i, 1)
    else if (it.t !== 'list') break
  }
}
function parseMaven(version: string): MItem[] {
  const v = version.toLowerCase()
  const root: MItem[] = []
  let list = root
  const stack: MItem[][] = [root]
  let start = 0
  let isDigit = false
  for (let i = 0; i < v.length; i++) {
    const c = v[i]
    if (c === '.') {
      list.push(i === start ? { t: 'int', v: 0n } : isDigit ? { t: 'int', v: BigInt(v.slice(start, i)) } : strItem(v.slice(start, i), false))
      start = i + 1
    } else if (c === '-') {
      list.push(i === start ? { t: 'int', v: 0n } : isDigit ? { t: 'int', v: BigInt(v.slice(start, i)) } : strItem(v.slice(start, i), false))
      start = i + 1
      const sub: MItem[] = []
      list.push({ t: 'list', v: sub })
      list = sub
      stack.push(sub)
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        list.push(strItem(v.slice(start, i), true))
        start = i
        const sub: MItem[] = []
        list.push({ t: 'list', v: sub })
        list = sub
        stack.push(sub)
      }
      isDigit = true
    } else {
      if (isDigit && i > start) {
        list.push({ t: 'int', v: BigInt(v.slice(start, i)) })
        start = i
        const sub: MItem[] = []
        list.push({ t: 'list', v: sub })
        list = sub
        stack.push(sub)
      }
      isDigit = false
    }
  }
  if (v.length > start) list.push(isDigit ? { t: 'int', v: BigInt(v.slice(start)) } : strItem(v.slice(start), false))
  for (let k = stack.length - 1; k >= 0; k--) normalize(stack[k])
  return root
}
function cmpItem(a: MItem | undefined, b: MItem | undefined): number {
  if (a === undefined) {
    if (b === undefined) return 0
    return -cmpItem(b, undefined)
  }
  if (b === undefined) {
    if (a.t === 'int') return a.v === 0n ? 0 : 1
    if (a.t === 'str') return qualifierKey(a.v) < qualifierKey('') ? -1 : qualifierKey(a.v) > qualifierKey('') ? 1 : 0
    return a.v.length === 0 ? 0 : cmpItem(a.v[0], undefined)
  }
  if (a.t === 'int') {
    if (b.t === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0
    return 1
  }
  if (a.t === 'str') {
    if (b.t === 'int') return -1
    if (b.t === 'str') {
      const x = qualifierKey(a.v)
      const y = qualifierKey(b.v)
      return x < y ? -1 : x > y ? 1 : 0
    }
    return -1
  }
  if (b.t === 'int') return -1
  if (b.t === 'str') return 1
  for (let i = 0; i < Math.max(a.v.length, b.v.length); i++) {
    const c = cmpItem(a.v[i], b.v[i])
    if (c) return c
  }
  return 0
}
export function compareMaven(a: string, b: string): number {
  return cmpItem({ t: 'list', v: parseMaven(a.trim()) }, { t: 'list', v: parseMaven(b.trim()) })
}

// ---- RubyGems (Gem::Version#<=>)
function gemSegments(v: string): Array<bigint | string> {
  const segs: Array<bigint | string> = (v.trim().replace(/-/g, '.pre.').match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^\d+$/.test(s) ? BigInt(s) : s))
  // canonical: drop zeros before the first string segment and at the end
  const firstStr = segs.findIndex((s) => typeof s === 'string')
  const head = firstStr < 0 ? segs : segs.slice(0, firstStr)
  const tail = firstStr < 0 ? [] : segs.slice(firstStr)
  while (head.length && head[head.length - 1] === 0n) head.pop()
  while (tail.length && tail[tail.length - 1] === 0n) tail.pop()
  return [...head, ...tail]
}
export function compareRubygems(a: string, b: string): number {
  const x = gemSegments(a)
  const y = gemSegments(b)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? 0n
    const q = y[i] ?? 0n
    if (p === q) continue
    if (typeof p === 'string' && typeof q !== 'string') return -1
    if (typeof p !== 'string' && typeof q === 'string') return 1
    return p < q ? -1 : 1
  }
  return 0
}

// ---- Packagist (Composer normalisation + PHP version_compare)
const PHP_SPECIAL: Record<string, number> = { dev: 0, alpha: 1, a: 1, beta: 2, b: 2, RC: 3, rc: 3, '#': 4, pl: 5, p: 5, patch: 5 }
function phpCanon(v: string): string[] {
  let s = v.trim().replace(/^v/i, '').replace(/[-_+]/g, '.')
  s = s.replace(/(\d)([^\d.])/g, '$1.$2').replace(/([^\d.])(\d)/g, '$1.$2')
  return s.split('.').filter((p) => p !== '')
}
function phpOrder(p: string): number {
  if (/^\d+$/.test(p)) return PHP_SPECIAL['#']
  return PHP_SPECIAL[p] ?? PHP_SPECIAL[p.toLowerCase()] ?? -1
}
export function comparePackagist(a: string, b: string): number {
  const x = phpCanon(a)
  const y = phpCanon(b)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i]
    const q = y[i]
    if (p === undefined) return /^\d+$/.test(q!) ? -1 : phpOrder(q!) < PHP_SPECIAL['#'] ? 1 : -1
    if (q === undefined) return /^\d+$/.test(p) ? 1 : phpOrder(p) < PHP_SPECIAL['#'] ? -1 : 1
    const pn = /^\d+$/.test(p)
    const qn = /^\d+$/.test(q)
    if (pn && qn) {
      const c = BigInt(p) < BigInt(q) ? -1 : BigInt(p) > BigInt(q) ? 1 : 0
      if (c) return c
    } else {
      const c = Math.sign(phpOrder(p) - phpOrder(q))
      if (c) return c
    }
  }
  return 0
}
