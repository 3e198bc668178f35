// Partition tables of a guest disk: MBR (with extended/logical partitions) and GPT. A disk without a table
// is treated as one filesystem (partition 0 covering the disk). Every entry is bounds-checked.
import type { BlockDevice } from '../block'

export interface Partition {
  index: number
  /** MBR type byte as hex ("83") or GPT type GUID. */
  type: string
  start: number
  size: number
  scheme: 'mbr' | 'gpt' | 'none'
}

function guid(b: Buffer): string {
  const h = b.toString('hex')
  const le = (s: string) => s.match(/../g)!.reverse().join('')
  return `${le(h.slice(0, 8))}-${le(h.slice(8, 12))}-${le(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`.toUpperCase()
}

export async function readPartitions(dev: BlockDevice): Promise<Partition[]> {
  const mbr = await dev.read(0, 512)
  if (mbr.length < 512 || mbr[510] !== 0x55 || mbr[511] !== 0xaa)
    return [{ index: 0, type: 'none', start: 0, size: dev.size, scheme: 'none' }]
  const entries = [0, 1, 2, 3].map((i) => {
    const e = mbr.subarray(446 + i * 16, 462 + i * 16)
    return { type: e[4], lba: e.readUInt32LE(8), sectors: e.readUInt32LE(12) }
  })
  if (entries.some((e) => e.type === 0xee)) {
    const hdr = await dev.read(512, 512)
    if (hdr.subarray(0, 8).toString('latin1') === 'EFI PART') {
      const entriesLba = Number(hdr.readBigUInt64LE(72))
      const count = Math.min(hdr.readUInt32LE(80), 1024)
      const esize = hdr.readUInt32LE(84)
      if (esize >= 128 && esize <= 4096) {
        const table = await dev.read(entriesLba * 512, count * esize)
        const out: Partition[] = []
        for (let i = 0; i < count && (i + 1) * esize <= table.length; i++) {
          const e = table.subarray(i * esize, (i + 1) * esize)
          if (e.subarray(0, 16).every((b) => b === 0)) continue
          const first = Number(e.readBigUInt64LE(32))
          const last = Number(e.readBigUInt64LE(40))
          if (last < first || first * 512 >= dev.size) continue
          out.push({
            index: i + 1,
            type: guid(e.subarray(0, 16)),
            start: first * 512,
            size: Math.min(last - first + 1, dev.size / 512 - first) * 512,
            scheme: 'gpt',
          })
        }
        return out
      }
    }
  }
  const out: Partition[] = []
  entries.forEach((e, i) => {
    if (!e.type || !e.sectors || e.type === 0x05 || e.type === 0x0f || e.type === 0x85) return
    if (e.lba * 512 < dev.size)
      out.push({
        index: i + 1,
        type: e.type.toString(16).padStart(2, '0'),
        start: e.lba * 512,
        size: Math.min(e.sectors * 512, dev.size - e.lba * 512),
        scheme: 'mbr',
      })
  })
  // logical partitions: a chain of EBRs inside the extended partition
  const ext = entries.find((e) => e.type === 0x05 || e.type === 0x0f || e.type === 0x85)
  if (ext) {
    let ebr = ext.lba
    const seen = new Set<number>()
    for (let n = 5; n < 5 + 128 && ebr && !seen.has(ebr) && ebr * 512 < dev.size; n++) {
      seen.add(ebr)
      const b = await dev.read(ebr * 512, 512)
      if (b[510] !== 0x55 || b[511] !== 0xaa) break
      const t = b[446 + 4]
      const rel = b.readUInt32LE(446 + 8)
      const sectors = b.readUInt32LE(446 + 12)
      if (t && sectors)
        out.push({
          index: n,
          type: t.toString(16).padStart(2, '0'),
          start: (ebr + rel) * 512,
          size: sectors * 512,
          scheme: 'mbr',
        })
      const next = b.readUInt32LE(446 + 16 + 8)
      ebr = next ? ext.lba + next : 0
    }
  }
  return out.length ? out : [{ index: 0, type: 'none', start: 0, size: dev.size, scheme: 'none' }]
}
