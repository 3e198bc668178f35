// A file read stream that keeps several reads in flight. fs.createReadStream asks for the next chunk only
// once the previous one has been taken, so a consumer that is busy with each chunk (parsing, gunzip, hashing
// on this thread) then waits for every read in turn; here the thread pool reads the next chunks meanwhile.
// Chunks come out in file order, each a fresh buffer (consumers keep slices of them). Memory is bounded by
// depth × chunkSize on top of the stream's own buffer. Written here because Node's stream has no read-ahead
// option and the packages that add one wrap the same fs.read calls.
import { open, type FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'

export interface ReadAheadOptions {
  chunkSize?: number
  /** Reads in flight at most. */
  depth?: number
}

// 4 MiB: fewer, larger reads and buffers (1 MiB chunks cost a bundle's inspect about 5% more in callbacks and
// garbage collection)
const DEFAULT_CHUNK = 4 * 1024 * 1024

class ReadAheadStream extends Readable {
  private fh: FileHandle | null = null
  private size = 0
  private next = 0
  private readonly queue: Array<Promise<Buffer>> = []
  private pumping = false
  private readonly chunkSize: number
  private readonly depth: number

  constructor(
    private readonly path: string,
    opts: ReadAheadOptions,
  ) {
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK
    super({ highWaterMark: chunkSize })
    this.chunkSize = chunkSize
    this.depth = Math.max(1, opts.depth ?? 3)
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'r').then(
      async (fh) => {
        this.fh = fh
        this.size = (await fh.stat()).size
        callback()
      },
      (err: Error) => callback(err),
    )
  }

  override _read(): void {
    if (!this.pumping) void this.pump()
  }

  private issue(): void {
    const fh = this.fh!
    while (this.queue.length < this.depth && this.next < this.size) {
      const at = this.next
      const n = Math.min(this.chunkSize, this.size - at)
      this.next += n
      const read = (async () => {
        const buf = Buffer.allocUnsafeSlow(n)
        let got = 0
        while (got < n) {
          const { bytesRead } = await fh.read(buf, got, n - got, at + got)
          if (bytesRead === 0) break
          got += bytesRead
        }
        return got < n ? buf.subarray(0, got) : buf
      })()
      read.catch(() => undefined) // awaited in order by pump(); a late failure after destroy is dropped
      this.queue.push(read)
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      for (;;) {
        if (this.destroyed) return
        this.issue()
        const head = this.queue.shift()
        if (!head) {
          this.push(null)
          return
        }
        const chunk = await head
        if (this.destroyed) return
        // the file shrank while it was read: what was read is all there is
        if (chunk.length === 0) {
          this.queue.length = 0
          this.push(null)
          return
        }
        if (!this.push(chunk)) return
      }
    } catch (err) {
      this.destroy(err as Error)
    } finally {
      this.pumping = false
    }
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const pending = this.queue.splice(0)
    const fh = this.fh
    this.fh = null
    void Promise.allSettled(pending)
      .then(() => fh?.close())
      .then(
        () => callback(err),
        () => callback(err),
      )
  }
}

/** A readable stream of the file's bytes, with up to `depth` reads of `chunkSize` in flight. */
export function createReadAheadStream(path: string, opts: ReadAheadOptions = {}): Readable {
  return new ReadAheadStream(path, opts)
}
