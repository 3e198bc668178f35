// LVM2 physical volumes inside a guest disk, read-only: the label (LABELONE / LVM2 001) in the first four
// sectors, the PV header with its metadata areas, the current metadata text found through the metadata-area
// header (wrapping around the circular buffer), its volume groups and logical volumes. Linear and striped
// segments become BlockDevices that the guest code probes like partitions (ext4, XFS, ...); thin pools, thin
// volumes, RAID, mirrors, snapshots and caches are named, never guessed at. Every number is bounded and every
// extent checked against its physical volume. Written here because no JavaScript LVM2 reader exists.
import type { BlockDevice } from '../block'
import { GuestFsError } from './fs'
import { bi, type Bilingual } from '../../../src-preload/text'

export class LvmError extends GuestFsError {}

const SECTOR = 512
const LABEL_ID = 'LABELONE'
const LABEL_TYPE = 'LVM2 001'
const MDA_MAGIC = ' LVM2 x[5A%r0N*>'
const MAX_METADATA = 16 * 1024 * 1024
const MAX_SEGMENTS = 4096
/** Sections and arrays nested in the metadata text (lvm2 writes 4 levels: VG, LVs, LV, segment). */
const MAX_DEPTH = 16
/** Values and keys in the metadata text: far above a VG of thousands of volumes, far below what 16 MiB could hold. */
const MAX_VALUES = 1_000_000

export interface PhysicalVolume {
  uuid: string
  /** The device the PV lives on (a partition of the guest disk). */
  dev: BlockDevice
  /** Metadata text of the most recent sequence number found on this PV, if any. */
  metadata: string | null
}

export interface LogicalVolume {
  vg: string
  name: string
  size: number
  /** Segment types, e.g. ["striped"] or ["thin"]. */
  types: string[]
  /** A device over the LV's data, or null with the reason it cannot be read. */
  dev: BlockDevice | null
  unreadable: Bilingual | null
}

/** A PV label in one of the first four sectors, or null. */
export async function readPhysicalVolume(dev: BlockDevice): Promise<PhysicalVolume | null> {
  const head = await dev.read(0, 4 * SECTOR)
  for (let s = 0; s < 4 && (s + 1) * SECTOR <= head.length; s++) {
    const label = head.subarray(s * SECTOR, (s + 1) * SECTOR)
    if (label.toString('latin1', 0, 8) !== LABEL_ID || label.toString('latin1', 24, 32) !== LABEL_TYPE) continue
    const pvOff = label.readUInt32LE(20)
    if (pvOff < 32 || pvOff + 32 + 8 + 16 > SECTOR)
      throw new LvmError(bi('the PV label points its header outside the sector', 'PV 标签指向的头超出了扇区'))
    const pv = label.subarray(pvOff)
    const uuid = pv.toString('latin1', 0, 32)
    // data areas, then metadata areas: {offset, size} pairs (u64 LE), each list ending with a zero pair
    let off = 40
    const lists: Array<Array<{ offset: number; size: number }>> = [[], []]
    for (const list of lists) {
      for (;;) {
        if (off + 16 > pv.length) throw new LvmError(bi('the PV header runs past its sector', 'PV 头超出了其扇区'))
        const offset = Number(pv.readBigUInt64LE(off))
        const size = Number(pv.readBigUInt64LE(off + 8))
        off += 16
        if (!offset && !size) break
        list.push({ offset, size })
      }
    }
    let metadata: { seqno: number; text: string } | null = null
    for (const mda of lists[1]) {
      const found = await readMetadataArea(dev, mda.offset, mda.size)
      if (found && (!metadata || found.seqno > metadata.seqno)) metadata = found
    }
    return { uuid: formatUuid(uuid), dev, metadata: metadata?.text ?? null }
  }
  return null
}

