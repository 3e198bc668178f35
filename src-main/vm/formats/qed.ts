// QED: the little-endian 'QED\0' header (cluster size, table size, header size, feature bits, L1 table offset,
// image size, backing file name) and the two-level cluster tables: table_size clusters of 64-bit offsets each,
// L1 index = pos / (entries * cluster), L2 index = (pos / cluster) % entries. An offset of 0 is unallocated and
// 1 is a zero cluster (both read as zeros without a backing file); any other must be cluster-aligned, past the
// header and inside the file (as qemu's qed_check_cluster_offset/qed_check_table_offset require). Images
// without a backing file can be read; those with one are refused. The allocated size counts the guest bytes of
// the data clusters, from the L2 tables streamed in 1 MiB pieces; the device reads L2 pages on demand (bounded
// cache).
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

const FEATURE_BACKING = 1n
const FEATURE_NEED_CHECK = 2n
const ZERO_CLUSTER = 1

export interface QedInfo {
  facts: ImageFacts
  problems: Bilingual[]
  clusterSize: number
  /** Bytes of one table (L1 or L2): table size × cluster size. */
  tableBytes: number
  /** Entries per table. */
  entries: number
  /** Bytes before the first cluster a table or data may use. */
  headerBytes: number
  /** The L1 entries that cover the image, each an L2 table offset or 0. */
  l1: number[]
}

/** A 64-bit LE table entry as a number (a float beyond 2^53, which is past any file anyway). */
function entryAt(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at)
}

