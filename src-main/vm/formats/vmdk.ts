// VMDK: a hosted sparse extent ('KDMV' header: capacity, grain size, grain directory and tables, flags for
// compressed grains and grain markers, the embedded text descriptor with createType and parent) or a text
// descriptor file ('# Disk DescriptorFile' naming extent files). monolithicSparse and streamOptimized
// (deflate-compressed grains behind 12-byte markers; the grain directory may be in the footer, "GD at end")
// can be read, and so can descriptor files whose extents are FLAT (raw, monolithicFlat/twoGbMaxExtentFlat),
// hosted SPARSE (twoGbMaxExtentSparse) or ZERO, found next to the descriptor (a name that is absolute or
// leaves that folder is refused); images with a parent are refused. Every grain directory, grain table,
// grain offset and extent range is bounds-checked against its file.
import { stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path'
import { inflateSync } from 'node:zlib'
import { PreflightError } from '../../../src-preload/errors'
import { openRawDevice, sliceDevice, type BlockDevice } from '../block'
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

const MAGIC = 'KDMV'
const GD_AT_END = 0xffffffffffffffffn
const FLAG_ZERO_GTE = 1 << 2
const FLAG_COMPRESSED = 1 << 16
const FLAG_MARKERS = 1 << 17
const MAX_DESCRIPTOR = 1024 * 1024

export interface VmdkDescriptor {
  createType: string | null
  parent: string | null
  /** Extent lines: size and (FLAT) start offset in sectors. */
  extents: Array<{ access: string; sectors: number; type: string; file: string | null; offset: number }>
}

export interface VmdkInfo {
  facts: ImageFacts
  problems: Bilingual[]
  /** null for a text descriptor file. */
  sparse: null | {
    capacity: number
    grainSize: number
    gtes: number
    gdOffset: number
    gdEntries: number
    flags: number
  }
  descriptor: VmdkDescriptor | null
}

export function parseDescriptor(text: string): VmdkDescriptor {
  const d: VmdkDescriptor = { createType: null, parent: null, extents: [] }
  let parentCid: string | null = null
  for (const line of text.split(/\r?\n/).slice(0, 10_000)) {
    const kv = /^\s*([A-Za-z][\w.]*)\s*=\s*"?([^"]*)"?\s*$/.exec(line)
    if (kv) {
      if (kv[1] === 'createType') d.createType = kv[2]
      else if (kv[1] === 'parentFileNameHint') d.parent = kv[2]
      else if (kv[1] === 'parentCID') parentCid = kv[2].toLowerCase()
      continue
    }
    const ext = /^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?/.exec(line)
    if (ext)
      d.extents.push({
        access: ext[1],
        sectors: Number(ext[2]),
        type: ext[3],
        file: ext[4] ?? null,
        offset: Number(ext[5] ?? 0),
      })
  }
  if (d.parent === null && parentCid !== null && parentCid !== 'ffffffff') d.parent = ''
  return d
}

