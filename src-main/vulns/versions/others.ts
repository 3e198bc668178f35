// Version ordering for Alpine (apk), Maven, RubyGems (Gem::Version) and Packagist (Composer-normalised PHP
// version_compare). No maintained JavaScript library implements these orders. Alpine, Maven and Packagist follow
// osv-scalibr's semantic package (version-alpine.go, version-maven.go, version-packagist.go), the implementation
// OSV itself matches against, so a range in an advisory orders exactly as OSV orders it.

/** Go's big.Int SetString(s, 10): an optional sign then decimal digits. */
function asBigInt(s: string): bigint | null {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : null
}
function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}
function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// ---- Alpine (apk: number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}, parsed leniently)
// Suffix weights: alpha, beta, pre, rc, <no suffix>, cvs, svn, git, hg, p.
const APK_SUFFIXES = ['alpha', 'beta', 'pre', 'rc', '', 'cvs', 'svn', 'git', 'hg', 'p']
const APK_NO_SUFFIX = APK_SUFFIXES.indexOf('')
interface ApkNumber {
  original: string
  value: bigint
  index: number
}
interface Apk {
  original: string
  /** the text after the build component did not start with "-r" */
  invalid: boolean
  /** whatever followed the last part that parsed */
  remainder: string
  nums: ApkNumber[]
  letter: string
  suffixes: Array<{ weight: number; n: bigint }>
  rev: bigint
}
function parseApk(version: string): Apk {
  const v: Apk = { original: version, invalid: false, remainder: '', nums: [], letter: '', suffixes: [], rev: 0n }
  let s = version
  // number components
  const nums = /^(?:\d+\.?)*/.exec(s)![0]
  if (nums) {
    v.nums = nums.split('.').map((d, index) => ({ original: d, value: d ? BigInt(d) : 0n, index }))
    s = s.slice(nums.length)
  }
  // an optional single lower-case letter
  if (/^[a-z]/.test(s)) {
    v.letter = s[0]
    s = s.slice(1)
  }
  // suffixes: every "_suffix{number}" is counted, but only those at the front are consumed
  for (const m of s.matchAll(/_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)/g)) {
    v.suffixes.push({ weight: APK_SUFFIXES.indexOf(m[1]), n: BigInt(m[2] || '0') })
    if (s.startsWith(m[0])) s = s.slice(m[0].length)
  }
  // an optional commit hash (ignored when comparing)
  const hash = /^~[0-9a-f]+/.exec(s)
  if (hash) s = s.slice(hash[0].length)
  // the build component "-r{number}"; anything else left over makes the version invalid
  if (s) {
    const r = /^-r(\d*)/.exec(s)
    if (!r) v.invalid = true
    else {
      v.rev = BigInt(r[1] || '0')
      s = s.slice(r[0].length)
    }
  }
  v.remainder = s
  return v
}
function cmpApkNumber(a: ApkNumber, b: ApkNumber): number {
  // after the first component a leading zero makes it a fraction: compare as text
  if (a.index !== 0 && b.index !== 0 && (a.original.startsWith('0') || b.original.startsWith('0')))
    return cmpStr(a.original, b.original)
  return cmpBig(a.value, b.value)
}
export function compareAlpine(a: string, b: string): number {
  const x = parseApk(a.trim())
  const y = parseApk(b.trim())
  if (x.invalid && y.invalid) return cmpStr(x.original, y.original)
  const zero: ApkNumber = { original: '0', value: 0n, index: 0 }
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const c = cmpApkNumber(x.nums[i] ?? zero, y.nums[i] ?? zero)
    if (c) return c
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1
  // a missing suffix weighs as <no suffix> (osv-scalibr pads with cvs's weight, which would make 1.2_cvs = 1.2;
  // apk-tools orders 1.2 < 1.2_cvs, and no corpus line depends on the difference)
  const none = { weight: APK_NO_SUFFIX, n: 0n }
  for (let i = 0; i < Math.max(x.suffixes.length, y.suffixes.length); i++) {
    const p = x.suffixes[i] ?? none
    const q = y.suffixes[i] ?? none
    if (p.weight !== q.weight) return p.weight < q.weight ? -1 : 1
    if (p.n !== q.n) return p.n < q.n ? -1 : 1
  }
  if (x.rev !== y.rev) return x.rev < y.rev ? -1 : 1
  // a version that parsed completely sorts after one with text left over
  if (!x.remainder !== !y.remainder) return x.remainder ? -1 : 1
  return 0
}

