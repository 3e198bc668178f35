// Guest data of a qcow2 image as a BlockDevice: virtual offsets are mapped through the L1 and L2 tables
// (standard and extended L2), unallocated and zero clusters read as zeros, compressed clusters are inflated
// (zlib raw deflate or zstd). Every table and cluster read is bounds-checked; L2 tables are cached (bounded).
import { open } from 'node:fs/promises'
import { inflateRawSync } from 'node:zlib'
import { decompress as zstdDecompress } from 'fzstd'
import { PreflightError } from '../../../src-preload/errors'
import type { BlockDevice } from '../block'
import { compressedEntry, entryOffset, isCompressed, isZeroFlagged } from './entries'
import { readQcow2 } from './header'

export async function openQcow2Device(path: string): Promise<BlockDevice> {
  const info = await readQcow2(path)
  const h = info.header
  if (info.encryption) throw new PreflightError('unreadable', 'The image is encrypted: its guest data cannot be read.')
  if (info.dataFile !== null) throw new PreflightError('unreadable', 'The image keeps its data in an external file: its guest data cannot be read here.')
  const fh = await open(path, 'r')
  const fileSize = info.fileSize
  const cs = h.clusterSize
  const extL2 = info.facts.extendedL2
  const l2Entries = cs / (extL2 ? 16 : 8)
  const readAt = async (offset: number, length: number): Promise<Buffer> => {
    if (offset < 0 || offset + length > fileSize) throw new PreflightError('unreadable', `qcow2 metadata points outside the file (offset ${offset}, ${length} bytes)`)
    const buf = Buffer.alloc(length)
    await fh.read(buf, 0, length, offset)
    return buf
  }
  const l1 = h.l1Size > 0 ? await readAt(h.l1TableOffset, h.l1Size * 8) : Buffer.alloc(0)
  const l2Cache = new Map<number, Buffer>()
  const l2 = async (offset: number): Promise<Buffer> => {
    let t = l2Cache.get(offset)
    if (!t) {
      t = await readAt(offset, cs)
      if (l2Cache.size > 256) l2Cache.delete(l2Cache.keys().next().value!)
      l2Cache.set(offset, t)
    }
    return t
  }
  const compressedSizeBits = 62 - (h.clusterBits - 8)

  /** The L2 table holding a guest cluster's entry and the entry's offset in it; null where there is no L2 table. */
  async function l2Entry(vcluster: number): Promise<{ table: Buffer; at: number } | null> {
    const l1Index = Math.floor(vcluster / l2Entries)
    if (l1Index >= h.l1Size) return null
    const l2Offset = entryOffset(l1, l1Index * 8)
    if (!l2Offset) return null
    return { table: await l2(l2Offset), at: (vcluster % l2Entries) * (extL2 ? 16 : 8) }
  }

  /** An uncompressed entry that reads as zeros without a data cluster: zero flag, no host offset, or all subclusters zero. */
  function readsAsZeros(table: Buffer, at: number): boolean {
    if (!extL2 && isZeroFlagged(table, at)) return true
    if (!entryOffset(table, at)) return true
    // extended L2's subcluster bitmap: allocated bits 0..31, zero bits 32..63
    return extL2 && table.readUInt32BE(at + 8) === 0xffffffff
  }

  async function readCluster(vcluster: number): Promise<Buffer | null> {
    const entry = await l2Entry(vcluster)
    if (!entry) return null
    const { table, at } = entry
    if (isCompressed(table, at)) {
      const { offset: hostOffset, sectors } = compressedEntry(table, at, compressedSizeBits)
      const len = Math.min(sectors * 512 - (hostOffset & 511), fileSize - hostOffset)
      const raw = await readAt(hostOffset, len)
      const out = info.facts.compressionType === 'zstd' ? Buffer.from(zstdDecompress(raw)) : inflateRawSync(raw, { finishFlush: 2 })
      const c = Buffer.alloc(cs)
      out.copy(c, 0, 0, Math.min(cs, out.length))
      return c
    }
    if (readsAsZeros(table, at)) return null
    return readAt(entryOffset(table, at), cs)
  }

  /** Host offset of a plain (uncompressed, allocated, not zero) cluster, else -1. */
  async function plainOffset(vcluster: number): Promise<number> {
    if (extL2) return -1
    const entry = await l2Entry(vcluster)
    if (!entry || isCompressed(entry.table, entry.at) || readsAsZeros(entry.table, entry.at)) return -1
    return entryOffset(entry.table, entry.at)
  }

  /** Guest bytes [offset, offset + length) (clamped to the disk) into `out` from its start; returns the count. */
  async function readInto(out: Buffer, offset: number, length: number): Promise<number> {
    const end = Math.min(h.virtualSize, offset + length, offset + out.length)
    let pos = offset
    // runs of clusters that are contiguous in the file are read with one call, straight into `out`
    let runHost = -1
    let runOut = 0
    let runLen = 0
    const flush = async () => {
      if (runLen === 0) return
      if (runHost + runLen > fileSize) throw new PreflightError('unreadable', `qcow2 metadata points outside the file (offset ${runHost}, ${runLen} bytes)`)
      let done = 0
      while (done < runLen) {
        const { bytesRead } = await fh.read(out, runOut + done, runLen - done, runHost + done)
        if (bytesRead === 0) break
        done += bytesRead
      }
      if (done < runLen) out.fill(0, runOut + done, runOut + runLen)
      runLen = 0
    }
    while (pos < end) {
      const vcluster = Math.floor(pos / cs)
      const within = pos % cs
      const n = Math.min(cs - within, end - pos)
      const host = await plainOffset(vcluster)
      if (host >= 0) {
        if (runLen > 0 && runHost + runLen === host + within) runLen += n
        else {
          await flush()
          ;[runHost, runOut, runLen] = [host + within, pos - offset, n]
        }
      } else {
        await flush()
        const c = await readCluster(vcluster)
        if (c) c.copy(out, pos - offset, within, within + n)
        else out.fill(0, pos - offset, pos - offset + n)
      }
      pos += n
    }
    await flush()
    return Math.max(0, end - offset)
  }

  /**
   * The stretches of [offset, offset + length) whose clusters hold data: every cluster that readCluster would
   * read from the file (plain or compressed); unallocated and zero clusters are left out.
   */
  async function dataRanges(offset: number, length: number): Promise<Array<[number, number]>> {
    const end = Math.min(h.virtualSize, offset + length)
    const ranges: Array<[number, number]> = []
    for (let pos = Math.max(0, offset); pos < end; ) {
      const vcluster = Math.floor(pos / cs)
      const next = Math.min(end, (vcluster + 1) * cs)
      if (await holdsData(vcluster)) {
        const last = ranges[ranges.length - 1]
        if (last && last[1] === pos) last[1] = next
        else ranges.push([pos, next])
      }
      pos = next
    }
    return ranges
  }

  async function holdsData(vcluster: number): Promise<boolean> {
    const entry = await l2Entry(vcluster)
    return !!entry && (isCompressed(entry.table, entry.at) || !readsAsZeros(entry.table, entry.at))
  }

  return {
    size: h.virtualSize,
    async read(offset, length) {
      const out = Buffer.alloc(Math.max(0, Math.min(h.virtualSize, offset + length) - offset))
      await readInto(out, offset, out.length)
      return out
    },
    readInto,
    dataRanges,
    close: () => fh.close(),
  }
}
