// A metadata consistency check like `qemu-img check`: every cluster the metadata references (header, L1
// and L2 tables of the active image and of internal snapshots, data clusters, refcount table and blocks,
// snapshot table) is counted and compared with its stored refcount. Referenced more often than counted is a
// corruption, counted but never referenced a leak, a reference past the end of the file a corruption. Entries
// are checked as qemu-img check reads them too: reserved bits, alignment, the COPIED flag of the active image
// against the stored refcount (set exactly where it is 1), compressed clusters without COPIED or bitmaps,
// extended-L2 subcluster bitmaps, snapshot entries (aligned L1, version 3 extra data). Only
// metadata is read, never guest data; reads are bounds-checked and memory is a few counters per host cluster.
// Metadata reads are synchronous (one cluster at most each, mostly from the page cache): a thread-pool round
// trip per L2 table cost more than the check itself. The loop yields to the event loop every few dozen reads
// so that a cancel (an abort arriving as a message) is seen while a large image is checked.
import { closeSync, openSync, readSync } from 'node:fs'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { bi, type Bilingual } from '../../../src-preload/text'
import { throwIfCancelled } from '../../tasks/cancel'
import { compressedEntry, entryOffset, isCompressed, refcountBlockOffset } from './entries'
import { QCOW_MAX_L1_BYTES, readQcow2, type Qcow2Info } from './header'

export interface Qcow2Check {
  corruptions: number
  leaks: number
  /** The first problems, as sentences. */
  messages: string[]
  /** The same problems in Simplified Chinese. */
  messagesZh: string[]
  /** True when the check could not run (image too large for the counter table). */
  skipped: boolean
}

const MAX_CLUSTERS = 64 * 1024 * 1024

/** What visitL2 needs besides the table: the image's geometry and where references and problems go. */
interface L2Walk {
  words: Uint32Array
  entryBytes: number
  extendedL2: boolean
  compressedBits: number
  fileSize: number
  cs: number
  ref: (offset: number, length: number, owner: Bilingual, what?: Bilingual) => boolean
  problem: (msg: Bilingual) => void
  what: Bilingual
  /** Active image only: per host cluster, how many L2 entries reference it with / without the COPIED flag. */
  copied: Uint8Array | null
  plain: Uint8Array | null
}

// Bits an L1 entry must leave clear (0-8, 56-62), in its high and low 32-bit halves, and its COPIED flag (63);
// an L2 entry's (1-8, 56-61) are tested on its bytes. qemu-img check counts an entry with any set as a corruption.
const L1_RESERVED_HI = 0x7f000000
const L1_RESERVED_LO = 0x1ff
const COPIED = 0x80000000

/** Two pieces of Chinese joined with a space where Chinese meets a Latin letter or digit (快照 1 的 L2 表). */
function spaced(a: string, b: string): string {
  const cjk = /[\u4e00-\u9fff]/
  const latin = /[A-Za-z0-9]/
  const x = a.slice(-1)
  const y = b.charAt(0)
  return (cjk.test(x) && latin.test(y)) || (latin.test(x) && cjk.test(y)) ? `${a} ${b}` : a + b
}

/** "<structure>的" in Chinese: 活动镜像的, 快照 1 的. */
const of = (w: Bilingual): string => spaced(w.zh, '的')

/** The structures a problem names, in both languages. */
const NAMES = {
  header: bi('header', '文件头'),
  refcountTable: bi('refcount table', '引用计数表'),
  refcountBlock: bi('refcount block', '引用计数块'),
  snapshotTable: bi('snapshot table', '快照表'),
  l1Table: bi('L1 table', 'L1 表'),
  l2Table: bi('L2 table', 'L2 表'),
  compressedCluster: bi('compressed cluster', '压缩簇'),
  dataCluster: bi('data cluster', '数据簇'),
}

/**
 * Counts the clusters one L2 table references and checks its entries as qemu-img check does: reserved bits,
 * alignment, COPIED on compressed clusters, and with extended L2 the subcluster bitmaps. Most entries of a
 * sparse disk are 0 (unallocated): they are skipped on their raw words before anything is decoded. A plain
 * function, not a loop inside the async walk: V8 optimises it after a few tables, where the walk's loop
 * would resume in the interpreter after every read.
 */