async function parse(fh: FileHandle, fileSize: number): Promise<VmdkInfo> {
  const head = await readAt(fh, 0, Math.min(fileSize, 512), fileSize, 'VMDK header')
  if (head.toString('latin1', 0, 4) !== MAGIC) {
    if (!head.toString('latin1').startsWith('# Disk DescriptorFile'))
      throw new ImageInvalid(
        bi(
          'neither a "KDMV" sparse header nor a "# Disk DescriptorFile" descriptor',
          '既没有“KDMV”稀疏文件头，也没有“# Disk DescriptorFile”描述符',
        ),
      )
    if (fileSize > MAX_DESCRIPTOR)
      throw new ImageInvalid(
        bi(`a ${fileSize}-byte text descriptor is too large`, `文本描述符有 ${fileSize} 字节，过大`),
      )
    const d = parseDescriptor((await readAt(fh, 0, fileSize, fileSize, 'VMDK descriptor')).toString('latin1'))
    if (!d.extents.length) throw new ImageInvalid(bi('the descriptor names no extent', '描述符中没有列出任何 extent'))
    const virtualSize = d.extents.reduce((s, e) => s + e.sectors * 512, 0)
    if (!Number.isSafeInteger(virtualSize) || virtualSize > MAX_VIRTUAL)
      throw new ImageInvalid(bi(`virtual size ${virtualSize} is out of range`, `虚拟大小 ${virtualSize} 超出范围`))
    const extentFiles = d.extents.flatMap((e) => (e.file ? [e.file] : []))
    return {
      facts: {
        format: 'vmdk',
        subformat: d.createType,
        virtualSize,
        allocatedSize: null,
        clusterSize: null,
        fileSize,
        parent: d.parent,
        compressed: false,
        extentFiles,
      },
      problems: [],
      sparse: null,
      descriptor: d,
    }
  }
  if (head.length < 512)
    throw new ImageInvalid(
      bi(
        `the file has ${fileSize} bytes, a VMDK sparse header needs 512`,
        `文件只有 ${fileSize} 字节，VMDK 稀疏文件头需要 512 字节`,
      ),
    )
  let h = head
  const version = h.readUInt32LE(4)
  if (version < 1 || version > 3)
    throw new ImageInvalid(bi(`unsupported VMDK version ${version}`, `不支持的 VMDK 版本 ${version}`))
  const descOffset = u64le(h, 28, 'descriptor offset')
  const descSize = u64le(h, 36, 'descriptor size')
  let descriptor: VmdkDescriptor | null = null
  if (descOffset && descSize) {
    if (descSize * 512 > MAX_DESCRIPTOR)
      throw new ImageInvalid(
        bi(`embedded descriptor of ${descSize} sectors is too large`, `内嵌描述符有 ${descSize} 个扇区，过大`),
      )
    descriptor = parseDescriptor(
      (await readAt(fh, descOffset * 512, descSize * 512, fileSize, 'embedded descriptor'))
        .toString('latin1')
        .replace(/\0.*$/s, ''),
    )
  }
  if (h.readBigUInt64LE(56) === GD_AT_END) {
    // stream-optimized images written as a stream keep the real header in a footer: 1024 bytes before the end
    if (fileSize < 1536)
      throw new ImageInvalid(
        bi('the grain directory is at the end but the file has no footer', '粒度目录位于文件末尾，但文件没有尾部'),
      )
    h = await readAt(fh, fileSize - 1024, 512, fileSize, 'VMDK footer')
    if (h.toString('latin1', 0, 4) !== MAGIC || h.readBigUInt64LE(56) === GD_AT_END)
      throw new ImageInvalid(
        bi(
          'the grain directory is at the end but the footer is missing or gives no directory',
          '粒度目录位于文件末尾，但尾部缺失或未给出目录',
        ),
      )
  }
  const flags = h.readUInt32LE(8)
  const capacity = u64le(h, 12, 'capacity')
  const grainSize = u64le(h, 20, 'grain size')
  const gtes = h.readUInt32LE(44)
  const gdOffset = u64le(h, 56, 'grain directory offset')
  const compressAlgorithm = h.readUInt16LE(77)
  if (grainSize < 1 || grainSize > 0x200000 || (grainSize & (grainSize - 1)) !== 0)
    throw new ImageInvalid(
      bi(
        `grain size ${grainSize} sectors is not a power of two up to 1 GiB`,
        `粒度大小 ${grainSize} 个扇区不是不超过 1 GiB 的 2 的幂`,
      ),
    )
  if (gtes < 1 || gtes > 512)
    throw new ImageInvalid(
      bi(`${gtes} entries per grain table is outside 1..512`, `每个粒度表 ${gtes} 项，不在 1..512 范围内`),
    )
  const virtualSize = capacity * 512
  if (virtualSize > MAX_VIRTUAL)
    throw new ImageInvalid(bi(`capacity ${capacity} sectors is out of range`, `容量 ${capacity} 个扇区超出范围`))
  const compressed = (flags & FLAG_COMPRESSED) !== 0
  if (compressed && compressAlgorithm !== 1)
    throw new ImageInvalid(
      bi(`unknown grain compression algorithm ${compressAlgorithm}`, `未知的粒度压缩算法 ${compressAlgorithm}`),
    )
  const gdEntries = Math.ceil(capacity / (grainSize * gtes))
  if (gdOffset * 512 + gdEntries * 4 > fileSize)
    throw new ImageInvalid(
      bi(
        `the grain directory (sector ${gdOffset}, ${gdEntries} entries) lies outside the file (${fileSize} bytes)`,
        `粒度目录（扇区 ${gdOffset}，${gdEntries} 项）超出文件范围（文件 ${fileSize} 字节）`,
      ),
    )
  const facts: ImageFacts = {
    format: 'vmdk',
    subformat: descriptor?.createType ?? (compressed ? 'streamOptimized' : 'monolithicSparse'),
    virtualSize,
    allocatedSize: null,
    clusterSize: grainSize * 512,
    fileSize,
    parent: descriptor?.parent ?? null,
    compressed,
  }
  return { facts, problems: [], sparse: { capacity, grainSize, gtes, gdOffset, gdEntries, flags }, descriptor }
}

