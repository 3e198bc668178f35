// The streamed blob source of a registry-to-registry sync: chunks come in order with one held for a resend, the
// digest and size are checked before a commit, the source is read no further than the chunk asked for, a rewind past
// the held chunk and a silent source are errors.
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { streamChunks } from '../../../src-main/upload/registry-client'
import { isNetworkError } from '../../../src-main/upload/retry'

const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** A stream handing out `data` in pieces of `piece` bytes. */
function stream(data: Buffer, piece = 1000): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream({
    pull(c) {
      if (at >= data.length) return c.close()
      c.enqueue(new Uint8Array(data.subarray(at, at + piece)))
      at += piece
    },
  })
}

describe('streamChunks', () => {
  it('hands out chunks in order, again from the held chunk, and accepts bytes matching the digest', async () => {
    const data = randomBytes(10_000)
    const src = streamChunks(stream(data, 700), { digest: digest(data), size: data.length }, 'src')
    expect(Buffer.compare(await src.read(0, 4000), data.subarray(0, 4000))).toBe(0)
    // the registry held 2500 bytes of that chunk: the rest of it again
    expect(Buffer.compare(await src.read(2500, 4000), data.subarray(2500, 4000))).toBe(0)
    expect(Buffer.compare(await src.read(4000, 6000), data.subarray(4000))).toBe(0)
    await expect(src.read(1000, 4000)).rejects.toThrow(/lost part of blob .* sent again from its start/)
    await expect(src.finish()).resolves.toBeUndefined()
    await src.close()
  })

  it('pulls from the source no further than the chunk asked for (constant memory, whatever the blob size)', async () => {
    const MiB = 1024 * 1024
    const piece = Buffer.alloc(64 * 1024, 7)
    const size = 64 * MiB
    let pulled = 0
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (pulled >= size) return c.close()
          c.enqueue(new Uint8Array(piece))
          pulled += piece.length
        },
      },
      { highWaterMark: 0 },
    )
    const src = streamChunks(body, { digest: 'sha256:' + '0'.repeat(64), size }, 'src')
    const first = await src.read(0, 8 * MiB)
    expect(first.length).toBe(8 * MiB)
    expect(pulled).toBeLessThanOrEqual(8 * MiB + piece.length)
    await src.read(8 * MiB, 8 * MiB)
    expect(pulled).toBeLessThanOrEqual(16 * MiB + piece.length)
    await src.close()
  })

  it('refuses bytes that are not the named blob: another digest, short, or long', async () => {
    const data = randomBytes(5000)
    const other = streamChunks(stream(data), { digest: digest(randomBytes(5000)), size: 5000 }, 'registry-a/acme/web')
    await other.read(0, 5000)
    await expect(other.finish()).rejects.toThrow(
      /registry-a\/acme\/web sent bytes whose sha256 is sha256:[0-9a-f]{64} for blob sha256:[0-9a-f]{64}: nothing was committed/,
    )
    const short = streamChunks(stream(data.subarray(0, 3000)), { digest: digest(data), size: 5000 }, 'src')
    await expect(short.read(0, 5000)).rejects.toThrow(/ended blob sha256:[0-9a-f]+ at 3000 of its 5000 bytes/)
    const long = streamChunks(
      stream(Buffer.concat([data, Buffer.from('tail')])),
      { digest: digest(data), size: 5000 },
      'src',
    )
    await expect(long.read(0, 5000).then(() => long.finish())).rejects.toThrow(
      /(sent more than the 5000 bytes|with a size other than the 5000 bytes)/,
    )
    const empty = streamChunks(null, { digest: digest(Buffer.alloc(0)), size: 0 }, 'src')
    await expect(empty.finish()).resolves.toBeUndefined()
    expect(() => streamChunks(null, { digest: 'sha512:abc', size: 0 }, 'src')).toThrow(
      /only sha256 digests can be verified/,
    )
  })

  it('a source that goes silent is a lost connection', async () => {
    const silent = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new Uint8Array(10)) })
    const src = streamChunks(silent, { digest: digest(Buffer.alloc(100)), size: 100 }, 'src', 50)
    const err = await src.read(0, 100).catch((e: unknown) => e)
    expect(String(err)).toMatch(/src sent nothing of blob .* for 0 s/)
    expect(isNetworkError(err)).toBe(true)
    await src.close()
  })
})
