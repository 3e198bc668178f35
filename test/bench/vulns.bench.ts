// Vulnerability database benchmark: import of a generated 100,000-advisory OSV all.zip (advisories per
// second, and as a ratio to plain JSON parsing of the same advisories) and matching 2,000 components
// against it (target under 1 s). PREFLIGHT_BENCH_SCALE shrinks the advisory count.
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import yazl from 'yazl'
import { openDatabase } from '../../src-main/store/db'
import { VulnDb } from '../../src-main/vulns/osv'

async function main() {
  const scale = Number(process.env.PREFLIGHT_BENCH_SCALE ?? 1)
  const n = Math.max(1000, Math.round(100_000 * scale))
  const tmp = process.env.TMPDIR!
  const zipPath = join(tmp, 'osv-all.zip')
  const zip = new yazl.ZipFile()
  const texts: string[] = []
  for (let i = 0; i < n; i++) {
    const eco = ['npm', 'PyPI', 'Go', 'Maven', 'Debian:12'][i % 5]
    const a = {
      id: `BENCH-${i}`,
      modified: '2026-11-01T00:00:00Z',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [
        {
          package: { ecosystem: eco, name: `pkg-${i % 20000}` },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${1 + (i % 7)}.0.0` }] }],
        },
      ],
    }
    const text = JSON.stringify(a)
    texts.push(text)
    zip.addBuffer(Buffer.from(text), `${a.id}.json`, { compress: true })
  }
  zip.end()
  await new Promise<void>((r) => zip.outputStream.pipe(createWriteStream(zipPath)).on('close', () => r()))
  let t = performance.now()
  for (const s of texts) JSON.parse(s)
  const parseSeconds = (performance.now() - t) / 1000
  const db = openDatabase(join(tmp, 'bench-vuln.sqlite'))
  const v = new VulnDb(db)
  t = performance.now()
  await v.importPath(zipPath)
  const importSeconds = (performance.now() - t) / 1000
  console.log(
    `import: ${n} advisories in ${importSeconds.toFixed(2)} s = ${Math.round(n / importSeconds)} advisories/s; ratio to JSON.parse alone ${(importSeconds / parseSeconds).toFixed(1)}`,
  )
  t = performance.now()
  let hits = 0
  for (let i = 0; i < 2000; i++)
    hits += v.match(['npm', 'PyPI', 'Go', 'Maven', 'Debian'][i % 5], `pkg-${(i * 5 + (i % 5)) % 20000}`, '1.5.0').length
  const matchSeconds = (performance.now() - t) / 1000
  console.log(
    `match: 2000 components in ${matchSeconds.toFixed(3)} s (${hits} hits; target < 1 s); ratio to JSON.parse of all advisories ${(matchSeconds / parseSeconds).toFixed(2)}`,
  )
}
void main()
