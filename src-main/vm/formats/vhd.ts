// VHD (qemu's "vpc"): the 512-byte 'conectix' footer (at the end of every image, copied at offset 0 of dynamic
// ones), the dynamic disk header ('cxsparse') and its block allocation table. The virtual size follows qemu's
// vpc driver: CHS geometry for images written by Virtual PC and qemu ("vpc ", "qemu"), the footer's current
// size for Hyper-V, disk2vhd, XenServer and qemu with force_size ("win ", "d2v ", "tap\0", "CTXS", "qem2") and
// whenever the geometry is the maximum one. Fixed and dynamic images can be read; differencing ones need
// their parent and are refused. All offsets are bounds-checked against the file.
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
  u64be,
  withImageFile,
} from './common'
import { bi, type Bilingual } from '../../../src-preload/text'

const TYPES: Record<number, string> = { 2: 'fixed', 3: 'dynamic', 4: 'differencing' }
const MAX_GEOMETRY = 65535 * 16 * 255
const UNALLOCATED = 0xffffffff

export interface VhdInfo {
  facts: ImageFacts
  problems: Bilingual[]
  diskType: number
  /** Dynamic images: BAT offset, entries and block size. */
  batOffset: number
  batEntries: number
  blockSize: number
  bat: Uint32Array | null
}

function checksum(footer: Buffer, at: number): number {
  let sum = 0
  for (let i = 0; i < footer.length; i++) if (i < at || i >= at + 4) sum = (sum + footer[i]) >>> 0
  return ~sum >>> 0
}

