// tar, tar.gz, .gz and zstd streams for the entry pass: gunzip or zstd decompression (counting compressed and
// expanded bytes for the bomb ratio), node-tar's Parser for headers (pax, GNU long names, checksums), each
// entry fed to the pipeline in order. A zstd stream is a tar when its first decompressed block is a tar
// header, else one compressed file. Header damage and truncation become archive.corrupt at the archive's
// location; a zstd frame asking for an oversized window is archive.nested-unscanned.
import { once } from 'node:events'
import { Readable, Transform } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { Parser, type ReadEntry } from 'tar'
import { PreflightError } from '../../src-preload/errors'
import { bi, type Bilingual } from '../../src-preload/text'
import { damage } from './reasons'
import { isWhiteout } from './whiteouts'
import { displayPath } from './paths'
import { looksLikeTar } from './sniff'
import { createZstdDecompress, ZstdWindowError } from './zstd'
import type { Container, ContainerWalker, EntryType, WalkEntry } from './types'

const TYPES: Record<string, EntryType> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
  CharacterDevice: 'char-device',
  BlockDevice: 'block-device',
  FIFO: 'fifo',
}

// gunzip output in 4 MiB chunks: each chunk is a fresh buffer and a main-thread callback, and with 1 MiB ones
// those callbacks and the garbage collection of the buffers cost a container bundle's inspect about 10% more
const GUNZIP_CHUNK = 4 * 1024 * 1024

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length)
      cb(null, chunk)
    },
  })
}

/** Chunks from `it` until they hold at least `n` bytes or it ends (then `ended`). */
export async function takeHead(
  it: AsyncIterator<Buffer>,
  n: number,
): Promise<{ parts: Buffer[]; length: number; ended: boolean }> {
  const parts: Buffer[] = []
  let length = 0
  while (length < n) {
    const r = await it.next()
    if (r.done) return { parts, length, ended: true }
    parts.push(r.value)
    length += r.value.length
  }
  return { parts, length, ended: false }
}

/** The first `n` bytes of a stream (fewer if it ends first), and a stream of all its bytes. */
async function peek(src: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const { parts, ended } = await takeHead(it, n)
  const head = Buffer.concat(parts)
  const rest = async function* () {
    if (head.length) yield head
    if (!ended) for (let r = await it.next(); !r.done; r = await it.next()) yield r.value
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) }
}

export async function walkTarStream(
  p: ContainerWalker,
  source: Readable,
  location: string,
  depth: number,
  kind: 'tar' | 'tar.gz' | 'gzip' | 'zstd',
  fileName?: string,
  containerKind = 'tar',
): Promise<Container> {
  let decoder: Transform | null = null
  try {
    return await walk(p, source, location, depth, kind, fileName, containerKind, (d) => (decoder = d))
  } finally {
    // a walk that stopped early (bomb, damage, cancel) leaves its decompressor paused: end it (a zstd stream
    // gives its window memory back)
    const d = decoder as Transform | null
    if (d && !d.destroyed) d.destroy()
  }
}

