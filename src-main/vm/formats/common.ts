// Shared pieces of the non-qcow2 disk image readers (vmdk, vhd, vhdx, vdi, qed): the facts they report, the
// error for an unusable header, opening the file, a bounds-checked read, a BlockDevice built from a
// per-block mapper, and on-demand pages of a table of 64-bit entries.
import { open, type FileHandle } from 'node:fs/promises'
import type { BlockDevice } from '../block'
import { bi, WordedError } from '../../../src-preload/text'

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

/** A header problem that makes the file unusable in its format (rule image.invalid); findings quote both its languages. */
export class ImageInvalid extends WordedError {}

/** The structures the readers name (readAt, u64le, TablePages), in Chinese; a format's own name stays as it is. */
const NAMES_ZH: Array<[RegExp, string]> = [
  [/^(VHDX|VHD|VDI|QED|VMDK) /, '$1 '],
  [/grain directory offset$/, '粒度目录偏移'],
  [/grain directory$/, '粒度目录'],
  [/^grain table (\d+)$/, '粒度表 $1'],
  [/^grain (\d+) marker$/, '粒度块 $1 的标记'],
  [/grain size$/, '粒度大小'],
  [/embedded descriptor$/, '内嵌描述符'],
  [/descriptor offset$/, '描述符偏移'],
  [/descriptor size$/, '描述符大小'],
  [/descriptor$/, '描述符'],
  [/metadata region offset$/, '元数据区偏移'],
  [/BAT region offset$/, 'BAT 区偏移'],
  [/metadata table$/, '元数据表'],
  [/metadata item$/, '元数据项'],
  [/region table$/, '区域表'],
  [/dynamic header$/, '动态头'],
  [/block table$/, '块表'],
  [/block map$/, '块映射'],
  [/table offset$/, '表偏移'],
  [/data offset$/, '数据偏移'],
  [/current size$/, '当前大小'],
  [/virtual disk size$/, '虚拟磁盘大小'],
  [/disk size$/, '磁盘大小'],
  [/image size$/, '镜像大小'],
  [/capacity$/, '容量'],
  [/identifier$/, '标识符'],
  [/header$/, '文件头'],
  [/footer$/, '尾部'],
  [/backing file name$/, '后备文件名'],
  [/L1 table offset$/, 'L1 表偏移'],
  [/L([12]) table$/, 'L$1 表'],
]

/** A structure's name in Chinese: "VHD footer" → "VHD 尾部", "grain table 3" → "粒度表 3"; unknown names as they are. */
export function nameZh(what: string): string {
  let out = what
  for (const [from, to] of NAMES_ZH) out = out.replace(from, to)
  return out
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
    throw new ImageInvalid(
      bi(
        `${what} lies outside the file (offset ${offset}, ${length} bytes, file ${fileSize} bytes)`,
        `${nameZh(what)}超出文件范围（偏移 ${offset}，${length} 字节，文件 ${fileSize} 字节）`,
      ),
    )
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, offset + done)
    if (bytesRead === 0) throw new ImageInvalid(bi(`${what} is truncated`, `${nameZh(what)}不完整（文件被截断）`))
    done += bytesRead
  }
  return buf
}

/** A 64-bit little-endian field as a safe integer, or an ImageInvalid naming it. */
export function u64le(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ImageInvalid(bi(`${what} is out of range (${v})`, `${nameZh(what)}超出范围（${v}）`))
  return Number(v)
}

export function u64be(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64BE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ImageInvalid(bi(`${what} is out of range (${v})`, `${nameZh(what)}超出范围（${v}）`))
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
    if (byte + 8 > bytes)
      throw new ImageInvalid(
        bi(
          `${this.what} entry ${index} lies past the end of its table`,
          `${nameZh(this.what)}的第 ${index} 项超出了表的末尾`,
        ),
      )
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
