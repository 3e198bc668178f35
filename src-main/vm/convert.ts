// Convert a disk image (raw, vmdk sparse/streamOptimized/descriptor with extents, vhd fixed/dynamic, vhdx fixed/dynamic, vdi
// dynamic/static, qed without a backing file, or qcow2 — compacting it) into a compact qcow2 v3: guest data is
// read once in order, in 4 MiB batches (the next ones read while this one is examined and written; raw and
// qcow2 sources read into reused buffers; a sparse raw file's holes, see sparse.ts, and a qcow2's unallocated
// and zero clusters are not read at all), all-zero clusters are left unallocated, the others written
// (optionally deflate-compressed) with one writev per host-contiguous stretch. L2 tables and refcounts are built in memory (bounded: 8 bytes per 64 KiB of virtual
// disk, 2 bytes per host cluster) and written at the end. The result is written under a temporary name and
// verified as it is written and at the end: each batch's written bytes are read back from the file as soon as
// they are written and compared byte for byte with the source bytes still in memory (which must still be the
// bytes examined: one cluster per batch keeps its CRC-32); at the end the header, L1 and L2 tables must read back
// as the ones built (so unwritten clusters read as zeros), the metadata check must find no corruption or leak,
// and 64 of those clusters, spread over the disk, are read through the independent qcow2 reader and must have
// the CRC-32 the source's bytes had. Only then is it renamed into place, so a failed, cancelled or
// killed convert leaves no file under the output name. (A second full pass over the data through the reader
// cost more than the conversion itself; the byte-for-byte read-back covers every written byte.) Like
// qemu-img convert and repack, it does not wait for the page cache to reach the disk (fsync): that wait is the
// disk's write speed, up to minutes for a large image, and the source is still there to convert again if the
// machine loses power before the system has written it back.
// Written here because no maintained JavaScript qcow2 writer exists; the layout follows qemu's qcow2 spec.
import { readSync } from 'node:fs'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { crc32, deflateRawSync } from 'node:zlib'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'
import { openRawDevice, type BlockDevice } from './block'
import { openQcow2Device } from './qcow2/device'
import { isImageFormat, openImageDevice } from './formats'
import { checkQcow2 } from './qcow2/check'
import { entryOffset } from './qcow2/entries'
import { readQcow2 } from './qcow2/header'
import { readHeadTail, kindFromBytes } from '../walk/sniff'

const CLUSTER_BITS = 16
const CS = 1 << CLUSTER_BITS
const L2_ENTRIES = CS / 8
const REFS_PER_BLOCK = CS / 2 // 16-bit refcounts
const COPIED = 1n << 63n
const COMPRESSED = 1n << 62n
const BATCH = 4 * 1024 * 1024
// batches in flight: READ_AHEAD read ahead of the one being examined, and up to WRITES_IN_FLIGHT earlier ones
// still being written and read back beside its own writes (more concurrent writes to the one file only contend
// for its lock in the kernel)
const READ_AHEAD = 2
const WRITES_IN_FLIGHT = 2
const DEPTH = READ_AHEAD + WRITES_IN_FLIGHT + 1
const SAMPLES_READ = 64
const SAMPLE_READERS = 4
// the read-back reads this much at a time, so that what it compares is still in the CPU's cache
const READ_BACK_CHUNK = 256 * 1024

/** A batch of guest data as read: its bytes, and which of its clusters were read ([first, end) pairs; the others are holes). */
interface Batch {
  data: Buffer
  read: Array<[number, number]>
}

export interface ConvertOptions {
  compress?: boolean
  signal?: AbortSignal
  meter?: ProgressMeter
}

export interface ConvertResult {
  output: string
  virtualSize: number
  dataClusters: number
  /** Guest bytes read from the source: less than the virtual size where holes were skipped without reading. */
  bytesRead: number
  fileSize: number
  /** The result was read back and matched the source: every written byte, its tables as built (so zeros where nothing was written), and 64 sampled clusters read through the qcow2 reader. */
  verified: true
}

