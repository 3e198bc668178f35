// Foundation benchmark: identify + sha256 of a 4 GiB sparse file through the real CLI, with peak RSS
// (target under 150 MiB) and hashing throughput as a ratio to sha256sum on the same file (target >= 0.9).
import { closeSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { measure, preflight, ratio, shell } from './util'

const scale = Number(process.env.PREFLIGHT_BENCH_SCALE ?? 1)
const size = Math.round(4 * 1024 ** 3 * scale)
const file = join(process.env.TMPDIR!, 'identify-sparse.img')
const fd = openSync(file, 'w')
ftruncateSync(fd, size)
writeSync(fd, Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'), 0, 8, 0)
closeSync(fd)
try {
  // warm the page cache for both sides alike
  shell(`cat '${file}' > /dev/null`)
  const base = measure('sha256sum', [file])
  const ours = measure(...preflight(['inspect', file, '--format', 'json', '--quiet']))
  const out = JSON.parse(ours.stdout)
  if (out.sha256 !== base.stdout.split(' ')[0]) throw new Error('sha256 differs from sha256sum')
  console.log(`file: ${(size / 1024 ** 3).toFixed(2)} GiB sparse, kind ${out.kind}`)
  console.log(`peak RSS: ${ours.peakRssMiB?.toFixed(0)} MiB (target < 150 MiB)`)
  const oursMBs = size / 1e6 / ours.seconds
  const baseMBs = size / 1e6 / base.seconds
  ratio('hash throughput MB/s', oursMBs, baseMBs, 'sha256sum', '>= 0.9')
} finally {
  rmSync(file, { force: true })
}
