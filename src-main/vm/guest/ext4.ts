// A read-only ext2/3/4 reader over a BlockDevice: superblock, group descriptors (32- and 64-bit), inodes,
// extent trees and classic block maps, directories (htree directories read linearly), symlinks and inline
// data. Nothing on disk is trusted: block numbers are checked against the filesystem, extent depth and
// directory walks are bounded, and loops end in an Ext4Error instead of a hang. Written here because no
// maintained JavaScript ext4 reader exists.
import type { BlockDevice } from '../block'
import { GuestFsError, lookupPath, type DirEntry, type GuestFs, type Inode } from './fs'
import { bi } from '../../../src-preload/text'

export type { DirEntry, Inode }

export class Ext4Error extends GuestFsError {}

const EXTENTS = 0x80000
const INLINE = 0x10000000
const S_IFMT = 0o170000
export const S_IFDIR = 0o040000
export const S_IFREG = 0o100000
export const S_IFLNK = 0o120000

export class Ext4 implements GuestFs {
  readonly blockSize: number
  readonly rootIno = 2
  private readonly inodesPerGroup: number
  private readonly inodeSize: number
  private readonly descSize: number
  private readonly blocksCount: number
  private readonly firstDataBlock: number
  private readonly groups: number
  private readonly descCache = new Map<number, number>()

  private constructor(
    private readonly dev: BlockDevice,
    sb: Buffer,
  ) {
    this.blockSize = 1024 << sb.readUInt32LE(24)
    this.inodesPerGroup = sb.readUInt32LE(40)
    const rev = sb.readUInt32LE(76)
    this.inodeSize = rev >= 1 ? sb.readUInt16LE(88) : 128
    const incompat = sb.readUInt32LE(96)
    const is64 = (incompat & 0x80) !== 0
    this.descSize = is64 ? Math.max(32, sb.readUInt16LE(254)) : 32
    this.blocksCount = sb.readUInt32LE(4) + (is64 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0)
    this.firstDataBlock = sb.readUInt32LE(20)
    const blocksPerGroup = sb.readUInt32LE(32)
    if (
      this.blockSize > 65536 ||
      !this.inodesPerGroup ||
      !blocksPerGroup ||
      this.inodeSize < 128 ||
      this.inodeSize > this.blockSize
    )
      throw new Ext4Error(bi('superblock values are out of range', '超级块中的值超出范围'))
    this.groups = Math.ceil((this.blocksCount - this.firstDataBlock) / blocksPerGroup)
    if (this.blocksCount * this.blockSize > dev.size + this.blockSize * 16)
      throw new Ext4Error(
        bi(
          `the filesystem claims ${this.blocksCount} blocks, more than the ${dev.size}-byte partition holds`,
          `文件系统声称有 ${this.blocksCount} 个块，超出了 ${dev.size} 字节分区的容量`,
        ),
      )
  }

  static async open(dev: BlockDevice): Promise<Ext4> {
    const sb = await dev.read(1024, 1024)
    if (sb.length < 1024 || sb.readUInt16LE(56) !== 0xef53)
      throw new Ext4Error(bi('no ext2/3/4 superblock (bad magic)', '没有 ext2/3/4 超级块（魔数错误）'))
    return new Ext4(dev, sb)
  }

  static async probe(dev: BlockDevice): Promise<boolean> {
    const sb = await dev.read(1024 + 56, 2)
    return sb.length === 2 && sb.readUInt16LE(0) === 0xef53
  }