async function openSource(path: string): Promise<BlockDevice> {
  const { head, tail } = await readHeadTail(path)
  const kind = kindFromBytes(head, tail)
  if (kind === 'qcow2') {
    const q = await readQcow2(path)
    if (q.backingFile !== null)
      throw new PreflightError(
        'invalid-input',
        bi(
          `${basename(path)} depends on the backing file ${q.backingFile}: flatten it with qemu-img first`,
          `${basename(path)} 依赖后备文件 ${q.backingFile}：请先用 qemu-img 将其合并为独立镜像`,
        ),
      )
    return openQcow2Device(path)
  }
  if (kind === 'unknown' || kind === 'iso') return openRawDevice(path)
  if (isImageFormat(kind)) return openImageDevice(path, kind)
  throw new PreflightError(
    'invalid-input',
    bi(
      `${basename(path)} is ${kind}: convert reads raw, qcow2, vmdk, vhd, vhdx, vdi and qed images`,
      `${basename(path)} 是 ${kind} 文件：convert 只读取 raw、qcow2、vmdk、vhd、vhdx、vdi 和 qed 镜像`,
    ),
  )
}

export async function convertToQcow2(input: string, output: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  if (!output.endsWith('.qcow2'))
    throw new PreflightError('invalid-input', bi('--output must end in .qcow2', '--output 必须以 .qcow2 结尾'))
  const src = await openSource(input)
  const layout = planLayout(src.size)
  const tables = new Qcow2Tables(layout)
  const partial = join(dirname(output), `.${basename(output)}.partial-${process.pid}`)
  const fh = await open(partial, 'w+')
  let copied: CopyResult
  try {
    copied = await copyGuestData(src, fh, tables, opts)
    await writeMetadata(fh, tables, layout)
  } catch (err) {
    await fh.close()
    await rm(partial, { force: true })
    throw err
  } finally {
    await src.close()
  }
  // the image is renamed into place only once verified
  let fileSize: number
  let problem: string | null
  try {
    problem = await verifyWritten(partial, fh, tables, copied.samples, opts.signal)
    fileSize = (await fh.stat()).size
  } catch (err) {
    await fh.close()
    await rm(partial, { force: true })
    throw err
  }
  await fh.close()
  if (problem !== null) {
    await rm(partial, { force: true })
    throw new PreflightError(
      'internal',
      bi(
        `The converted image does not read back as the source (${problem}): nothing was written.`,
        `转换后的镜像读回时与源镜像不一致（${problem}），未写入任何文件。`,
      ),
    )
  }
  await rename(partial, output)
  return {
    output,
    virtualSize: layout.size,
    dataClusters: copied.dataClusters,
    bytesRead: copied.bytesRead,
    fileSize,
    verified: true,
  }
}

/** Where the fixed metadata sits, and the bounds of the in-memory tables, for a disk of `size` bytes. */
interface Layout {
  size: number
  l1Size: number
  l1Clusters: number
  /** Upper bound of host clusters: header + L1 + refcount table + data + L2 + refcount blocks. */
  maxHost: number
  refBlocksMax: number
  rtClusters: number
  l1Offset: number
  rtOffset: number
}

function planLayout(size: number): Layout {
  const virtualClusters = Math.ceil(size / CS)
  const l1Size = Math.max(1, Math.ceil(virtualClusters / L2_ENTRIES))
  const l1Clusters = Math.ceil((l1Size * 8) / CS)
  const maxHost = 1 + l1Clusters + virtualClusters + l1Size + 64
  const refBlocksMax = Math.ceil(maxHost / REFS_PER_BLOCK) + 1
  const rtClusters = Math.ceil((refBlocksMax * 8) / CS)
  return { size, l1Size, l1Clusters, maxHost, refBlocksMax, rtClusters, l1Offset: CS, rtOffset: (1 + l1Clusters) * CS }
}

/** The image's tables as they are built: host allocation (`next` free byte), refcounts, the L2 tables and L1. */
class Qcow2Tables {
  readonly refcounts: Uint16Array
  readonly l2Tables = new Map<number, Buffer>()
  readonly l1: Buffer
  next: number

