// VHDX: the 'vhdxfile' identifier, the two 'head' headers (the one with the higher sequence number wins; a
// non-empty log GUID means the log must be replayed), the region table ('regi' at 192 KiB) locating the
// metadata and BAT regions, and in the metadata the File Parameters (block size, leave-blocks-allocated,
// has-parent), Virtual Disk Size, Logical Sector Size and Parent Locator items. The BAT holds one 64-bit entry
// per payload block (state in bits 0-2, file offset in MiB in bits 20-63), with a sector-bitmap entry after
// every chunk ratio (2^23 * logical sector size / block size) payload entries. Payload blocks NOT_PRESENT,
// UNDEFINED, ZERO and UNMAPPED read as zeros, FULLY_PRESENT ones from the file; PARTIALLY_PRESENT exists only
// in differencing disks. Fixed and dynamic images can be read; differencing ones (they need their parent) and
// images with a non-empty log are refused. The allocated size counts the guest bytes of the present payload
// blocks (qemu writes fixed images with ZERO blocks unless block_state_zero=off, so theirs grows as they are
// written), from the BAT streamed in 1 MiB pieces; the device reads BAT pages on demand (bounded cache). Every
// offset and count is bounds-checked against its region and the file.
import type { FileHandle } from 'node:fs/promises'
import { PreflightError } from '../../../src-preload/errors'
import type { BlockDevice } from '../block'
import {
  blockMappedDevice,
  deviceOverFile,
  type ImageFacts,
  ImageInvalid,
  MAX_VIRTUAL,
  readAt,
  readInto,
  TablePages,
  u64le,
  withImageFile,
} from './common'
import { bi, type Bilingual } from '../../../src-preload/text'

const KiB = 1024
const MiB = 1024 * KiB
const guid = (s: string): string => {
  // the on-disk (mixed-endian) bytes of a GUID written as text, in hex
  const h = s.replace(/-/g, '').toLowerCase()
  const sw = (x: string) => x.match(/../g)!.reverse().join('')
  return sw(h.slice(0, 8)) + sw(h.slice(8, 12)) + sw(h.slice(12, 16)) + h.slice(16)
}
const METADATA_REGION = guid('8B7CA206-4790-4B9A-B8FE-575F050F886E')
const BAT_REGION = guid('2DC27766-F623-4200-9D64-115E9BFD4A08')
const FILE_PARAMETERS = guid('CAA16737-FA36-4D43-B3B6-33F0AA44E76B')
const VIRTUAL_DISK_SIZE = guid('2FA54224-CD1B-4876-B211-5DBED83BF4B8')
const LOGICAL_SECTOR_SIZE = guid('8141BF1D-A96F-4709-BA47-F233A8FAAB5F')
const PARENT_LOCATOR = guid('A8D35F2D-B30B-454D-ABF7-D3D84834AB0C')

// payload block states (bits 0-2 of a BAT entry)
const NOT_PRESENT = 0
const UNDEFINED = 1
const ZERO = 2
const UNMAPPED = 3
const FULLY_PRESENT = 6
const PARTIALLY_PRESENT = 7
const READS_AS_ZEROS = new Set([NOT_PRESENT, UNDEFINED, ZERO, UNMAPPED])

export interface VhdxInfo {
  facts: ImageFacts
  problems: Bilingual[]
  /** The log GUID of the current header is not zero: the log must be replayed before the data is consistent. */
  logNotEmpty: boolean
  blockSize: number
  /** Payload blocks per sector-bitmap block. */
  chunkRatio: number
  payloadBlocks: number
  batOffset: number
  /** Bytes of the BAT that the payload blocks (and the sector-bitmap entries between them) use. */
  batBytes: number
}

/** A BAT entry's state and file offset in bytes (a float beyond 2^53, which is past any file anyway). */
function decode(buf: Buffer, at: number): { state: number; offset: number } {
  const lo = buf.readUInt32LE(at)
  const hi = buf.readUInt32LE(at + 4)
  return { state: lo & 7, offset: (hi * 4096 + (lo >>> 20)) * MiB }
}

