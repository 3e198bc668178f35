// Convert a disk image (raw, vmdk sparse/streamOptimized, vhd fixed/dynamic, vdi dynamic/static, or qcow2 —
// compacting it) into a compact qcow2 v3: guest data is read once in
// order, all-zero clusters are left unallocated, the others written (optionally deflate-compressed); L2
// tables and refcounts are built in memory (bounded: 8 bytes per 64 KiB of virtual disk, 2 bytes per host
// cluster) and written at the end. The result is written under a temporary name, read back through the
// qcow2 reader and compared byte for byte with the source read again, and renamed only when it matches.
// Written here because no maintained JavaScript qcow2 writer exists; the layout follows qemu's qcow2 spec.
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { crc32, deflateRawSync } from 'node:zlib'
import { PreflightError } from '../../src-preload/errors'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'
import { openRawDevice, type BlockDevice } from './block'
import { openQcow2Device } from './qcow2/device'
import { isImageFormat, openImageDevice } from './formats'
import { readQcow2 } from './qcow2/header'
import { readHeadTail, kindFromBytes } from '../inspect/identify'

const CLUSTER_BITS = 16
const CS = 1 << CLUSTER_BITS
const L2_ENTRIES = CS / 8
const REFS_PER_BLOCK = CS / 2 // 16-bit refcounts
const COPIED = 1n << 63n
const COMPRESSED = 1n << 62n
const BATCH = 4 * 1024 * 1024

export interface ConvertOptions {
  compress?: boolean
  signal?: AbortSignal
  meter?: ProgressMeter
}

export interface ConvertResult {
  output: string
  virtualSize: number
  dataClusters: number
  fileSize: number
  /** The result was read back through the qcow2 reader and matched the source (CRC-32 of every data cluster, zeros elsewhere). */
  verified: true
}

async function openSource(path: string): Promise<BlockDevice> {
  const { head, tail } = await readHeadTail(path)
  const kind = kindFromBytes(head, tail)
  if (kind === 'qcow2') {
    const q = await readQcow2(path)
    if (q.backingFile !== null) throw new PreflightError('invalid-input', `${basename(path)} depends on the backing file ${q.backingFile}: flatten it with qemu-img first`)
    return openQcow2Device(path)
  }
  if (kind === 'unknown' || kind === 'iso') return openRawDevice(path)
  if (isImageFormat(kind)) return openImageDevice(path, kind)
  throw new PreflightError('invalid-input', `${basename(path)} is ${kind}: convert reads raw, qcow2, vmdk, vhd and vdi images`)
}

