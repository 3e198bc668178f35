// zip for the entry pass, through yauzl (zip64 included): the central directory is read first, so entry
// counts, declared sizes and overlapping entries (the overlapping-file zip bomb) are judged before any data
// is inflated; then each entry is streamed once with its CRC-32 verified (yauzl checks sizes, not CRCs).
// Names are decoded here, not by yauzl, so an unsafe name becomes a finding instead of ending the read.
import { open, type FileHandle } from 'node:fs/promises'
import { Transform, type Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { bi } from '../../src-preload/text'
import { damage, reasonError } from './reasons'
import { displayPath } from './paths'
import type { Container, ContainerWalker, EntryType, WalkEntry } from './types'

const S_IFMT = 0o170000
const MODE_TYPES: Record<number, EntryType> = {
  0o120000: 'symlink',
  0o020000: 'char-device',
  0o060000: 'block-device',
  0o010000: 'fifo',
  0o140000: 'socket',
  0o040000: 'directory',
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false },
      (err, zip) => (err ? reject(err) : resolve(zip!)),
    ),
  )
}

function readEntries(zip: ZipFile, max: number): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = []
    zip.on('entry', (e: Entry) => {
      entries.push(e)
      if (entries.length > max) return resolve(entries)
      zip.readEntry()
    })
    zip.on('end', () => resolve(entries))
    zip.on('error', reject)
    zip.readEntry()
  })
}

function openStream(zip: ZipFile, e: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s!))))
}

function decodeName(e: Entry): string {
  const raw = e.fileName as unknown as Buffer
  return (e.generalPurposeBitFlag & 0x800) !== 0 ? raw.toString('utf8') : raw.toString('latin1')
}

function crcChecker(expected: number, name: string): Transform {
  let crc = 0
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      crc = crc32(chunk, crc)
      cb(null, chunk)
    },
    flush(cb) {
      cb(
        crc >>> 0 === expected >>> 0
          ? null
          : reasonError(
              bi(
                `CRC-32 mismatch for "${name}" (stored ${(expected >>> 0).toString(16)}, actual ${(crc >>> 0).toString(16)})`,
                `“${name}”的 CRC-32 不符（记录值 ${(expected >>> 0).toString(16)}，实际值 ${(crc >>> 0).toString(16)}）`,
              ),
            ),
      )
    },
  })
}

export async function walkZipFile(
  p: ContainerWalker,
  path: string,
  location: string,
  depth: number,
  progress?: (bytes: number) => void,
): Promise<Container> {
  const c = p.container(location, depth, 'zip')
  let zip: ZipFile
  try {
    zip = await openZip(path)
  } catch (err) {
    const why = damage(err)
    p.report('archive.corrupt', location, bi(`zip structure is damaged: ${why.en}`, `zip 结构已损坏：${why.zh}`))
    return c
  }
  try {
    if (zip.entryCount > p.limits.maxEntries) {
      p.stop(
        'archive.bomb',
        location,
        bi(
          `The zip declares ${zip.entryCount.toLocaleString('en')} entries (more than ${p.limits.maxEntries.toLocaleString('en')}): treated as a decompression bomb.`,
          `该 zip 声明了 ${zip.entryCount.toLocaleString('en')} 个条目（超过 ${p.limits.maxEntries.toLocaleString('en')} 个），按解压炸弹处理。`,
        ),
      )
      return c
    }
    let entries: Entry[]
    try {
      entries = await readEntries(zip, p.limits.maxEntries)
    } catch (err) {
      const why = damage(err)
      p.report(
        'archive.corrupt',
        location,
        bi(`zip central directory is damaged: ${why.en}`, `zip 中央目录已损坏：${why.zh}`),
      )
      return c
    }
    if (entries.length === 0 && depth === 0)
      p.report('package.empty', location, bi('The zip has no entries.', '该 zip 中没有任何条目。'))
    // Declared totals and overlapping entries, before anything is inflated.
    const declared = entries.reduce((n, e) => n + e.uncompressedSize, 0)
    if (declared > p.limits.maxExpandedBytes) {
      p.stop(
        'archive.bomb',
        location,
        bi(
          `The zip declares ${declared.toLocaleString('en')} bytes of content, more than 10× the profile's size limit.`,
          `该 zip 声明的内容共 ${declared.toLocaleString('en')} 字节，超过该配置文件大小上限的 10 倍。`,
        ),
      )
      return c
    }
    const fileSize = zip.fileSize
    for (const e of entries) {
      if (e.relativeOffsetOfLocalHeader + 30 + e.compressedSize > fileSize) {
        p.report(
          'archive.corrupt',
          location,
          bi(
            `Entry "${decodeName(e)}" claims data beyond the end of the file (${(e.relativeOffsetOfLocalHeader + e.compressedSize).toLocaleString('en')} > ${fileSize.toLocaleString('en')} bytes).`,
            `条目“${decodeName(e)}”声明的数据超出了文件末尾（${(e.relativeOffsetOfLocalHeader + e.compressedSize).toLocaleString('en')} > ${fileSize.toLocaleString('en')} 字节）。`,
          ),
        )
        return c
      }
    }
    const byOffset = [...entries].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader)
    for (let i = 1; i < byOffset.length; i++) {
      const prev = byOffset[i - 1]
      const prevEnd =
        prev.relativeOffsetOfLocalHeader + 30 + (prev.fileName as unknown as Buffer).length + prev.compressedSize
      if (byOffset[i].relativeOffsetOfLocalHeader < prevEnd) {
        p.stop(
          'archive.bomb',
          location,
          bi(
            `Entries "${decodeName(prev)}" and "${decodeName(byOffset[i])}" overlap in the file: an overlapping-entry zip bomb.`,
            `条目“${decodeName(prev)}”与“${decodeName(byOffset[i])}”在文件中相互重叠，属于条目重叠型 zip 炸弹。`,
          ),
        )
        return c
      }
    }
    const fh = await open(path, 'r')
    try {
      for (const e of entries) {
        if (p.isStopped) break
        await checkLocalHeader(p, c, fh, e)
        await feedZipEntry(p, c, zip, e)
        progress?.(e.relativeOffsetOfLocalHeader + e.compressedSize)
      }
    } finally {
      await fh.close()
    }
  } finally {
    zip.close()
  }
  p.noteContainer(c)
  return c
}

