// rpm's two older package databases, read from a private spooled copy without rpm or libdb: the Berkeley DB hash
// file `var/lib/rpm/Packages` (RHEL 5-8, CentOS 7, SLES 12-15 before 15 SP3) and rpm's own ndb format
// `Packages.db` (SUSE since SLE 15 SP3/openSUSE). Both hold one rpm header blob per installed package; the
// blobs go to the same header parser as the SQLite database. Berkeley DB: every hash page's key/data pairs,
// data stored in the page or in a chain of overflow pages (the layout db_load writes, both byte orders). ndb:
// the slot pages (magic "Slot") point at blobs ("BlbS" header, then the header blob) in 16-byte blocks. Every
// page number, length and chain is bounded; damage is an error naming what is wrong. Written here because no
// JavaScript reader for either format exists.
import { readSync } from 'node:fs'
import { bi } from '../../src-preload/text'
import { SbomParseError } from './types'

const HASH_MAGIC = 0x061561
const P_HASH_UNSORTED = 2
const P_OVERFLOW = 7
const P_HASH = 13
const H_KEYDATA = 1
const H_OFFPAGE = 3
const PAGE_HEADER = 26
const MAX_BLOB = 64 * 1024 * 1024

function readAt(fd: number, size: number, offset: number, length: number): Buffer {
  if (offset < 0 || offset + length > size)
    throw new SbomParseError(
      bi(
        `the database is cut short (${length} bytes at ${offset} of ${size})`,
        `数据库被截断（在 ${size} 字节中的偏移 ${offset} 处需要 ${length} 字节）`,
      ),
    )
  const b = Buffer.alloc(length)
  for (let got = 0; got < length;) {
    const n = readSync(fd, b, got, length - got, offset + got)
    if (!n)
      throw new SbomParseError(
        bi(`the database is cut short at ${offset + got}`, `数据库在偏移 ${offset + got} 处被截断`),
      )
    got += n
  }
  return b
}

/** Is this file a Berkeley DB hash database (either byte order)? */
export function isBerkeleyHash(head: Buffer): boolean {
  return head.length >= 16 && (head.readUInt32LE(12) === HASH_MAGIC || head.readUInt32BE(12) === HASH_MAGIC)
}

/** The data items of a Berkeley DB hash database (rpm's Packages): header blobs, and the 4-byte counter record. */
export function* berkeleyHashValues(fd: number, size: number): Generator<Buffer> {
  const meta = readAt(fd, size, 0, 512)
  const le = meta.readUInt32LE(12) === HASH_MAGIC
  if (!le && meta.readUInt32BE(12) !== HASH_MAGIC)
    throw new SbomParseError(
      bi('not a Berkeley DB hash database (bad magic)', '不是 Berkeley DB 哈希数据库（魔数错误）'),
    )
  const u32 = (b: Buffer, at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at))
  const u16 = (b: Buffer, at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at))
  const pageSize = u32(meta, 20)
  if (pageSize < 512 || pageSize > 65536 || pageSize & (pageSize - 1))
    throw new SbomParseError(bi(`page size ${pageSize} is out of range`, `页大小 ${pageSize} 超出范围`))
  if (meta[24]) throw new SbomParseError(bi('the database is encrypted', '数据库已加密'))
  const pages = Math.floor(size / pageSize)
  const overflow = (first: number, total: number): Buffer => {
    if (total > MAX_BLOB)
      throw new SbomParseError(
        bi(`an item of ${total} bytes is larger than ${MAX_BLOB}`, `有 ${total} 字节的数据项，超过上限 ${MAX_BLOB}`),
      )
    const out = Buffer.alloc(total)
    let got = 0
    const seen = new Set<number>()
    for (let pg = first; pg && got < total;) {
      if (pg >= pages || seen.has(pg))
        throw new SbomParseError(bi(`overflow page ${pg} is out of range or loops`, `溢出页 ${pg} 超出范围或形成循环`))
      seen.add(pg)
      const page = readAt(fd, size, pg * pageSize, pageSize)
      if (page[25] !== P_OVERFLOW)
        throw new SbomParseError(bi(`page ${pg} is not an overflow page`, `页 ${pg} 不是溢出页`))
      // an overflow page's "free offset" field holds how many data bytes it carries
      const len = Math.min(u16(page, 22), pageSize - PAGE_HEADER, total - got)
      page.copy(out, got, PAGE_HEADER, PAGE_HEADER + len)
      got += len
      pg = u32(page, 16)
    }
    if (got < total)
      throw new SbomParseError(
        bi(`an overflow chain ends after ${got} of ${total} bytes`, `溢出链在 ${total} 字节中的第 ${got} 字节处中断`),
      )
    return out
  }
  for (let pg = 1; pg < pages; pg++) {
    const page = readAt(fd, size, pg * pageSize, pageSize)
    const type = page[25]
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue
    const entries = u16(page, 20)
    if (PAGE_HEADER + entries * 2 > pageSize)
      throw new SbomParseError(bi(`hash page ${pg} claims ${entries} entries`, `哈希页 ${pg} 声称有 ${entries} 项`))
    const offsets = Array.from({ length: entries }, (_, i) => u16(page, PAGE_HEADER + i * 2))
    // items are pairs: key at even index, data at odd; an item runs up to the previous item's start
    for (let i = 1; i < entries; i += 2) {
      const at = offsets[i]
      const end = offsets[i - 1] > at ? offsets[i - 1] : pageSize
      if (at < PAGE_HEADER || at >= pageSize || end > pageSize)
        throw new SbomParseError(bi(`hash page ${pg} has an item outside it`, `哈希页 ${pg} 中有数据项超出了该页`))
      if (page[at] === H_KEYDATA) yield Buffer.from(page.subarray(at + 1, end))
      else if (page[at] === H_OFFPAGE) {
        if (at + 12 > pageSize)
          throw new SbomParseError(
            bi(`hash page ${pg} has a cut overflow reference`, `哈希页 ${pg} 中有不完整的溢出引用`),
          )
        yield overflow(u32(page, at + 4), u32(page, at + 8))
      }
    }
  }
}

