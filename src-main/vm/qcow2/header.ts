// Read-only qcow2 header reader (versions 2 and 3): header fields, header extensions (backing format, feature
// names, bitmaps, full-disk encryption, external data file), feature bits, compression type, refcount order.
// Every offset and length is checked against the file size before it is read; nothing in the file is trusted.
// Written here because no maintained JavaScript qcow2 parser exists; the layout follows qemu's docs/interop/qcow2.txt.
// The few small reads are synchronous, like the check's metadata reads: a thread-pool round trip each (open, stat,
// header, every extension, close) cost a first inspect 2–15 ms here, the synchronous reads 1.5 ms.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { bi, WordedError, type Bilingual } from '../../../src-preload/text'

export const QCOW2_MAGIC = 0x514649fb

export interface Qcow2Header {
  version: number
  backingFileOffset: number
  backingFileSize: number
  clusterBits: number
  clusterSize: number
  virtualSize: number
  cryptMethod: number
  l1Size: number
  l1TableOffset: number
  refcountTableOffset: number
  refcountTableClusters: number
  nbSnapshots: number
  snapshotsOffset: number
  incompatibleFeatures: bigint
  compatibleFeatures: bigint
  autoclearFeatures: bigint
  refcountOrder: number
  headerLength: number
  compressionType: 'zlib' | 'zstd'
}

export interface Qcow2Info {
  header: Qcow2Header
  fileSize: number
  backingFile: string | null
  backingFormat: string | null
  dataFile: string | null
  encryption: null | 'aes' | 'luks'
  bitmaps: number
  /** Structures that lie outside the file (rule qcow2.invalid), though the header itself is readable. */
  problems: Bilingual[]
  featureNames: Array<{ type: 'incompatible' | 'compatible' | 'autoclear'; bit: number; name: string }>
  /** The fields of ../shared/spec/cli.md "inspect JSON, stable fields for VM images". */
  facts: Qcow2Facts
}

export interface Qcow2Facts {
  version: number
  virtualSize: number
  clusterSize: number
  encryption: null | 'aes' | 'luks'
  backingFile: string | null
  backingFormat: string | null
  dataFile: string | null
  compressionType: 'zlib' | 'zstd'
  refcountBits: number
  extendedL2: boolean
  lazyRefcounts: boolean
  dirty: boolean
  corrupt: boolean
  snapshots: number
  bitmaps: number
}

/** A header problem that makes the file unusable as qcow2 (rule qcow2.invalid); findings quote both its languages. */
export class Qcow2Invalid extends WordedError {}

const INCOMPAT_DIRTY = 1n
const INCOMPAT_CORRUPT = 2n
const INCOMPAT_DATA_FILE = 4n
const INCOMPAT_COMPRESSION = 8n
const INCOMPAT_EXTL2 = 16n
const INCOMPAT_KNOWN = 0x1fn
const AUTOCLEAR_DATA_FILE_RAW = 2n
const COMPAT_LAZY_REFCOUNTS = 1n

const EXT_END = 0
const EXT_BACKING_FORMAT = 0xe2792aca
const EXT_FEATURE_NAMES = 0x6803f857
const EXT_BITMAPS = 0x23852875
const EXT_CRYPTO = 0x0537be77
const EXT_DATA_FILE = 0x44415441

/** qemu's largest L1 table (active or snapshot) and refcount table, in bytes (QCOW_MAX_L1_SIZE, QCOW_MAX_REFTABLE_SIZE). */
export const QCOW_MAX_L1_BYTES = 32 * 1024 * 1024
const QCOW_MAX_REFTABLE_BYTES = 8 * 1024 * 1024

/** Cap on how much header-extension area we read (qemu limits the header to one cluster). */
const MAX_HEADER_AREA = 2 * 1024 * 1024

/** The structures readAt reads, in Chinese. */
const WHAT_ZH: Record<string, string> = {
  header: '文件头',
  'backing file name': '后备文件名',
  'header extension': '文件头扩展',
  'header extension data': '文件头扩展数据',
}

function readAt(fd: number, offset: number, length: number, fileSize: number, what: string): Buffer {
  const whatZh = WHAT_ZH[what] ?? what
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > fileSize)
    throw new Qcow2Invalid(
      bi(
        `${what} lies outside the file (offset ${offset}, ${length} bytes, file ${fileSize} bytes)`,
        `${whatZh}超出文件范围（偏移 ${offset}，${length} 字节，文件 ${fileSize} 字节）`,
      ),
    )
  const buf = Buffer.alloc(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got)
    if (n === 0) break
    got += n
  }
  if (got < length) throw new Qcow2Invalid(bi(`${what} is truncated`, `${whatZh}不完整（文件被截断）`))
  return buf
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64BE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new Qcow2Invalid(
      bi(`64-bit field at byte ${at} is out of range (${v})`, `第 ${at} 字节处的 64 位字段超出范围（${v}）`),
    )
  return Number(v)
}

