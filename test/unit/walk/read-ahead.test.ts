// The read-ahead file stream: the file's bytes in order whatever the chunk size and depth (empty, shorter
// than a chunk, an exact multiple, a ragged end), bounded reads in flight, errors as stream errors, and the
// file closed when the consumer stops early.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { describe, expect, it, vi } from 'vitest'
import { createReadAheadStream } from '../../../src-main/walk/read-ahead'

// every FileHandle.read is counted while it runs
const reads = { inFlight: 0, most: 0 }
vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const open = async (...args: Parameters<typeof orig.open>): Promise<FileHandle> => {
    const fh = await orig.open(...args)
    const read = fh.read.bind(fh) as (...a: unknown[]) => Promise<{ bytesRead: number }>
    ;(fh as unknown as { read: unknown }).read = async (...a: unknown[]) => {
      reads.most = Math.max(reads.most, ++reads.inFlight)
      try {
        return await read(...a)
      } finally {
        reads.inFlight--
      }
    }
    return fh
  }
  return { ...orig, open, default: { ...orig, open } }
})

async function collect(path: string, chunkSize: number, depth: number): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of createReadAheadStream(path, { chunkSize, depth })) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

describe('read-ahead stream', () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'read-ahead-'))

  it('yields the bytes in file order for every size, chunk size and depth', async () => {
    for (const size of [0, 1, 4095, 4096, 4097, 3 * 65536, 1_000_003]) {
      const file = join(dir, `f${size}`)
      const bytes = randomBytes(size)
      writeFileSync(file, bytes)
      for (const [chunk, depth] of [
        [4096, 1],
        [4096, 4],
        [65536, 3],
        [1 << 20, 2],
      ])
        expect((await collect(file, chunk, depth)).equals(bytes), `${size} bytes, chunk ${chunk}, depth ${depth}`).toBe(
          true,
        )
    }
  })

  it('keeps at most `depth` reads in flight while the consumer is slow', async () => {
    const file = join(dir, 'slow')
    writeFileSync(file, randomBytes(64 * 4096))
    reads.most = 0
    const parts: Buffer[] = []
    for await (const c of createReadAheadStream(file, { chunkSize: 4096, depth: 3 })) {
      parts.push(c as Buffer)
      await new Promise((r) => setTimeout(r, 1))
    }
    expect(Buffer.concat(parts).length).toBe(64 * 4096)
    expect(reads.most).toBeGreaterThan(1)
    expect(reads.most).toBeLessThanOrEqual(3)
  })

  it('a missing file is a stream error; stopping early destroys the stream and closes the file', async () => {
    await expect(collect(join(dir, 'missing'), 4096, 2)).rejects.toThrow(/ENOENT/)
    const file = join(dir, 'early')
    writeFileSync(file, randomBytes(256 * 1024))
    const s = createReadAheadStream(file, { chunkSize: 4096, depth: 4 })
    for await (const _ of s) break
    await finished(s).catch(() => undefined)
    expect(s.destroyed).toBe(true)
    expect(s.closed).toBe(true)
  })
})
