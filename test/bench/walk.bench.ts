// Package walk benchmark: `preflight scan` of a generated .tar.gz of mixed files (random, text, zeros, a
// nested zip) as a ratio to `gzip -dc file | sha256sum` (target <= 1.3), and peak RSS at two sizes
// (target < 200 MiB, not growing with size). PREFLIGHT_BENCH_SCALE=1 means 2 GiB (and 1 vs 4 GiB for RSS).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { measure, preflight, ratio, shell } from './util'

const scale = Number(process.env.PREFLIGHT_BENCH_SCALE ?? 1)
const tmp = process.env.TMPDIR!

function makePackage(name: string, bytes: number): string {
  const dir = join(tmp, `${name}-src`)
  mkdirSync(join(dir, 'lib'), { recursive: true })
  const fileSize = 64 * 1024 * 1024
  const chunk = randomBytes(1024 * 1024)
  const text = Buffer.from('lorem ipsum dolor sit amet, consectetur adipiscing elit\n'.repeat(20000))
  for (let i = 0, done = 0; done < bytes; i++) {
    const fd = openSync(join(dir, 'lib', `part-${i}.bin`), 'w')
    const size = Math.min(fileSize, bytes - done)
    for (let w = 0; w < size; w += chunk.length)
      writeSync(
        fd,
        i % 3 === 0 ? chunk : i % 3 === 1 ? text.subarray(0, chunk.length) : Buffer.alloc(chunk.length),
        0,
        Math.min(chunk.length, size - w),
      )
    closeSync(fd)
    done += size
  }
  execFileSync('zip', ['-q', '-r', join(dir, 'docs.zip'), 'lib/part-0.bin'], { cwd: dir })
  const out = join(tmp, `${name}.tar.gz`)
  execFileSync('sh', ['-c', `tar -cf - -C '${dir}' . | gzip -1 > '${out}'`])
  rmSync(dir, { recursive: true, force: true })
  return out
}

const GiB = 1024 ** 3
const main = makePackage('bench-2g', Math.round(2 * GiB * scale))
shell(`cat '${main}' > /dev/null`)
const base = shell(`gzip -dc '${main}' | sha256sum`)
const ours = measure(...preflight(['scan', main, '--format', 'json', '--quiet']), {
  env: { ...process.env, PREFLIGHT_HOME: join(tmp, 'home') },
})
ratio('scan wall time (s)', ours.seconds, base.seconds, 'gzip -dc | sha256sum', '<= 1.3')
rmSync(main, { force: true })
for (const gib of [1, 4]) {
  const p = makePackage(`bench-${gib}g`, Math.round(gib * GiB * scale))
  const m = measure(...preflight(['scan', p, '--format', 'json', '--quiet']), {
    env: { ...process.env, PREFLIGHT_HOME: join(tmp, 'home') },
  })
  console.log(
    `peak RSS scanning ${(gib * scale).toFixed(2)} GiB: ${m.peakRssMiB?.toFixed(0)} MiB (target < 200 MiB, flat)`,
  )
  rmSync(p, { force: true })
}
