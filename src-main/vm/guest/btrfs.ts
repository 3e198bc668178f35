// A read-only btrfs reader over a BlockDevice (single-device filesystems, as SLES images have): the superblock,
// the chunk tree (logical to physical addresses; single, DUP and RAID1 chunks), the root tree, the default
// subvolume as the root (or the top-level tree), subvolumes entered through their directory entries, inodes,
// directory indexes, and file extents (inline, regular, preallocated; holes as zeros; zlib and zstd compressed
// extents decompressed, lzo named as unreadable). Nothing on disk is trusted: every tree node's own address and
// level are checked, descents are bounded by btrfs's maximum tree height, sizes and counts are capped, and damage
// is a BtrfsError instead of a hang. Same surface as the ext4 and XFS readers. Written here because no maintained
// JavaScript btrfs reader exists; decompression is Node's zlib and fzstd.
import { inflateSync } from 'node:zlib'
import { decompress as zstdDecompress } from 'fzstd'
import type { BlockDevice } from '../block'
import { GuestFsError, lookupPath, type DirEntry, type GuestFs, type Inode } from './fs'
import { bi } from '../../../src-preload/text'

export class BtrfsError extends GuestFsError {}

const SUPER_OFFSET = 0x10000
const MAGIC = '_BHRfS_M'
const HEADER = 101
const LEAF_ITEM = 25
const KEY_PTR = 33
const MAX_LEVEL = 8
const INODE_ITEM = 1
const DIR_INDEX = 96
const EXTENT_DATA = 108
const ROOT_ITEM = 132
const DIR_ITEM = 84
const CHUNK_ITEM = 228
const ROOT_TREE_DIR = 6
const FS_TREE = 5
const FIRST_INODE = 256
const TREE_SHIFT = 2 ** 32
const BLOCK_GROUP_PROFILES = {
  RAID0: 0x8,
  RAID1: 0x10,
  DUP: 0x20,
  RAID10: 0x40,
  RAID5: 0x80,
  RAID6: 0x100,
  RAID1C3: 0x200,
  RAID1C4: 0x400,
}
const MAX_EXTENT_BYTES = 128 * 1024 * 1024
const NODE_CACHE = 512
const MAX_ITEMS_PER_SEARCH = 2_000_000

interface Key {
  objectid: bigint
  type: number
  offset: bigint
}

interface Chunk {
  logical: number
  length: number
  physical: number
}

interface Item {
  key: Key
  data: Buffer
}

interface BtrfsInode extends Inode {
  tree: number
  objectid: number
}

const cmp = (a: Key, b: Key): number =>
  a.objectid !== b.objectid
    ? a.objectid < b.objectid
      ? -1
      : 1
    : a.type !== b.type
      ? a.type - b.type
      : a.offset === b.offset
        ? 0
        : a.offset < b.offset
          ? -1
          : 1

const readKey = (b: Buffer, at: number): Key => ({
  objectid: b.readBigUInt64LE(at),
  type: b[at + 8],
  offset: b.readBigUInt64LE(at + 9),
})

export class Btrfs implements GuestFs {
  readonly rootIno: number
  private readonly nodeSize: number
  private readonly sectorSize: number
  private readonly chunks: Chunk[]
  private readonly cache = new Map<number, Buffer>()
  private readonly treeRoots = new Map<number, { bytenr: number; level: number }>()
  private rootTree!: { bytenr: number; level: number }