/** Check a payload entry; returns the guest bytes it holds in the file (0 for a block that reads as zeros). */
function checkEntry(
  state: number,
  offset: number,
  block: number,
  info: { blockSize: number; virtualSize: number },
  fileSize: number,
): number {
  if (READS_AS_ZEROS.has(state)) return 0
  if (state !== FULLY_PRESENT && state !== PARTIALLY_PRESENT)
    throw new ImageInvalid(
      bi(
        `BAT entry of payload block ${block} has the unknown state ${state}`,
        `数据块 ${block} 的 BAT 项处于未知状态 ${state}`,
      ),
    )
  const guest = Math.min(info.blockSize, info.virtualSize - block * info.blockSize)
  if (offset < MiB)
    throw new ImageInvalid(
      bi(
        `payload block ${block} points into the VHDX header area (offset ${offset})`,
        `数据块 ${block} 指向 VHDX 文件头区域（偏移 ${offset}）`,
      ),
    )
  if (offset + guest > fileSize)
    throw new ImageInvalid(
      bi(
        `payload block ${block} (offset ${offset}, ${guest} bytes) lies outside the file (${fileSize} bytes)`,
        `数据块 ${block}（偏移 ${offset}，${guest} 字节）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  return guest
}

async function parse(fh: FileHandle, fileSize: number): Promise<VhdxInfo> {
  const ident = await readAt(fh, 0, Math.min(fileSize, 8), fileSize, 'VHDX identifier')
  if (ident.toString('latin1') !== 'vhdxfile')
    throw new ImageInvalid(bi('no "vhdxfile" identifier', '没有“vhdxfile”标识符'))
  const problems: Bilingual[] = []
  let best: Buffer | null = null
  for (const at of [64 * KiB, 128 * KiB]) {
    if (at + 4 * KiB > fileSize) continue
    const h = await readAt(fh, at, 4 * KiB, fileSize, 'VHDX header')
    if (h.toString('latin1', 0, 4) !== 'head') continue
    if (!best || h.readBigUInt64LE(8) > best.readBigUInt64LE(8)) best = h
  }
  if (!best)
    throw new ImageInvalid(
      bi(
        'neither VHDX header (at 64 KiB and 128 KiB) has the "head" signature',
        '两个 VHDX 文件头（位于 64 KiB 和 128 KiB）都没有“head”签名',
      ),
    )
  const logNotEmpty = best.subarray(48, 64).some((b) => b !== 0)
  if (logNotEmpty)
    problems.push(
      bi(
        'the VHDX log is not empty: the image was not closed cleanly (open it once with Hyper-V or qemu-img check -r all)',
        'VHDX 日志不为空：镜像未正常关闭（请用 Hyper-V 打开一次，或运行 qemu-img check -r all）',
      ),
    )
  let regions: Buffer | null = null
  for (const at of [192 * KiB, 256 * KiB]) {
    if (at + 64 * KiB > fileSize) continue
    const r = await readAt(fh, at, 64 * KiB, fileSize, 'VHDX region table')
    if (r.toString('latin1', 0, 4) === 'regi') {
      regions = r
      break
    }
  }
  if (!regions)
    throw new ImageInvalid(
      bi(
        'no VHDX region table with the "regi" signature at 192 KiB or 256 KiB',
        '192 KiB 和 256 KiB 处都没有带“regi”签名的 VHDX 区域表',
      ),
    )
  const count = regions.readUInt32LE(8)
  if (count > 2047)
    throw new ImageInvalid(bi(`${count} region table entries (at most 2047)`, `区域表有 ${count} 项（最多 2047 项）`))
  let meta: { offset: number; length: number } | null = null
  let batRegion: { offset: number; length: number } | null = null
  for (let i = 0; i < count; i++) {
    const e = 16 + i * 32
    const id = regions.toString('hex', e, e + 16)
    if (id === METADATA_REGION)
      meta = { offset: u64le(regions, e + 16, 'metadata region offset'), length: regions.readUInt32LE(e + 24) }
    if (id === BAT_REGION)
      batRegion = { offset: u64le(regions, e + 16, 'BAT region offset'), length: regions.readUInt32LE(e + 24) }
  }
  if (!meta) throw new ImageInvalid(bi('the region table has no metadata region', '区域表中没有元数据区'))
  if (!batRegion) throw new ImageInvalid(bi('the region table has no BAT region', '区域表中没有 BAT 区'))
  if (meta.length < 64 * KiB || meta.length > 256 * MiB)
    throw new ImageInvalid(
      bi(`metadata region length ${meta.length} is out of range`, `元数据区长度 ${meta.length} 超出范围`),
    )
  const table = await readAt(fh, meta.offset, 64 * KiB, fileSize, 'VHDX metadata table')
  if (table.toString('latin1', 0, 8) !== 'metadata')
    throw new ImageInvalid(bi('the metadata table has no "metadata" signature', '元数据表没有“metadata”签名'))
  const entries = table.readUInt16LE(10)
  if (entries > 2047)
    throw new ImageInvalid(bi(`${entries} metadata entries (at most 2047)`, `元数据有 ${entries} 项（最多 2047 项）`))
  const item = async (id: string, length: number): Promise<Buffer | null> => {
    for (let i = 0; i < entries; i++) {
      const e = 32 + i * 32
      if (table.toString('hex', e, e + 16) !== id) continue
      const off = table.readUInt32LE(e + 16)
      const len = table.readUInt32LE(e + 20)
      if (len < length || off + len > meta.length)
        throw new ImageInvalid(bi('a metadata item lies outside the metadata region', '有元数据项超出了元数据区'))
      return readAt(fh, meta.offset + off, length, fileSize, 'VHDX metadata item')
    }
    return null
  }
  const params = await item(FILE_PARAMETERS, 8)
  const sizeItem = await item(VIRTUAL_DISK_SIZE, 8)
  const sectorItem = await item(LOGICAL_SECTOR_SIZE, 4)
  if (!params || !sizeItem)
    throw new ImageInvalid(
      bi('the metadata has no file parameters or no virtual disk size', '元数据中缺少文件参数或虚拟磁盘大小'),
    )
  if (!sectorItem) throw new ImageInvalid(bi('the metadata has no logical sector size', '元数据中缺少逻辑扇区大小'))
  const blockSize = params.readUInt32LE(0)
  const flags = params.readUInt32LE(4)
  if (blockSize < MiB || blockSize > 256 * MiB || (blockSize & (blockSize - 1)) !== 0)
    throw new ImageInvalid(
      bi(
        `block size ${blockSize} is not a power of two between 1 MiB and 256 MiB`,
        `块大小 ${blockSize} 不是 1 MiB 到 256 MiB 之间的 2 的幂`,
      ),
    )
  const sectorSize = sectorItem.readUInt32LE(0)
  if (sectorSize !== 512 && sectorSize !== 4096)
    throw new ImageInvalid(
      bi(
        `logical sector size ${sectorSize} is neither 512 nor 4096`,
        `逻辑扇区大小 ${sectorSize} 既不是 512 也不是 4096`,
      ),
    )
  const virtualSize = u64le(sizeItem, 0, 'virtual disk size')
  if (virtualSize > MAX_VIRTUAL)
    throw new ImageInvalid(
      bi(`virtual disk size ${virtualSize} is out of range`, `虚拟磁盘大小 ${virtualSize} 超出范围`),
    )
  const hasParent = (flags & 2) !== 0 || (await item(PARENT_LOCATOR, 0)) !== null

  // the BAT: payload block i is entry i + floor(i / chunkRatio)
  const chunkRatio = (2 ** 23 * sectorSize) / blockSize
  const payloadBlocks = Math.ceil(virtualSize / blockSize)
  const batBytes = payloadBlocks === 0 ? 0 : (payloadBlocks + Math.floor((payloadBlocks - 1) / chunkRatio)) * 8
  if (batBytes > batRegion.length)
    throw new ImageInvalid(
      bi(
        `the BAT region (${batRegion.length} bytes) is smaller than the ${batBytes} bytes of entries the disk needs`,
        `BAT 区（${batRegion.length} 字节）小于磁盘所需的 ${batBytes} 字节表项`,
      ),
    )
  if (batRegion.offset + batBytes > fileSize)
    throw new ImageInvalid(
      bi(
        `the BAT (offset ${batRegion.offset}, ${batBytes} bytes) lies outside the file (${fileSize} bytes)`,
        `BAT（偏移 ${batRegion.offset}，${batBytes} 字节）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  const check = { blockSize, virtualSize }
  let allocated = 0
  const PIECE = MiB
  for (let start = 0; start < batBytes; start += PIECE) {
    const piece = await readAt(fh, batRegion.offset + start, Math.min(PIECE, batBytes - start), fileSize, 'VHDX BAT')
    for (let at = 0; at < piece.length; at += 8) {
      const entry = (start + at) / 8
      if ((entry + 1) % (chunkRatio + 1) === 0) continue // a sector-bitmap entry
      const block = entry - Math.floor(entry / (chunkRatio + 1))
      const { state, offset } = decode(piece, at)
      allocated += checkEntry(state, offset, block, check, fileSize)
    }
  }
  return {
    facts: {
      format: 'vhdx',
      subformat: hasParent ? 'differencing' : flags & 1 ? 'fixed' : 'dynamic',
      virtualSize,
      allocatedSize: allocated,
      clusterSize: blockSize,
      fileSize,
      parent: hasParent ? '' : null,
      compressed: false,
    },
    problems,
    logNotEmpty,
    blockSize,
    chunkRatio,
    payloadBlocks,
    batOffset: batRegion.offset,
    batBytes,
  }
}

export async function readVhdx(path: string): Promise<VhdxInfo> {
  return withImageFile(path, async (fh, fileSize) => {
    return await parse(fh, fileSize)
  })
}

/** The guest data of a fixed or dynamic VHDX; differencing images and images with a non-empty log are refused. */
export async function openVhdxDevice(path: string, name: string): Promise<BlockDevice> {
  return deviceOverFile(path, async (fh, fileSize) => {
    const info = await parse(fh, fileSize)
    const target = `${name.replace(/\.[^.]*$/, '')}.qcow2`
    if (info.facts.parent !== null)
      throw new PreflightError(
        'invalid-input',
        bi(
          `This VHDX is a differencing disk: Preflight does not read its parent; merge it first with qemu-img convert -O qcow2 ${name} ${target} (with the parent next to it).`,
          `该 VHDX 是差异磁盘：Preflight 不读取其父磁盘。请先用 qemu-img convert -O qcow2 ${name} ${target} 合并（父磁盘须放在同一位置）。`,
        ),
      )
    if (info.logNotEmpty)
      throw new PreflightError(
        'invalid-input',
        bi(
          `This VHDX has a non-empty log (it was not closed cleanly): replay it first (qemu-img check -r all ${name}, or open it once in Hyper-V), then convert it with Preflight or with qemu-img convert -O qcow2 ${name} ${target}.`,
          `该 VHDX 的日志不为空（未正常关闭）：请先重放日志（qemu-img check -r all ${name}，或在 Hyper-V 中打开一次），再用 Preflight 或 qemu-img convert -O qcow2 ${name} ${target} 转换。`,
        ),
      )
    const { blockSize: bs, chunkRatio, batOffset, batBytes } = info
    const bat = new TablePages(fh, fileSize, 'VHDX BAT')
    const check = { blockSize: bs, virtualSize: info.facts.virtualSize }
    return blockMappedDevice(
      info.facts.virtualSize,
      bs,
      async (i, within, n) => {
        const [page, at] = await bat.entry(batOffset, batBytes, i + Math.floor(i / chunkRatio))
        const { state, offset } = decode(page, at)
        try {
          if (!checkEntry(state, offset, i, check, fileSize)) return null
        } catch (err) {
          if (err instanceof ImageInvalid)
            throw new PreflightError('unreadable', bi(`VHDX ${err.message}`, `VHDX ${err.messageZh ?? err.message}`))
          throw err
        }
        if (state === PARTIALLY_PRESENT)
          throw new PreflightError(
            'unreadable',
            bi(
              `VHDX payload block ${i} is partially present, which only a differencing disk may be`,
              `VHDX 数据块 ${i} 为部分存在状态，只有差异磁盘才允许这样`,
            ),
          )
        const buf = Buffer.alloc(n)
        await readInto(fh, buf, offset + within)
        return buf
      },
      () => fh.close(),
    )
  })
}