/** Grain directory and a grain-table reader (bounded cache). */
async function grainMap(fh: FileHandle, fileSize: number, s: NonNullable<VmdkInfo['sparse']>) {
  const gdRaw = await readAt(fh, s.gdOffset * 512, s.gdEntries * 4, fileSize, 'grain directory')
  const gd = new Uint32Array(s.gdEntries)
  for (let i = 0; i < s.gdEntries; i++) gd[i] = gdRaw.readUInt32LE(i * 4)
  const cache = new Map<number, Uint32Array>()
  return async (gdIndex: number): Promise<Uint32Array | null> => {
    const sector = gd[gdIndex]
    if (!sector) return null
    let t = cache.get(gdIndex)
    if (!t) {
      const raw = await readAt(fh, sector * 512, s.gtes * 4, fileSize, `grain table ${gdIndex}`)
      t = new Uint32Array(s.gtes)
      for (let i = 0; i < s.gtes; i++) t[i] = raw.readUInt32LE(i * 4)
      if (cache.size >= 1024) cache.delete(cache.keys().next().value!)
      cache.set(gdIndex, t)
    }
    return t
  }
}

export async function readVmdk(path: string, opts: { allocation?: boolean } = {}): Promise<VmdkInfo> {
  return withImageFile(path, async (fh, fileSize) => {
    const info = await parse(fh, fileSize)
    const s = info.sparse
    if (s && opts.allocation !== false) {
      // allocated grains: metadata only (one grain table read per directory entry)
      const table = await grainMap(fh, fileSize, s)
      let grains = 0
      for (let i = 0; i < s.gdEntries; i++) {
        const t = await table(i).catch((err) => {
          if (err instanceof ImageInvalid) info.problems.push(bi(err.message, err.messageZh ?? err.message))
          else throw err
          return null
        })
        if (t) for (const e of t) if (e > 1 || (e === 1 && !(s.flags & FLAG_ZERO_GTE))) grains++
      }
      info.facts.allocatedSize = Math.min(info.facts.virtualSize, grains * s.grainSize * 512)
    }
    return info
  })
}

export async function openVmdkDevice(path: string): Promise<BlockDevice> {
  return openVmdkFile(path, 'disk')
}

/**
 * A vmdk file as a device, its header parsed once: a hosted sparse extent (monolithicSparse, streamOptimized, or
 * as `extent` one extent of a twoGbMaxExtentSparse disk) is read through its grain tables; a descriptor file
 * (as `disk` only) through the extent files it names.
 */