async function readMetadataArea(
  dev: BlockDevice,
  start: number,
  size: number,
): Promise<{ seqno: number; text: string } | null> {
  // an area that is not inside the PV is not one lvm2 wrote: ignored, as a PV without metadata areas
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || start + size > dev.size || size < SECTOR * 2)
    return null
  const hdr = await dev.read(start, SECTOR)
  if (hdr.length < SECTOR || hdr.toString('latin1', 4, 20) !== MDA_MAGIC) return null
  // the first raw location is the committed metadata: {offset from the area's start, size, checksum, flags}
  const offset = Number(hdr.readBigUInt64LE(40))
  const length = Number(hdr.readBigUInt64LE(48))
  if (!length) return null
  // the text lies in the ring after the header sector: it can wrap once, never be longer than the ring
  if (length > MAX_METADATA || offset < SECTOR || offset >= size || length > size - SECTOR)
    throw new LvmError(
      bi(
        `the LVM metadata area at ${start} describes text out of range`,
        `位于 ${start} 的 LVM 元数据区描述的文本超出范围`,
      ),
    )
  const first = Math.min(length, size - offset)
  const parts = [await dev.read(start + offset, first)]
  // the area is a ring after its header sector: text that reaches its end continues after the header
  if (first < length) parts.push(await dev.read(start + SECTOR, length - first))
  const text = Buffer.concat(parts).toString('utf8').replace(/\0+$/, '')
  const seqno = Number(/\bseqno\s*=\s*(\d+)/.exec(text)?.[1] ?? 0)
  return { seqno, text }
}

function formatUuid(raw: string): string {
  const cuts = [6, 4, 4, 4, 4, 4, 6]
  const out: string[] = []
  let i = 0
  for (const n of cuts) {
    out.push(raw.slice(i, i + n))
    i += n
  }
  return out.join('-')
}

export type ConfigValue = string | number | ConfigValue[] | ConfigNode
export interface ConfigNode {
  [key: string]: ConfigValue
}

/** Parse LVM's metadata text format (sections in braces, key = value, strings, numbers, arrays, # comments).
 *  Tokens are read one at a time (never a token list as long as the text), nesting of sections and arrays
 *  together is at most 16 deep, and the text holds at most MAX_VALUES values. */
export function parseLvmConfig(text: string): ConfigNode {
  type Token = { s: string } | { n: number } | { id: string } | { p: string }
  const lexer = /"((?:[^"\\]|\\.)*)"|(-?\d+)(?![\w.])|([A-Za-z0-9_.+-]+)|([{}[\]=,])|#[^\n]*|(\s+)|([^])/gy
  let ahead: Token | null | undefined
  let count = 0
  const fail = (what: string): never => {
    throw new LvmError(
      bi(
        `the LVM metadata text is damaged (${what} at character ${lexer.lastIndex})`,
        `LVM 元数据文本已损坏（第 ${lexer.lastIndex} 个字符处：${what}）`,
      ),
    )
  }
  const lex = (): Token | null => {
    for (;;) {
      const at = lexer.lastIndex
      const m = lexer.exec(text)
      if (!m) return null
      if (m[6] !== undefined)
        throw new LvmError(
          bi(
            `the LVM metadata text is damaged (unexpected ${JSON.stringify(m[6])} at character ${at})`,
            `LVM 元数据文本已损坏（第 ${at} 个字符处出现意外的 ${JSON.stringify(m[6])}）`,
          ),
        )
      if (m[1] !== undefined) return { s: m[1].replace(/\\(.)/g, '$1') }
      if (m[2] !== undefined) return { n: Number(m[2]) }
      if (m[3] !== undefined) return { id: m[3] }
      if (m[4] !== undefined) return { p: m[4] }
    }
  }
  const peek = (): Token | null => (ahead === undefined ? (ahead = lex()) : ahead)
  const next = (): Token | null => {
    const t = peek()
    ahead = undefined
    return t
  }
  const isPunct = (t: Token | null, p: string) => !!t && 'p' in t && t.p === p
  const counted = () => {
    if (++count > MAX_VALUES) fail(`more than ${MAX_VALUES} values`)
  }
  const value = (depth: number): ConfigValue => {
    const t = next() ?? fail('value missing')
    counted()
    if ('s' in t) return t.s
    if ('n' in t) return t.n
    if (isPunct(t, '[')) {
      if (depth > MAX_DEPTH) fail('nesting too deep')
      const arr: ConfigValue[] = []
      while (peek() && !isPunct(peek(), ']')) {
        arr.push(value(depth + 1))
        if (isPunct(peek(), ',')) next()
      }
      if (!next()) fail('unclosed array')
      return arr
    }
    return fail('unexpected token')
  }
  const section = (depth: number): ConfigNode => {
    if (depth > MAX_DEPTH) fail('nesting too deep')
    const node: ConfigNode = Object.create(null) as ConfigNode
    for (let t = next(); t; t = next()) {
      if (isPunct(t, '}')) {
        if (depth === 0) fail('unbalanced }')
        return node
      }
      if (!('id' in t)) fail('name expected')
      const key = (t as { id: string }).id
      counted()
      const sep = next() ?? fail('= or { expected')
      if (isPunct(sep, '{')) node[key] = section(depth + 1)
      else if (isPunct(sep, '=')) node[key] = value(depth)
      else fail('= or { expected')
    }
    if (depth > 0) fail('unclosed section')
    return node
  }
  return section(0)
}

