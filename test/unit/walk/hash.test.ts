// A large package's sha256 is computed in a worker thread while the walk reads it: same digest as sha256sum.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { sha256FileInWorker } from '../../../src-main/walk/hash'
import { scanPackage } from '../../../src-main/inspect/scan'

it("a package over 64 MiB: the report sha256 is sha256sum's, and all bytes are counted", async () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'hw-'))
  writeFileSync(join(dir, 'zeros.bin'), '')
  truncateSync(join(dir, 'zeros.bin'), 70 * 1024 * 1024)
  writeFileSync(join(dir, 'a.txt'), 'hello')
  execFileSync('tar', ['-cf', join(dir, 'big.tar'), '-C', dir, 'zeros.bin', 'a.txt'])
  const expected = execFileSync('sha256sum', [join(dir, 'big.tar')], { encoding: 'utf8' }).split(' ')[0]
  const r = await scanPackage(join(dir, 'big.tar'), { profile: 'koogallery-app' })
  expect(r.package.sha256).toBe(expected)
  expect(r.stats.bytesRead).toBe(r.package.size)
  expect((await sha256FileInWorker(join(dir, 'a.txt'))).hex).toBe(
    execFileSync('sha256sum', [join(dir, 'a.txt')], { encoding: 'utf8' }).split(' ')[0],
  )
  await expect(sha256FileInWorker(join(dir, 'missing'))).rejects.toThrow(/Cannot read/)
  const ac = new AbortController()
  const p = sha256FileInWorker(join(dir, 'big.tar'), ac.signal)
  ac.abort()
  await expect(p).rejects.toThrow()
})
