// Cancel stops a scan within a second even inside one huge entry: a 1 GiB single-entry tar (sparse, so cheap to
// make), the same as a .tar.gz, a .tar.zst and a stored zip, and a 1 GiB file in a disk image's ext4 guest. The scan is aborted ~300 ms in and must reject with the
// cancelled error less than 1000 ms after the abort (a correctness bound, not a speed target).
import { execFileSync, spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { once } from 'node:events'
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Header } from 'tar'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import type { EntryScanner } from '../../../src-main/walk/types'

const MiB = 1024 * 1024
const GiB = 1024 * MiB
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'cancel-'))
  // one 1 GiB regular file entry of zeros: a ustar header, then a hole up to the end blocks
  const h = new Header({ path: 'disk.bin', size: GiB, type: 'File', mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 })
  h.encode()
  const fd = openSync(join(dir, 'big.tar'), 'w')
  writeSync(fd, h.block!)
  ftruncateSync(fd, 512 + GiB + 1024)
  closeSync(fd)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cancelAfter(path: string, ms: number): Promise<number> {
  const ac = new AbortController()
  const scan = scanPackage(path, { signal: ac.signal })
  let abortedAt = 0
  const timer = setTimeout(() => {
    abortedAt = performance.now()
    ac.abort()
  }, ms)
  const err = await scan.then(
    () => null,
    (e: unknown) => e,
  )
  clearTimeout(timer)
  const took = performance.now() - abortedAt
  expect(abortedAt, 'the scan ended before the abort: the package is too small for this test').toBeGreaterThan(0)
  expect(err).toMatchObject({ code: 'cancelled' })
  return took
}

it('a 1 GiB single-entry tar stops within 1 s of Cancel', async () => {
  expect(await cancelAfter(join(dir, 'big.tar'), 300)).toBeLessThan(1000)
}, 60_000)

it('a 1 GiB entry in a .tar.gz stops within 1 s of Cancel', async () => {
  execFileSync('sh', ['-c', `gzip -1 -c "${join(dir, 'big.tar')}" > "${join(dir, 'big.tar.gz')}"`])
  expect(await cancelAfter(join(dir, 'big.tar.gz'), 300)).toBeLessThan(1000)
}, 120_000)

it('a 1 GiB entry in a .tar.zst stops within 1 s of Cancel', async () => {
  // zeros would compress past the bomb ratio (the walk stops by itself): one random byte in 256 keeps it under 1000:1;
  // the same 1 MiB repeated is out of reach of zstd -1's 512 KiB window
  const block = Buffer.alloc(MiB)
  for (let i = 0; i < MiB; i += 256) block[i] = randomInt(256)
  const zstd = spawn('zstd', ['-q', '-1', '-o', join(dir, 'big.tar.zst')], { stdio: ['pipe', 'ignore', 'inherit'] })
  const h = new Header({ path: 'disk.bin', size: GiB, type: 'File', mode: 0o644, mtime: new Date(0) })
  h.encode()
  await pipeline(
    Readable.from(
      (function* () {
        yield h.block!
        for (let i = 0; i < GiB / MiB; i++) yield block
        yield Buffer.alloc(1024)
      })(),
    ),
    zstd.stdin,
  )
  await once(zstd, 'close')
  expect(await cancelAfter(join(dir, 'big.tar.zst'), 300)).toBeLessThan(1000)
}, 120_000)

it('a 1 GiB stored zip entry stops within 1 s of Cancel, while hashing and while walking', async () => {
  // zip of the sparse tar itself (stored, no compression): one 1 GiB entry
  execFileSync('zip', ['-0', '-q', join(dir, 'big.zip'), 'big.tar'], { cwd: dir })
  expect(await cancelAfter(join(dir, 'big.zip'), 300)).toBeLessThan(1000)
  // the walk starts after the sha256 pass; abort later to land in the entry walk
  expect(await cancelAfter(join(dir, 'big.zip'), 2500)).toBeLessThan(1000)
}, 180_000)

it('a 1 GiB file inside the guest filesystem of a disk image stops within 1 s of Cancel', async () => {
  // an ext4 guest (mkfs.ext4 -d keeps the file's hole) holding one 1 GiB file; the abort comes as soon as the
  // entry pass has started reading that file (its hole reads fast: the scan must still end cancelled, not with a report)
  const root = join(dir, 'root')
  mkdirSync(root)
  const fd = openSync(join(root, 'disk.bin'), 'w')
  ftruncateSync(fd, GiB)
  closeSync(fd)
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, join(dir, 'guest.raw'), '1100M'], { stdio: 'ignore' })
  rmSync(root, { recursive: true })
  const ac = new AbortController()
  let abortedAt = 0
  const scanner = (): EntryScanner => ({
    id: 'abort-in-entry',
    wants: (e) => e.path === 'disk.bin',
    open: () => {
      setTimeout(() => {
        abortedAt = performance.now()
        ac.abort()
      }, 0)
      return { write() {}, end: () => undefined }
    },
  })
  const err = await scanPackage(join(dir, 'guest.raw'), {
    signal: ac.signal,
    profile: 'koogallery-image',
    scanners: [scanner],
  }).then(
    () => null,
    (e: unknown) => e,
  )
  const took = performance.now() - abortedAt
  expect(abortedAt, 'the guest file was not read').toBeGreaterThan(0)
  expect(err).toMatchObject({ code: 'cancelled' })
  expect(took).toBeLessThan(1000)
}, 120_000)