  constructor(readonly layout: Layout) {
    this.refcounts = new Uint16Array(layout.maxHost + layout.refBlocksMax + 1)
    this.l1 = Buffer.alloc(layout.l1Clusters * CS)
    this.next = layout.rtOffset + layout.rtClusters * CS
    this.markRef(0, (1 + layout.l1Clusters + layout.rtClusters) * CS)
  }

  markRef(offset: number, length: number): void {
    for (let c = Math.floor(offset / CS); c <= Math.floor((offset + length - 1) / CS); c++) this.refcounts[c]++
  }

  /** The L2 entry of guest cluster v. */
  setEntry(v: number, entry: bigint): void {
    const l1i = Math.floor(v / L2_ENTRIES)
    let l2 = this.l2Tables.get(l1i)
    if (!l2) this.l2Tables.set(l1i, (l2 = Buffer.alloc(CS)))
    l2.writeBigUInt64BE(entry, (v % L2_ENTRIES) * 8)
  }

  alignNext(): void {
    this.next = Math.ceil(this.next / CS) * CS
  }
}

/** One data cluster per batch: its guest cluster and the CRC-32 of its source bytes when the batch was examined. */
interface Sample {
  cluster: number
  crc: number
}

/** Host-contiguous pieces written with one writev, each piece with the guest cluster it starts at. */
interface WriteGroup {
  at: number
  bufs: Buffer[]
  firsts: number[]
  len: number
}

interface CopyResult {
  dataClusters: number
  bytesRead: number
  samples: Sample[]
}

/**
 * Guest data in batches of BATCH bytes, pipelined: while batch b is classified, batches b+1 .. b+READ_AHEAD are
 * being read and the earlier ones written and read back. Sources that can (raw files, qcow2) read into DEPTH
 * reused buffers; a buffer is read into again only after the writes of the batch it held have finished. A raw
 * file is read synchronously (the writes stay on the thread pool, so reading and writing still overlap). Where the
 * source can say where its data is (a sparse raw file), only the clusters holding data are read.
 */
async function copyGuestData(
  src: BlockDevice,
  fh: FileHandle,
  tables: Qcow2Tables,
  opts: ConvertOptions,
): Promise<CopyResult> {
  const size = src.size
  const reader = new BatchReader(src)
  const back = Buffer.allocUnsafe(READ_BACK_CHUNK)
  const zero = Buffer.alloc(BATCH)
  // per cluster of the batch: 0 zero (a hole, or compared with zeros), 1 data, 2 sampled as zero (to compare)
  const kind = new Uint8Array(BATCH / CS)
  // After a batch's writes its buffer must still hold the bytes examined (a buffer read into again too early
  // would have been written and read back the same, wrong, way): each batch keeps one cluster's CRC-32 to check.
  const samples: Sample[] = []
  // the first mismatch the read-back of a batch found (guest cluster), reported after the batch loop
  let mismatch: number | null = null
  let dataClusters = 0
  // per buffer slot (batch b uses slot b % DEPTH): the writes and read-back of the batch that used it last
  const slotWrites: Array<Promise<void>> = []
  const pending: Array<Promise<Batch | null>> = []
  const queueRead = (b: number) => {
    const p = (async () => {
      await slotWrites[b % DEPTH]
      return reader.read(b)
    })()
    p.catch(() => undefined)
    pending.push(p)
  }
  try {
    for (let b = 0; b < READ_AHEAD; b++) queueRead(b)
    for (let b = 0; ; b++) {
      throwIfCancelled(opts.signal)
      queueRead(b + READ_AHEAD)
      const batch = await pending.shift()!
      if (!batch || mismatch !== null) break
      const first = (b * BATCH) / CS
      const clusters = classifyClusters(batch, kind, zero)
      const placed = placeClusters(tables, batch.data, first, kind, clusters, zero, opts.compress === true)
      if (placed.sample) samples.push(placed.sample)
      dataClusters += placed.dataClusters
      const writing = (async () => {
        await writeGroups(fh, placed.groups)
        const bad = readBack(fh.fd, placed.groups, back)
        if (bad !== null) mismatch ??= bad
        else if (placed.sample && !sampleStillHolds(batch.data, first, placed.sample))
          mismatch ??= placed.sample.cluster
      })()
      writing.catch(() => undefined)
      slotWrites[b % DEPTH] = writing
      opts.meter?.update('converting', Math.min(size, b * BATCH + batch.data.length), size)
    }
    await Promise.all(slotWrites)
  } catch (err) {
    // writes still in flight finish before the file is closed under them
    await Promise.allSettled(slotWrites)
    throw err
  } finally {
    // reads past the last batch (or after a mismatch) are still queued: they finish before the source closes
    await Promise.allSettled(pending)
  }
  if (mismatch !== null)
    throw new PreflightError(
      'internal',
      bi(
        `The converted image does not read back as the source (guest cluster ${mismatch}): nothing was written.`,
        `转换后的镜像读回时与源镜像不一致（guest cluster ${mismatch}），未写入任何文件。`,
      ),
    )
  return { dataClusters, bytesRead: reader.bytesRead, samples }
}