export async function convertToQcow2(input: string, output: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  if (!output.endsWith('.qcow2')) throw new PreflightError('invalid-input', '--output must end in .qcow2')
  const src = await openSource(input)
  const size = src.size
  const virtualClusters = Math.ceil(size / CS)
  const l1Size = Math.max(1, Math.ceil(virtualClusters / L2_ENTRIES))
  const l1Clusters = Math.ceil((l1Size * 8) / CS)
  // upper bound of host clusters: header + L1 + refcount table + data + L2 + refcount blocks
  const maxHost = 1 + l1Clusters + virtualClusters + l1Size + 64
  const refBlocksMax = Math.ceil(maxHost / REFS_PER_BLOCK) + 1
  const rtClusters = Math.ceil((refBlocksMax * 8) / CS)
  const l1Offset = CS
  const rtOffset = (1 + l1Clusters) * CS
  const partial = join(dirname(output), `.${basename(output)}.partial-${process.pid}`)
  const fh = await open(partial, 'w')
  const refcounts = new Uint16Array(maxHost + refBlocksMax + 1)
  const l2Tables = new Map<number, Buffer>()
  let next = rtOffset + rtClusters * CS // next free byte
  const markRef = (offset: number, length: number) => {
    for (let c = Math.floor(offset / CS); c <= Math.floor((offset + length - 1) / CS); c++) refcounts[c]++
  }
  markRef(0, (1 + l1Clusters + rtClusters) * CS)
  // CRC-32 of every data cluster as read from the source, checked against the result read back
  const crcs = new Uint32Array(virtualClusters)
  const isData = new Uint8Array(virtualClusters)
  let dataClusters = 0
  const zero = Buffer.alloc(CS)
  try {
    // guest data in batches of BATCH bytes (one device read each, the next one read while this one is
    // written); runs of data clusters land contiguously in the output and are written with one call
    const setEntry = (v: number, entry: bigint) => {
      const l1i = Math.floor(v / L2_ENTRIES)
      let l2 = l2Tables.get(l1i)
      if (!l2) l2Tables.set(l1i, (l2 = Buffer.alloc(CS)))
      l2.writeBigUInt64BE(entry, (v % L2_ENTRIES) * 8)
    }
    const readBatch = (b: number) => (b * BATCH < size ? src.read(b * BATCH, Math.min(BATCH, size - b * BATCH)) : Promise.resolve(null))
    let pending = readBatch(0)
    for (let b = 0; ; b++) {
      throwIfCancelled(opts.signal)
      const data = await pending
      if (!data) break
      pending = readBatch(b + 1)
      pending.catch(() => undefined)
      const first = (b * BATCH) / CS
      const clusters = Math.ceil(data.length / CS)
      let runStart = -1
      let runOffset = 0
      const flush = async (end: number) => {
        if (runStart < 0) return
        const buf = data.subarray(runStart * CS, Math.min(data.length, end * CS))
        await fh.write(buf, 0, buf.length, runOffset)
        runStart = -1
      }
      for (let c = 0; c < clusters; c++) {
        const v = first + c
        const slice = data.subarray(c * CS, Math.min(data.length, (c + 1) * CS))
        if (slice.equals(slice.length === CS ? zero : zero.subarray(0, slice.length))) {
          await flush(c)
          continue
        }
        dataClusters++
        isData[v] = 1
        crcs[v] = crc32(slice)
        const packed = opts.compress ? deflateRawSync(slice.length === CS ? slice : Buffer.concat([slice, zero.subarray(slice.length)]), { level: 6 }) : null
        if (packed && packed.length < CS - 512) {
          await flush(c)
          const offset = next
          await fh.write(packed, 0, packed.length, offset)
          next += packed.length
          markRef(offset, packed.length)
          const sectors = Math.floor((offset + packed.length - 1) / 512) - Math.floor(offset / 512) + 1
          const shift = 62 - (CLUSTER_BITS - 8)
          setEntry(v, COMPRESSED | (BigInt(sectors - 1) << BigInt(shift)) | BigInt(offset))
          continue
        }
        next = Math.ceil(next / CS) * CS
        if (runStart < 0) [runStart, runOffset] = [c, next]
        markRef(next, CS)
        setEntry(v, COPIED | BigInt(next))
        next += CS
      }
      await flush(clusters)
      opts.meter?.update('converting', Math.min(size, b * BATCH + data.length), size)
    }
    // L2 tables and L1
    const l1 = Buffer.alloc(l1Clusters * CS)
    next = Math.ceil(next / CS) * CS
    for (const [l1i, l2] of [...l2Tables.entries()].sort((a, b) => a[0] - b[0])) {
      await fh.write(l2, 0, CS, next)
      markRef(next, CS)
      l1.writeBigUInt64BE(COPIED | BigInt(next), l1i * 8)
      next += CS
    }
    await fh.write(l1, 0, l1.length, l1Offset)
    // refcount blocks (they count themselves too)
    const firstBlock = next / CS
    let blocks = Math.ceil(firstBlock / REFS_PER_BLOCK)
    while (Math.ceil((firstBlock + blocks) / REFS_PER_BLOCK) > blocks) blocks++
    if (blocks > refBlocksMax) throw new PreflightError('internal', 'refcount table too small for the converted image')
    for (let b = 0; b < blocks; b++) refcounts[firstBlock + b]++
    const rt = Buffer.alloc(rtClusters * CS)
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
    await fh.write(rt, 0, rt.length, rtOffset)
    // header (v3, 104 bytes + end of extensions)
    const h = Buffer.alloc(CS)
    h.writeUInt32BE(0x514649fb, 0)
    h.writeUInt32BE(3, 4)
    h.writeUInt32BE(CLUSTER_BITS, 20)
    h.writeBigUInt64BE(BigInt(size), 24)
    h.writeUInt32BE(l1Size, 36)
    h.writeBigUInt64BE(BigInt(l1Offset), 40)
    h.writeBigUInt64BE(BigInt(rtOffset), 48)
    h.writeUInt32BE(rtClusters, 56)
    h.writeUInt32BE(4, 96) // refcount_order: 16-bit
    h.writeUInt32BE(104, 100) // header_length
    await fh.write(h, 0, CS, 0)
    await fh.sync()
  } catch (err) {
    await fh.close()
    await rm(partial, { force: true })
    throw err
  } finally {
    await src.close()
  }
  const fileSize = (await fh.stat()).size
  await fh.close()
  // verify: the written image, read back through the qcow2 reader, holds the source's data clusters (CRC-32)
  // and zeros everywhere else; batches without data clusters are not read
  const check = await openQcow2Device(partial)
  let bad = -1
  try {
    for (let at = 0; at < size && bad < 0; at += BATCH) {
      throwIfCancelled(opts.signal)
      const n = Math.min(BATCH, size - at)
      const first = at / CS
      const last = Math.ceil((at + n) / CS)
      if (!isData.subarray(first, last).includes(1)) continue
      const back = await check.read(at, n)
      for (let v = first; v < last && bad < 0; v++) {
        const slice = back.subarray((v - first) * CS, Math.min(back.length, (v - first + 1) * CS))
        if (isData[v] ? crc32(slice) !== crcs[v] : !slice.equals(zero.subarray(0, slice.length))) bad = v
      }
      opts.meter?.update('verifying', at + n, size)
    }
  } finally {
    await check.close()
  }
  if (bad >= 0) {
    await rm(partial, { force: true })
    throw new PreflightError('internal', `The converted image does not read back as the source (guest cluster ${bad}): nothing was written.`)
  }
  await rename(partial, output)
  return { output, virtualSize: size, dataClusters, fileSize, verified: true }
}
