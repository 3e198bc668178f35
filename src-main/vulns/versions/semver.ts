// SemVer ordering with OSV's leniency (npm, crates.io, Go, Hex, and NuGet's 4-part form): an optional
// leading "v", any number of numeric components (missing ones are 0), pre-release identifiers compared per
// SemVer 2.0 §11, build metadata ignored. The `semver` package refuses "1.2" and "1.2.3.4", which real
// advisories and lockfiles contain, so the comparison is written here (and `semver` is not a dependency).

interface Parsed {
  nums: bigint[]
  pre: string[]
}

function parse(v: string, caseInsensitive: boolean): Parsed {
  let s = v.trim().replace(/^v/i, '')
  const plus = s.indexOf('+')
  if (plus >= 0) s = s.slice(0, plus)
  const dash = s.indexOf('-')
  const core = dash >= 0 ? s.slice(0, dash) : s
  const pre = dash >= 0 ? s.slice(dash + 1) : ''
  const nums = core.split('.').map((p) => (/^\d+$/.test(p) ? BigInt(p) : 0n))
  return { nums, pre: pre ? (caseInsensitive ? pre.toLowerCase() : pre).split('.') : [] }
}

function cmpIdent(a: string, b: string): number {
  const an = /^\d+$/.test(a)
  const bn = /^\d+$/.test(b)
  if (an && bn) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0
  if (an) return -1
  if (bn) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

export function compareSemver(a: string, b: string, opts: { caseInsensitive?: boolean } = {}): number {
  const x = parse(a, !!opts.caseInsensitive)
  const y = parse(b, !!opts.caseInsensitive)
  const n = Math.max(x.nums.length, y.nums.length)
  for (let i = 0; i < n; i++) {
    const p = x.nums[i] ?? 0n
    const q = y.nums[i] ?? 0n
    if (p !== q) return p < q ? -1 : 1
  }
  if (!x.pre.length || !y.pre.length) return x.pre.length === y.pre.length ? 0 : x.pre.length ? -1 : 1
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    if (x.pre[i] === undefined) return -1
    if (y.pre[i] === undefined) return 1
    const c = cmpIdent(x.pre[i], y.pre[i])
    if (c) return c
  }
  return 0
}

export const compareNuget = (a: string, b: string): number => compareSemver(a, b, { caseInsensitive: true })
