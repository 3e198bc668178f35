// Writing a tar stream entry by entry (headers from node-tar's Header, ustar with pax for long names), so
// bundles and OCI layouts are produced in one streaming pass without staging their layout on disk.
import { once } from 'node:events'
import { open } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { Header, Pax } from 'tar'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'

const COPY_CHUNK = 4 * 1024 * 1024

export class TarWriter {
  constructor(private readonly out: Writable) {}

  private async write(buf: Buffer): Promise<void> {
    if (!this.out.write(buf)) await once(this.out, 'drain')
  }

  private async header(path: string, size: number, type: 'File' | 'Directory' = 'File'): Promise<void> {
    const mtime = new Date(0)
    const h = new Header({
      path,
      size,
      mode: type === 'File' ? 0o644 : 0o755,
      mtime,
      type,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
    })
    if (h.encode()) {
      // the path does not fit ustar: a pax extended header carries it
      const pax = new Pax({ path, mtime }, false)
      await this.write(pax.encode())
    }
    await this.write(h.block!)
  }

  async addBuffer(path: string, data: Buffer): Promise<void> {
    await this.header(path, data.length)
    await this.write(data)
    await this.pad(data.length)
  }

  /** The next chunk to the output, resolved once the output has taken it (its buffer may then be reused). */
  private handOver(chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.out.write(chunk, (err) => (err ? reject(err) : resolve())))
  }

  /**
   * A file's bytes as one entry, copied through two reused buffers: the next chunk is read while the output
   * takes this one (fresh buffers per chunk cost more in page faults and collection than the copy itself).
   */
  async addFile(path: string, file: string, size: number, onChunk?: (c: Buffer) => void): Promise<void> {
    await this.header(path, size)
    const fh = await open(file, 'r')
    let n = 0
    try {
      const bufs = [Buffer.allocUnsafe(COPY_CHUNK), Buffer.allocUnsafe(COPY_CHUNK)]
      let taken: Promise<void> = Promise.resolve()
      for (let i = 0; ; i++) {
        // this buffer's previous chunk (two rounds ago) was taken before the last hand-over started
        const buf = bufs[i % 2]
        const { bytesRead } = await fh.read(buf, 0, COPY_CHUNK, n)
        if (bytesRead === 0) break
        const chunk = buf.subarray(0, bytesRead)
        onChunk?.(chunk)
        await taken
        taken = this.handOver(chunk)
        taken.catch(() => undefined)
        n += bytesRead
      }
      await taken
    } finally {
      await fh.close()
    }
    if (n !== size)
      throw new PreflightError(
        'conflict',
        bi(
          `${file} changed while it was being written (${n} of ${size} bytes)`,
          `${file} 在写入过程中发生了变化（已写入 ${n} 字节，共 ${size} 字节）。请在它不再变化后重试。`,
        ),
      )
    await this.pad(size)
  }

  async addDir(path: string): Promise<void> {
    await this.header(path.endsWith('/') ? path : `${path}/`, 0, 'Directory')
  }

  private async pad(size: number): Promise<void> {
    const rest = size % 512
    if (rest) await this.write(Buffer.alloc(512 - rest))
  }

  async finish(): Promise<void> {
    await this.write(Buffer.alloc(1024))
    this.out.end()
    await once(this.out, 'finish')
  }
}