/** Reads batch b of the guest: into DEPTH reused buffers where the source can, only the clusters holding data. */
class BatchReader {
  bytesRead = 0
  private readonly bufs: Buffer[] | null

  constructor(private readonly src: BlockDevice) {
    this.bufs = src.readInto ? Array.from({ length: DEPTH }, () => Buffer.allocUnsafe(BATCH)) : null
  }

  async read(b: number): Promise<Batch | null> {
    const { src } = this
    const from = b * BATCH
    if (from >= src.size) return null
    const n = Math.min(BATCH, src.size - from)
    const read = await this.dataClusters(from, n)
    if (!this.bufs || !src.readInto) {
      this.bytesRead += n
      return { data: await src.read(from, n), read }
    }
    const buf = this.bufs[b % DEPTH]
    for (const [c0, c1] of read) this.bytesRead += Math.min(n, c1 * CS) - c0 * CS
    if (src.readIntoSync)
      for (const [c0, c1] of read)
        src.readIntoSync(buf.subarray(c0 * CS), from + c0 * CS, Math.min(n, c1 * CS) - c0 * CS)
    else
      await Promise.all(
        read.map(([c0, c1]) => src.readInto!(buf.subarray(c0 * CS), from + c0 * CS, Math.min(n, c1 * CS) - c0 * CS)),
      )
    return { data: buf.subarray(0, n), read }
  }

  /** The source's data stretches in [from, from + n), widened to whole clusters of the batch and merged. */
  private async dataClusters(from: number, n: number): Promise<Array<[number, number]>> {
    const clusters = Math.ceil(n / CS)
    const ranges = (await this.src.dataRanges?.(from, n)) ?? null
    const read: Array<[number, number]> = []
    for (const [start, end] of ranges ?? [[from, from + n]]) {
      const c0 = Math.floor((start - from) / CS)
      const c1 = Math.min(clusters, Math.ceil((end - from) / CS))
      const last = read[read.length - 1]
      if (last && last[1] >= c0) last[1] = Math.max(last[1], c1)
      else read.push([c0, c1])
    }
    return read
  }
}

/**
 * Zero detection, into `kind`: a cluster with a nonzero byte among a few samples is data (the usual case for
 * data); the rest are compared with zeros a whole run at a time, cluster by cluster only when a run is not all
 * zero. Returns the batch's cluster count.
 */