  private async block(n: number): Promise<Buffer> {
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.blocksCount)
      throw new Ext4Error(bi(`block ${n} is outside the filesystem`, `块 ${n} 超出文件系统范围`))
    return this.dev.read(n * this.blockSize, this.blockSize)
  }

  private async inodeTable(group: number): Promise<number> {
    const cached = this.descCache.get(group)
    if (cached !== undefined) return cached
    if (group >= this.groups) throw new Ext4Error(bi(`block group ${group} does not exist`, `块组 ${group} 不存在`))
    const gdtBlock = this.firstDataBlock + 1
    const off = gdtBlock * this.blockSize + group * this.descSize
    const d = await this.dev.read(off, this.descSize)
    if (d.length < 32)
      throw new Ext4Error(bi('group descriptor table lies outside the device', '组描述符表超出设备范围'))
    const table = d.readUInt32LE(8) + (this.descSize >= 64 ? d.readUInt32LE(0x28) * 2 ** 32 : 0)
    this.descCache.set(group, table)
    return table
  }

  async inode(ino: number): Promise<Inode> {
    if (ino < 1) throw new Ext4Error(bi(`inode ${ino} is invalid`, `inode ${ino} 无效`))
    const group = Math.floor((ino - 1) / this.inodesPerGroup)
    const index = (ino - 1) % this.inodesPerGroup
    const table = await this.inodeTable(group)
    const raw = await this.dev.read(table * this.blockSize + index * this.inodeSize, this.inodeSize)
    if (raw.length < 128) throw new Ext4Error(bi(`inode ${ino} lies outside the device`, `inode ${ino} 超出设备范围`))
    const size = raw.readUInt32LE(4) + raw.readUInt32LE(108) * 2 ** 32
    return {
      ino,
      mode: raw.readUInt16LE(0),
      size,
      flags: raw.readUInt32LE(32),
      block: Buffer.from(raw.subarray(40, 100)),
      uid: raw.readUInt16LE(2) | (raw.readUInt16LE(120) << 16),
    }
  }

  /** The inode's data as (logical block → physical block or 0 for a hole) runs, in order. */
  private async extents(
    node: Buffer,
    depth: number,
    out: Array<{ logical: number; physical: number; len: number; zero: boolean }>,
    seen: Set<number>,
  ): Promise<void> {
    if (node.readUInt16LE(0) !== 0xf30a) throw new Ext4Error(bi('bad extent header magic', 'extent 头魔数错误'))
    const entries = node.readUInt16LE(2)
    const d = node.readUInt16LE(6)
    if (d > 5 || d !== depth) throw new Ext4Error(bi(`extent tree depth ${d} is invalid`, `extent 树深度 ${d} 无效`))
    for (let i = 0; i < entries && 12 + (i + 1) * 12 <= node.length; i++) {
      const e = node.subarray(12 + i * 12, 24 + i * 12)
      if (d === 0) {
        let len = e.readUInt16LE(4)
        const zero = len > 32768
        if (zero) len -= 32768
        out.push({ logical: e.readUInt32LE(0), physical: e.readUInt16LE(6) * 2 ** 32 + e.readUInt32LE(8), len, zero })
      } else {
        const leaf = e.readUInt32LE(4) + e.readUInt16LE(8) * 2 ** 32
        if (seen.has(leaf))
          throw new Ext4Error(bi(`extent tree loops at block ${leaf}`, `extent 树在块 ${leaf} 处形成循环`))
        seen.add(leaf)
        await this.extents(await this.block(leaf), d - 1, out, seen)
      }
    }
  }

  private async blockMap(
    ino: Inode,
  ): Promise<Array<{ logical: number; physical: number; len: number; zero: boolean }>> {
    const per = this.blockSize / 4
    const need = Math.ceil(ino.size / this.blockSize)
    const out: Array<{ logical: number; physical: number; len: number; zero: boolean }> = []
    let logical = 0
    const push = (p: number) => {
      if (logical < need) out.push({ logical: logical++, physical: p, len: 1, zero: p === 0 })
    }
    for (let i = 0; i < 12; i++) push(ino.block.readUInt32LE(i * 4))
    const indirect = async (b: number, level: number): Promise<void> => {
      if (logical >= need) return
      if (!b) {
        logical += per ** level
        return
      }
      const tbl = await this.block(b)
      for (let i = 0; i < per && logical < need; i++) {
        const p = tbl.readUInt32LE(i * 4)
        if (level === 1) push(p)
        else await indirect(p, level - 1)
      }
    }
    await indirect(ino.block.readUInt32LE(48), 1)
    await indirect(ino.block.readUInt32LE(52), 2)
    await indirect(ino.block.readUInt32LE(56), 3)
    return out
  }

  /** Read a file's content in chunks (holes and unwritten extents read as zeros), at most `limit` bytes. */
  async *readFile(ino: Inode, limit = Infinity): AsyncGenerator<Buffer> {
    const total = Math.min(ino.size, limit)
    if (ino.flags & INLINE) {
      yield ino.block.subarray(0, Math.min(60, total))
      return
    }
    if ((ino.mode & S_IFMT) === S_IFLNK && ino.size < 60 && !(ino.flags & EXTENTS)) {
      yield ino.block.subarray(0, total)
      return
    }
    const runs: Array<{ logical: number; physical: number; len: number; zero: boolean }> = []
    if (ino.flags & EXTENTS) await this.extents(ino.block, ino.block.readUInt16LE(6), runs, new Set())
    else runs.push(...(await this.blockMap(ino)))
    runs.sort((a, b) => a.logical - b.logical)
    let pos = 0
    for (const r of runs) {
      const start = r.logical * this.blockSize
      if (start >= total) break
      if (start > pos) {
        yield Buffer.alloc(start - pos)
        pos = start
      }
      // contiguous blocks are read together (up to 1 MiB a read)
      const per = Math.max(1, Math.floor((1024 * 1024) / this.blockSize))
      for (let i = 0; i < r.len && pos < total; i += per) {
        const count = Math.min(per, r.len - i)
        const n = Math.min(count * this.blockSize, total - pos)
        if (r.zero || !r.physical) yield Buffer.alloc(n)
        else {
          const first = r.physical + i
          if (first + count > this.blocksCount)
            throw new Ext4Error(
              bi(
                `blocks ${first}..${first + count - 1} are outside the filesystem`,
                `块 ${first}..${first + count - 1} 超出文件系统范围`,
              ),
            )
          yield (await this.dev.read(first * this.blockSize, count * this.blockSize)).subarray(0, n)
        }
        pos += n
      }
    }
    if (pos < total) yield Buffer.alloc(total - pos)
  }

  async readAll(ino: Inode, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const parts: Buffer[] = []
    for await (const c of this.readFile(ino, limit)) parts.push(c)
    return Buffer.concat(parts)
  }

  async readdir(dir: Inode): Promise<DirEntry[]> {
    if ((dir.mode & S_IFMT) !== S_IFDIR)
      throw new Ext4Error(bi(`inode ${dir.ino} is not a directory`, `inode ${dir.ino} 不是目录`))
    const data = await this.readAll(dir, 64 * 1024 * 1024)
    const out: DirEntry[] = []
    for (let off = 0; off + 8 <= data.length;) {
      const ino = data.readUInt32LE(off)
      const recLen = data.readUInt16LE(off + 4)
      const nameLen = data[off + 6]
      const ft = data[off + 7]
      if (recLen < 8 || off + recLen > data.length) break
      if (ino && nameLen && off + 8 + nameLen <= data.length) {
        const name = data.subarray(off + 8, off + 8 + nameLen).toString('utf8')
        if (name !== '.' && name !== '..')
          out.push({ name, ino, type: ft === 1 ? 'file' : ft === 2 ? 'directory' : ft === 7 ? 'symlink' : 'other' })
      }
      off += recLen
    }
    return out
  }

  /** Resolve an absolute guest path (symlinks followed, at most 40). */
  lookup(path: string): Promise<Inode | null> {
    return lookupPath(this, path, (m) => new Ext4Error(m))
  }

  static isDir(i: Inode): boolean {
    return (i.mode & S_IFMT) === S_IFDIR
  }

  static isFile(i: Inode): boolean {
    return (i.mode & S_IFMT) === S_IFREG
  }
}