const NDB_HEADER_MAGIC = 0x506d7052 // 'RpmP', little-endian
const NDB_SLOT_MAGIC = 0x746f6c53 // 'Slot'
const NDB_BLOB_MAGIC = 0x53626c42 // 'BlbS'
const NDB_PAGE = 4096
const NDB_BLOCK = 16

export function isNdb(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === NDB_HEADER_MAGIC
}

/** The header blobs of an rpm ndb database (Packages.db). */
export function* ndbBlobs(fd: number, size: number): Generator<Buffer> {
  const header = readAt(fd, size, 0, 32)
  if (header.readUInt32LE(0) !== NDB_HEADER_MAGIC)
    throw new SbomParseError(bi('not an rpm ndb database (bad magic)', '不是 rpm ndb 数据库（魔数错误）'))
  if (header.readUInt32LE(4) !== 0)
    throw new SbomParseError(
      bi(`ndb version ${header.readUInt32LE(4)} is not 0`, `ndb 版本 ${header.readUInt32LE(4)} 不是 0`),
    )
  const slotPages = header.readUInt32LE(12)
  if (!slotPages || slotPages * NDB_PAGE > size || slotPages > 4096)
    throw new SbomParseError(bi(`ndb slot pages (${slotPages}) out of range`, `ndb 槽页数（${slotPages}）超出范围`))
  const slots = readAt(fd, size, 0, slotPages * NDB_PAGE)
  // the first two 16-byte slots are the file header
  for (let at = 32; at + 16 <= slots.length; at += 16) {
    if (slots.readUInt32LE(at) !== NDB_SLOT_MAGIC)
      throw new SbomParseError(bi(`ndb slot at ${at} has a bad magic number`, `位于 ${at} 的 ndb 槽魔数错误`))
    const pkgIndex = slots.readUInt32LE(at + 4)
    if (!pkgIndex) continue
    const blockOffset = slots.readUInt32LE(at + 8)
    const blob = readAt(fd, size, blockOffset * NDB_BLOCK, 16)
    if (blob.readUInt32LE(0) !== NDB_BLOB_MAGIC || blob.readUInt32LE(4) !== pkgIndex)
      throw new SbomParseError(
        bi(`ndb blob of package ${pkgIndex} is damaged`, `软件包 ${pkgIndex} 的 ndb 数据块已损坏`),
      )
    const length = blob.readUInt32LE(12)
    if (length > MAX_BLOB || length > slots.readUInt32LE(at + 12) * NDB_BLOCK)
      throw new SbomParseError(
        bi(
          `ndb blob of package ${pkgIndex} claims ${length} bytes`,
          `软件包 ${pkgIndex} 的 ndb 数据块声称有 ${length} 字节`,
        ),
      )
    yield readAt(fd, size, blockOffset * NDB_BLOCK + 16, length)
  }
}