function visitL2(l2: Buffer, w: L2Walk): void {
  const { words, entryBytes, extendedL2, cs, what, problem } = w
  for (let at = 0; at < l2.length; at += entryBytes) {
    const k = at >> 2
    if (words[k] === 0 && words[k + 1] === 0 && (!extendedL2 || (words[k + 2] === 0 && words[k + 3] === 0))) continue
    const top = l2[at] // bits 56-63: COPIED, compressed, reserved
    // with extended L2, a 64-bit subcluster bitmap follows: allocation bits low, "reads as zeros" bits high
    const allocBits = extendedL2 ? l2.readUInt32BE(at + 12) : 0
    const zeroBits = extendedL2 ? l2.readUInt32BE(at + 8) : 0
    if (isCompressed(l2, at)) {
      if (top & 0x80)
        problem(
          bi(
            `${what.en} L2 entry ${at / entryBytes} is a compressed cluster with the COPIED flag set`,
            `${of(what)} L2 表项 ${at / entryBytes} 是压缩簇，却设置了 COPIED 标志`,
          ),
        )
      if (allocBits || zeroBits)
        problem(
          bi(
            `${what.en} L2 entry ${at / entryBytes} is a compressed cluster with a subcluster bitmap`,
            `${of(what)} L2 表项 ${at / entryBytes} 是压缩簇，却带有子簇位图`,
          ),
        )
      const { offset: off, sectors } = compressedEntry(l2, at, w.compressedBits)
      w.ref(off, Math.min(sectors * 512 - (off & 511), Math.max(1, w.fileSize - off)), what, NAMES.compressedCluster)
      continue
    }
    if (top & 0x3f || l2[at + 6] & 0x01 || l2[at + 7] & 0xfe)
      problem(
        bi(
          `${what.en} L2 entry ${at / entryBytes} has reserved bits set`,
          `${of(what)} L2 表项 ${at / entryBytes} 设置了保留位`,
        ),
      )
    const off = entryOffset(l2, at)
    if (!off) {
      if (allocBits)
        problem(
          bi(
            `${what.en} L2 entry ${at / entryBytes} is unallocated but its subcluster bitmap marks data`,
            `${of(what)} L2 表项 ${at / entryBytes} 未分配，但其子簇位图标记了数据`,
          ),
        )
      continue
    }
    if (allocBits & zeroBits)
      problem(
        bi(
          `${what.en} L2 entry ${at / entryBytes} has subclusters marked both allocated and zero`,
          `${of(what)} L2 表项 ${at / entryBytes} 有子簇同时标记为已分配和全零`,
        ),
      )
    if (off % cs) {
      problem(
        bi(
          `${what.en} L2 entry ${at / entryBytes} points to an unaligned cluster (${off})`,
          `${of(what)} L2 表项 ${at / entryBytes} 指向未对齐的簇（${off}）`,
        ),
      )
      continue
    }
    if (w.ref(off, cs, what, NAMES.dataCluster) && w.copied && w.plain) {
      const c = off / cs
      if (top & 0x80) w.copied[c] = Math.min(255, w.copied[c] + 1)
      else w.plain[c] = Math.min(255, w.plain[c] + 1)
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
        bits === 64
          ? Number(block.readBigUInt64BE(k * 8))
          : bits >= 8
            ? block.readUIntBE(k * (bits / 8), bits / 8)
            : (block[Math.floor(bitPos / 8)] >> (bitPos % 8)) & ((1 << bits) - 1)
    }
}

export async function checkQcow2(
  path: string,
  opts: { signal?: AbortSignal; info?: Qcow2Info } = {},
): Promise<Qcow2Check> {
  const info = opts.info ?? (await readQcow2(path))
  const hostClusters = Math.ceil(info.fileSize / info.header.clusterSize)
  if (hostClusters > MAX_CLUSTERS)
    return {
      corruptions: 0,
      leaks: 0,
      messages: [`${hostClusters} host clusters: too many to check here`],
      messagesZh: [`共 ${hostClusters} 个主机簇：数量过多，此处无法检查`],
      skipped: true,
    }
  const checker = new Qcow2Checker(path, info, opts.signal)
  try {
    return await checker.run()
  } finally {
    checker.close()
  }
}

/** One check of one image: the references counted per host cluster as the metadata is walked, then compared. */
class Qcow2Checker {
  private readonly result: Qcow2Check = {
    corruptions: 0,
    leaks: 0,
    messages: [],
    messagesZh: [],
    skipped: false,
  }
  private readonly h: Qcow2Info['header']
  private readonly cs: number
  private readonly fileSize: number
  private readonly hostClusters: number
  private readonly fd: number
  private reads = 0
  /** References found per host cluster. */
  private readonly refs: Uint32Array
  /** Stored refcounts per host cluster. */
  private readonly counts: Float64Array
  /** Active image: per host cluster, how many L2 entries reference it with / without the COPIED flag. */
  private readonly copiedRefs: Uint8Array
  private readonly plainRefs: Uint8Array
  /** Active image: each L2 table's host cluster and whether its L1 entry has the COPIED flag. */
  private readonly activeL2: Array<{ cluster: number; copied: boolean; index: number }> = []
  private readonly l2Buffer: Buffer
  private readonly l2Words: Uint32Array

  constructor(
    path: string,
    private readonly info: Qcow2Info,
    private readonly signal?: AbortSignal,
  ) {
    this.h = info.header
    this.cs = this.h.clusterSize
    this.fileSize = info.fileSize
    this.hostClusters = Math.ceil(this.fileSize / this.cs)
    this.refs = new Uint32Array(this.hostClusters)
    this.counts = new Float64Array(this.hostClusters)
    this.copiedRefs = new Uint8Array(this.hostClusters)
    this.plainRefs = new Uint8Array(this.hostClusters)
    this.l2Buffer = Buffer.alloc(this.cs)
    this.l2Words = new Uint32Array(this.l2Buffer.buffer, this.l2Buffer.byteOffset, this.cs / 4)
    this.fd = openSync(path, 'r')
  }

  close(): void {
    closeSync(this.fd)
  }

  async run(): Promise<Qcow2Check> {
    const { h, cs } = this
    this.ref(0, cs, NAMES.header)
    await this.walkL1(h.l1TableOffset, h.l1Size, bi('active', '活动镜像'), true)
    this.ref(h.refcountTableOffset, h.refcountTableClusters * cs, NAMES.refcountTable)
    await this.readRefcounts()
    if (h.nbSnapshots) await this.walkSnapshots()
    this.compare()
    return this.result
  }

  private problem = (msg: Bilingual): void => {
    this.result.corruptions++
    if (this.result.messages.length < 10) {
      this.result.messages.push(msg.en)
      this.result.messagesZh.push(msg.zh)
    }
  }

  /** Count a reference to [offset, offset + length); `owner` and `what` name the structure in a message. */
  private ref = (offset: number, length: number, owner: Bilingual, what?: Bilingual): boolean => {
    const last = Math.floor((offset + Math.max(1, length) - 1) / this.cs)
    if (offset >= this.fileSize || last >= this.hostClusters) {
      this.problem(
        bi(
          `${what ? `${owner.en} ${what.en}` : owner.en} at offset ${offset} lies past the end of the file`,
          `${what ? spaced(of(owner), what.zh) : owner.zh}（偏移 ${offset}）超出了文件末尾`,
        ),
      )
      return false
    }
    for (let c = Math.floor(offset / this.cs); c <= last; c++) this.refs[c]++
    return true
  }

  /** The last cluster of a file may be partial (qemu does not pad it): only a start past the end is an error. */
  private async read(offset: number, length: number, into?: Buffer): Promise<Buffer | null> {
    if (offset < 0 || offset >= this.fileSize) return null
    if (++this.reads % 64 === 0) {
      await nextTurn()
      throwIfCancelled(this.signal)
    }
    const b = into ?? Buffer.alloc(length)
    const n = Math.min(length, this.fileSize - offset)
    let got = 0
    while (got < n) {
      const r = readSync(this.fd, b, got, n - got, offset + got)
      if (r === 0) break
      got += r
    }
    b.fill(0, got, length)
    return b
  }

  /** An L1 table and the L2 tables it points to (the active image's, or a snapshot's). */
  private async walkL1(l1Offset: number, l1Size: number, what: Bilingual, active: boolean): Promise<void> {
    const { cs, h } = this
    if (!l1Size) return
    if (!this.ref(l1Offset, l1Size * 8, what, NAMES.l1Table)) return
    const l1 = (await this.read(l1Offset, l1Size * 8))!
    const extendedL2 = this.info.facts.extendedL2
    const walk: L2Walk = {
      words: this.l2Words,
      entryBytes: extendedL2 ? 16 : 8,
      extendedL2,
      compressedBits: 62 - (h.clusterBits - 8),
      fileSize: this.fileSize,
      cs,
      ref: this.ref,
      problem: this.problem,
      what,
      copied: active ? this.copiedRefs : null,
      plain: active ? this.plainRefs : null,
    }
    for (let i = 0; i < l1Size; i++) {
      throwIfCancelled(this.signal)
      const hi = l1.readUInt32BE(i * 8)
      const lo = l1.readUInt32BE(i * 8 + 4)
      if (hi & L1_RESERVED_HI || lo & L1_RESERVED_LO)
        this.problem(bi(`${what.en} L1 entry ${i} has reserved bits set`, `${of(what)} L1 表项 ${i} 设置了保留位`))
      const l2Off = entryOffset(l1, i * 8)
      if (!l2Off) {
        // flags without a table: qemu would read an "L2 table" at offset 0, the header
        if (hi || lo)
          this.problem(
            bi(
              `${what.en} L1 entry ${i} has flags set but no L2 table offset`,
              `${of(what)} L1 表项 ${i} 设置了标志，却没有 L2 表偏移`,
            ),
          )
        continue
      }
      if (l2Off % cs) {
        this.problem(
          bi(
            `${what.en} L1 entry ${i} points to an unaligned L2 table (${l2Off})`,
            `${of(what)} L1 表项 ${i} 指向未对齐的 L2 表（${l2Off}）`,
          ),
        )
        continue
      }
      if (!this.ref(l2Off, cs, what, NAMES.l2Table)) continue
      if (active) this.activeL2.push({ cluster: l2Off / cs, copied: (hi & COPIED) !== 0, index: i })
      visitL2((await this.read(l2Off, cs, this.l2Buffer))!, walk)
    }
  }

  /** The refcount table and its blocks: each block counted as referenced, its refcounts decoded into `counts`. */
  private async readRefcounts(): Promise<void> {
    const { h, cs } = this
    const rt = await this.read(h.refcountTableOffset, h.refcountTableClusters * cs)
    if (!rt) return
    const bits = 2 ** h.refcountOrder
    const perBlock = (cs * 8) / bits
    const blockBuffer = Buffer.alloc(cs)
    for (let i = 0; i < rt.length / 8; i++) {
      if (rt.readUInt32BE(i * 8 + 4) & 0x1ff) {
        this.problem(bi(`refcount table entry ${i} has reserved bits set`, `引用计数表项 ${i} 设置了保留位`))
        continue
      }
      const off = refcountBlockOffset(rt, i * 8)
      if (!off) continue
      if (off % cs) {
        this.problem(
          bi(
            `refcount table entry ${i} points to an unaligned refcount block (${off})`,
            `引用计数表项 ${i} 指向未对齐的引用计数块（${off}）`,
          ),
        )
        continue
      }
      if (!this.ref(off, cs, NAMES.refcountBlock)) continue
      const block = (await this.read(off, cs, blockBuffer))!
      const first = i * perBlock
      decodeRefcounts(block, bits, this.counts, first, Math.min(perBlock, this.hostClusters - first))
    }
  }

  /** Internal snapshots: their table, and each snapshot's L1 (and its L2 tables and data). */
  private async walkSnapshots(): Promise<void> {
    const { h, cs } = this
    let at = h.snapshotsOffset
    const start = at
    for (let s = 0; s < h.nbSnapshots; s++) {
      const hdr = await this.read(at, 40)
      if (!hdr) {
        this.problem(bi('snapshot table lies past the end of the file', '快照表超出了文件末尾'))
        break
      }
      const l1Off = Number(hdr.readBigUInt64BE(0))
      const l1Size = hdr.readUInt32BE(8)
      const idLen = hdr.readUInt16BE(12)
      const nameLen = hdr.readUInt16BE(14)
      const extra = hdr.readUInt32BE(36)
      // version 3 snapshots carry at least the large VM state size and the disk size as extra data
      if (h.version >= 3 && extra < 16)
        this.problem(
          bi(
            `snapshot table entry ${s} is incomplete (${extra} bytes of extra data, version 3 needs 16)`,
            `快照表项 ${s} 不完整（附加数据 ${extra} 字节，版本 3 需要 16 字节）`,
          ),
        )
      // qemu reads at most 1 KiB of extra data per snapshot and refuses the table beyond that
      if (extra > 1024)
        this.problem(
          bi(
            `snapshot table entry ${s} has ${extra} bytes of extra data (qemu accepts at most 1024)`,
            `快照表项 ${s} 有 ${extra} 字节附加数据（qemu 最多接受 1024 字节）`,
          ),
        )
      if (l1Off % cs)
        this.problem(
          bi(
            `snapshot ${s + 1}'s L1 table is not cluster aligned (${l1Off})`,
            `快照 ${s + 1} 的 L1 表未按簇对齐（${l1Off}）`,
          ),
        )
      else if (l1Size * 8 > QCOW_MAX_L1_BYTES)
        this.problem(
          bi(
            `snapshot ${s + 1}'s L1 table has ${l1Size} entries, more than qemu accepts (${QCOW_MAX_L1_BYTES / 8})`,
            `快照 ${s + 1} 的 L1 表有 ${l1Size} 项，超过 qemu 接受的上限（${QCOW_MAX_L1_BYTES / 8}）`,
          ),
        )
      else await this.walkL1(l1Off, l1Size, bi(`snapshot ${s + 1}`, `快照 ${s + 1}`), false)
      at += 40 + extra + idLen + nameLen
      at = Math.ceil(at / 8) * 8
    }
    this.ref(start, at - start, NAMES.snapshotTable)
  }

  /**
   * References against stored refcounts: more references is a corruption, fewer a leak; the COPIED flag of the
   * active image's entries (data clusters and L2 tables) must be set exactly where the stored refcount is 1.
   */
  private compare(): void {
    const { refs, counts, plainRefs, copiedRefs, hostClusters } = this
    for (let c = 0; c < hostClusters; c++) {
      if (refs[c] > counts[c])
        this.problem(
          bi(
            `cluster ${c} is referenced ${refs[c]} time(s) but its refcount is ${counts[c]}`,
            `簇 ${c} 被引用 ${refs[c]} 次，但其引用计数为 ${counts[c]}`,
          ),
        )
      else if (refs[c] < counts[c]) this.result.leaks++
      const wrongFlag = counts[c] === 1 ? plainRefs[c] : copiedRefs[c]
      for (let k = 0; k < wrongFlag; k++)
        this.problem(
          bi(
            `data cluster ${c} has refcount ${counts[c]} but an L2 entry ${counts[c] === 1 ? 'without' : 'with'} the COPIED flag`,
            `数据簇 ${c} 的引用计数为 ${counts[c]}，但有 L2 表项${counts[c] === 1 ? '未设置' : '设置了'} COPIED 标志`,
          ),
        )
    }
    for (const t of this.activeL2) {
      const rc = t.cluster < hostClusters ? counts[t.cluster] : 0
      if ((rc === 1) !== t.copied)
        this.problem(
          bi(
            `active L1 entry ${t.index}: its L2 table has refcount ${rc} but the entry ${t.copied ? 'has' : 'lacks'} the COPIED flag`,
            `活动镜像的 L1 表项 ${t.index}：其 L2 表的引用计数为 ${rc}，但该表项${t.copied ? '设置了' : '未设置'} COPIED 标志`,
          ),
        )
    }
  }
}