  private constructor(
    private readonly dev: BlockDevice,
    sb: Buffer,
    private readonly devid: bigint,
  ) {
    this.nodeSize = sb.readUInt32LE(0x94)
    this.sectorSize = sb.readUInt32LE(0x90)
    if (this.nodeSize < 4096 || this.nodeSize > 65536 || this.nodeSize & (this.nodeSize - 1))
      throw new BtrfsError(bi(`node size ${this.nodeSize} is out of range`, `节点大小 ${this.nodeSize} 超出范围`))
    if (this.sectorSize < 512 || this.sectorSize > 65536 || this.sectorSize & (this.sectorSize - 1))
      throw new BtrfsError(bi(`sector size ${this.sectorSize} is out of range`, `扇区大小 ${this.sectorSize} 超出范围`))
    if (Number(sb.readBigUInt64LE(0x88)) !== 1)
      throw new BtrfsError(
        bi(
          `the filesystem spans ${sb.readBigUInt64LE(0x88)} devices; only single-device btrfs can be read from one disk`,
          `文件系统跨越 ${sb.readBigUInt64LE(0x88)} 个设备；从一块磁盘只能读取单设备 btrfs`,
        ),
      )
    this.chunks = this.bootstrapChunks(sb)
    this.rootIno = FS_TREE * TREE_SHIFT + FIRST_INODE
  }

  static async probe(dev: BlockDevice): Promise<boolean> {
    const b = await dev.read(SUPER_OFFSET + 0x40, 8)
    return b.length === 8 && b.toString('latin1') === MAGIC
  }

  static async open(dev: BlockDevice): Promise<Btrfs> {
    const sb = await dev.read(SUPER_OFFSET, 4096)
    if (sb.length < 4096 || sb.toString('latin1', 0x40, 0x48) !== MAGIC)
      throw new BtrfsError(bi('no btrfs superblock (bad magic)', '没有 btrfs 超级块（魔数错误）'))
    const fs = new Btrfs(dev, sb, sb.readBigUInt64LE(0xc9))
    await fs.load(sb)
    return fs
  }

  /** The system chunks the superblock carries, enough to read the chunk tree. */
  private bootstrapChunks(sb: Buffer): Chunk[] {
    const size = sb.readUInt32LE(0xa0)
    if (size > 2048)
      throw new BtrfsError(bi('the superblock system chunk array is too large', '超级块中的系统 chunk 数组过大'))
    const arr = sb.subarray(0x32b, 0x32b + size)
    const out: Chunk[] = []
    for (let at = 0; at + 17 + 48 <= arr.length;) {
      const key = readKey(arr, at)
      const stripes = arr.readUInt16LE(at + 17 + 44)
      if (key.type !== CHUNK_ITEM || !stripes)
        throw new BtrfsError(bi('the superblock system chunk array is damaged', '超级块中的系统 chunk 数组已损坏'))
      out.push(this.chunk(key, arr.subarray(at + 17, at + 17 + 48 + stripes * 32)))
      at += 17 + 48 + stripes * 32
    }
    return out
  }

  private chunk(key: Key, item: Buffer): Chunk {
    if (item.length < 48 + 32) throw new BtrfsError(bi('a chunk item is truncated', '有 chunk 项不完整'))
    const type = Number(item.readBigUInt64LE(24))
    const profile = Object.entries(BLOCK_GROUP_PROFILES).find(([, bit]) => type & bit)?.[0]
    const stripes = item.readUInt16LE(44)
    if (profile && profile !== 'DUP' && profile !== 'RAID1' && profile !== 'RAID1C3' && profile !== 'RAID1C4')
      throw new BtrfsError(
        bi(`a ${profile} chunk cannot be read from a single device`, `无法从单个设备读取 ${profile} chunk`),
      )
    // single, DUP and mirrored chunks hold a whole copy in each stripe: take the first on this device
    for (let s = 0; s < stripes && 48 + (s + 1) * 32 <= item.length; s++) {
      if (item.readBigUInt64LE(48 + s * 32) !== this.devid) continue
      const chunk = {
        logical: Number(key.offset),
        length: Number(item.readBigUInt64LE(0)),
        physical: Number(item.readBigUInt64LE(48 + s * 32 + 8)),
      }
      if (
        !Number.isSafeInteger(chunk.logical + chunk.length) ||
        chunk.physical + chunk.length > this.dev.size + this.sectorSize
      )
        throw new BtrfsError(
          bi(`a chunk at ${chunk.logical} lies outside the device`, `位于 ${chunk.logical} 的 chunk 超出设备范围`),
        )
      return chunk
    }
    throw new BtrfsError(
      bi(`the chunk at ${key.offset} has no copy on this device`, `位于 ${key.offset} 的 chunk 在此设备上没有副本`),
    )
  }