async function openVmdkFile(path: string, role: 'disk' | 'extent'): Promise<BlockDevice> {
  return deviceOverFile(path, async (fh, fileSize) => {
    const info = await parse(fh, fileSize)
    const s = info.sparse
    if (!s) {
      if (role === 'extent')
        throw new ImageInvalid(
          bi(`the extent ${basename(path)} is not a sparse extent`, `extent ${basename(path)} 不是稀疏 extent`),
        )
      await fh.close()
      return openExtents(path, info)
    }
    if (role === 'disk' && info.facts.parent !== null) throw dependsOnParent(info.facts.parent)
    const table = await grainMap(fh, fileSize, s)
    const grainBytes = s.grainSize * 512
    const compressed = info.facts.compressed
    const markers = (s.flags & FLAG_MARKERS) !== 0
    let lastGrain = -1
    let lastData: Buffer | null = null
    const wrap = (err: unknown) =>
      err instanceof ImageInvalid
        ? new PreflightError('unreadable', bi(err.message, err.messageZh ?? err.message))
        : err
    return blockMappedDevice(
      info.facts.virtualSize,
      grainBytes,
      async (g, within, n) => {
        const t = await table(Math.floor(g / s.gtes)).catch((err) => {
          throw wrap(err)
        })
        if (!t) return null
        const sector = t[g % s.gtes]
        if (sector <= 1) return null // 0 unallocated, 1 zeroed grain
        const off = sector * 512
        if (!compressed) {
          if (off + within + n > fileSize)
            throw new PreflightError(
              'unreadable',
              bi(
                `VMDK grain ${g} (offset ${off}) lies outside the file`,
                `VMDK 粒度块 ${g}（偏移 ${off}）超出文件范围`,
              ),
            )
          const buf = Buffer.alloc(n)
          await readInto(fh, buf, off + within)
          return buf
        }
        if (g !== lastGrain) {
          // a compressed grain: [lba u64, size u32] marker (when markers are on), then zlib data
          let dataOff = off
          let len: number
          if (markers) {
            const m = await readAt(fh, off, 12, fileSize, `grain ${g} marker`).catch((err) => {
              throw wrap(err)
            })
            len = m.readUInt32LE(8)
            dataOff = off + 12
          } else len = Math.min(fileSize - off, grainBytes * 2)
          if (len === 0 || len > grainBytes * 2 || dataOff + len > fileSize)
            throw new PreflightError(
              'unreadable',
              bi(
                `VMDK compressed grain ${g} (offset ${off}, ${len} bytes) is out of range`,
                `VMDK 压缩粒度块 ${g}（偏移 ${off}，${len} 字节）超出范围`,
              ),
            )
          const packed = Buffer.alloc(len)
          await readInto(fh, packed, dataOff)
          let data: Buffer
          try {
            data = inflateSync(packed, { maxOutputLength: grainBytes, finishFlush: 2 })
          } catch (err) {
            throw new PreflightError(
              'unreadable',
              bi(
                `VMDK compressed grain ${g} cannot be inflated: ${(err as Error).message}`,
                `VMDK 压缩粒度块 ${g} 无法解压，数据已损坏`,
              ),
            )
          }
          lastGrain = g
          lastData = data
        }
        return lastData!.subarray(within, within + n)
      },
      () => fh.close(),
    )
  })
}

const EXTENT_TYPES = new Set(['FLAT', 'VMFS', 'SPARSE', 'ZERO'])

function dependsOnParent(parent: string): PreflightError {
  return new PreflightError(
    'invalid-input',
    bi(
      `This VMDK depends on a parent image${parent ? ` ("${parent}")` : ''}: convert it with qemu-img convert -O qcow2 (with the parent next to it) first.`,
      `该 VMDK 依赖父镜像${parent ? `（“${parent}”）` : ''}：请先用 qemu-img convert -O qcow2 转换（父镜像须放在同一位置）。`,
    ),
  )
}

/**
 * The disk of a descriptor file: its extents, in order, each a byte range of the virtual disk. FLAT/VMFS
 * extents are raw ranges of their file (from their start sector), SPARSE ones hosted sparse extent files,
 * ZERO ones zeros. Extent files are looked up next to the descriptor only.
 */
