// Version ordering against osv-scalibr's semantic fixtures (../shared/corpora/osv-semantic): every line is
// checked both ways and every line must agree; the counts per ecosystem are printed.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { comparatorFor } from '../../../src-main/vulns/versions'
import { corpus } from '../../corpora'

const SETS: Array<[string, string[]]> = [
  ['npm', ['semver-versions.txt']],
  ['PyPI', ['pypi-versions.txt', 'pypi-versions-generated.txt']],
  ['Maven', ['maven-versions.txt', 'maven-versions-generated.txt']],
  ['Debian', ['debian-versions.txt', 'debian-versions-generated.txt']],
  ['Alpine', ['alpine-versions.txt', 'alpine-versions-generated.txt']],
  ['RubyGems', ['rubygems-versions.txt', 'rubygems-versions-generated.txt']],
  ['NuGet', ['nuget-versions.txt']],
  ['Packagist', ['packagist-versions.txt', 'packagist-versions-generated.txt']],
  ['Red Hat', ['redhat-versions.txt']],
]

describe('version ordering (osv-semantic)', () => {
  it.each(SETS)('%s', (ecosystem, files) => {
    const cmp = comparatorFor(ecosystem)!
    let ok = 0
    const bad: string[] = []
    for (const f of files)
      for (const line of readFileSync(join(corpus('osv-semantic/semantic/testdata'), f), 'utf8').split('\n')) {
        if (!line.trim() || line.startsWith('# ') || line.startsWith('//')) continue
        const p = line.split(' ')
        if (p.length !== 3) continue
        const want = p[1] === '<' ? -1 : p[1] === '>' ? 1 : 0
        if (Math.sign(cmp(p[0], p[2])) === want && Math.sign(cmp(p[2], p[0])) === -want) ok++
        else bad.push(line)
      }
    console.log(`${ecosystem}: ${ok} of ${ok + bad.length} comparisons agree`)
    expect(ok).toBeGreaterThan(30)
    expect(bad.length, bad.slice(0, 5).join(' | ')).toBe(0)
  })
})
