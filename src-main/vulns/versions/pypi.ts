// PyPI ordering: PEP 440 through @renovatebot/pep440; versions that are not PEP 440 sort before all valid
// ones (as pip's legacy versions did) and among themselves by string.
import { compare, valid } from '@renovatebot/pep440'

export function comparePypi(a: string, b: string): number {
  const va = valid(a)
  const vb = valid(b)
  if (va && vb) return Math.sign(compare(a, b))
  if (!va && !vb) return a < b ? -1 : a > b ? 1 : 0
  return va ? 1 : -1
}