/** The local header repeats the central directory's CRC and sizes (unless a data descriptor follows): they must agree. */
async function checkLocalHeader(p: ContainerWalker, c: Container, fh: FileHandle, e: Entry): Promise<void> {
  const buf = Buffer.alloc(30)
  const { bytesRead } = await fh.read(buf, 0, 30, e.relativeOffsetOfLocalHeader)
  const loc = `${c.location}!${displayPath(decodeName(e))}`
  if (bytesRead < 30 || buf.readUInt32LE(0) !== 0x04034b50) return // yauzl reports a bad local header when the entry is read
  const flags = buf.readUInt16LE(6)
  if (flags & 8) return
  const crc = buf.readUInt32LE(14)
  if (crc !== e.crc32 >>> 0)
    p.report(
      'archive.corrupt',
      loc,
      bi(
        `CRC-32 in the local header (${crc.toString(16)}) differs from the central directory (${(e.crc32 >>> 0).toString(16)}).`,
        `本地文件头中的 CRC-32（${crc.toString(16)}）与中央目录中的（${(e.crc32 >>> 0).toString(16)}）不一致。`,
      ),
    )
}

async function feedZipEntry(p: ContainerWalker, c: Container, zip: ZipFile, e: Entry): Promise<void> {
  const raw = decodeName(e)
  const unixMode = e.versionMadeBy >> 8 === 3 ? e.externalFileAttributes >>> 16 : 0
  let type: EntryType = raw.endsWith('/') || raw.endsWith('\\') ? 'directory' : 'file'
  if (unixMode) type = MODE_TYPES[unixMode & S_IFMT] ?? type
  const entry: WalkEntry = {
    path: raw,
    location: `${c.location}!${displayPath(raw)}`,
    type,
    size: e.uncompressedSize,
    mode: unixMode ? unixMode & 0o7777 : null,
    depth: c.depth,
    container: 'zip',
    mtime: e.getLastModDate(),
  }
  const encrypted = (e.generalPurposeBitFlag & 1) !== 0
  if (encrypted) {
    p.report(
      'archive.encrypted',
      entry.location,
      bi(
        `"${raw}" is encrypted${e.compressionMethod === 99 ? ' (AES)' : ' (ZipCrypto)'}: the marketplace scanner cannot read it.`,
        `“${raw}”已加密（${e.compressionMethod === 99 ? 'AES' : 'ZipCrypto'}），云商店的扫描器无法读取。`,
      ),
    )
    return p.feed(c, entry, null, raw)
  }
  if (
    e.uncompressedSize > p.limits.ratioMinBytes &&
    e.uncompressedSize > Math.max(1, e.compressedSize) * p.limits.maxRatio
  ) {
    p.report(
      'archive.bomb',
      entry.location,
      bi(
        `"${raw}" expands ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1 (${e.uncompressedSize.toLocaleString('en')} bytes): treated as a decompression bomb.`,
        `“${raw}”的解压比为 ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1（${e.uncompressedSize.toLocaleString('en')} 字节），按解压炸弹处理。`,
      ),
    )
    return p.feed(c, entry, null, raw)
  }
  if (type === 'symlink') {
    try {
      const chunks: Buffer[] = []
      for await (const chunk of (await openStream(zip, e)).pipe(crcChecker(e.crc32, raw))) chunks.push(chunk as Buffer)
      entry.linkTarget = Buffer.concat(chunks).toString('utf8')
    } catch (err) {
      const why = damage(err)
      p.report(
        'archive.corrupt',
        entry.location,
        bi(`Symlink "${raw}" cannot be read: ${why.en}`, `无法读取符号链接“${raw}”：${why.zh}`),
      )
    }
    return p.feed(c, entry, null, raw)
  }
  if (type !== 'file') return p.feed(c, entry, null, raw)
  if (e.compressionMethod !== 0 && e.compressionMethod !== 8) {
    p.report(
      'archive.nested-unscanned',
      entry.location,
      bi(
        `"${raw}" uses zip compression method ${e.compressionMethod}, which Preflight cannot read: its content was not checked.`,
        `“${raw}”使用 Preflight 无法读取的 zip 压缩方法 ${e.compressionMethod}，其内容未经检查。`,
      ),
      { format: `zip-method-${e.compressionMethod}` },
    )
    return p.feed(c, entry, null, raw)
  }
  let stream: Readable
  try {
    stream = await openStream(zip, e)
  } catch (err) {
    const why = damage(err)
    p.report('archive.corrupt', entry.location, bi(`"${raw}" cannot be read: ${why.en}`, `无法读取“${raw}”：${why.zh}`))
    return p.feed(c, entry, null, raw)
  }
  const checked = crcChecker(e.crc32, raw)
  stream.on('error', (err) => checked.destroy(err))
  await p.feed(c, entry, stream.pipe(checked), raw)
}
