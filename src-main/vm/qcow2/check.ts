// A metadata consistency check like `qemu-img check`: every cluster the metadata references (header, L1
// and L2 tables of the active image and of internal snapshots, data clusters, refcount table and blocks,
// snapshot table) is counted and compared with its stored refcount. Referenced more often than counted is a
// corruption, counted but never referenced a leak, a reference past the end of the file a corruption. Only
// metadata is read, never guest data; reads are bounds-checked and memory is one counter per host cluster.
import { open, type FileHandle } from 'node:fs/promises'
import { throwIfCancelled } from '../../tasks/cancel'
import { readQcow2, type Qcow2Info } from './header'

export interface Qcow2Check {
  corruptions: number
  leaks: number
  /** The first problems, as sentences. */
  messages: string[]
  /** True when the check could not run (image too large for the counter table). */
  skipped: boolean
}

const OFFSET_MASK = 0x00fffffffffffe00n
const COMPRESSED = 1n << 62n
const MAX_CLUSTERS = 64 * 1024 * 1024

export async function checkQcow2(path: string, opts: { signal?: AbortSignal; info?: Qcow2Info } = {}): Promise<Qcow2Check> {
  const info = opts.info ?? (await readQcow2(path))
  const h = info.header
  const cs = h.clusterSize
  const fileSize = info.fileSize
  const hostClusters = Math.ceil(fileSize / cs)
  const result: Qcow2Check = { corruptions: 0, leaks: 0, messages: [], skipped: false }
  if (hostClusters > MAX_CLUSTERS) return { ...result, skipped: true, messages: [`${hostClusters} host clusters: too many to check here`] }
  const fh: FileHandle = await open(path, 'r')
  const refs = new Uint32Array(hostClusters)
  const problem = (msg: string) => {
    result.corruptions++
    if (result.messages.length < 10) result.messages.push(msg)
  }
  // the last cluster of a file may be partial (qemu does not pad it): only a start past the end is an error
  const read = async (offset: number, length: number): Promise<Buffer | null> => {
    if (offset < 0 || offset >= fileSize) return null
    const b = Buffer.alloc(length)
    await fh.read(b, 0, Math.min(length, fileSize - offset), offset)
    return b
  }
  const ref = (offset: number, length: number, what: string) => {
    if (offset >= fileSize || Math.floor((offset + Math.max(1, length) - 1) / cs) >= hostClusters) {
      problem(`${what} at offset ${offset} lies past the end of the file`)
      return false
    }
    for (let c = Math.floor(offset / cs); c <= Math.floor((offset + Math.max(1, length) - 1) / cs); c++) refs[c]++
    return true
  }
  try {
    ref(0, cs, 'header')
    const extL2 = info.facts.extendedL2
    const l2Size = cs
    const entryBytes = extL2 ? 16 : 8
    const compressedBits = 62 - (h.clusterBits - 8)
    const walkL1 = async (l1Offset: number, l1Size: number, what: string) => {
      if (!l1Size) return
      if (!ref(l1Offset, l1Size * 8, `${what} L1 table`)) return
      const l1 = (await read(l1Offset, l1Size * 8))!
      for (let i = 0; i < l1Size; i++) {
        throwIfCancelled(opts.signal)
        const l2Off = Number(l1.readBigUInt64BE(i * 8) & OFFSET_MASK)
        if (!l2Off) continue
        if (l2Off % cs) {
          problem(`${what} L1 entry ${i} points to an unaligned L2 table (${l2Off})`)
          continue
        }
        if (!ref(l2Off, l2Size, `${what} L2 table`)) continue
        const l2 = (await read(l2Off, l2Size))!
        for (let j = 0; j < l2Size / entryBytes; j++) {
          const e = l2.readBigUInt64BE(j * entryBytes)
          if (e & COMPRESSED) {
            const off = Number(e & ((1n << BigInt(compressedBits)) - 1n))
            const sectors = Number((e >> BigInt(compressedBits)) & ((1n << BigInt(62 - compressedBits)) - 1n)) + 1
            ref(off, Math.min(sectors * 512 - (off & 511), Math.max(1, fileSize - off)), `${what} compressed cluster`)
          } else {
            const off = Number(e & OFFSET_MASK)
            if (!off) continue
            if (off % cs) problem(`${what} L2 entry points to an unaligned cluster (${off})`)
            else ref(off, cs, `${what} data cluster`)
          }
        }
      }
    }
    await walkL1(h.l1TableOffset, h.l1Size, 'active')
    // refcount table and blocks
    ref(h.refcountTableOffset, h.refcountTableClusters * cs, 'refcount table')
    const rt = await read(h.refcountTableOffset, h.refcountTableClusters * cs)
    const bits = 2 ** h.refcountOrder
    const perBlock = (cs * 8) / bits
    const counts = new Float64Array(hostClusters)
    if (rt) {
      for (let i = 0; i < rt.length / 8; i++) {
        const off = Number(rt.readBigUInt64BE(i * 8) & ~0x1ffn)
        if (!off) continue
        if (!ref(off, cs, 'refcount block')) continue
        const block = (await read(off, cs))!
        for (let k = 0; k < perBlock; k++) {
          const cluster = i * perBlock + k
          if (cluster >= hostClusters) break
          const bitPos = k * bits
          let v: number
          if (bits >= 8) {
            const bytes = bits / 8
            v = bytes === 8 ? Number(block.readBigUInt64BE(k * 8)) : block.readUIntBE(k * bytes, bytes)
          } else v = (block[Math.floor(bitPos / 8)] >> (bitPos % 8)) & ((1 << bits) - 1)
          counts[cluster] = v
        }
      }
    }
    // internal snapshots: their table, and each snapshot's L1 (and its L2 tables and data)
    if (h.nbSnapshots) {
      let at = h.snapshotsOffset
      const start = at
      for (let s = 0; s < h.nbSnapshots; s++) {
        const hdr = await read(at, 40)
        if (!hdr) {
          problem('snapshot table lies past the end of the file')
          break
        }
        const l1Off = Number(hdr.readBigUInt64BE(0))
        const l1Size = hdr.readUInt32BE(8)
        const idLen = hdr.readUInt16BE(12)
        const nameLen = hdr.readUInt16BE(14)
        const extra = hdr.readUInt32BE(36)
        await walkL1(l1Off, l1Size, `snapshot ${s + 1}`)
        at += 40 + extra + idLen + nameLen
        at = Math.ceil(at / 8) * 8
      }
      ref(start, at - start, 'snapshot table')
    }
    for (let c = 0; c < hostClusters; c++) {
      if (refs[c] > counts[c]) problem(`cluster ${c} is referenced ${refs[c]} time(s) but its refcount is ${counts[c]}`)
      else if (refs[c] < counts[c]) result.leaks++
    }
  } finally {
    await fh.close()
  }
  return result
}
