// zstd decompression for the entry pass, against the zstd command's own output: levels, frames with and
// without checksums, several frames and skippable frames, any chunking; a frame asking for more than a
// 128 MiB window is refused before anything is allocated; damaged structure is an error, never a crash, and
// damaged content fails on the frame's checksum.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  createZstdDecompress,
  MAX_WINDOW,
  WINDOW_BUDGET,
  ZstdChecksumError,
  ZstdWindowError,
} from '../../../src-main/walk/zstd'

async function decompress(bytes: Buffer, chunk: number): Promise<Buffer> {
  const parts: Buffer[] = []
  const chunks = function* () {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk)
  }
  for await (const c of Readable.from(chunks()).pipe(createZstdDecompress())) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

describe('zstd stream decompression', () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'zstd-'))
  const plain = Buffer.concat([randomBytes(700_000), Buffer.from('lorem ipsum '.repeat(200_000))])
  writeFileSync(join(dir, 'plain'), plain)
  const zstd = (...args: string[]) => {
    execFileSync('zstd', ['-q', '-f', ...args, join(dir, 'plain'), '-o', join(dir, 'out.zst')])
    return readFileSync(join(dir, 'out.zst'))
  }

  it('decompresses what the zstd command writes, at any level and chunking, with or without checksums', async () => {
    for (const args of [['-1'], ['-19'], ['--no-check'], ['-3', '--long=27']]) {
      const packed = zstd(...args)
      for (const chunk of [1, 7, 4096, 1 << 20]) {
        if (chunk === 1 && packed.length > 200_000) continue // byte by byte is slow; 7 covers the splits
        expect((await decompress(packed, chunk)).equals(plain), `${args.join(' ')} in ${chunk}-byte chunks`).toBe(true)
      }
    }
  })

  it('several frames and skippable frames in one stream', async () => {
    const a = zstd('-3')
    const skippable = Buffer.alloc(8 + 5)
    skippable.writeUInt32LE(0x184d2a53, 0)
    skippable.writeUInt32LE(5, 4)
    const both = Buffer.concat([skippable, a, skippable, a])
    expect((await decompress(both, 4096)).equals(Buffer.concat([plain, plain]))).toBe(true)
  })

  it('a frame asking for a window above 128 MiB is refused before it is decompressed', async () => {
    // window descriptor exponent 21: 2 GiB; then a raw last block of 3 bytes
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63])
    await expect(decompress(frame, 4096)).rejects.toBeInstanceOf(ZstdWindowError)
    // a single-segment frame whose content size (the window) claims 1 GiB
    const single = Buffer.from([
      0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x00, 0x00, 0x00, 0x40, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63,
    ])
    await expect(decompress(single, 3)).rejects.toThrow(/1024 MiB window/)
    expect(MAX_WINDOW).toBe(128 * 1024 * 1024)
  })

  it('streams open at once share a 256 MiB window budget; an ended or destroyed stream gives its window back', async () => {
    // frame headers only (fzstd buffers fewer than 18 bytes without allocating): windows of 128, 128 and 8 MiB
    const header = (log: number) => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (log - 10) << 3])
    const open = (log: number) => {
      const t = createZstdDecompress()
      const failed = new Promise<Error | null>((resolve) => {
        t.on('error', resolve)
        t.write(header(log), (err) => resolve(err ?? null))
      })
      t.resume()
      return { t, failed }
    }
    const streams: Array<ReturnType<typeof open>> = []
    try {
      const [a, b] = [open(27), open(27)]
      streams.push(a, b)
      expect(await a.failed).toBeNull()
      expect(await b.failed).toBeNull()
      const c = open(23)
      streams.push(c)
      expect(String(await c.failed)).toMatch(/8 MiB window while the zstd streams around it hold 256 MiB/)
      a.t.destroy()
      await new Promise((r) => setImmediate(r))
      const d = open(23)
      streams.push(d)
      expect(await d.failed).toBeNull()
      expect(WINDOW_BUDGET).toBe(256 * 1024 * 1024)
    } finally {
      for (const s of streams) s.t.destroy()
    }
  })

  it('damaged or foreign data is an error', async () => {
    const packed = zstd('-3')
    await expect(decompress(randomBytes(1000), 100)).rejects.toThrow(/not a zstd frame/)
    await expect(decompress(packed.subarray(0, packed.length - 100), 4096)).rejects.toThrow(/unexpected EOF/)
    // a block of the reserved type 3
    await expect(decompress(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x07, 0x00, 0x00]), 4096)).rejects.toThrow(
      /reserved type/,
    )
  })

  it("damage that still decompresses fails on the frame's checksum, at any chunking, naming the frame", async () => {
    // random bytes are stored as raw blocks: a flipped byte in one decompresses, to other bytes
    writeFileSync(join(dir, 'random'), randomBytes(300_000))
    execFileSync('zstd', ['-q', '-f', '-3', join(dir, 'random'), '-o', join(dir, 'random.zst')])
    const packed = readFileSync(join(dir, 'random.zst'))
    const flipped = Buffer.from(packed)
    flipped[1000] ^= 0x20
    for (const chunk of [7, 4096, 1 << 20])
      await expect(decompress(flipped, chunk), `${chunk}-byte chunks`).rejects.toThrow(
        /^zstd frame 1 decompresses to content whose checksum is [0-9a-f]{8}, not the [0-9a-f]{8} the frame carries$/,
      )
    // the checksum itself damaged; in the second of two frames
    const badSum = Buffer.from(packed)
    badSum[badSum.length - 1] ^= 1
    await expect(decompress(Buffer.concat([packed, badSum]), 4096)).rejects.toBeInstanceOf(ZstdChecksumError)
    await expect(decompress(Buffer.concat([packed, badSum]), 4096)).rejects.toThrow(/^zstd frame 2 /)
    // without a checksum the same damage goes unnoticed by zstd itself: nothing to compare
    const noCheck = readFileSync(join(dir, 'random.zst'))
    execFileSync('zstd', ['-q', '-f', '-3', '--no-check', join(dir, 'random'), '-o', join(dir, 'random.zst')])
    const unchecked = readFileSync(join(dir, 'random.zst'))
    unchecked[1000] ^= 0x20
    expect((await decompress(unchecked, 4096)).length).toBe(300_000)
    expect(noCheck.length).toBe(unchecked.length + 4)
  })
})
