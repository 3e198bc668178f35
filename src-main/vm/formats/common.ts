// Shared pieces of the non-qcow2 disk image readers (vmdk, vhd, vhdx, vdi, qed): the facts they report, the
// error for an unusable header, opening the file, a bounds-checked read, a BlockDevice built from a
// per-block mapper, and on-demand pages of a table of 64-bit entries.
import { open, type FileHandle } from 'node:fs/promises'
import type { BlockDevice } from '../block'
import { worded, type Bilingual } from '../../../src-preload/text'

export type ImageFormat = 'vmdk' | 'vhd' | 'vhdx' | 'vdi' | 'qed' | 'raw'

/** The `image` object of `inspect` and of a scan's VM facts, for every format but qcow2 (which has `qcow2`). */
export interface ImageFacts {
  format: ImageFormat
  /** vmdk createType, vhd fixed|dynamic|differencing, vhdx fixed|dynamic|differencing, vdi dynamic|static|undo|differencing; null for raw and qed. */
  subformat: string | null
  /** Guest disk size in bytes, as `qemu-img info` reports it. */
  virtualSize: number
  /** Guest bytes held by allocated blocks (grains, BAT blocks), where the metadata gives it cheaply; else null. */
  allocatedSize: number | null
  /** Allocation unit (grain, block, cluster) in bytes; null for raw and fixed images. */
  clusterSize: number | null
  fileSize: number
  /** The image depends on another file (vmdk parent, differencing vhd/vhdx/vdi, qed backing file): its name or hint, '' if unnamed. */
  parent: string | null
  /** vmdk grains are deflate-compressed (streamOptimized). */
  compressed: boolean
  /** A vmdk descriptor file: the extent files holding its data (absent for every other image). */
  extentFiles?: string[]
}

/** A header problem that makes the file unusable in its format (rule image.invalid). */
/** Its message in English, and in Chinese where its maker wrote one (bi(en, zh)): findings quote both. */
export class ImageInvalid extends Error {
  readonly messageZh?: string
  constructor(message: string | Bilingual) {
    const w = worded(message)
    super(w.message)
    this.messageZh = w.messageZh
  }
}

/** Largest virtual size we accept (qemu caps most formats well below this; 64 TiB keeps maps bounded). */
export const MAX_VIRTUAL = 64 * 1024 ** 4

export async function readAt(
  fh: FileHandle,
  offset: number,
  length: number,
  fileSize: number,
  what: string,
): Promise<Buffer> {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > fileSize
  )
    throw new ImageInvalid(`${what} lies outside the file (offset ${offset}, ${length} bytes, file ${fileSize} bytes)`)
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, offset + done)
    if (bytesRead === 0) throw new ImageInvalid(`${what} is truncated`)
    done += bytesRead
  }
  return buf
}

/** A 64-bit little-endian field as a safe integer, or an ImageInvalid naming it. */
export function u64le(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ImageInvalid(`${what} is out of range (${v})`)
  return Number(v)
}

export function u64be(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64BE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ImageInvalid(`${what} is out of range (${v})`)
  return Number(v)
}

/**
 * A device over fixed-size blocks: `readBlock(index, within, length)` returns the bytes of one block's range,
 * or null when they read as zeros (unallocated). Reads are split at block boundaries.
 */
export function blockMappedDevice(
  size: number,
  blockSize: number,
  readBlock: (index: number, within: number, length: number) => Promise<Buffer | null>,
  close: () => Promise<void>,
): BlockDevice {
  return {
    size,
    async read(offset, length) {
      const start = Math.max(0, offset)
      const end = Math.min(size, start + Math.max(0, length))
      const out = Buffer.alloc(Math.max(0, end - start))
      let pos = start
      while (pos < end) {
        const index = Math.floor(pos / blockSize)
        const within = pos - index * blockSize
        const n = Math.min(blockSize - within, end - pos)
        const data = await readBlock(index, within, n)
        if (data) data.copy(out, pos - start, 0, Math.min(n, data.length))
        pos += n
      }
      return out
    },
    close,
  }
}

/** Read into `buf` at `offset`, stopping at end of file (the rest stays zero). */
export async function readInto(fh: FileHandle, buf: Buffer, offset: number): Promise<void> {
  let done = 0
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, offset + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
}

/** Run fn over the opened image file and its size; the file is closed afterwards, whatever happens. */
export async function withImageFile<T>(path: string, fn: (fh: FileHandle, fileSize: number) => Promise<T>): Promise<T> {
  const fh = await open(path, 'r')
  try {
    return await fn(fh, (await fh.stat()).size)
  } finally {
    await fh.close()
  }
}

/** Build a device over the opened image file: the device owns the handle; it is closed here only if building fails. */
export async function deviceOverFile(
  path: string,
  build: (fh: FileHandle, fileSize: number) => Promise<BlockDevice>,
): Promise<BlockDevice> {
  const fh = await open(path, 'r')
  try {
    return await build(fh, (await fh.stat()).size)
  } catch (err) {
    await fh.close()
    throw err
  }
}

const PAGE = 64 * 1024
const MAX_PAGES = 64

/**
 * Pages of an on-disk table of 64-bit entries (VHDX BAT, QED L2 tables) read on demand, 64 KiB at a time;
 * at most 64 pages (4 MiB) are kept, the least recently used dropped first.
 */
export class TablePages {
  private readonly pages = new Map<number, Buffer>()
  constructor(
    private readonly fh: FileHandle,
    private readonly fileSize: number,
    private readonly what: string,
  ) {}

  /** The page holding entry `index` of the `bytes`-byte table at `offset`, and the entry's byte offset in it. */
  async entry(offset: number, bytes: number, index: number): Promise<[Buffer, number]> {
    const byte = index * 8
    if (byte + 8 > bytes) throw new ImageInvalid(`${this.what} entry ${index} lies past the end of its table`)
    const start = offset + Math.floor(byte / PAGE) * PAGE
    let page = this.pages.get(start)
    if (page) {
      this.pages.delete(start)
    } else {
      page = await readAt(this.fh, start, Math.min(PAGE, offset + bytes - start), this.fileSize, this.what)
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!)
    }
    this.pages.set(start, page)
    return [page, byte % PAGE]
  }
}