const isNode = (v: ConfigValue | undefined): v is ConfigNode => !!v && typeof v === 'object' && !Array.isArray(v)
const num = (v: ConfigValue | undefined, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new LvmError(bi(`the LVM metadata has no valid ${what}`, `LVM 元数据中没有有效的 ${what}`))
  return v
}

interface Stripe {
  dev: BlockDevice
  /** Byte offset of the stripe's first extent on its PV's device. */
  base: number
}

interface Segment {
  start: number
  length: number
  stripes: Stripe[]
  stripeSize: number
}

/** The logical volumes of every volume group described on these PVs (each VG from its newest metadata). */
export function logicalVolumes(pvs: PhysicalVolume[]): LogicalVolume[] {
  const byUuid = new Map(pvs.map((p) => [p.uuid, p]))
  const groups = new Map<string, { seqno: number; vg: ConfigNode }>()
  for (const pv of pvs) {
    if (!pv.metadata) continue
    const root = parseLvmConfig(pv.metadata)
    for (const [name, vg] of Object.entries(root)) {
      if (!isNode(vg) || !isNode(vg.logical_volumes ?? vg.physical_volumes)) continue
      const seqno = typeof vg.seqno === 'number' ? vg.seqno : 0
      const known = groups.get(name)
      if (!known || seqno > known.seqno) groups.set(name, { seqno, vg })
    }
  }
  const out: LogicalVolume[] = []
  for (const [vgName, { vg }] of groups) {
    const extentBytes = num(vg.extent_size, `extent_size of ${vgName}`) * SECTOR
    if (!extentBytes)
      throw new LvmError(bi(`volume group ${vgName} has an extent size of 0`, `卷组 ${vgName} 的 extent 大小为 0`))
    const pvNodes = isNode(vg.physical_volumes) ? vg.physical_volumes : {}
    const lvNodes = isNode(vg.logical_volumes) ? vg.logical_volumes : {}
    for (const [lvName, lv] of Object.entries(lvNodes)) {
      if (!isNode(lv)) continue
      const segs: Segment[] = []
      const types: string[] = []
      let unreadable: Bilingual | null = null
      const segNames = Object.keys(lv).filter((k) => /^segment\d+$/.test(k) && isNode(lv[k]))
      if (segNames.length > MAX_SEGMENTS)
        throw new LvmError(
          bi(
            `logical volume ${vgName}/${lvName} has more than ${MAX_SEGMENTS} segments`,
            `逻辑卷 ${vgName}/${lvName} 的段超过 ${MAX_SEGMENTS} 个`,
          ),
        )
      for (const key of segNames) {
        const seg = lv[key] as ConfigNode
        const type = typeof seg.type === 'string' ? seg.type : 'unknown'
        types.push(type)
        if (type !== 'striped' && type !== 'linear') {
          unreadable ??= bi(
            `its ${type} segment cannot be read (only linear and striped volumes are)`,
            `无法读取其 ${type} 段（只能读取线性卷和条带卷）`,
          )
          continue
        }
        const start = num(seg.start_extent, 'start_extent') * extentBytes
        const length = num(seg.extent_count, 'extent_count') * extentBytes
        const list = Array.isArray(seg.stripes) ? seg.stripes : []
        const count = typeof seg.stripe_count === 'number' ? seg.stripe_count : list.length / 2
        if (!count || list.length !== count * 2)
          throw new LvmError(
            bi(
              `logical volume ${vgName}/${lvName} has a damaged stripe list`,
              `逻辑卷 ${vgName}/${lvName} 的条带列表已损坏`,
            ),
          )
        const stripeSize = count > 1 ? num(seg.stripe_size, 'stripe_size') * SECTOR : length
        if (!stripeSize || length % count !== 0)
          throw new LvmError(
            bi(
              `logical volume ${vgName}/${lvName} has an invalid stripe size`,
              `逻辑卷 ${vgName}/${lvName} 的条带大小无效`,
            ),
          )
        const stripes: Stripe[] = []
        for (let s = 0; s < count; s++) {
          const pvName = list[s * 2]
          const firstExtent = num(list[s * 2 + 1], 'stripe extent')
          const pvNode = typeof pvName === 'string' ? pvNodes[pvName] : undefined
          const uuid = isNode(pvNode) && typeof pvNode.id === 'string' ? pvNode.id : null
          const pv = uuid ? byUuid.get(uuid) : undefined
          if (!pv || !isNode(pvNode)) {
            unreadable ??= bi(
              `its physical volume ${String(pvName)}${uuid ? ` (${uuid})` : ''} is not on this disk`,
              `其物理卷 ${String(pvName)}${uuid ? `（${uuid}）` : ''}不在此磁盘上`,
            )
            continue
          }
          const base = num(pvNode.pe_start, 'pe_start') * SECTOR + firstExtent * extentBytes
          if (base + length / count > pv.dev.size)
            throw new LvmError(
              bi(
                `logical volume ${vgName}/${lvName} reaches past the end of ${String(pvName)}`,
                `逻辑卷 ${vgName}/${lvName} 超出了 ${String(pvName)} 的末尾`,
              ),
            )
          stripes.push({ dev: pv.dev, base })
        }
        if (stripes.length === count) segs.push({ start, length, stripes, stripeSize })
      }
      segs.sort((a, b) => a.start - b.start)
      const size = segs.reduce((n, s) => Math.max(n, s.start + s.length), 0)
      out.push({
        vg: vgName,
        name: lvName,
        size,
        types: [...new Set(types)],
        dev: unreadable ? null : lvDevice(segs, size),
        unreadable,
      })
    }
  }
  return out
}

