// The entry pass computes each whole-file digest once and hands it to every scanner that names it.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import type { DigestKind, EntryScanner } from '../../../src-main/walk/types'

it('every scanner naming a digest gets it at end(), computed over the whole content; others get none', async () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'dig-'))
  mkdirSync(join(dir, 'src'))
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7)
  writeFileSync(join(dir, 'src/big.bin'), big)
  writeFileSync(join(dir, 'src/empty.txt'), '')
  execFileSync('tar', ['-czf', join(dir, 'p.tar.gz'), '-C', join(dir, 'src'), 'big.bin', 'empty.txt'])
  const seen: Record<string, Array<[string, unknown]>> = { a: [], b: [], c: [] }
  const scanner = (id: string, digests?: DigestKind[]) => (): EntryScanner => ({
    id,
    digests,
    wants: (e) => e.type === 'file',
    open: (e) => ({ write() {}, end: (d) => void seen[id].push([e.path, d]) }),
  })
  await scanPackage(join(dir, 'p.tar.gz'), {
    scanners: [scanner('a', ['sha256']), scanner('b', ['sha256', 'md5']), scanner('c')],
  })
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
  expect(seen.a).toEqual([
    ['big.bin', { sha256: sha(big) }],
    ['empty.txt', { sha256: sha(Buffer.alloc(0)) }],
  ])
  expect(seen.b).toEqual([
    ['big.bin', { sha256: sha(big), md5: md5(big) }],
    ['empty.txt', { sha256: sha(Buffer.alloc(0)), md5: md5(Buffer.alloc(0)) }],
  ])
  expect(seen.c).toEqual([
    ['big.bin', undefined],
    ['empty.txt', undefined],
  ])
})