// ---- Maven (tokens split at ".", "-" and digit/letter transitions, each remembering its prefix)
interface MToken {
  prefix: string
  value: string
  isNull: boolean
}
const MAVEN_KEYWORDS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp']
function keywordOrder(k: string): number {
  const i = MAVEN_KEYWORDS.indexOf(k)
  return i >= 0 ? i : MAVEN_KEYWORDS.length
}
/** ".qualifier" < "-qualifier" < "-number" < ".number" */
function prefixOrder(t: MToken): number {
  const num = asBigInt(t.value) !== null
  if (t.prefix === '-') return num ? 2 : 1
  return num ? 3 : 0
}
function tokenLess(v: MToken, w: MToken): boolean {
  if (v.prefix !== w.prefix) return prefixOrder(v) < prefixOrder(w)
  const vn = asBigInt(v.value)
  const wn = asBigInt(w.value)
  if (vn !== null && wn !== null) return vn < wn
  // numbers sort after qualifiers, unless they are padding
  if (vn !== null && !v.isNull) return false
  if (wn !== null && !w.isNull) return true
  // known qualifiers in their order, then unknown ones alphabetically
  const l = keywordOrder(v.value)
  const r = keywordOrder(w.value)
  if (l === MAVEN_KEYWORDS.length && r === MAVEN_KEYWORDS.length) return v.value < w.value
  return l < r
}
/** The padding that stands opposite a token of the longer version: 0 after ".", "" after "-" ("" opposite ".sp"). */
function nullToken(t: MToken): MToken {
  if (t.prefix === '-') return { prefix: '-', value: '', isNull: true }
  return { prefix: '.', value: t.value === 'sp' ? '' : '0', isNull: true }
}
function parseMaven(version: string): MToken[] {
  const tokens: MToken[] = []
  const raw = version.split(/([-.])/)
  for (let i = 0; i < raw.length; i += 2) {
    const part = raw[i]
    const cuts = [...part.matchAll(/\D\d/g), ...part.matchAll(/\d\D/g)].map((m) => m.index + 1).sort((p, q) => p - q)
    cuts.push(part.length)
    let from = 0
    cuts.forEach((cut, j) => {
      const prefix = j > 0 ? '-' : i === 0 ? '' : raw[i - 1]
      let cur = part.slice(from, cut).toLowerCase() || '0'
      if (cur === 'cr') cur = 'rc'
      if (cur === 'ga' || cur === 'final' || cur === 'release') cur = ''
      // "a", "b" and "m" directly followed by a number are alpha, beta and milestone
      if (cut !== part.length) cur = ({ a: 'alpha', b: 'beta', m: 'milestone' } as Record<string, string>)[cur] ?? cur
      const n = asBigInt(cur)
      tokens.push({ prefix, value: n === null ? cur : n.toString(), isNull: false })
      from = cut
    })
  }
  // trim trailing null values (0, "", "final", "ga"), then again before each remaining hyphen, end to start
  const trims = (t: MToken): boolean => t.value === '0' || t.value === '' || t.value === 'final' || t.value === 'ga'
  let i = tokens.length - 1
  while (i > 0) {
    if (trims(tokens[i])) {
      tokens.splice(i, 1)
      i--
      continue
    }
    while (i >= 0 && tokens[i].prefix !== '-') i--
    i--
  }
  return tokens
}
export function compareMaven(a: string, b: string): number {
  const x = parseMaven(a.trim())
  const y = parseMaven(b.trim())
  if (x.length === y.length && x.every((t, i) => t.prefix === y[i].prefix && t.value === y[i].value)) return 0
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const l = x[i] ?? nullToken(y[i])
    const r = y[i] ?? nullToken(x[i])
    if (l.prefix === r.prefix && l.value === r.value) continue
    return tokenLess(l, r) ? -1 : 1
  }
  return 1
}

// ---- RubyGems (Gem::Version#<=>)
function gemSegments(v: string): Array<bigint | string> {
  const segs: Array<bigint | string> = (
    v
      .trim()
      .replace(/-/g, '.pre.')
      .match(/[0-9]+|[a-z]+/gi) ?? []
  ).map((s) => (/^\d+$/.test(s) ? BigInt(s) : s))
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

// ---- Packagist (Composer's canonical form, then PHP version_compare's special forms)
function packagistParts(version: string): string[] {
  let v = version.replace(/^v/, '').replace(/^V/, '')
  v = v.replace(/[-_+]/g, '.')
  v = v.replace(/([^\d.])(\d)/gu, '$1.$2')
  v = v.replace(/(\d)([^\d.])/gu, '$1.$2')
  return v.split('.')
}
/** dev < alpha (a) < beta (b) < RC (rc) < # (a number) < p (pl, patch); matched by prefix, anything else as dev. */
function packagistWeight(s: string): number {
  if (s.startsWith('RC')) return 3
  const i = ['dev', 'a', 'b', 'rc', '#', 'p'].findIndex((k) => s.startsWith(k))
  return i >= 0 ? i : 0
}
/** Go's strconv.Atoi: a signed decimal that fits 64 bits. */
function isInt64(s: string): boolean {
  const n = asBigInt(s)
  return n !== null && n >= -(2n ** 63n) && n < 2n ** 63n
}
function comparePackagistParts(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const p = asBigInt(a[i])
    const q = asBigInt(b[i])
    const c =
      p !== null && q !== null
        ? cmpBig(p, q)
        : Math.sign(packagistWeight(p !== null ? '#' : a[i]) - packagistWeight(q !== null ? '#' : b[i]))
    if (c) return c
  }
  // the longer version continues with a number (newer), or with a special form weighed against a number
  if (a.length > b.length) return isInt64(a[b.length]) ? 1 : comparePackagistParts(a.slice(b.length), ['#'])
  if (a.length < b.length) return isInt64(b[a.length]) ? -1 : comparePackagistParts(['#'], b.slice(a.length))
  return 0
}
export function comparePackagist(a: string, b: string): number {
  return comparePackagistParts(packagistParts(a.trim()), packagistParts(b.trim()))
}
