// CVSS base scores must equal Red Hat's reference vectors and NVD's published scores exactly.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { advisoryScore, baseScore } from '../../../src-main/vulns/cvss'
import { corpus } from '../../corpora'

function redhat(file: string): Array<[string, number]> {
  return readFileSync(join(corpus('cvss-redhat'), file), 'utf8')
    .split('\n')
    .filter((l) => l.includes(' - '))
    .map((l) => {
      const [v, s] = l.split(' - ')
      return [v.trim(), Number(s.replace(/[()]/g, '').split(',')[0])]
    })
}

describe('CVSS', () => {
  it.each([
    'vectors_simple3.txt',
    'vectors_simple31.txt',
    'vectors_simple4.txt',
    'vectors_security4.txt',
    'vectors_threat4.txt',
    'vectors_supplemental4.txt',
    'vectors_simple2.txt',
  ])('Red Hat %s', (file) => {
    const rows = redhat(file)
    const wrong = rows.filter(([v, s]) => baseScore(v)?.score !== (Object.is(s, -0) ? 0 : s))
    console.log(`${file}: ${rows.length - wrong.length} of ${rows.length} equal`)
    expect(rows.length).toBeGreaterThan(0)
    expect(wrong.slice(0, 3)).toEqual([])
  })

  it('NVD published base scores (v3.1 samples and real CVE records)', () => {
    const samples = JSON.parse(
      gunzipSync(readFileSync(join(corpus('cvss-nvd-samples'), 'v31-scores.json.gz'))).toString(),
    ) as Array<{ vector: string; score: number }>
    expect(samples.filter((s) => baseScore(s.vector)?.score !== s.score)).toEqual([])
    const cves = JSON.parse(gunzipSync(readFileSync(join(corpus('cvss-nvd-samples'), 'cves-2023.json.gz'))).toString())
    let n = 0
    for (const v of cves.vulnerabilities)
      for (const key of ['cvssMetricV31', 'cvssMetricV30'])
        for (const m of v.cve.metrics?.[key] ?? []) {
          expect(baseScore(m.cvssData.vectorString)?.score, m.cvssData.vectorString).toBe(m.cvssData.baseScore)
          n++
        }
    expect(n).toBeGreaterThan(300)
  })

  it("the highest of an advisory's vectors applies; a GHSA label only without vectors, and says so", () => {
    expect(
      advisoryScore({
        severity: [
          { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N' },
          { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
        ],
      }),
    ).toMatchObject({ score: 9.3, version: '4.0' })
    expect(advisoryScore({ database_specific: { severity: 'HIGH' } })).toMatchObject({ score: 7.0, version: 'label' })
    expect(advisoryScore({}).score).toBeNull()
  })
})
