// Top-level names of an image tar from its headers alone (repack keeps images already in the wanted form
// without unpacking them).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { tarRootNames } from '../../../src-main/repack/repack'

it('lists the root names of GNU, pax and ustar tars; compressed or cut tars are null', async () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'tn-'))
  const src = join(dir, 'src')
  const deep = join(src, 'blobs', 'sha256', 'x'.repeat(90), 'y'.repeat(90))
  mkdirSync(deep, { recursive: true })
  writeFileSync(join(deep, 'z'.repeat(120)), Buffer.alloc(70_000, 1))
  writeFileSync(join(src, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  writeFileSync(join(src, 'index.json'), '{}')
  for (const fmt of ['gnu', 'pax', 'ustar']) {
    const out = join(dir, `${fmt}.tar`)
    // ustar cannot hold the long names: only the short members
    execFileSync('tar', [
      '--format',
      fmt,
      '-cf',
      out,
      '-C',
      src,
      ...(fmt === 'ustar' ? ['./oci-layout', './index.json'] : ['.']),
    ])
    expect(await tarRootNames(out), fmt).toEqual(
      new Set(fmt === 'ustar' ? ['oci-layout', 'index.json'] : ['blobs', 'oci-layout', 'index.json']),
    )
  }
  execFileSync('gzip', ['-k', join(dir, 'pax.tar')])
  expect(await tarRootNames(join(dir, 'pax.tar.gz'))).toBeNull()
  const whole = readFileSync(join(dir, 'pax.tar'))
  writeFileSync(join(dir, 'cut.tar'), whole.subarray(0, 2048))
  expect(await tarRootNames(join(dir, 'cut.tar'))).toBeNull()
  const bad = Buffer.from(whole)
  bad[10] ^= 0xff
  writeFileSync(join(dir, 'bad.tar'), bad)
  expect(await tarRootNames(join(dir, 'bad.tar'))).toBeNull()
})