async function parse(fh: FileHandle, fileSize: number, withBat: boolean): Promise<VhdInfo> {
  if (fileSize < 512)
    throw new ImageInvalid(
      bi(`the file has ${fileSize} bytes, a VHD footer needs 512`, `文件只有 ${fileSize} 字节，VHD 尾部需要 512 字节`),
    )
  let footer = await readAt(fh, 0, 512, fileSize, 'VHD footer')
  if (footer.toString('latin1', 0, 8) !== 'conectix') {
    footer = await readAt(fh, fileSize - 512, 512, fileSize, 'VHD footer')
    if (footer.toString('latin1', 0, 8) !== 'conectix')
      throw new ImageInvalid(
        bi('no "conectix" footer at the start or the end of the file', '文件开头和末尾都没有“conectix”尾部'),
      )
    if (footer.readUInt32BE(60) !== 2)
      throw new ImageInvalid(
        bi(
          'the footer is only at the end of the file but the disk type is not fixed',
          '尾部只在文件末尾，但磁盘类型不是固定大小',
        ),
      )
  }
  const problems: Bilingual[] = []
  if (checksum(footer, 64) !== footer.readUInt32BE(64))
    problems.push(bi('the VHD footer checksum is wrong', 'VHD 尾部校验和错误'))
  const diskType = footer.readUInt32BE(60)
  const subformat = TYPES[diskType]
  if (!subformat) throw new ImageInvalid(bi(`unknown VHD disk type ${diskType}`, `未知的 VHD 磁盘类型 ${diskType}`))
  const creator = footer.toString('latin1', 28, 32)
  const currentSize = u64be(footer, 48, 'VHD current size')
  const chsSectors = footer.readUInt16BE(56) * footer[58] * footer[59]
  const useChs = !['win ', 'qem2', 'd2v ', 'CTXS', 'tap\0'].includes(creator)
  let sectors = chsSectors
  if (!useChs || chsSectors === MAX_GEOMETRY) sectors = Math.floor(currentSize / 512)
  const virtualSize = sectors * 512
  if (virtualSize > MAX_VIRTUAL)
    throw new ImageInvalid(bi(`virtual size ${virtualSize} is out of range`, `虚拟大小 ${virtualSize} 超出范围`))
  const info: VhdInfo = {
    facts: {
      format: 'vhd',
      subformat,
      virtualSize,
      allocatedSize: null,
      clusterSize: null,
      fileSize,
      parent: null,
      compressed: false,
    },
    problems,
    diskType,
    batOffset: 0,
    batEntries: 0,
    blockSize: 0,
    bat: null,
  }
  if (diskType === 2) {
    info.facts.allocatedSize = virtualSize
    if (virtualSize + 512 > fileSize)
      problems.push(
        bi(
          `the fixed VHD holds ${fileSize - 512} data bytes, its size says ${virtualSize}`,
          `固定大小的 VHD 含 ${fileSize - 512} 字节数据，而其大小字段为 ${virtualSize}`,
        ),
      )
    return info
  }
  const dataOffset = u64be(footer, 16, 'VHD data offset')
  const dyn = await readAt(fh, dataOffset, 1024, fileSize, 'VHD dynamic header')
  if (dyn.toString('latin1', 0, 8) !== 'cxsparse')
    throw new ImageInvalid(bi('the dynamic disk header has no "cxsparse" cookie', '动态磁盘头没有“cxsparse”标记'))
  if (checksum(dyn, 36) !== dyn.readUInt32BE(36))
    problems.push(bi('the VHD dynamic header checksum is wrong', 'VHD 动态头校验和错误'))
  const batOffset = u64be(dyn, 16, 'VHD table offset')
  const batEntries = dyn.readUInt32BE(28)
  const blockSize = dyn.readUInt32BE(32)
  if (blockSize < 512 || blockSize > 256 * 1024 * 1024 || (blockSize & (blockSize - 1)) !== 0)
    throw new ImageInvalid(
      bi(
        `block size ${blockSize} is not a power of two between 512 B and 256 MiB`,
        `块大小 ${blockSize} 不是 512 B 到 256 MiB 之间的 2 的幂`,
      ),
    )
  if (batEntries * blockSize < virtualSize)
    throw new ImageInvalid(
      bi(
        `the block table (${batEntries} entries of ${blockSize} bytes) is smaller than the disk (${virtualSize} bytes)`,
        `块表（${batEntries} 项，每块 ${blockSize} 字节）小于磁盘（${virtualSize} 字节）`,
      ),
    )
  if (batEntries > Math.ceil(MAX_VIRTUAL / blockSize))
    throw new ImageInvalid(bi(`${batEntries} block table entries is out of range`, `块表项数 ${batEntries} 超出范围`))
  if (batOffset + batEntries * 4 > fileSize)
    throw new ImageInvalid(
      bi(
        `the block table (offset ${batOffset}, ${batEntries} entries) lies outside the file (${fileSize} bytes)`,
        `块表（偏移 ${batOffset}，${batEntries} 项）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  Object.assign(info, { batOffset, batEntries, blockSize })
  info.facts.clusterSize = blockSize
  if (diskType === 4) {
    const name = dyn.subarray(64, 576).swap16().toString('utf16le').replace(/\0.*$/s, '')
    info.facts.parent = name
  }
  if (withBat || diskType !== 4) {
    const raw = await readAt(fh, batOffset, batEntries * 4, fileSize, 'VHD block table')
    const bat = new Uint32Array(batEntries)
    let used = 0
    for (let i = 0; i < batEntries; i++) {
      bat[i] = raw.readUInt32BE(i * 4)
      if (bat[i] !== UNALLOCATED) used++
    }
    info.bat = bat
    info.facts.allocatedSize = Math.min(virtualSize, used * blockSize)
  }
  return info
}

export async function readVhd(path: string): Promise<VhdInfo> {
  return withImageFile(path, async (fh, fileSize) => {
    return await parse(fh, fileSize, false)
  })
}

export async function openVhdDevice(path: string): Promise<BlockDevice> {
  return deviceOverFile(path, async (fh, fileSize) => {
    const info = await parse(fh, fileSize, true)
    if (info.diskType === 4)
      throw new PreflightError(
        'invalid-input',
        bi(
          `This VHD is a differencing disk (parent "${info.facts.parent}"): merge it into its parent first (qemu-img convert -O qcow2 with the parent next to it).`,
          `该 VHD 是差异磁盘（父磁盘“${info.facts.parent}”）：请先将其与父磁盘合并（将父磁盘放在同一位置，用 qemu-img convert -O qcow2）。`,
        ),
      )
    const size = info.facts.virtualSize
    if (info.diskType === 2) {
      const dataEnd = fileSize - 512
      return blockMappedDevice(
        size,
        1024 * 1024,
        async (i, within, n) => {
          const off = i * 1024 * 1024 + within
          if (off >= dataEnd) return null
          const buf = Buffer.alloc(Math.min(n, dataEnd - off))
          await readInto(fh, buf, off)
          return buf
        },
        () => fh.close(),
      )
    }
    const bat = info.bat!
    const bs = info.blockSize
    const bitmapBytes = Math.ceil(bs / 512 / 8 / 512) * 512
    return blockMappedDevice(
      size,
      bs,
      async (i, within, n) => {
        const sector = i < bat.length ? bat[i] : UNALLOCATED
        if (sector === UNALLOCATED) return null
        const off = sector * 512 + bitmapBytes + within
        if (off + n > fileSize)
          throw new PreflightError(
            'unreadable',
            bi(`VHD block ${i} (offset ${off}) lies outside the file`, `VHD 块 ${i}（偏移 ${off}）超出文件范围`),
          )
        const buf = Buffer.alloc(n)
        await readInto(fh, buf, off)
        return buf
      },
      () => fh.close(),
    )
  })
}