function classifyClusters(batch: Batch, kind: Uint8Array, zero: Buffer): number {
  const { data } = batch
  const clusters = Math.ceil(data.length / CS)
  kind.fill(0, 0, clusters)
  for (const [c0, c1] of batch.read)
    for (let c = c0; c < c1; c++) {
      const at = c * CS
      const last = Math.min(data.length, at + CS) - 1
      const step = (last - at) >> 3
      kind[c] =
        data[at] |
        data[at + 1] |
        data[at + 2] |
        data[at + 3] |
        data[last] |
        data[last - 1] |
        data[at + step] |
        data[at + 2 * step] |
        data[at + 3 * step] |
        data[at + 4 * step] |
        data[at + 5 * step] |
        data[at + 6 * step] |
        data[at + 7 * step]
          ? 1
          : 2
    }
  for (let c = 0; c < clusters;) {
    if (kind[c] !== 2) {
      c++
      continue
    }
    let e = c + 1
    while (e < clusters && kind[e] === 2) e++
    const from = c * CS
    const to = Math.min(data.length, e * CS)
    const allZero = data.compare(zero, 0, to - from, from, to) === 0
    for (let k = c; k < e; k++) {
      const a = k * CS
      const z = Math.min(data.length, a + CS)
      kind[k] = !allZero && data.compare(zero, 0, z - a, a, z) !== 0 ? 1 : 0
    }
    c = e
  }
  return clusters
}

/**
 * Give each data cluster of the batch its host place (compressed when asked and worth it) and L2 entry, and
 * gather the writes into host-contiguous groups. The batch's first data cluster is its sample.
 */
function placeClusters(
  tables: Qcow2Tables,
  data: Buffer,
  first: number,
  kind: Uint8Array,
  clusters: number,
  zero: Buffer,
  compress: boolean,
): { groups: WriteGroup[]; sample?: Sample; dataClusters: number } {
  const groups: WriteGroup[] = []
  let sample: Sample | undefined
  let dataClusters = 0
  const put = (at: number, buf: Buffer, guest: number) => {
    const g = groups[groups.length - 1]
    if (g && g.at + g.len === at) {
      g.bufs.push(buf)
      g.firsts.push(guest)
      g.len += buf.length
    } else groups.push({ at, bufs: [buf], firsts: [guest], len: buf.length })
  }
  for (let c = 0; c < clusters;) {
    if (!kind[c]) {
      c++
      continue
    }
    let e = c + 1
    while (e < clusters && kind[e]) e++
    const from = c * CS
    const to = Math.min(data.length, e * CS)
    sample ??= { cluster: first + c, crc: crc32(data.subarray(from, Math.min(to, from + CS))) }
    dataClusters += e - c
    let runFrom = -1
    for (let k = c; k < e; k++) {
      const v = first + k
      const slice = data.subarray(k * CS, Math.min(data.length, (k + 1) * CS))
      const packed = compress
        ? deflateRawSync(slice.length === CS ? slice : Buffer.concat([slice, zero.subarray(0, CS - slice.length)]), {
            level: 6,
          })
        : null
      if (packed && packed.length < CS - 512) {
        if (runFrom >= 0) put(tables.next - (k - runFrom) * CS, data.subarray(runFrom * CS, k * CS), first + runFrom)
        runFrom = -1
        const offset = tables.next
        put(offset, packed, v)
        tables.next += packed.length
        tables.markRef(offset, packed.length)
        const sectors = Math.floor((offset + packed.length - 1) / 512) - Math.floor(offset / 512) + 1
        const shift = 62 - (CLUSTER_BITS - 8)
        tables.setEntry(v, COMPRESSED | (BigInt(sectors - 1) << BigInt(shift)) | BigInt(offset))
        continue
      }
      if (runFrom < 0) {
        tables.alignNext()
        runFrom = k
      }
      tables.markRef(tables.next, CS)
      tables.setEntry(v, COPIED | BigInt(tables.next))
      tables.next += CS
    }
    // the last cluster of the disk may be partial: its run is written short (the file is padded at the end)
    if (runFrom >= 0) put(tables.next - (e - runFrom) * CS, data.subarray(runFrom * CS, to), first + runFrom)
    c = e
  }
  return { groups, sample, dataClusters }
}

async function writeGroups(fh: FileHandle, groups: WriteGroup[]): Promise<void> {
  for (const g of groups) {
    let written = 0
    while (written < g.len) {
      let skip = written
      const rest: Buffer[] = []
      for (const p of g.bufs) {
        if (skip >= p.length) skip -= p.length
        else {
          rest.push(skip ? p.subarray(skip) : p)
          skip = 0
        }
      }
      const { bytesWritten } = await fh.writev(rest, g.at + written)
      if (bytesWritten === 0) throw new PreflightError('internal', 'writing the converted image made no progress')
      written += bytesWritten
    }
  }
}