  private async load(sb: Buffer): Promise<void> {
    const chunkRoot = { bytenr: Number(sb.readBigUInt64LE(0x58)), level: sb[0xc7] }
    const all: Chunk[] = []
    for (const it of await this.search(
      chunkRoot,
      { objectid: 0n, type: 0, offset: 0n },
      { objectid: 2n ** 64n - 1n, type: 255, offset: 2n ** 64n - 1n },
      CHUNK_ITEM,
    ))
      all.push(this.chunk(it.key, it.data))
    if (all.length) this.chunks.splice(0, this.chunks.length, ...all)
    this.chunks.sort((a, b) => a.logical - b.logical)
    this.rootTree = { bytenr: Number(sb.readBigUInt64LE(0x50)), level: sb[0xc6] }
    // the default subvolume: a "default" entry in the root tree's directory 6, else the top-level tree
    const dirItems = await this.search(
      this.rootTree,
      { objectid: BigInt(ROOT_TREE_DIR), type: DIR_ITEM, offset: 0n },
      { objectid: BigInt(ROOT_TREE_DIR), type: DIR_ITEM, offset: 2n ** 64n - 1n },
    )
    for (const it of dirItems)
      for (const e of dirEntries(it.data))
        if (e.name === 'default' && e.location.type === ROOT_ITEM)
          (this as { rootIno: number }).rootIno = Number(e.location.objectid) * TREE_SHIFT + FIRST_INODE
  }

  private physical(logical: number, length: number): number {
    const c = this.chunks.find((x) => logical >= x.logical && logical < x.logical + x.length)
    if (!c || logical + length > c.logical + c.length)
      throw new BtrfsError(
        bi(
          `logical address ${logical} (+${length}) is in no chunk`,
          `逻辑地址 ${logical}（+${length}）不在任何 chunk 中`,
        ),
      )
    return c.physical + (logical - c.logical)
  }

  private async read(logical: number, length: number): Promise<Buffer> {
    const b = await this.dev.read(this.physical(logical, length), length)
    if (b.length < length)
      throw new BtrfsError(bi(`logical address ${logical} lies outside the device`, `逻辑地址 ${logical} 超出设备范围`))
    return b
  }

  private async node(bytenr: number, level: number): Promise<Buffer> {
    let b = this.cache.get(bytenr)
    if (!b) {
      b = await this.read(bytenr, this.nodeSize)
      if (Number(b.readBigUInt64LE(0x30)) !== bytenr)
        throw new BtrfsError(
          bi(
            `the tree node at ${bytenr} records address ${b.readBigUInt64LE(0x30)}`,
            `位于 ${bytenr} 的树节点记录的地址为 ${b.readBigUInt64LE(0x30)}`,
          ),
        )
      if (this.cache.size >= NODE_CACHE) this.cache.delete(this.cache.keys().next().value!)
      this.cache.set(bytenr, b)
    }
    if (b[0x64] !== level)
      throw new BtrfsError(
        bi(
          `the tree node at ${bytenr} is at level ${b[0x64]}, expected ${level}`,
          `位于 ${bytenr} 的树节点层级为 ${b[0x64]}，应为 ${level}`,
        ),
      )
    return b
  }

