// convert's byte-for-byte read-back: when the file does not hold what was written to it (here the output's
// writes store one flipped byte, as a failing disk or a bug in the placement would), convert fails naming the
// guest cluster and leaves neither the output nor a partial file. Neither the header check nor the sampled
// clusters read through the qcow2 reader would see this byte (it is not in a sampled cluster). And when a
// batch's buffer changed before it was written (file and buffer then agree), the CRC-32 its sampled cluster had
// when examined fails the convert, in a batch whose sample the qcow2 reader does not read at the end.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'

// how the second data write goes wrong: 'file' stores a flipped byte (the buffer keeps the right one); 'buffer'
// flips the byte in the source buffer itself before writing it, as a buffer read into again too early would be,
// so the file and the buffer agree and only the CRC-32 taken when the batch was examined can tell
const partialWrites = { count: 0, fault: 'file' as 'file' | 'buffer' }

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const open = async (path: string, flags?: string, mode?: number): Promise<FileHandle> => {
    const fh = await orig.open(path, flags, mode)
    if (!String(path).includes('.partial-') || flags !== 'w+') return fh
    // the second data write of the conversion stores its buffers with the 2nd cluster's first byte flipped
    const writev = fh.writev.bind(fh)
    return new Proxy(fh, {
      get(target, prop) {
        if (prop === 'writev')
          return async (bufs: Buffer[], position: number) => {
            if (++partialWrites.count === 2 && partialWrites.fault === 'buffer') {
              bufs[0][0] ^= 0x80
              return writev(bufs, position)
            }
            if (partialWrites.count === 2) {
              const joined = Buffer.concat(bufs)
              joined[64 * 1024] ^= 0x80
              return writev([joined], position)
            }
            return writev(bufs, position)
          }
        const v = Reflect.get(target, prop)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
  }
  return { ...orig, open, default: { ...orig, open } }
})

describe('convert read-back', () => {
  it('bytes that do not read back as written fail the convert, naming the guest cluster, and leave nothing', async () => {
    const { convertToQcow2 } = await import('../../../src-main/vm/convert')
    const d = mkdtempSync(join(process.env.TMPDIR!, 'readback-'))
    const raw = join(d, 'disk.raw')
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '16M'])
    // batch 0: a data run at 1 MiB; batch 1 (4 MiB..8 MiB): a 256 KiB run at 6 MiB, guest clusters 96–99
    execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x21 1M 64k', '-c', 'write -P 0x22 6M 256k', raw], {
      stdio: 'ignore',
    })
    await expect(convertToQcow2(raw, join(d, 'out.qcow2'))).rejects.toThrow(
      /does not read back as the source \(guest cluster 97\)/,
    )
    expect(existsSync(join(d, 'out.qcow2'))).toBe(false)
    expect(readdirSync(d)).toEqual(['disk.raw'])
  })

  it('a batch whose buffer changed before it was written fails the convert, though it reads back as written', async () => {
    const { convertToQcow2 } = await import('../../../src-main/vm/convert')
    partialWrites.count = 0
    partialWrites.fault = 'buffer'
    const d = mkdtempSync(join(process.env.TMPDIR!, 'readback-'))
    const raw = join(d, 'disk.raw')
    // 130 batches of 4 MiB with 64 KiB of data at the start of each: more batches than the 64 samples read
    // through the qcow2 reader at the end, which leave out batch 1's
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '520M'])
    execFileSync(
      'qemu-io',
      [
        '-f',
        'raw',
        ...Array.from({ length: 130 }, (_, b) => ['-c', `write -P ${(b % 250) + 1} ${b * 4}M 64k`]).flat(),
        raw,
      ],
      { stdio: 'ignore' },
    )
    // the changed byte is the first of batch 1's data, guest cluster 64, the batch's sampled cluster
    await expect(convertToQcow2(raw, join(d, 'out.qcow2'))).rejects.toThrow(
      /does not read back as the source \(guest cluster 64\)/,
    )
    expect(readdirSync(d)).toEqual(['disk.raw'])
  })
})