/**
 * Read back what a batch wrote, compared byte for byte with the source bytes (still in memory); returns the first
 * differing guest cluster, or null. Synchronously, in small chunks: the bytes were just written, so they come from
 * the page cache, and a thread-pool round trip per chunk cost more than the copy (convert runs in the services
 * worker, never on the app's main thread). Being synchronous, the batches in flight share one buffer for it.
 */
function readBack(fd: number, groups: WriteGroup[], back: Buffer): number | null {
  for (const g of groups) {
    let o = 0
    for (let i = 0; i < g.bufs.length; o += g.bufs[i++].length) {
      const piece = g.bufs[i]
      for (let k = 0; k < piece.length; k += READ_BACK_CHUNK) {
        const len = Math.min(READ_BACK_CHUNK, piece.length - k)
        const got = readSync(fd, back, 0, len, g.at + o + k)
        if (got === len && piece.subarray(k, k + len).equals(back.subarray(0, len))) continue
        // the first differing cluster of the chunk (a short read differs where it ends)
        let d = 0
        while (d + CS < got && piece.subarray(k + d, k + d + CS).equals(back.subarray(d, d + CS))) d += CS
        return g.firsts[i] + Math.floor((k + d) / CS)
      }
    }
  }
  return null
}

/** The batch's buffer still holds the bytes that were examined (its sample cluster keeps its CRC-32). */
function sampleStillHolds(data: Buffer, first: number, sample: Sample): boolean {
  const at = (sample.cluster - first) * CS
  return crc32(data.subarray(at, Math.min(data.length, at + CS))) === sample.crc
}

/** After the data: the L2 tables and L1, the refcount blocks (they count themselves too) and table, the header. */
async function writeMetadata(fh: FileHandle, tables: Qcow2Tables, layout: Layout): Promise<void> {
  tables.alignNext()
  for (const [l1i, l2] of [...tables.l2Tables.entries()].sort((a, b) => a[0] - b[0])) {
    await fh.write(l2, 0, CS, tables.next)
    tables.markRef(tables.next, CS)
    tables.l1.writeBigUInt64BE(COPIED | BigInt(tables.next), l1i * 8)
    tables.next += CS
  }
  await fh.write(tables.l1, 0, tables.l1.length, layout.l1Offset)
  const firstBlock = tables.next / CS
  let blocks = Math.ceil(firstBlock / REFS_PER_BLOCK)
  while (Math.ceil((firstBlock + blocks) / REFS_PER_BLOCK) > blocks) blocks++
  if (blocks > layout.refBlocksMax)
    throw new PreflightError('internal', 'refcount table too small for the converted image')
  const { refcounts } = tables
  for (let b = 0; b < blocks; b++) refcounts[firstBlock + b]++
  const rt = Buffer.alloc(layout.rtClusters * CS)
  for (let b = 0; b < blocks; b++) {
    const block = Buffer.alloc(CS)
    for (let k = 0; k < REFS_PER_BLOCK; k++) {
      const c = b * REFS_PER_BLOCK + k
      if (c < refcounts.length && refcounts[c]) block.writeUInt16BE(refcounts[c], k * 2)
    }
    const at = (firstBlock + b) * CS
    await fh.write(block, 0, CS, at)
    rt.writeBigUInt64BE(BigInt(at), b * 8)
  }
  await fh.write(rt, 0, rt.length, layout.rtOffset)
  await fh.write(qcow2Header(layout), 0, CS, 0)
}

