// convert's final verification through the qcow2 reader: when the written image does not read back as the source
// there (here the reader is made to flip one byte of guest data, however it is read, in the data cluster that
// batch 1 samples), convert fails and leaves neither the output nor a partial file.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { BlockDevice } from '../../../src-main/vm/block'

vi.mock('../../../src-main/vm/qcow2/device', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../../src-main/vm/qcow2/device')>()
  return {
    openQcow2Device: async (path: string): Promise<BlockDevice> => {
      const dev = await orig.openQcow2Device(path)
      // both ways of reading guest data (a new buffer, or into the caller's) return the flipped byte
      const flip = (b: Buffer, offset: number, n: number) => {
        if (offset <= 5 * 1024 * 1024 + 100 && offset + n > 5 * 1024 * 1024 + 100)
          b[5 * 1024 * 1024 + 100 - offset] ^= 1
      }
      return {
        size: dev.size,
        close: () => dev.close(),
        dataRanges: (offset, length) => dev.dataRanges!(offset, length),
        async read(offset, length) {
          const b = await dev.read(offset, length)
          flip(b, offset, b.length)
          return b
        },
        async readInto(target, offset, length) {
          const n = await dev.readInto!(target, offset, length)
          flip(target, offset, n)
          return n
        },
      }
    },
  }
})

describe('convert verification', () => {
  it('a result that reads back differently is refused and removed', async () => {
    const { convertToQcow2 } = await import('../../../src-main/vm/convert')
    const d = mkdtempSync(join(process.env.TMPDIR!, 'verify-'))
    const raw = join(d, 'disk.raw')
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '16M'])
    execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x22 5M 64k', raw], { stdio: 'ignore' })
    await expect(convertToQcow2(raw, join(d, 'out.qcow2'))).rejects.toThrow(
      /does not read back as the source \(guest cluster 80\)/,
    )
    expect(existsSync(join(d, 'out.qcow2'))).toBe(false)
    expect(readdirSync(d)).toEqual(['disk.raw'])
  })
})