export async function readQcow2(path: string): Promise<Qcow2Info> {
  const fd = openSync(path, 'r')
  try {
    return parse(fd, fstatSync(fd).size)
  } finally {
    closeSync(fd)
  }
}

function parse(fd: number, fileSize: number): Qcow2Info {
  if (fileSize < 72)
    throw new Qcow2Invalid(
      bi(
        `header too short: the file has ${fileSize} bytes, a qcow2 header needs at least 72`,
        `文件头过短：文件只有 ${fileSize} 字节，qcow2 文件头至少需要 72 字节`,
      ),
    )
  const base = readAt(fd, 0, Math.min(fileSize, 112), fileSize, 'header')
  if (base.readUInt32BE(0) !== QCOW2_MAGIC)
    throw new Qcow2Invalid(bi('bad magic: not a qcow2 file', '魔数错误：不是 qcow2 文件'))
  const version = base.readUInt32BE(4)
  if (version !== 2 && version !== 3)
    throw new Qcow2Invalid(
      bi(`unsupported version ${version} (only 2 and 3 exist)`, `不支持的版本 ${version}（只有版本 2 和 3）`),
    )
  const clusterBits = base.readUInt32BE(20)
  if (clusterBits < 9 || clusterBits > 21)
    throw new Qcow2Invalid(
      bi(`cluster_bits ${clusterBits} is outside 9..21`, `cluster_bits 为 ${clusterBits}，不在 9..21 范围内`),
    )
  const clusterSize = 2 ** clusterBits
  const h: Qcow2Header = {
    version,
    backingFileOffset: u64(base, 8),
    backingFileSize: base.readUInt32BE(16),
    clusterBits,
    clusterSize,
    virtualSize: u64(base, 24),
    cryptMethod: base.readUInt32BE(32),
    l1Size: base.readUInt32BE(36),
    l1TableOffset: u64(base, 40),
    refcountTableOffset: u64(base, 48),
    refcountTableClusters: base.readUInt32BE(56),
    nbSnapshots: base.readUInt32BE(60),
    snapshotsOffset: u64(base, 64),
    incompatibleFeatures: 0n,
    compatibleFeatures: 0n,
    autoclearFeatures: 0n,
    refcountOrder: 4,
    headerLength: 72,
    compressionType: 'zlib',
  }
  if (version === 3) {
    if (base.length < 104)
      throw new Qcow2Invalid(
        bi(
          `header too short: version 3 needs 104 bytes, the file has ${fileSize}`,
          `文件头过短：版本 3 需要 104 字节，文件只有 ${fileSize} 字节`,
        ),
      )
    h.incompatibleFeatures = base.readBigUInt64BE(72)
    h.compatibleFeatures = base.readBigUInt64BE(80)
    h.autoclearFeatures = base.readBigUInt64BE(88)
    h.refcountOrder = base.readUInt32BE(96)
    h.headerLength = base.readUInt32BE(100)
    if (h.headerLength < 104)
      throw new Qcow2Invalid(
        bi(`header_length ${h.headerLength} is below 104`, `header_length 为 ${h.headerLength}，小于 104`),
      )
    if (h.headerLength > clusterSize || h.headerLength > fileSize)
      throw new Qcow2Invalid(
        bi(
          `header_length ${h.headerLength} exceeds the cluster or the file`,
          `header_length 为 ${h.headerLength}，超出了簇大小或文件大小`,
        ),
      )
    if (h.refcountOrder > 6)
      throw new Qcow2Invalid(
        bi(`refcount_order ${h.refcountOrder} is above 6`, `refcount_order 为 ${h.refcountOrder}，大于 6`),
      )
    // as qemu validates it: the compression type byte (when the header is long enough to hold it) is zlib (0)
    // or zstd (1), and the incompatible bit is set exactly when it is not zlib
    const flagged = (h.incompatibleFeatures & INCOMPAT_COMPRESSION) !== 0n
    if (flagged && h.headerLength < 105)
      throw new Qcow2Invalid(
        bi(
          'compression type bit set but the header has no compression type field',
          '设置了压缩类型位，但文件头中没有压缩类型字段',
        ),
      )
    const ct = h.headerLength >= 105 ? base[104] : 0
    if (ct > 1) throw new Qcow2Invalid(bi(`unknown compression type ${ct}`, `未知的压缩类型 ${ct}`))
    if (flagged && ct === 0)
      throw new Qcow2Invalid(
        bi(
          'the compression type incompatible bit is set for zlib, which must not set it',
          '压缩类型为 zlib 却设置了压缩类型不兼容位（zlib 不得设置该位）',
        ),
      )
    if (!flagged && ct !== 0)
      throw new Qcow2Invalid(
        bi('the compression type is zstd but its incompatible bit is not set', '压缩类型为 zstd，但未设置其不兼容位'),
      )
    h.compressionType = ct === 1 ? 'zstd' : 'zlib'
    const unknown = h.incompatibleFeatures & ~INCOMPAT_KNOWN
    if (unknown)
      throw new Qcow2Invalid(
        bi(
          `unknown incompatible feature bits 0x${unknown.toString(16)}: qemu refuses to open it`,
          `未知的不兼容特性位 0x${unknown.toString(16)}：qemu 会拒绝打开它`,
        ),
      )
  }
  if (h.cryptMethod > 2)
    throw new Qcow2Invalid(bi(`unknown encryption method ${h.cryptMethod}`, `未知的加密方式 ${h.cryptMethod}`))
  // Alignment and size problems qemu refuses at open time throw; tables past the end of the file are
  // recorded as problems (qemu-img info still opens such a file, a release must not contain one).
  const problems: Bilingual[] = []
  const l1Bytes = h.l1Size * 8
  // qemu's own caps on table sizes: it refuses larger ones at open, and they bound what a reader allocates
  if (l1Bytes > QCOW_MAX_L1_BYTES)
    throw new Qcow2Invalid(
      bi(
        `the L1 table has ${h.l1Size} entries, more than qemu accepts (${QCOW_MAX_L1_BYTES / 8})`,
        `L1 表有 ${h.l1Size} 项，超过 qemu 接受的上限（${QCOW_MAX_L1_BYTES / 8}）`,
      ),
    )
  if (h.refcountTableClusters * clusterSize > QCOW_MAX_REFTABLE_BYTES)
    throw new Qcow2Invalid(
      bi(
        `the refcount table has ${h.refcountTableClusters} clusters, more than qemu accepts (${QCOW_MAX_REFTABLE_BYTES} bytes)`,
        `引用计数表有 ${h.refcountTableClusters} 个簇，超过 qemu 接受的上限（${QCOW_MAX_REFTABLE_BYTES} 字节）`,
      ),
    )
  if (h.l1Size > 0 && h.l1TableOffset % clusterSize !== 0)
    throw new Qcow2Invalid(
      bi(`L1 table offset ${h.l1TableOffset} is not cluster-aligned`, `L1 表偏移 ${h.l1TableOffset} 未按簇对齐`),
    )
  if (h.l1Size > 0 && h.l1TableOffset + l1Bytes > fileSize)
    problems.push(
      bi(
        `the L1 table (offset ${h.l1TableOffset}, ${h.l1Size} entries) lies outside the file (${fileSize} bytes)`,
        `L1 表（偏移 ${h.l1TableOffset}，${h.l1Size} 项）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  const neededL1 = Math.ceil(
    h.virtualSize / (clusterSize * (clusterSize / (h.incompatibleFeatures & INCOMPAT_EXTL2 ? 16 : 8))),
  )
  if (h.l1Size < neededL1)
    throw new Qcow2Invalid(
      bi(
        `L1 table has ${h.l1Size} entries, ${neededL1} are needed for the virtual size`,
        `L1 表有 ${h.l1Size} 项，而虚拟大小需要 ${neededL1} 项`,
      ),
    )
  if (h.refcountTableOffset % clusterSize !== 0 || h.refcountTableClusters === 0)
    throw new Qcow2Invalid(
      bi(
        `refcount table offset ${h.refcountTableOffset} is not cluster-aligned or the table is empty`,
        `引用计数表偏移 ${h.refcountTableOffset} 未按簇对齐，或该表为空`,
      ),
    )
  if (h.refcountTableOffset + h.refcountTableClusters * clusterSize > fileSize)
    problems.push(
      bi(
        `the refcount table (offset ${h.refcountTableOffset}, ${h.refcountTableClusters} clusters) lies outside the file (${fileSize} bytes)`,
        `引用计数表（偏移 ${h.refcountTableOffset}，${h.refcountTableClusters} 个簇）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  if (h.nbSnapshots > 0 && h.snapshotsOffset % clusterSize !== 0)
    throw new Qcow2Invalid(
      bi(
        `snapshot table offset ${h.snapshotsOffset} is not cluster-aligned`,
        `快照表偏移 ${h.snapshotsOffset} 未按簇对齐`,
      ),
    )
  if (h.nbSnapshots > 0 && h.snapshotsOffset >= fileSize)
    problems.push(
      bi(
        `the snapshot table (offset ${h.snapshotsOffset}) lies outside the file`,
        `快照表（偏移 ${h.snapshotsOffset}）超出文件范围`,
      ),
    )

  const info: Qcow2Info = {
    header: h,
    fileSize,
    backingFile: null,
    backingFormat: null,
    dataFile: null,
    encryption: h.cryptMethod === 1 ? 'aes' : h.cryptMethod === 2 ? 'luks' : null,
    bitmaps: 0,
    featureNames: [],
    problems,
    facts: undefined as unknown as Qcow2Facts,
  }
  if (h.backingFileOffset) {
    if (h.backingFileSize > 1023)
      throw new Qcow2Invalid(
        bi(
          `backing file name length ${h.backingFileSize} is above 1023`,
          `后备文件名长度为 ${h.backingFileSize}，超过 1023`,
        ),
      )
    info.backingFile = readAt(fd, h.backingFileOffset, h.backingFileSize, fileSize, 'backing file name').toString(
      'utf8',
    )
  }
  // Header extensions: between the header and the first cluster (or the backing file name).
  let at = h.headerLength
  const limit = Math.min(fileSize, clusterSize, MAX_HEADER_AREA, h.backingFileOffset || Infinity)
  for (let n = 0; n < 1024 && at + 8 <= limit; n++) {
    const eh = readAt(fd, at, 8, fileSize, 'header extension')
    const type = eh.readUInt32BE(0)
    const len = eh.readUInt32BE(4)
    if (type === EXT_END) break
    if (at + 8 + len > limit)
      throw new Qcow2Invalid(
        bi(
          `header extension 0x${type.toString(16)} (${len} bytes) runs past the header area`,
          `文件头扩展 0x${type.toString(16)}（${len} 字节）超出了文件头区域`,
        ),
      )
    const data = readAt(fd, at + 8, len, fileSize, 'header extension data')
    if (type === EXT_BACKING_FORMAT) info.backingFormat = data.toString('utf8')
    else if (type === EXT_DATA_FILE) info.dataFile = data.toString('utf8')
    else if (type === EXT_BITMAPS && len >= 4) info.bitmaps = data.readUInt32BE(0)
    else if (type === EXT_CRYPTO && len >= 16) {
      const off = u64(data, 0)
      const clen = u64(data, 8)
      if (off + clen > fileSize)
        throw new Qcow2Invalid(bi('full-disk encryption header lies outside the file', '全盘加密头超出文件范围'))
    } else if (type === EXT_FEATURE_NAMES) {
      for (let i = 0; i + 48 <= len; i += 48) {
        const t = data[i]
        info.featureNames.push({
          type: t === 0 ? 'incompatible' : t === 1 ? 'compatible' : 'autoclear',
          bit: data[i + 1],
          name: data
            .subarray(i + 2, i + 48)
            .toString('utf8')
            .replace(/\0+$/, ''),
        })
      }
    }
    at += 8 + Math.ceil(len / 8) * 8
  }
  if (h.incompatibleFeatures & INCOMPAT_DATA_FILE && !info.dataFile) info.dataFile = ''
  // autoclear bit 1, "raw external data", only means something with an external data file
  if (h.autoclearFeatures & AUTOCLEAR_DATA_FILE_RAW && !(h.incompatibleFeatures & INCOMPAT_DATA_FILE))
    throw new Qcow2Invalid(
      bi(
        'the raw external data bit is set but the image has no external data file: qemu refuses to open it',
        '设置了 raw 外部数据位，但镜像没有外部数据文件：qemu 会拒绝打开它',
      ),
    )
  info.facts = {
    version: h.version,
    virtualSize: h.virtualSize,
    clusterSize,
    encryption: info.encryption,
    backingFile: info.backingFile,
    backingFormat: info.backingFormat,
    dataFile: info.dataFile,
    compressionType: h.compressionType,
    refcountBits: 2 ** h.refcountOrder,
    extendedL2: (h.incompatibleFeatures & INCOMPAT_EXTL2) !== 0n,
    lazyRefcounts: (h.compatibleFeatures & COMPAT_LAZY_REFCOUNTS) !== 0n,
    dirty: (h.incompatibleFeatures & INCOMPAT_DIRTY) !== 0n,
    corrupt: (h.incompatibleFeatures & INCOMPAT_CORRUPT) !== 0n,
    snapshots: h.nbSnapshots,
    bitmaps: info.bitmaps,
  }
  return info
}