async function walk(
  p: ContainerWalker,
  source: Readable,
  location: string,
  depth: number,
  kind: 'tar' | 'tar.gz' | 'gzip' | 'zstd',
  fileName: string | undefined,
  containerKind: string,
  onDecoder: (d: Transform) => void,
): Promise<Container> {
  const c = p.container(location, depth, containerKind)
  let compressed = 0
  let expanded = 0
  let tarInput: Readable = source
  // set from the decompressor's error handler (a callback: typed so that checks below are not narrowed away)
  let decodeError = null as Error | null
  let bombed = false
  if (kind !== 'tar') {
    const decoder = kind === 'zstd' ? createZstdDecompress() : createGunzip({ chunkSize: GUNZIP_CHUNK })
    onDecoder(decoder)
    const inCount = counter((n) => (compressed += n))
    const outCount = counter((n) => {
      expanded += n
      if (expanded > p.limits.ratioMinBytes && expanded > compressed * p.limits.maxRatio) {
        p.report(
          'archive.bomb',
          location,
          bi(
            `Expands more than ${p.limits.maxRatio}:1 (${expanded.toLocaleString('en')} bytes from ${compressed.toLocaleString('en')}): treated as a decompression bomb.`,
            `解压比超过 ${p.limits.maxRatio}:1（由 ${compressed.toLocaleString('en')} 字节解压出 ${expanded.toLocaleString('en')} 字节），按解压炸弹处理。`,
          ),
        )
        bombed = true
        outCount.destroy(new BombError())
      }
    })
    source.on('error', (e) => inCount.destroy(e))
    decoder.on('error', (e) => {
      decodeError = e
      outCount.end()
    })
    source.pipe(inCount).pipe(decoder).pipe(outCount)
    inCount.on('error', (e) => decoder.destroy(e))
    tarInput = outCount
  }

  const reportWindow = (err: ZstdWindowError) =>
    p.report(
      'archive.nested-unscanned',
      location,
      bi(
        `The zstd data cannot be decompressed within bounded memory (${err.message}): what follows was not checked.`,
        `zstd 数据无法在有限内存内解压（${damage(err).zh}），其后的内容未经检查。`,
      ),
      { format: 'zstd' },
    )
  let single = kind === 'gzip'
  const compression = kind === 'zstd' ? 'zstd' : 'gzip'
  if (kind === 'zstd') {
    // a tar if its first 512 decompressed bytes are a tar header, else one compressed file
    const { head, stream } = await peek(tarInput, 512)
    tarInput = stream
    single = !(head.length >= 512 && looksLikeTar(head))
    if (decodeError instanceof ZstdWindowError) {
      reportWindow(decodeError)
      p.noteContainer(c, null)
      return c
    }
  }
  if (single) {
    // a single compressed file: one entry named like the file without .gz / .zst
    const name = decompressedName(fileName ?? '') || 'content'
    const entry: WalkEntry = {
      path: name,
      location: `${location}!${name}`,
      type: 'file',
      size: 0,
      mode: null,
      depth,
      container: 'gzip',
    }
    try {
      await p.feed(c, entry, tarInput)
    } catch (err) {
      if (!(err instanceof BombError)) throw err
    }
    if (decodeError instanceof ZstdWindowError) reportWindow(decodeError)
    else if (decodeError && !bombed) {
      const why = damage(decodeError)
      p.report(
        'archive.corrupt',
        location,
        bi(`${compression} data is damaged: ${why.en}`, `${compression} 数据已损坏：${why.zh}`),
      )
    }
    return c
  }

  const parser = new Parser({ strict: false })
  let sawEntry = false
  let sawNonZero = false
  const problems: Bilingual[] = []
  parser.on('warn', (code: string, message: string | Error) => {
    const text = typeof message === 'string' ? message : message.message
    if (code === 'TAR_BAD_ARCHIVE' && /Unrecognized archive format/.test(text) && !sawNonZero) return
    problems.push(damage(typeof message === 'string' ? new Error(message) : message))
  })
  let chain: Promise<void> = Promise.resolve()
  let failure: unknown = null
  // a failed entry (a cancel, above all) ends the walk now: the rest of the tar is not read to its end first
  let fail: (err: unknown) => void = () => {}
  const failed = new Promise<never>((_res, rej) => (fail = rej))
  failed.catch(() => undefined)
  parser.on('entry', (e: ReadEntry) => {
    sawEntry = true
    chain = chain
      .then(() => feedEntry(p, c, e))
      .catch((err) => {
        failure = failure ?? err
        fail(failure)
        e.resume()
      })
  })
  // Some image tools (umoci) end a layer right after the last file's data, without its block padding and the
  // end-of-archive blocks; container runtimes (Go's archive/tar) accept such layers. For layers only, the last
  // block is completed with zeros so its content reaches the scanners. Any other tar that ends like that is
  // damaged for GNU tar and libarchive, and stays archive.corrupt.
  let tarBytes = 0
  const feedInput = new Transform({
    transform(chunk: Buffer, _e, cb) {
      tarBytes += chunk.length
      cb(null, chunk)
    },
    flush(cb) {
      const pad = containerKind === 'layer' ? (512 - (tarBytes % 512)) % 512 : 0
      cb(null, pad ? Buffer.alloc(pad + 1024) : null)
    },
  })
  tarInput.on('data', (chunk: Buffer) => {
    if (!sawNonZero && chunk.some((b) => b !== 0)) sawNonZero = true
  })
  tarInput.on('error', (e) => {
    if (!(e instanceof BombError)) problems.push(damage(e))
    feedInput.end()
  })
  tarInput.pipe(feedInput).pipe(parser)
  const signal = p.opts.signal
  const onAbort = () => fail(new PreflightError('cancelled', bi('Cancelled by the user.', '已由用户取消。')))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) onAbort()
    await Promise.race([once(parser, 'end'), once(parser, 'close'), failed])
    await Promise.race([chain, failed])
  } catch (err) {
    tarInput.unpipe(feedInput)
    tarInput.destroy()
    feedInput.destroy()
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
  if (failure) throw failure
  if (decodeError instanceof ZstdWindowError) {
    reportWindow(decodeError)
    p.noteContainer(c, null)
    return c
  }
  if (decodeError) {
    const why = damage(decodeError)
    problems.push(bi(`${compression} data is damaged: ${why.en}`, `${compression} 数据已损坏：${why.zh}`))
  }
  if (problems.length && !bombed) {
    const name = kind === 'tar.gz' ? 'tar.gz' : kind === 'zstd' ? 'tar.zst' : 'tar'
    const first = [...new Map(problems.map((w) => [w.en, w])).values()].slice(0, 3)
    p.report(
      'archive.corrupt',
      location,
      bi(
        `${name} is damaged: ${first.map((w) => w.en).join('; ')}`,
        `${name} 已损坏：${first.map((w) => w.zh).join('；')}`,
      ),
    )
  }
  if (!sawEntry && depth === 0 && problems.length === 0)
    p.report('package.empty', location, bi('The archive has no entries.', '归档中没有任何条目。'))
  // the expanded size: every byte after decompression, the tar's own headers and padding included (not the blocks added above)
  p.noteContainer(c, problems.length === 0 && !bombed && !p.isStopped ? tarBytes : null)
  return c
}

