// Guest data of a qcow2 image as a BlockDevice: virtual offsets are mapped through the L1 and L2 tables
// (standard and extended L2), unallocated and zero clusters read as zeros, compressed clusters are inflated
// (zlib raw deflate or zstd). Every table and cluster read is bounds-checked; L2 tables are cached (bounded).
import { open, type FileHandle } from 'node:fs/promises'
import { inflateRawSync } from 'node:zlib'
import { decompress as zstdDecompress } from 'fzstd'
import { PreflightError } from '../../../src-preload/errors'
import { bi } from '../../../src-preload/text'
import type { BlockDevice } from '../block'
import { compressedEntry, entryOffset, isCompressed, isZeroFlagged } from './entries'
import { readQcow2, type Qcow2Info } from './header'

export async function openQcow2Device(path: string): Promise<BlockDevice> {
  const info = await readQcow2(path)
  if (info.encryption)
    throw new PreflightError(
      'unreadable',
      bi('The image is encrypted: its guest data cannot be read.', '镜像已加密：无法读取其中的客户机数据。'),
    )
  if (info.dataFile !== null)
    throw new PreflightError(
      'unreadable',
      bi(
        'The image keeps its data in an external file: its guest data cannot be read here.',
        '镜像的数据存放在外部文件中：此处无法读取其中的客户机数据。',
      ),
    )
  const fh = await open(path, 'r')
  try {
    const device = new Qcow2Device(fh, info)
    await device.loadL1()
    return device
  } catch (err) {
    await fh.close()
    throw err
  }
}

class Qcow2Device implements BlockDevice {
  readonly size: number
  private readonly h: Qcow2Info['header']
  private readonly cs: number
  private readonly fileSize: number
  private readonly extL2: boolean
  private readonly l2Entries: number
  private readonly compressedSizeBits: number
  private l1: Buffer = Buffer.alloc(0)
  private readonly l2Cache = new Map<number, Buffer>()

  constructor(
    private readonly fh: FileHandle,
    private readonly info: Qcow2Info,
  ) {
    this.h = info.header
    this.size = this.h.virtualSize
    this.cs = this.h.clusterSize
    this.fileSize = info.fileSize
    this.extL2 = info.facts.extendedL2
    this.l2Entries = this.cs / (this.extL2 ? 16 : 8)
    this.compressedSizeBits = 62 - (this.h.clusterBits - 8)
  }

  async loadL1(): Promise<void> {
    if (this.h.l1Size > 0) this.l1 = await this.readAt(this.h.l1TableOffset, this.h.l1Size * 8)
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(Math.max(0, Math.min(this.size, offset + length) - offset))
    await this.readInto(out, offset, out.length)
    return out
  }

  /** Guest bytes [offset, offset + length) (clamped to the disk) into `out` from its start; returns the count. */
  async readInto(out: Buffer, offset: number, length: number): Promise<number> {
    const { cs } = this
    const end = Math.min(this.size, offset + length, offset + out.length)
    // runs of clusters that are contiguous in the file are read with one call, straight into `out`
    const run = { host: -1, out: 0, len: 0 }
    for (let pos = offset; pos < end;) {
      const vcluster = Math.floor(pos / cs)
      const within = pos % cs
      const n = Math.min(cs - within, end - pos)
      const host = await this.plainOffset(vcluster)
      if (host >= 0 && run.len > 0 && run.host + run.len === host + within) run.len += n
      else {
        await this.flushRun(out, run)
        if (host >= 0) Object.assign(run, { host: host + within, out: pos - offset, len: n })
        else {
          const c = await this.readCluster(vcluster)
          if (c) c.copy(out, pos - offset, within, within + n)
          else out.fill(0, pos - offset, pos - offset + n)
        }
      }
      pos += n
    }
    await this.flushRun(out, run)
    return Math.max(0, end - offset)
  }

  /**
   * The stretches of [offset, offset + length) whose clusters hold data: every cluster that readCluster would
   * read from the file (plain or compressed); unallocated and zero clusters are left out.
   */
  async dataRanges(offset: number, length: number): Promise<Array<[number, number]>> {
    const { cs } = this
    const end = Math.min(this.size, offset + length)
    const ranges: Array<[number, number]> = []
    for (let pos = Math.max(0, offset); pos < end;) {
      const vcluster = Math.floor(pos / cs)
      const next = Math.min(end, (vcluster + 1) * cs)
      if (await this.holdsData(vcluster)) {
        const last = ranges[ranges.length - 1]
        if (last && last[1] === pos) last[1] = next
        else ranges.push([pos, next])
      }
      pos = next
    }
    return ranges
  }

