// Zstandard decompression for the entry pass (zstd image layers, .zst files in packages), streamed through
// fzstd (Node 20's zlib has no zstd). fzstd allocates each frame's window as the frame header asks (up to
// 2 GiB), so the compressed bytes are walked first by a small frame scanner: frame headers, block headers and
// skippable frames are read as they pass, and a frame that asks for a window above MAX_WINDOW (zstd's own
// default decoder limit, 128 MiB), or one that would take the windows of all streams open at once (nested
// archives) past 256 MiB, stops the stream with ZstdWindowError before fzstd sees it. Written here
// because fzstd's stream API takes the window size on trust and no other pure-JavaScript decoder streams.
import { Transform, type TransformCallback } from 'node:stream'
import { Decompress } from 'fzstd'

export const MAX_WINDOW = 128 * 1024 * 1024
/** All zstd streams open at once in this process (nested archives) share this much window memory. */
export const WINDOW_BUDGET = 256 * 1024 * 1024
let windowsInUse = 0

export class ZstdWindowError extends Error {
  /** `othersHeld`: set when the frame fits alone but not beside the windows other open streams hold. */
  constructor(
    readonly windowBytes: number,
    othersHeld?: number,
  ) {
    const mib = (n: number) => `${Math.ceil(n / 1024 / 1024)} MiB`
    super(
      othersHeld !== undefined
        ? `a zstd frame needs a ${mib(windowBytes)} window while the zstd streams around it hold ${mib(othersHeld)}: more than the ${mib(WINDOW_BUDGET)} all open streams may use`
        : `a zstd frame needs a ${mib(windowBytes)} window, more than the ${mib(MAX_WINDOW)} decoders allow by default`,
    )
  }
}

const ZSTD_MAGIC = 0xfd2fb528

/**
 * Follows the frame structure of a zstd stream byte by byte (without decompressing) and checks each frame's
 * window size. `scan` consumes a chunk and throws at the first frame that is too large or malformed.
 */
class FrameScanner {
  /** Window bytes this stream's current frame holds (counted in windowsInUse until release()). */
  private held = 0
  private need = 4 // bytes wanted into `acc` before the next decision
  private acc: number[] = []
  private skip = 0 // bytes to pass over (block bodies, skippable frames, checksums)
  private state: 'magic' | 'descriptor' | 'header' | 'block' = 'magic'
  private headerBytes = 0
  private checksum = false

  scan(chunk: Buffer): void {
    let i = 0
    while (i < chunk.length) {
      if (this.skip) {
        const n = Math.min(this.skip, chunk.length - i)
        this.skip -= n
        i += n
        continue
      }
      this.acc.push(chunk[i++])
      if (this.acc.length < this.need) continue
      this.step()
    }
  }

  private step(): void {
    const a = this.acc
    if (this.state === 'magic') {
      const magic = (a[0] | (a[1] << 8) | (a[2] << 16) | (a[3] << 24)) >>> 0
      if (magic === ZSTD_MAGIC) return this.expect('descriptor', 5, true)
      if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
        this.headerBytes = -1 // a skippable frame
        return this.expect('header', 8, true)
      }
      throw new Error('not a zstd frame')
    }
    if (this.state === 'descriptor') {
      const fhd = a[4]
      const singleSegment = (fhd >> 5) & 1
      const dictBytes = [0, 1, 2, 4][fhd & 3]
      const fcsBytes = [singleSegment, 2, 4, 8][fhd >> 6]
      if (fhd & 8) throw new Error('a zstd frame header sets the reserved bit')
      this.checksum = ((fhd >> 2) & 1) === 1
      this.headerBytes = 5 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes
      return this.expect('header', this.headerBytes, true)
    }
    if (this.state === 'header') {
      if (this.headerBytes === -1) {
        // a skippable frame: its 4-byte size follows the magic
        this.skip = (a[4] | (a[5] << 8) | (a[6] << 16) | (a[7] << 24)) >>> 0
        return this.expect('magic', 4)
      }
      const fhd = a[4]
      const singleSegment = (fhd >> 5) & 1
      let window: number
      if (!singleSegment) {
        const wd = a[5]
        const base = 2 ** (10 + (wd >> 3))
        window = base + (base / 8) * (wd & 7)
      } else {
        // single segment: the window is the frame content size
        const fcsBytes = [1, 2, 4, 8][fhd >> 6]
        const at = 5 + [0, 1, 2, 4][fhd & 3]
        window = 0
        for (let k = fcsBytes - 1; k >= 0; k--) window = window * 256 + a[at + k]
        if (fcsBytes === 2) window += 256
      }
      if (window > MAX_WINDOW) throw new ZstdWindowError(window)
      // the decoder drops the previous frame's window when this one starts: swap what this stream holds
      if (windowsInUse - this.held + window > WINDOW_BUDGET) throw new ZstdWindowError(window, windowsInUse - this.held)
      windowsInUse += window - this.held
      this.held = window
      return this.expect('block', 3)
    }
    // a block header: last-block bit, type (raw, RLE, compressed, reserved), size
    const h = a[0] | (a[1] << 8) | (a[2] << 16)
    const lastBlock = (h & 1) === 1
    const type = (h >> 1) & 3
    const size = h >>> 3
    if (type === 3) throw new Error('a zstd block has the reserved type')
    this.skip = type === 1 ? 1 : size
    if (lastBlock) {
      this.skip += this.checksum ? 4 : 0
      return this.expect('magic', 4)
    }
    return this.expect('block', 3)
  }

  /** The stream ended or failed: its window memory is free again. */
  release(): void {
    windowsInUse -= this.held
    this.held = 0
  }

  /** Wait for `need` bytes in state `state`; `keep` keeps the bytes read so far (one header read in steps). */
  private expect(state: FrameScanner['state'], need: number, keep = false): void {
    this.state = state
    this.need = need
    if (!keep) this.acc = []
  }
}

/** A Transform from zstd bytes (one or more frames) to the decompressed bytes. */
export function createZstdDecompress(): Transform {
  const scanner = new FrameScanner()
  const dec = new Decompress((data) => {
    if (data.length) out.push(Buffer.from(data.buffer, data.byteOffset, data.length))
  })
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        scanner.scan(chunk)
        dec.push(chunk)
        cb()
      } catch (err) {
        cb(err as Error)
      }
    },
    flush(cb: TransformCallback) {
      try {
        dec.push(new Uint8Array(0), true)
        cb()
      } catch (err) {
        cb(err as Error)
      }
    },
    destroy(err, cb) {
      scanner.release()
      cb(err)
    },
  })
  // ended or failed: either way the window is given back (destroy also runs after an error)
  out.once('end', () => scanner.release())
  out.once('close', () => scanner.release())
  return out
}
