// VDI (VirtualBox): the '<<< ... >>>' pre-header, signature 0xbeda107f, header version 1.1 with image type,
// disk size, block size and the block map (one 32-bit entry per block: block index in the data area, or
// 0xffffffff unallocated / 0xfffffffe discarded, both reading as zeros). Dynamic and static images can be
// read; differencing and undo images (with a parent) are refused. All offsets are bounds-checked.
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
  u64le,
  withImageFile,
} from './common'
import { bi, type Bilingual } from '../../../src-preload/text'

const SIGNATURE = 0xbeda107f
const TYPES: Record<number, string> = { 1: 'dynamic', 2: 'static', 3: 'undo', 4: 'differencing' }
const FREE = 0xffffffff
const DISCARDED = 0xfffffffe

export interface VdiInfo {
  facts: ImageFacts
  problems: Bilingual[]
  imageType: number
  offsetBmap: number
  offsetData: number
  blockSize: number
  blockExtra: number
  blocks: number
}

async function parse(fh: FileHandle, fileSize: number): Promise<VdiInfo> {
  const h = await readAt(fh, 0, Math.min(fileSize, 512), fileSize, 'VDI header')
  if (h.length < 0x1c8)
    throw new ImageInvalid(
      bi(
        `the file has ${fileSize} bytes, a VDI header needs ${0x1c8}`,
        `文件只有 ${fileSize} 字节，VDI 文件头需要 ${0x1c8} 字节`,
      ),
    )
  if (h.readUInt32LE(0x40) !== SIGNATURE) throw new ImageInvalid(bi('bad VDI signature', 'VDI 签名错误'))
  const version = h.readUInt32LE(0x44)
  if (version !== 0x00010001)
    throw new ImageInvalid(
      bi(
        `unsupported VDI header version ${version >>> 16}.${version & 0xffff} (only 1.1 exists in practice)`,
        `不支持的 VDI 文件头版本 ${version >>> 16}.${version & 0xffff}（实际只有 1.1 版）`,
      ),
    )
  const imageType = h.readUInt32LE(0x4c)
  const subformat = TYPES[imageType]
  if (!subformat) throw new ImageInvalid(bi(`unknown VDI image type ${imageType}`, `未知的 VDI 镜像类型 ${imageType}`))
  const offsetBmap = h.readUInt32LE(0x154)
  const offsetData = h.readUInt32LE(0x158)
  const sectorSize = h.readUInt32LE(0x168)
  const virtualSize = u64le(h, 0x170, 'VDI disk size')
  const blockSize = h.readUInt32LE(0x178)
  const blockExtra = h.readUInt32LE(0x17c)
  const blocks = h.readUInt32LE(0x180)
  const allocated = h.readUInt32LE(0x184)
  if (sectorSize !== 512)
    throw new ImageInvalid(bi(`sector size ${sectorSize} is not 512`, `扇区大小 ${sectorSize} 不是 512`))
  if (blockSize < 512 || blockSize > 256 * 1024 * 1024 || (blockSize & (blockSize - 1)) !== 0)
    throw new ImageInvalid(
      bi(
        `block size ${blockSize} is not a power of two between 512 B and 256 MiB`,
        `块大小 ${blockSize} 不是 512 B 到 256 MiB 之间的 2 的幂`,
      ),
    )
  if (blockExtra > 1024 * 1024 || blockExtra % 512)
    throw new ImageInvalid(
      bi(`block extra size ${blockExtra} is out of range`, `块附加数据大小 ${blockExtra} 超出范围`),
    )
  if (offsetBmap % 512 || offsetData % 512)
    throw new ImageInvalid(bi('the block map or data offset is not sector-aligned', '块映射或数据偏移未按扇区对齐'))
  if (virtualSize > MAX_VIRTUAL)
    throw new ImageInvalid(bi(`disk size ${virtualSize} is out of range`, `磁盘大小 ${virtualSize} 超出范围`))
  if (virtualSize > blocks * blockSize)
    throw new ImageInvalid(
      bi(
        `disk size ${virtualSize} exceeds the ${blocks} blocks of ${blockSize} bytes the block map covers`,
        `磁盘大小 ${virtualSize} 超出了块映射覆盖的 ${blocks} 个 ${blockSize} 字节的块`,
      ),
    )
  if (offsetBmap + blocks * 4 > fileSize)
    throw new ImageInvalid(
      bi(
        `the block map (offset ${offsetBmap}, ${blocks} entries) lies outside the file (${fileSize} bytes)`,
        `块映射（偏移 ${offsetBmap}，${blocks} 项）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  const problems: Bilingual[] = []
  if (allocated > blocks)
    problems.push(
      bi(
        `${allocated} blocks are counted as allocated, the image has ${blocks}`,
        `记为已分配的块有 ${allocated} 个，而镜像只有 ${blocks} 个块`,
      ),
    )
  const linkUuid = h.subarray(0x1a8, 0x1b8)
  const parentUuid = h.subarray(0x1b8, 0x1c8)
  const hasParent =
    imageType === 3 || imageType === 4 || linkUuid.some((b) => b !== 0) || parentUuid.some((b) => b !== 0)
  const facts: ImageFacts = {
    format: 'vdi',
    subformat,
    virtualSize,
    allocatedSize: Math.min(virtualSize, allocated * blockSize),
    clusterSize: blockSize,
    fileSize,
    parent: hasParent ? formatUuid(linkUuid) : null,
    compressed: false,
  }
  return { facts, problems, imageType, offsetBmap, offsetData, blockSize, blockExtra, blocks }
}

function formatUuid(b: Buffer): string {
  const x = b.toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

export async function readVdi(path: string): Promise<VdiInfo> {
  return withImageFile(path, async (fh, fileSize) => {
    return await parse(fh, fileSize)
  })
}

export async function openVdiDevice(path: string): Promise<BlockDevice> {
  return deviceOverFile(path, async (fh, fileSize) => {
    const info = await parse(fh, fileSize)
    if (info.facts.parent !== null)
      throw new PreflightError(
        'invalid-input',
        bi(
          `This VDI is a ${info.facts.subformat} image that depends on a parent (${info.facts.parent}): clone it to a standalone image first (VBoxManage clonemedium, or qemu-img convert with the parent next to it).`,
          `该 VDI 是依赖父镜像（${info.facts.parent}）的 ${info.facts.subformat} 镜像：请先克隆为独立镜像（VBoxManage clonemedium，或在父镜像位于同一位置时用 qemu-img convert）。`,
        ),
      )
    const raw = await readAt(fh, info.offsetBmap, info.blocks * 4, fileSize, 'VDI block map')
    const map = new Uint32Array(info.blocks)
    for (let i = 0; i < info.blocks; i++) map[i] = raw.readUInt32LE(i * 4)
    const { blockSize: bs, blockExtra, offsetData } = info
    return blockMappedDevice(
      info.facts.virtualSize,
      bs,
      async (i, within, n) => {
        const entry = map[i]
        if (entry === FREE || entry === DISCARDED) return null
        if (entry >= info.blocks)
          throw new PreflightError(
            'unreadable',
            bi(
              `VDI block map entry ${i} points to block ${entry}, past the ${info.blocks} blocks of the image`,
              `VDI 块映射项 ${i} 指向块 ${entry}，超出了镜像的 ${info.blocks} 个块`,
            ),
          )
        const off = offsetData + entry * (bs + blockExtra) + blockExtra + within
        if (off + n > fileSize)
          throw new PreflightError(
            'unreadable',
            bi(`VDI block ${i} (offset ${off}) lies outside the file`, `VDI 块 ${i}（偏移 ${off}）超出文件范围`),
          )
        const buf = Buffer.alloc(n)
        await readInto(fh, buf, off)
        return buf
      },
      () => fh.close(),
    )
  })
}
