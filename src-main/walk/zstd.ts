// Zstandard decompression for the entry pass (zstd image layers, .zst files in packages), streamed through
// fzstd (Node 20's zlib has no zstd). fzstd allocates each frame's window as the frame header asks (up to
// 2 GiB), so the compressed bytes are walked first by a small frame scanner: frame headers, block headers and
// skippable frames are read as they pass, and a frame that asks for a window above MAX_WINDOW (zstd's own
// default decoder limit, 128 MiB), or one that would take the windows of all streams open at once (nested
// archives) past 256 MiB, stops the stream with ZstdWindowError before fzstd sees it. Written here
// because fzstd's stream API takes the window size on trust and no other pure-JavaScript decoder streams.
// fzstd does not verify a frame's content checksum either: the scanner also counts each frame's blocks and
// keeps its checksum (the low 32 bits of XXH64 of the frame's content), and the decompressed blocks are
// hashed as fzstd gives them, one per block (xxhash-wasm), so damaged data that still decodes fails with
// ZstdChecksumError at the end of its frame. fzstd decodes all it is given in one call, so it is fed 1 KiB at a
// time and waits while the output is unread: a GiB from a few KiB neither fills memory nor holds up a Cancel.
import { Transform, type TransformCallback } from 'node:stream'
import { Decompress } from 'fzstd'
import xxhash, { type XXHash, type XXHashAPI } from 'xxhash-wasm'

export const MAX_WINDOW = 128 * 1024 * 1024
/** zstd bytes handed to fzstd at a time: at most ~32 MiB of output (RLE blocks of 128 KiB in 4 bytes each). */
const FEED_SLICE = 1024
/** All zstd streams open at once in this process (nested archives) share this much window memory. */
export const WINDOW_BUDGET = 256 * 1024 * 1024
let windowsInUse = 0

export class ZstdWindowError extends Error {
  /** The reason in Chinese (walk/reasons.ts). */
  readonly reasonZh: string
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
    this.reasonZh =
      othersHeld !== undefined
        ? `一个 zstd 帧需要 ${mib(windowBytes)} 的窗口，而周围的 zstd 流已占用 ${mib(othersHeld)}，超出所有打开的流合计可用的 ${mib(WINDOW_BUDGET)}`
        : `一个 zstd 帧需要 ${mib(windowBytes)} 的窗口，超过解码器默认允许的 ${mib(MAX_WINDOW)}`
  }
}

export class ZstdChecksumError extends Error {
  /** The reason in Chinese (walk/reasons.ts). */
  readonly reasonZh: string
  constructor(frame: number, expected: number, actual: number) {
    const hex = (n: number) => n.toString(16).padStart(8, '0')
    super(
      `zstd frame ${frame} decompresses to content whose checksum is ${hex(actual)}, not the ${hex(expected)} the frame carries`,
    )
    this.reasonZh = `第 ${frame} 个 zstd 帧解压后内容的校验和为 ${hex(actual)}，与帧中记录的 ${hex(expected)} 不符`
  }
}

const ZSTD_MAGIC = 0xfd2fb528