  close(): Promise<void> {
    return this.fh.close()
  }

  /** Bounds-checked metadata or cluster read. */
  private async readAt(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || offset + length > this.fileSize)
      throw new PreflightError(
        'unreadable',
        bi(
          `qcow2 metadata points outside the file (offset ${offset}, ${length} bytes)`,
          `qcow2 元数据指向文件之外（偏移 ${offset}，${length} 字节）`,
        ),
      )
    const buf = Buffer.alloc(length)
    await this.fh.read(buf, 0, length, offset)
    return buf
  }

  /** A run of host-contiguous plain clusters, read straight into `out` (a short file reads as zeros past its end). */
  private async flushRun(out: Buffer, run: { host: number; out: number; len: number }): Promise<void> {
    if (run.len === 0) return
    if (run.host + run.len > this.fileSize)
      throw new PreflightError(
        'unreadable',
        bi(
          `qcow2 metadata points outside the file (offset ${run.host}, ${run.len} bytes)`,
          `qcow2 元数据指向文件之外（偏移 ${run.host}，${run.len} 字节）`,
        ),
      )
    let done = 0
    while (done < run.len) {
      const { bytesRead } = await this.fh.read(out, run.out + done, run.len - done, run.host + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
    if (done < run.len) out.fill(0, run.out + done, run.out + run.len)
    run.len = 0
  }

  /** An L2 table by host offset, from a bounded cache. */
  private async l2(offset: number): Promise<Buffer> {
    let t = this.l2Cache.get(offset)
    if (!t) {
      t = await this.readAt(offset, this.cs)
      if (this.l2Cache.size > 256) this.l2Cache.delete(this.l2Cache.keys().next().value!)
      this.l2Cache.set(offset, t)
    }
    return t
  }

  /** The L2 table holding a guest cluster's entry and the entry's offset in it; null where there is no L2 table. */
  private async l2Entry(vcluster: number): Promise<{ table: Buffer; at: number } | null> {
    const l1Index = Math.floor(vcluster / this.l2Entries)
    if (l1Index >= this.h.l1Size) return null
    const l2Offset = entryOffset(this.l1, l1Index * 8)
    if (!l2Offset) return null
    return { table: await this.l2(l2Offset), at: (vcluster % this.l2Entries) * (this.extL2 ? 16 : 8) }
  }

  /** An uncompressed entry that reads as zeros without a data cluster: zero flag, no host offset, or all subclusters zero. */
  private readsAsZeros(table: Buffer, at: number): boolean {
    if (!this.extL2 && isZeroFlagged(table, at)) return true
    if (!entryOffset(table, at)) return true
    // extended L2's subcluster bitmap: allocated bits 0..31, zero bits 32..63
    return this.extL2 && table.readUInt32BE(at + 8) === 0xffffffff
  }

  private async readCluster(vcluster: number): Promise<Buffer | null> {
    const entry = await this.l2Entry(vcluster)
    if (!entry) return null
    const { table, at } = entry
    if (isCompressed(table, at)) {
      const { offset: hostOffset, sectors } = compressedEntry(table, at, this.compressedSizeBits)
      const len = Math.min(sectors * 512 - (hostOffset & 511), this.fileSize - hostOffset)
      const raw = await this.readAt(hostOffset, len)
      const out =
        this.info.facts.compressionType === 'zstd'
          ? Buffer.from(zstdDecompress(raw))
          : inflateRawSync(raw, { finishFlush: 2 })
      const c = Buffer.alloc(this.cs)
      out.copy(c, 0, 0, Math.min(this.cs, out.length))
      return c
    }
    if (this.readsAsZeros(table, at)) return null
    return this.readAt(entryOffset(table, at), this.cs)
  }

  /** Host offset of a plain (uncompressed, allocated, not zero) cluster, else -1. */
  private async plainOffset(vcluster: number): Promise<number> {
    if (this.extL2) return -1
    const entry = await this.l2Entry(vcluster)
    if (!entry || isCompressed(entry.table, entry.at) || this.readsAsZeros(entry.table, entry.at)) return -1
    return entryOffset(entry.table, entry.at)
  }

  private async holdsData(vcluster: number): Promise<boolean> {
    const entry = await this.l2Entry(vcluster)
    return !!entry && (isCompressed(entry.table, entry.at) || !this.readsAsZeros(entry.table, entry.at))
  }
}