async function openExtents(path: string, info: VmdkInfo): Promise<BlockDevice> {
  const d = info.descriptor!
  const name = basename(path)
  const refuse = (why: Bilingual) =>
    new PreflightError(
      'invalid-input',
      bi(
        `${name} is a VMDK descriptor file (${d.createType ?? 'no createType'}) ${why.en}: convert it with qemu-img convert -O qcow2 first.`,
        `${name} 是 VMDK 描述符文件（${d.createType ?? '无 createType'}），${why.zh}：请先用 qemu-img convert -O qcow2 转换。`,
      ),
    )
  if (info.facts.parent !== null) throw dependsOnParent(info.facts.parent)
  const folder = dirname(path)
  const parts: Array<{ start: number; size: number; dev: BlockDevice | null }> = []
  const closeAll = () => Promise.allSettled(parts.map((p) => p.dev?.close()))
  try {
    let start = 0
    for (const e of d.extents) {
      const size = e.sectors * 512
      if (!EXTENT_TYPES.has(e.type))
        throw refuse(bi(`with a ${e.type} extent, which is not read here`, `含有此处不读取的 ${e.type} extent`))
      if (e.type === 'ZERO') {
        parts.push({ start, size, dev: null })
        start += size
        continue
      }
      if (!e.file) throw new ImageInvalid(bi(`a ${e.type} extent names no file`, `${e.type} extent 没有指明文件`))
      const file = normalize(join(folder, e.file))
      if (isAbsolute(e.file) || !file.startsWith(folder + sep))
        throw new ImageInvalid(
          bi(
            `the extent file "${e.file}" is not in the descriptor's folder`,
            `extent 文件“${e.file}”不在描述符所在的文件夹中`,
          ),
        )
      const st = await stat(file).catch(() => null)
      if (!st?.isFile())
        throw refuse(bi(`whose extent file "${e.file}" is not next to it`, `其 extent 文件“${e.file}”不在同一文件夹中`))
      if (e.type === 'SPARSE') {
        const dev = await openVmdkFile(file, 'extent')
        parts.push({ start, size, dev })
        if (dev.size < size)
          throw new ImageInvalid(
            bi(
              `the sparse extent "${e.file}" holds ${dev.size} bytes, the descriptor says ${size}`,
              `稀疏 extent“${e.file}”有 ${dev.size} 字节，而描述符写的是 ${size} 字节`,
            ),
          )
      } else {
        const from = e.offset * 512
        if (from + size > st.size)
          throw new ImageInvalid(
            bi(
              `the flat extent "${e.file}" (${st.size} bytes) is shorter than its ${size} bytes from sector ${e.offset}`,
              `flat extent“${e.file}”（${st.size} 字节）短于其从扇区 ${e.offset} 起的 ${size} 字节`,
            ),
          )
        const raw = await openRawDevice(file)
        parts.push({
          start,
          size,
          dev: from === 0 && raw.size === size ? raw : { ...sliceDevice(raw, from, size), close: () => raw.close() },
        })
      }
      start += size
    }
  } catch (err) {
    await closeAll()
    throw err
  }
  const size = info.facts.virtualSize
  const readInto = async (target: Buffer, offset: number, length: number): Promise<number> => {
    const end = Math.min(size, offset + length, offset + target.length)
    for (const p of parts) {
      const from = Math.max(offset, p.start)
      const to = Math.min(end, p.start + p.size)
      if (from >= to) continue
      const at = from - offset
      if (!p.dev) target.fill(0, at, at + (to - from))
      else (await p.dev.read(from - p.start, to - from)).copy(target, at)
    }
    return Math.max(0, end - offset)
  }
  return {
    size,
    async read(offset, length) {
      const out = Buffer.alloc(Math.max(0, Math.min(size, offset + length) - offset))
      await readInto(out, offset, out.length)
      return out
    },
    readInto,
    close: async () => void (await closeAll()),
  }
}