/** One zstd frame as the scanner saw it: its block count once its last block header passed, and its checksum. */
interface FrameRecord {
  blocks: number
  /** The last block's header has been read: `blocks` is final. */
  complete: boolean
  hasChecksum: boolean
  /** The checksum the frame carries, once its 4 bytes have passed. */
  expected: number | null
}

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
  private state: 'magic' | 'descriptor' | 'header' | 'block' | 'checksum' = 'magic'
  private headerBytes = 0
  /** zstd frames (not skippable ones) in stream order, from the first not yet verified. */
  readonly frames: FrameRecord[] = []

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
      this.frames.push({ blocks: 0, complete: false, hasChecksum: ((fhd >> 2) & 1) === 1, expected: null })
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
    const frame = this.frames[this.frames.length - 1]
    if (this.state === 'checksum') {
      frame.expected = (a[0] | (a[1] << 8) | (a[2] << 16) | (a[3] << 24)) >>> 0
      return this.expect('magic', 4)
    }
    // a block header: last-block bit, type (raw, RLE, compressed, reserved), size
    const h = a[0] | (a[1] << 8) | (a[2] << 16)
    const lastBlock = (h & 1) === 1
    const type = (h >> 1) & 3
    const size = h >>> 3
    if (type === 3) throw new Error('a zstd block has the reserved type')
    this.skip = type === 1 ? 1 : size
    frame.blocks++
    if (lastBlock) {
      frame.complete = true
      return frame.hasChecksum ? this.expect('checksum', 4) : this.expect('magic', 4)
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

let hashApi: Promise<XXHashAPI> | null = null

/**
 * Follows the decompressed blocks of each frame (fzstd gives one piece per block, in order) and compares each
 * frame's XXH64 with the checksum the scanner read, whichever of the two is known last.
 */
class ChecksumVerifier {
  private hash: XXHash<bigint> | null = null
  private blocks = 0
  private actual: number | null = null
  private verified = 0

  constructor(
    private readonly api: XXHashAPI,
    private readonly frames: FrameRecord[],
  ) {}

  /** One decompressed block of the first frame not yet verified. */
  block(data: Uint8Array): void {
    const frame = this.frames[0]
    if (!frame || this.actual !== null) throw new Error('zstd data decompresses to more blocks than its frames hold')
    if (frame.hasChecksum) (this.hash ??= this.api.create64(0n)).update(data)
    this.blocks++
    if (frame.complete && this.blocks === frame.blocks) {
      this.actual = frame.hasChecksum ? Number(this.hash!.digest() & 0xffffffffn) : 0
      this.settle()
    }
  }

  /** Verify the first frame once both its content and its checksum are known; then move to the next frame. */
  settle(): void {
    const frame = this.frames[0]
    if (!frame || this.actual === null || (frame.hasChecksum && frame.expected === null)) return
    this.verified++
    if (frame.hasChecksum && frame.expected !== this.actual)
      throw new ZstdChecksumError(this.verified, frame.expected!, this.actual)
    this.frames.shift()
    this.hash = null
    this.blocks = 0
    this.actual = null
  }
}

/** A Transform from zstd bytes (one or more frames) to the decompressed bytes, each frame's checksum verified. */
export function createZstdDecompress(): Transform {
  const scanner = new FrameScanner()
  let verifier: ChecksumVerifier | null = null
  const dec = new Decompress((data, final) => {
    if (final) return
    verifier!.block(data)
    if (data.length) out.push(Buffer.from(data.buffer, data.byteOffset, data.length))
  })
  const out = new Transform({
    construct(cb) {
      // one WebAssembly instance for all streams; a failed start is tried again by the next stream
      ;(hashApi ??= xxhash().catch((err: unknown) => {
        hashApi = null
        throw err
      })).then((api) => {
        verifier = new ChecksumVerifier(api, scanner.frames)
        cb()
      }, cb)
    },
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        scanner.scan(chunk)
        verifier!.settle() // a checksum that arrived after its frame's last block
      } catch (err) {
        return cb(err as Error)
      }
      feed(chunk).then(() => cb(), cb)
    },
    flush(cb: TransformCallback) {
      try {
        dec.push(new Uint8Array(0), true)
        verifier!.settle()
        cb()
      } catch (err) {
        cb(err as Error)
      }
    },
    destroy(err, cb) {
      scanner.release()
      wakeFeed()
      cb(err)
    },
  })
  // fzstd decompresses all it is given at once: a few KiB of zstd can be a GiB of output. The input goes to it
  // in small slices, and the next slice waits while the output is not read (backpressure, and a walk that
  // is cancelled or stops is not held up by a GiB decompressed in one call)
  let waiting: (() => void) | null = null
  const wakeFeed = () => {
    const w = waiting
    waiting = null
    w?.()
  }
  const feed = async (chunk: Buffer) => {
    for (let i = 0; i < chunk.length && !out.destroyed; i += FEED_SLICE) {
      dec.push(chunk.subarray(i, i + FEED_SLICE))
      if (out.readableLength >= out.readableHighWaterMark && !out.destroyed)
        await new Promise<void>((r) => (waiting = r))
    }
  }
  // the reader asks for more (Transform's _read): the slice waiting for it goes on
  const read = out._read.bind(out)
  out._read = (size: number) => {
    wakeFeed()
    read(size)
  }
  // ended or failed: either way the window is given back (destroy also runs after an error)
  out.once('end', () => scanner.release())
  out.once('close', () => scanner.release())
  return out
}