  /** Items with keys in [min, max] (of one type if given), in key order. */
  private async search(root: { bytenr: number; level: number }, min: Key, max: Key, type?: number): Promise<Item[]> {
    if (root.level >= MAX_LEVEL)
      throw new BtrfsError(bi(`a tree is ${root.level + 1} levels high`, `有一棵树高达 ${root.level + 1} 层`))
    const out: Item[] = []
    const walk = async (bytenr: number, level: number): Promise<void> => {
      const b = await this.node(bytenr, level)
      const n = b.readUInt32LE(0x60)
      if (level === 0) {
        if (HEADER + n * LEAF_ITEM > b.length)
          throw new BtrfsError(bi(`the leaf at ${bytenr} holds too many items`, `位于 ${bytenr} 的叶节点项过多`))
        for (let i = 0; i < n; i++) {
          const at = HEADER + i * LEAF_ITEM
          const key = readKey(b, at)
          if (cmp(key, min) < 0 || (type !== undefined && key.type !== type)) continue
          if (cmp(key, max) > 0) return
          const off = HEADER + b.readUInt32LE(at + 17)
          const size = b.readUInt32LE(at + 21)
          if (off + size > b.length)
            throw new BtrfsError(
              bi(`an item of the leaf at ${bytenr} lies outside it`, `位于 ${bytenr} 的叶节点中有项超出了该节点`),
            )
          if (out.length >= MAX_ITEMS_PER_SEARCH)
            throw new BtrfsError(bi('a tree search returns too many items', '树搜索返回的项过多'))
          out.push({ key, data: b.subarray(off, off + size) })
        }
        return
      }
      if (HEADER + n * KEY_PTR > b.length)
        throw new BtrfsError(bi(`the node at ${bytenr} holds too many pointers`, `位于 ${bytenr} 的节点指针过多`))
      for (let i = 0; i < n; i++) {
        const at = HEADER + i * KEY_PTR
        // child i covers keys from its key up to the next child's key
        if (i + 1 < n && cmp(readKey(b, at + KEY_PTR), min) <= 0) continue
        if (cmp(readKey(b, at), max) > 0) return
        await walk(Number(b.readBigUInt64LE(at + 17)), level - 1)
      }
    }
    await walk(root.bytenr, root.level)
    return out
  }

  private async tree(id: number): Promise<{ bytenr: number; level: number }> {
    const known = this.treeRoots.get(id)
    if (known) return known
    const items = await this.search(
      this.rootTree,
      { objectid: BigInt(id), type: ROOT_ITEM, offset: 0n },
      { objectid: BigInt(id), type: ROOT_ITEM, offset: 2n ** 64n - 1n },
    )
    const item = items[items.length - 1]
    if (!item || item.data.length < 239)
      throw new BtrfsError(bi(`subvolume tree ${id} is not in the root tree`, `子卷树 ${id} 不在根树中`))
    const root = { bytenr: Number(item.data.readBigUInt64LE(176)), level: item.data[238] }
    this.treeRoots.set(id, root)
    return root
  }

  async inode(ino: number): Promise<BtrfsInode> {
    const tree = Math.floor(ino / TREE_SHIFT)
    const objectid = ino % TREE_SHIFT
    if (!Number.isSafeInteger(ino) || tree < FS_TREE || objectid < FIRST_INODE)
      throw new BtrfsError(bi(`inode ${ino} is invalid`, `inode ${ino} 无效`))
    const key = { objectid: BigInt(objectid), type: INODE_ITEM, offset: 0n }
    const [item] = await this.search(await this.tree(tree), key, { ...key, offset: 2n ** 64n - 1n })
    if (!item || item.data.length < 160)
      throw new BtrfsError(bi(`inode ${objectid} of tree ${tree} is missing`, `树 ${tree} 中缺少 inode ${objectid}`))
    return {
      ino,
      tree,
      objectid,
      mode: item.data.readUInt32LE(52),
      size: Number(item.data.readBigUInt64LE(16)),
      flags: Number(item.data.readBigUInt64LE(64) & 0xffffffffn),
      uid: item.data.readUInt32LE(44),
      block: Buffer.alloc(0),
    }
  }

