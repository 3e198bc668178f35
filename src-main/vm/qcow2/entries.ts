// qcow2's 64-bit big-endian table entries (L1, L2, refcount table) decoded as two 32-bit halves into plain
// numbers: the metadata check and the cluster mapper visit every entry, and BigInt arithmetic there cost
// several times the reading itself. Offsets are below 2^56 by the format, so they are exact as numbers.
const TWO32 = 2 ** 32

/** Bits 9–55 of the entry at `at`: the host offset of an L2 table (L1 entry) or of a standard cluster (L2 entry). */
export function entryOffset(buf: Buffer, at: number): number {
  return (buf.readUInt32BE(at) & 0x00ffffff) * TWO32 + ((buf.readUInt32BE(at + 4) & 0xfffffe00) >>> 0)
}

/** Bits 9–63 of a refcount table entry: the host offset of a refcount block. */
export function refcountBlockOffset(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO32 + ((buf.readUInt32BE(at + 4) & 0xfffffe00) >>> 0)
}

/** An L2 entry with bit 62 set describes a compressed cluster. */
export function isCompressed(buf: Buffer, at: number): boolean {
  return (buf.readUInt32BE(at) & 0x40000000) !== 0
}

/** Bit 0 of a standard L2 entry: the cluster reads as zeros. */
export function isZeroFlagged(buf: Buffer, at: number): boolean {
  return (buf[at + 7] & 1) !== 0
}

/**
 * Host offset and 512-byte sector count of a compressed cluster's L2 entry. `offsetBits` is
 * 62 - (cluster_bits - 8): the offset takes the low bits, the sector count (minus one) the bits up to 61.
 */
export function compressedEntry(buf: Buffer, at: number, offsetBits: number): { offset: number; sectors: number } {
  const hi = buf.readUInt32BE(at)
  const highBits = offsetBits - 32
  return {
    offset: (hi & ((1 << highBits) - 1)) * TWO32 + buf.readUInt32BE(at + 4),
    sectors: ((hi >>> highBits) & ((1 << (62 - offsetBits)) - 1)) + 1,
  }
}