/** The v3 header (104 bytes + end of extensions), in a cluster of its own. */
function qcow2Header(layout: Layout): Buffer {
  const h = Buffer.alloc(CS)
  h.writeUInt32BE(0x514649fb, 0)
  h.writeUInt32BE(3, 4)
  h.writeUInt32BE(CLUSTER_BITS, 20)
  h.writeBigUInt64BE(BigInt(layout.size), 24)
  h.writeUInt32BE(layout.l1Size, 36)
  h.writeBigUInt64BE(BigInt(layout.l1Offset), 40)
  h.writeBigUInt64BE(BigInt(layout.rtOffset), 48)
  h.writeUInt32BE(layout.rtClusters, 56)
  h.writeUInt32BE(4, 96) // refcount_order: 16-bit
  h.writeUInt32BE(104, 100) // header_length
  return h
}

/**
 * Read the written image's structure back (the data was compared as it was written). Its header, L1 table
 * and every L2 table must be the ones built here, so the guest clusters that were not written (zero L2 entry,
 * or no L2 table) read as zeros without reading them; the metadata check must count no corruption and no
 * leak; the sampled data clusters, read through the qcow2 reader, must have their source's CRC-32. Returns
 * what differs, or null.
 */
async function verifyWritten(
  partial: string,
  fh: FileHandle,
  tables: Qcow2Tables,
  samples: Sample[],
  signal?: AbortSignal,
): Promise<string | null> {
  const { size, l1Size } = tables.layout
  const info = await readQcow2(partial)
  const hh = info.header
  if (
    hh.virtualSize !== size ||
    hh.clusterBits !== CLUSTER_BITS ||
    hh.l1Size !== l1Size ||
    hh.version !== 3 ||
    info.problems.length
  )
    return 'header'
  // the tables are read through the handle the image was written with (opened for reading too)
  const readAt = async (at: number, n: number) => {
    const buf = Buffer.alloc(n)
    const { bytesRead } = await fh.read(buf, 0, n, at)
    return bytesRead === n ? buf : null
  }
  const l1Back = await readAt(hh.l1TableOffset, l1Size * 8)
  if (!l1Back || !l1Back.equals(tables.l1.subarray(0, l1Size * 8))) return 'L1 table'
  for (let i = 0; i < l1Size; i++) {
    const l2Offset = entryOffset(l1Back, i * 8)
    const mine = tables.l2Tables.get(i)
    if (!l2Offset !== !mine) return `L2 table ${i}`
    if (!mine) continue
    const back = await readAt(l2Offset, CS)
    if (!back || !back.equals(mine)) return `L2 table ${i}`
  }
  const check = await checkQcow2(partial, { info, signal })
  if (check.corruptions || check.leaks)
    return `metadata check: ${check.corruptions} corruption(s), ${check.leaks} leak(s)${check.messages[0] ? `, ${check.messages[0]}` : ''}`
  return verifySamples(partial, samples, signal)
}

/**
 * Up to SAMPLES_READ samples spread evenly over the disk (the first and the last among them), read through the
 * independent qcow2 reader with SAMPLE_READERS reads in flight, each into its own buffer; the tables it decodes
 * were compared with the ones built, so this checks how their entries are encoded. The first differing sample (in
 * order) is named.
 */
async function verifySamples(partial: string, samples: Sample[], signal?: AbortSignal): Promise<string | null> {
  const reader = await openQcow2Device(partial)
  try {
    const step = Math.max(1, (samples.length - 1) / (SAMPLES_READ - 1))
    const chosen =
      samples.length <= SAMPLES_READ
        ? samples
        : Array.from({ length: SAMPLES_READ }, (_, i) => samples[Math.round(i * step)])
    let nextSample = 0
    let bad: number | null = null
    const sampleReader = async () => {
      const cluster = Buffer.allocUnsafe(CS)
      while (nextSample < chosen.length) {
        const i = nextSample++
        throwIfCancelled(signal)
        const n = await reader.readInto!(cluster, chosen[i].cluster * CS, CS)
        if (crc32(cluster.subarray(0, n)) !== chosen[i].crc && (bad === null || i < bad)) bad = i
      }
    }
    await Promise.all(Array.from({ length: SAMPLE_READERS }, sampleReader))
    return bad === null ? null : `guest cluster ${chosen[bad].cluster}`
  } finally {
    await reader.close()
  }
}
