// Writing a tar stream entry by entry (headers from node-tar's Header, ustar with pax for long names), so
// bundles and OCI layouts are produced in one streaming pass without staging their layout on disk.
import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { Header, Pax } from 'tar'

export class TarWriter {
  constructor(private readonly out: Writable) {}

  private async write(buf: Buffer): Promise<void> {
    if (!this.out.write(buf)) await once(this.out, 'drain')
  }

  private async header(path: string, size: number, type: 'File' | 'Directory' = 'File'): Promise<void> {
    const mtime = new Date(0)
    const h = new Header({ path, size, mode: type === 'File' ? 0o644 : 0o755, mtime, type, uid: 0, gid: 0, uname: '', gname: '' })
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

  async addFile(path: string, file: string, size: number, onChunk?: (c: Buffer) => void): Promise<void> {
    await this.header(path, size)
    let n = 0
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      onChunk?.(chunk as Buffer)
      n += (chunk as Buffer).length
      await this.write(chunk as Buffer)
    }
    if (n !== size) throw new Error(`${file} changed while it was being written (${n} of ${size} bytes)`)
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