async function feedEntry(p: ContainerWalker, c: Container, e: ReadEntry): Promise<void> {
  const raw = e.path
  // an image layer's whiteout markers are layer metadata (deletions), not files of the image; one carrying data
  // (runtimes never extract it) is still read like a file, so nothing can hide in one unscanned
  const type = c.kind === 'layer' && isWhiteout(raw) && !e.size ? 'whiteout' : (TYPES[e.type] ?? 'other')
  const entry: WalkEntry = {
    path: raw,
    location: `${c.location}!${displayPath(raw)}`,
    type,
    size: e.size ?? 0,
    mode: typeof e.mode === 'number' ? e.mode : null,
    depth: c.depth,
    container: c.kind === 'layer' ? 'layer' : 'tar',
  }
  if (e.linkpath) entry.linkTarget = e.linkpath
  if (e.mtime) entry.mtime = e.mtime
  // a tar entry must be consumed (even an empty one) before the parser moves on
  if (type !== 'file') e.resume()
  await p.feed(c, entry, type === 'file' ? (e as unknown as AsyncIterable<Buffer>) : null, raw)
}

/** The name of what a compressed file holds: `x.gz` and `x.zst` → `x`, `x.tgz` and `x.tzst` → `x.tar`. */
function decompressedName(fileName: string): string {
  return fileName.replace(/\.(gz|tgz|zst|zstd|tzst)$/i, (m) =>
    ['.tgz', '.tzst'].includes(m.toLowerCase()) ? '.tar' : '',
  )
}

/** The decompressed stream was cut off as a bomb (already reported as archive.bomb). */
export class BombError extends Error {
  constructor() {
    super('decompression bomb')
  }
}