function lvDevice(segs: Segment[], size: number): BlockDevice {
  /** Where a byte of the LV is: device, offset there, bytes contiguous from it. */
  const locate = (pos: number): { dev: BlockDevice; at: number; run: number } | null => {
    const seg = segs.find((s) => pos >= s.start && pos < s.start + s.length)
    if (!seg) return null
    const rel = pos - seg.start
    const n = seg.stripes.length
    if (n === 1) return { dev: seg.stripes[0].dev, at: seg.stripes[0].base + rel, run: seg.length - rel }
    const chunk = Math.floor(rel / seg.stripeSize)
    const within = rel % seg.stripeSize
    const stripe = seg.stripes[chunk % n]
    return {
      dev: stripe.dev,
      at: stripe.base + Math.floor(chunk / n) * seg.stripeSize + within,
      run: seg.stripeSize - within,
    }
  }
  return {
    size,
    async read(offset, length) {
      const end = Math.min(size, offset + length)
      const parts: Buffer[] = []
      for (let pos = Math.max(0, offset); pos < end;) {
        const where = locate(pos)
        const n = Math.min(end - pos, where ? where.run : (segs.find((s) => s.start > pos)?.start ?? end) - pos)
        parts.push(where ? await where.dev.read(where.at, n) : Buffer.alloc(n))
        pos += n
      }
      return Buffer.concat(parts)
    },
    close: async () => {},
  }
}
