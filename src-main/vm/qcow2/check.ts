// A metadata consistency check like `qemu-img check`: every cluster the metadata references (header, L1
// and L2 tables of the active image and of internal snapshots, data clusters, refcount table and blocks,
// snapshot table) is counted and compared with its stored refcount. Referenced more often than counted is a
// corruption, counted but never referenced a leak, a reference past the end of the file a corruption. Only
// metadata is read, never guest data; reads are bounds-checked and memory is one counter per host cluster.
// Metadata reads are synchronous (one cluster at most each, mostly from the page cache): a thread-pool round
// trip per L2 table cost more than the check itself. The loop yields to the event loop every few dozen reads
// so that a cancel (an abort arriving as a message) is seen while a large image is checked.
import { closeSync, openSync, readSync } from 'node:fs'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { throwIfCancelled } from '../../tasks/cancel'
import { compressedEntry, entryOffset, isCompressed, refcountBlockOffset } from './entries'
import { readQcow2, type Qcow2Info } from './header'

export interface Qcow2Check {
  corruptions: number
  leaks: number
  /** The first problems, as sentences. */
  messages: string[]
  /** True when the check could not run (image too large for the counter table). */
  skipped: boolean
}

const MAX_CLUSTERS = 64 * 1024 * 1024

/**
 * Counts the clusters one L2 table references. Most entries of a sparse disk are 0 (unallocated): they are
 * skipped on their raw words before anything is decoded. A plain function, not a loop inside the async walk:
 * V8 optimises it after a few tables, where the walk's loop would resume in the interpreter after every read.
 */
function visitL2(
  l2: Buffer,
  words: Uint32Array,
  entryBytes: number,
  compressedBits: number,
  fileSize: number,
  cs: number,
  ref: (offset: number, length: number, owner: string, what?: string) => boolean,
  problem: (msg: string) => void,
  what: string,
): void {
  for (let at = 0; at < l2.length; at += entryBytes) {
    if (words[at >> 2] === 0 && words[(at >> 2) + 1] === 0) continue
    if (isCompressed(l2, at)) {
      const { offset: off, sectors } = compressedEntry(l2, at, compressedBits)
      ref(off, Math.min(sectors * 512 - (off & 511), Math.max(1, fileSize - off)), what, 'compressed cluster')
    } else {
      const off = entryOffset(l2, at)
      if (!off) continue
      if (off % cs) problem(`${what} L2 entry points to an unaligned cluster (${off})`)
      else ref(off, cs, what, 'data cluster')
    }
  }
}

/** The `n` refcounts of `bits` bits each at the start of a refcount block, into counts[first…]. */
function decodeRefcounts(block: Buffer, bits: number, counts: Float64Array, first: number, n: number): void {
  if (bits === 16) for (let k = 0; k < n; k++) counts[first + k] = (block[2 * k] << 8) | block[2 * k + 1]
  else
    for (let k = 0; k < n; k++) {
      const bitPos = k * bits
      counts[first + k] =
        bits === 64 ? Number(block.readBigUInt64BE(k * 8))
        : bits >= 8 ? block.readUIntBE(k * (bits / 8), bits / 8)
        : (block[Math.floor(bitPos / 8)] >> (bitPos % 8)) & ((1 << bits) - 1)
    }
}

export async function checkQcow2(path: string, opts: { signal?: AbortSignal; info?: Qcow2Info } = {}): Promise<Qcow2Check> {
  const info = opts.info ?? (await readQcow2(path))
  const h = info.header
  const cs = h.clusterSize
  const fileSize = info.fileSize
  const hostClusters = Math.ceil(fileSize / cs)
  const result: Qcow2Check = { corruptions: 0, leaks: 0, messages: [], skipped: false }
  if (hostClusters > MAX_CLUSTERS) return { ...result, skipped: true, messages: [`${hostClusters} host clusters: too many to check here`] }
  const fd = openSync(path, 'r')
  let reads = 0
  const refs = new Uint32Array(hostClusters)
  const problem = (msg: string) => {
    result.corruptions++
    if (result.messages.length < 10) result.messages.push(msg)
  }
  // the last cluster of a file may be partial (qemu does not pad it): only a start past the end is an error
  const read = async (offset: number, length: number, into?: Buffer): Promise<Buffer | null> => {
    if (offset < 0 || offset >= fileSize) return null
    if (++reads % 64 === 0) {
      await nextTurn()
      throwIfCancelled(opts.signal)
    }
    const b = into ?? Buffer.alloc(length)
    const n = Math.min(length, fileSize - offset)
    let got = 0
    while (got < n) {
      const r = readSync(fd, b, got, n - got, offset + got)
      if (r === 0) break
      got += r
    }
    b.fill(0, got, length)
    return b
  }
  // `owner` and `what` name the structure in a message (joined only when there is a problem)
  const ref = (offset: number, length: number, owner: string, what = '') => {
    const last = Math.floor((offset + Math.max(1, length) - 1) / cs)
    if (offset >= fileSize || last >= hostClusters) {
      problem(`${what ? `${owner} ${what}` : owner} at offset ${offset} lies past the end of the file`)
      return false
    }
    for (let c = Math.floor(offset / cs); c <= last; c++) refs[c]++
    return true
  }
  try {
    ref(0, cs, 'header')
    const extL2 = info.facts.extendedL2
    const l2Size = cs
    const entryBytes = extL2 ? 16 : 8
    const compressedBits = 62 - (h.clusterBits - 8)
    const l2Buffer = Buffer.alloc(l2Size)
    const l2Words = new Uint32Array(l2Buffer.buffer, l2Buffer.byteOffset, l2Size / 4)
    const walkL1 = async (l1Offset: number, l1Size: number, what: string) => {
      if (!l1Size) return
      if (!ref(l1Offset, l1Size * 8, what, 'L1 table')) return
      const l1 = (await read(l1Offset, l1Size * 8))!
      for (let i = 0; i < l1Size; i++) {
        throwIfCancelled(opts.signal)
        const l2Off = entryOffset(l1, i * 8)
        if (!l2Off) continue
        if (l2Off % cs) {
          problem(`${what} L1 entry ${i} points to an unaligned L2 table (${l2Off})`)
          continue
        }
        if (!ref(l2Off, l2Size, what, 'L2 table')) continue
        visitL2((await read(l2Off, l2Size, l2Buffer))!, l2Words, entryBytes, compressedBits, fileSize, cs, ref, problem, what)
      }
    }
    await walkL1(h.l1TableOffset, h.l1Size, 'active')
    // refcount table and blocks
    ref(h.refcountTableOffset, h.refcountTableClusters * cs, 'refcount table')
    const rt = await read(h.refcountTableOffset, h.refcountTableClusters * cs)
    const bits = 2 ** h.refcountOrder
    const perBlock = (cs * 8) / bits
    const counts = new Float64Array(hostClusters)
    const blockBuffer = Buffer.alloc(cs)
    if (rt) {
      for (let i = 0; i < rt.length / 8; i++) {
        const off = refcountBlockOffset(rt, i * 8)
        if (!off) continue
        if (!ref(off, cs, 'refcount block')) continue
        const block = (await read(off, cs, blockBuffer))!
        const first = i * perBlock
        const n = Math.min(perBlock, hostClusters - first)
        decodeRefcounts(block, bits, counts, first, n)
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
    closeSync(fd)
  }
  return result
}