  async readdir(inode: Inode): Promise<DirEntry[]> {
    const dir = inode as BtrfsInode
    if ((dir.mode & 0o170000) !== 0o040000)
      throw new BtrfsError(bi(`inode ${dir.objectid} is not a directory`, `inode ${dir.objectid} 不是目录`))
    const id = BigInt(dir.objectid)
    const out: DirEntry[] = []
    for (const it of await this.search(
      await this.tree(dir.tree),
      { objectid: id, type: DIR_INDEX, offset: 0n },
      { objectid: id, type: DIR_INDEX, offset: 2n ** 64n - 1n },
    ))
      for (const e of dirEntries(it.data)) {
        // a subvolume is entered at its own tree's root directory
        const ino =
          e.location.type === ROOT_ITEM
            ? Number(e.location.objectid) * TREE_SHIFT + FIRST_INODE
            : dir.tree * TREE_SHIFT + Number(e.location.objectid)
        if (e.location.type !== ROOT_ITEM && e.location.type !== INODE_ITEM) continue
        if (e.location.objectid >= BigInt(TREE_SHIFT))
          throw new BtrfsError(
            bi(
              `directory ${dir.objectid} names object ${e.location.objectid}, beyond the inode numbers Preflight reads`,
              `目录 ${dir.objectid} 指向对象 ${e.location.objectid}，超出了 Preflight 读取的 inode 编号范围`,
            ),
          )
        out.push({
          name: e.name,
          ino,
          type: e.type === 1 ? 'file' : e.type === 2 ? 'directory' : e.type === 7 ? 'symlink' : 'other',
        })
      }
    return out
  }

  /** Read a file's content in chunks (holes and preallocated extents read as zeros), at most `limit` bytes. */
  async *readFile(inode: Inode, limit = Infinity): AsyncGenerator<Buffer> {
    const ino = inode as BtrfsInode
    const total = Math.min(ino.size, limit)
    const id = BigInt(ino.objectid)
    const extents = await this.search(
      await this.tree(ino.tree),
      { objectid: id, type: EXTENT_DATA, offset: 0n },
      { objectid: id, type: EXTENT_DATA, offset: 2n ** 64n - 1n },
    )
    let pos = 0
    for (const { key, data } of extents) {
      const start = Number(key.offset)
      if (start >= total) break
      if (start < pos)
        throw new BtrfsError(
          bi(`inode ${ino.objectid} has overlapping extents`, `inode ${ino.objectid} 的 extent 相互重叠`),
        )
      if (start > pos) {
        yield* zeros(start - pos)
        pos = start
      }
      if (data.length < 21)
        throw new BtrfsError(
          bi(`an extent of inode ${ino.objectid} is truncated`, `inode ${ino.objectid} 的一个 extent 不完整`),
        )
      const ram = Number(data.readBigUInt64LE(8))
      const compression = data[16]
      const kind = data[20]
      if (data[17] || data.readUInt16LE(18))
        throw new BtrfsError(
          bi(`inode ${ino.objectid} has an encrypted or encoded extent`, `inode ${ino.objectid} 有加密或编码的 extent`),
        )
      let bytes: Buffer
      if (kind === 0) {
        bytes = compression ? this.decompress(data.subarray(21), compression, ram, ino.objectid) : data.subarray(21)
      } else {
        if (data.length < 53)
          throw new BtrfsError(
            bi(`an extent of inode ${ino.objectid} is truncated`, `inode ${ino.objectid} 的一个 extent 不完整`),
          )
        const diskStart = Number(data.readBigUInt64LE(21))
        const diskBytes = Number(data.readBigUInt64LE(29))
        const offset = Number(data.readBigUInt64LE(37))
        const length = Math.min(Number(data.readBigUInt64LE(45)), total - pos)
        if (kind === 2 || diskStart === 0) {
          yield* zeros(length)
          pos += length
          continue
        }
        if (compression) {
          if (diskBytes > MAX_EXTENT_BYTES || ram > MAX_EXTENT_BYTES)
            throw new BtrfsError(
              bi(
                `a compressed extent of inode ${ino.objectid} is too large`,
                `inode ${ino.objectid} 的一个压缩 extent 过大`,
              ),
            )
          bytes = this.decompress(await this.read(diskStart, diskBytes), compression, ram, ino.objectid).subarray(
            offset,
            offset + length,
          )
        } else {
          for (let done = 0; done < length;) {
            const n = Math.min(1024 * 1024, length - done)
            yield await this.read(diskStart + offset + done, n)
            done += n
          }
          pos += length
          continue
        }
      }
      const part = bytes.subarray(0, total - pos)
      yield part
      pos += part.length
    }
    if (pos < total) yield* zeros(total - pos)
  }