async function parse(fh: FileHandle, fileSize: number): Promise<QedInfo> {
  if (fileSize < 64)
    throw new ImageInvalid(
      bi(`the file has ${fileSize} bytes, a QED header needs 64`, `文件只有 ${fileSize} 字节，QED 文件头需要 64 字节`),
    )
  const h = await readAt(fh, 0, 64, fileSize, 'QED header')
  if (h.toString('latin1', 0, 4) !== 'QED\0') throw new ImageInvalid(bi('bad QED magic', 'QED 魔数错误'))
  const clusterSize = h.readUInt32LE(4)
  const tableSize = h.readUInt32LE(8)
  const headerClusters = h.readUInt32LE(12)
  const features = h.readBigUInt64LE(16)
  const virtualSize = u64le(h, 48, 'image size')
  if (clusterSize < 4096 || clusterSize > 64 * 1024 * 1024 || (clusterSize & (clusterSize - 1)) !== 0)
    throw new ImageInvalid(
      bi(
        `cluster size ${clusterSize} is not a power of two between 4 KiB and 64 MiB`,
        `簇大小 ${clusterSize} 不是 4 KiB 到 64 MiB 之间的 2 的幂`,
      ),
    )
  if (tableSize < 1 || tableSize > 16 || (tableSize & (tableSize - 1)) !== 0)
    throw new ImageInvalid(
      bi(
        `table size ${tableSize} is not a power of two between 1 and 16`,
        `表大小 ${tableSize} 不是 1 到 16 之间的 2 的幂`,
      ),
    )
  if (virtualSize % 512 || virtualSize > MAX_VIRTUAL)
    throw new ImageInvalid(
      bi(
        `image size ${virtualSize} is not a multiple of 512 or is out of range`,
        `镜像大小 ${virtualSize} 不是 512 的倍数或超出范围`,
      ),
    )
  const entries = (tableSize * clusterSize) / 8
  if (virtualSize > entries * entries * clusterSize)
    throw new ImageInvalid(
      bi(`image size ${virtualSize} exceeds what the tables can map`, `镜像大小 ${virtualSize} 超出了表能映射的范围`),
    )
  const unknown = features & ~7n
  if (unknown)
    throw new ImageInvalid(
      bi(`unknown feature bits 0x${unknown.toString(16)}`, `未知的特性位 0x${unknown.toString(16)}`),
    )
  if (headerClusters < 1 || headerClusters * clusterSize > fileSize)
    throw new ImageInvalid(
      bi(`header size ${headerClusters} clusters is out of range`, `文件头大小 ${headerClusters} 个簇超出范围`),
    )
  let parent: string | null = null
  if (features & FEATURE_BACKING) {
    const off = h.readUInt32LE(56)
    const len = h.readUInt32LE(60)
    if (len > 1023)
      throw new ImageInvalid(bi(`backing file name length ${len} is above 1023`, `后备文件名长度为 ${len}，超过 1023`))
    parent = (await readAt(fh, off, len, fileSize, 'backing file name')).toString('utf8')
  }
  const problems =
    features & FEATURE_NEED_CHECK
      ? [bi('the need-check bit is set: the image was not closed cleanly', '设置了 need-check 位：镜像未正常关闭')]
      : []

  const tableBytes = tableSize * clusterSize
  const headerBytes = headerClusters * clusterSize
  const tableOk = (off: number) => off % clusterSize === 0 && off >= headerBytes && off + tableBytes <= fileSize
  const l1Offset = u64le(h, 40, 'L1 table offset')
  if (!tableOk(l1Offset))
    throw new ImageInvalid(
      bi(
        `the L1 table (offset ${l1Offset}, ${tableBytes} bytes) is not cluster-aligned or lies outside the file (${fileSize} bytes)`,
        `L1 表（偏移 ${l1Offset}，${tableBytes} 字节）未按簇对齐或超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  // only the L1 entries covering the image (at most a few hundred KiB for any geometry allowed above)
  const clusters = Math.ceil(virtualSize / clusterSize)
  const l1Count = Math.ceil(clusters / entries)
  const l1raw = await readAt(fh, l1Offset, l1Count * 8, fileSize, 'QED L1 table')
  const l1: number[] = []
  for (let i = 0; i < l1Count; i++) {
    const off = entryAt(l1raw, i * 8)
    if (off !== 0 && !tableOk(off))
      throw new ImageInvalid(
        bi(
          `L1 entry ${i} (L2 table at offset ${off}) is not cluster-aligned or lies outside the file (${fileSize} bytes)`,
          `L1 表项 ${i}（L2 表位于偏移 ${off}）未按簇对齐或超出文件范围（文件 ${fileSize} 字节）`,
        ),
      )
    l1.push(off)
  }
  // count the data clusters, L2 tables read in 1 MiB pieces
  let allocated = 0
  for (let i = 0; i < l1Count; i++) {
    if (l1[i] === 0) continue
    const used = Math.min(entries, clusters - i * entries) * 8
    for (let start = 0; start < used; start += 1024 * 1024) {
      const piece = await readAt(fh, l1[i] + start, Math.min(1024 * 1024, used - start), fileSize, 'QED L2 table')
      for (let at = 0; at < piece.length; at += 8) {
        const off = entryAt(piece, at)
        if (off === 0 || off === ZERO_CLUSTER) continue
        const cluster = i * entries + (start + at) / 8
        allocated += checkCluster(off, cluster, clusterSize, headerBytes, virtualSize, fileSize)
      }
    }
  }
  return {
    facts: {
      format: 'qed',
      subformat: null,
      virtualSize,
      allocatedSize: allocated,
      clusterSize,
      fileSize,
      parent,
      compressed: false,
    },
    problems,
    clusterSize,
    tableBytes,
    entries,
    headerBytes,
    l1,
  }
}

/** A data cluster's offset must be cluster-aligned, past the header, and hold the guest bytes it maps inside the file; returns their count. */
function checkCluster(
  off: number,
  cluster: number,
  clusterSize: number,
  headerBytes: number,
  virtualSize: number,
  fileSize: number,
): number {
  const guest = Math.min(clusterSize, virtualSize - cluster * clusterSize)
  if (off % clusterSize !== 0 || off < headerBytes)
    throw new ImageInvalid(
      bi(
        `the L2 entry of cluster ${cluster} (offset ${off}) is not cluster-aligned or points into the header`,
        `簇 ${cluster} 的 L2 表项（偏移 ${off}）未按簇对齐或指向文件头`,
      ),
    )
  if (off + guest > fileSize)
    throw new ImageInvalid(
      bi(
        `cluster ${cluster} (offset ${off}, ${guest} bytes) lies outside the file (${fileSize} bytes)`,
        `簇 ${cluster}（偏移 ${off}，${guest} 字节）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  return guest
}

export async function readQed(path: string): Promise<QedInfo> {
  return withImageFile(path, async (fh, fileSize) => {
    return await parse(fh, fileSize)
  })
}

/** The guest data of a QED image without a backing file; one with a backing file is refused. */
export async function openQedDevice(path: string, name: string): Promise<BlockDevice> {
  return deviceOverFile(path, async (fh, fileSize) => {
    const info = await parse(fh, fileSize)
    if (info.facts.parent !== null)
      throw new PreflightError(
        'invalid-input',
        bi(
          `This QED image has a backing file ("${info.facts.parent}"): Preflight does not read it; merge them first with qemu-img convert -O qcow2 ${name} ${name.replace(/\.[^.]*$/, '')}.qcow2 (with the backing file next to it).`,
          `该 QED 镜像有后备文件（“${info.facts.parent}”）：Preflight 不读取它。请先用 qemu-img convert -O qcow2 ${name} ${name.replace(/\.[^.]*$/, '')}.qcow2 合并（后备文件须放在同一位置）。`,
        ),
      )
    const { clusterSize: cs, entries, tableBytes, headerBytes, l1 } = info
    const l2 = new TablePages(fh, fileSize, 'QED L2 table')
    const size = info.facts.virtualSize
    return blockMappedDevice(
      size,
      cs,
      async (i, within, n) => {
        const table = l1[Math.floor(i / entries)]
        if (!table) return null
        const [page, at] = await l2.entry(table, tableBytes, i % entries)
        const off = entryAt(page, at)
        if (off === 0 || off === ZERO_CLUSTER) return null
        try {
          checkCluster(off, i, cs, headerBytes, size, fileSize)
        } catch (err) {
          if (err instanceof ImageInvalid)
            throw new PreflightError('unreadable', bi(`QED ${err.message}`, `QED ${err.messageZh ?? err.message}`))
          throw err
        }
        const buf = Buffer.alloc(n)
        await readInto(fh, buf, off + within)
        return buf
      },
      () => fh.close(),
    )
  })
}