  private decompress(input: Buffer, method: number, ram: number, owner: number): Buffer {
    try {
      if (method === 1) return inflateSync(input, { maxOutputLength: Math.max(ram, 1) })
      // the frame is followed by padding to the sector size, which is not a frame
      if (method === 3) return Buffer.from(zstdDecompress(input.subarray(0, zstdFrameEnd(input))))
    } catch (err) {
      throw new BtrfsError(
        bi(
          `a compressed extent of inode ${owner} does not decompress: ${(err as Error).message}`,
          `inode ${owner} 的一个压缩 extent 无法解压`,
        ),
      )
    }
    throw new BtrfsError(
      bi(
        `inode ${owner} has ${method === 2 ? 'lzo' : `method ${method}`}-compressed extents, which Preflight cannot read`,
        `inode ${owner} 有 ${method === 2 ? 'lzo' : `方式 ${method} `}压缩的 extent，Preflight 无法读取`,
      ),
    )
  }

  async readAll(ino: Inode, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const parts: Buffer[] = []
    for await (const c of this.readFile(ino, limit)) parts.push(c)
    return Buffer.concat(parts)
  }

  lookup(path: string): Promise<Inode | null> {
    return lookupPath(this, path, (m) => new BtrfsError(m))
  }
}

/** The entries of a DIR_ITEM / DIR_INDEX item (a DIR_ITEM may hold several with the same name hash). */
function dirEntries(data: Buffer): Array<{ name: string; location: Key; type: number }> {
  const out: Array<{ name: string; location: Key; type: number }> = []
  for (let at = 0; at + 30 <= data.length;) {
    const dataLen = data.readUInt16LE(at + 25)
    const nameLen = data.readUInt16LE(at + 27)
    const end = at + 30 + nameLen + dataLen
    if (!nameLen || end > data.length) throw new BtrfsError(bi('a directory item is damaged', '有目录项已损坏'))
    out.push({
      location: readKey(data, at),
      type: data[at + 29],
      name: data.subarray(at + 30, at + 30 + nameLen).toString('utf8'),
    })
    at = end
  }
  return out
}

/** Where the zstd frame that starts `b` ends (its header, blocks and checksum), read from the block headers. */
function zstdFrameEnd(b: Buffer): number {
  if (b.length < 6 || b.readUInt32LE(0) !== 0xfd2fb528) throw new Error('not a zstd frame')
  const fhd = b[4]
  const single = (fhd >> 5) & 1
  const fcs = fhd >> 6
  let at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + (fcs === 0 ? single : [1, 2, 4, 8][fcs])
  for (;;) {
    if (at + 3 > b.length) throw new Error('the zstd frame is cut short')
    const h = b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)
    const type = (h >> 1) & 3
    if (type === 3) throw new Error('a zstd block has the reserved type')
    at += 3 + (type === 1 ? 1 : h >>> 3)
    if (h & 1) break
  }
  return Math.min(b.length, at + ((fhd >> 2) & 1 ? 4 : 0))
}

function* zeros(n: number): Generator<Buffer> {
  for (let left = n; left > 0; left -= 1024 * 1024) yield Buffer.alloc(Math.min(left, 1024 * 1024))
}
