// The entry pass: every entry of a package — at every nesting level, and entries other producers hand in
// (image layers, guest filesystems) — goes through feed(), which applies the archive-safety rules, tees the
// entry's bytes once to every scanner that wants them, and recurses into nested archives while streaming
// (tar, tar.gz, gz) or through a bounded temporary spool file (zip, which needs random access).
import { createHash, type Hash } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { bi, type Bilingual } from '../../src-preload/text'
import { makeFinding, type Component, type Finding } from '../reports/model'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'
import { damage } from './reasons'
import { kindFromBytes } from './sniff'
import type { WalkLimits } from './limits'
import { BombError, takeHead, walkTarStream } from './tar'
import { walkZipFile } from './zip'
import { normalisePath, resolveInArchive, resolveLink, throughLink, traversalReason } from './paths'
import type {
  Container,
  ContainerWalker,
  DigestKind,
  EntryScanner,
  EntrySink,
  ScanContext,
  ScanOutput,
  WalkEntry,
} from './types'

/** Formats we recognise inside a package but cannot open. */
const UNOPENABLE: Record<string, string> = { '7z': '7-Zip', rar: 'RAR', xz: 'xz', bzip2: 'bzip2' }

/** An entry type as the sentence names it. */
const TYPE_WORDS: Partial<Record<string, Bilingual>> = {
  'char-device': bi('char device', '字符设备'),
  'block-device': bi('block device', '块设备'),
  fifo: bi('fifo', '命名管道（FIFO）'),
  socket: bi('socket', '套接字'),
}

/** Container formats (besides 7z, rar, xz, bzip2) whose members scanners like ClamAV read and we cannot. */
export function otherContainer(head: Buffer): string | null {
  const s = head.subarray(0, 8).toString('latin1')
  if (head.length >= 2 && head[0] === 0x60 && head[1] === 0xea) return 'ARJ'
  if (
    s.startsWith('070701') ||
    s.startsWith('070702') ||
    s.startsWith('070707') ||
    (head.length >= 2 && ((head[0] === 0xc7 && head[1] === 0x71) || (head[0] === 0x71 && head[1] === 0xc7)))
  )
    return 'cpio'
  if (s.startsWith('MSCF')) return 'Microsoft Cabinet'
  if (s.startsWith('ITSF')) return 'Microsoft CHM'
  if (head.length >= 8 && head.readUInt32BE(0) === 0xd0cf11e0 && head.readUInt32BE(4) === 0xa1b11ae1)
    return 'OLE2 (MSI/Office)'
  if (head.length >= 4 && head.readUInt32LE(0) === 0x223e9f78) return 'TNEF'
  if (s.startsWith('SZDD') || s.startsWith('KWAJ')) return 'MS-DOS compress (SZDD/KWAJ)'
  if (head.subarray(0, 64).toString('latin1').includes('(This file must be converted with BinHex')) return 'BinHex'
  return null
}

export class StopWalk extends Error {}

const EMPTY = Buffer.alloc(0)

export interface PipelineOptions {
  limits: WalkLimits
  signal?: AbortSignal
  meter?: ProgressMeter
  /** Folder for spool files (default: the OS temp folder, i.e. TMPDIR). */
  tmpDir?: string
}

export class EntryPipeline implements ContainerWalker {
  readonly findings: Finding[] = []
  readonly components: Component[] = []
  readonly facts: Record<string, unknown> = {}
  readonly stats = { entries: 0, expandedBytes: 0, files: 0 }
  /** Locations of image tars (OCI layout or docker-archive) met anywhere. */
  readonly imageTars = new Set<string>()
  /** Entries of the package's own level: path and type (for the entry tree and profile auto-pick). */
  readonly topEntries: Array<{ path: string; type: string; size: number }> = []
  private stopped = false
  private readonly reported = new Set<string>()

  constructor(
    readonly ctx: ScanContext,
    readonly scanners: EntryScanner[],
    readonly opts: PipelineOptions,
  ) {}

  get limits(): WalkLimits {
    return this.opts.limits
  }

  get isStopped(): boolean {
    return this.stopped
  }

  /** Record a finding once per (rule, location). */
  report(rule: string, location: string, message: Bilingual, details?: Record<string, unknown>): void {
    const key = `${rule}\0${location}`
    if (this.reported.has(key)) return
    this.reported.add(key)
    this.findings.push(makeFinding(rule, location, message, { profile: this.ctx.profile, details }))
  }

  /** A global limit was hit: report it and stop feeding anything else. */
  stop(rule: string, location: string, message: Bilingual): void {
    this.report(rule, location, message)
    this.stopped = true
  }

  container(location: string, depth: number, kind: string): Container {
    return { location, depth, kind, seen: new Set(), links: new Map(), rawLinks: new Map(), rootNames: new Set() }
  }

  private merge(out: ScanOutput | void, scannerId: string): void {
    if (!out) return
    if (out.findings) this.findings.push(...out.findings)
    if (out.components) this.components.push(...out.components)
    if (out.facts) this.facts[scannerId] = mergeFacts(this.facts[scannerId], out.facts)
  }

  /** Apply archive-safety rules to one entry's metadata. Returns false when its content must not be read. */
  private check(c: Container, entry: WalkEntry, rawPath: string): boolean {
    const loc = entry.location
    // a directory entry for the root itself ("/", as `umoci insert … /` writes it) writes nothing outside
    const why = entry.type === 'directory' && normalisePath(rawPath) === '' ? null : traversalReason(rawPath)
    if (why)
      this.report(
        'archive.path-traversal',
        loc,
        bi(
          `Entry path "${rawPath}" is ${why.en}; extracting it would write outside the target folder.`,
          `条目路径“${rawPath}”${why.zh}，解压时会写到目标文件夹之外。`,
        ),
      )
    const norm = normalisePath(rawPath)
    if (entry.depth === 0 && c.kind !== 'layer')
      this.topEntries.push({ path: norm, type: entry.type, size: entry.size })
    if (norm) c.rootNames.add(norm.split('/')[0])
    if (entry.type !== 'directory' && norm) {
      if (c.seen.has(norm))
        this.report(
          'archive.duplicate-entry',
          loc,
          bi(
            `"${norm}" appears more than once; extractors disagree on which copy wins.`,
            `“${norm}”出现了不止一次，不同的解压工具保留的副本可能不同。`,
          ),
        )
      c.seen.add(norm)
    }
    if (
      entry.type === 'char-device' ||
      entry.type === 'block-device' ||
      entry.type === 'fifo' ||
      entry.type === 'socket'
    )
      this.report(
        'archive.special-file',
        loc,
        bi(`"${norm}" is a ${TYPE_WORDS[entry.type]!.en} entry.`, `“${norm}”是${TYPE_WORDS[entry.type]!.zh}条目。`),
      )
    if (entry.type === 'file' && entry.mode !== null && (entry.mode & 0o6000) !== 0)
      this.report(
        'archive.setuid',
        loc,
        bi(
          `"${norm}" has the ${entry.mode & 0o4000 ? 'setuid' : 'setgid'} bit set (mode ${(entry.mode & 0o7777).toString(8)}).`,
          `“${norm}”设置了 ${entry.mode & 0o4000 ? 'setuid' : 'setgid'} 位（权限 ${(entry.mode & 0o7777).toString(8)}）。`,
        ),
      )
    // a container image layer or a guest filesystem is a root filesystem: absolute and climbing links resolve
    // inside it (chroot semantics), so links cannot escape it
    const rootfs = c.kind === 'layer' || c.kind === 'guest'
    const via = rootfs ? null : throughLink(rawPath, c.links)
    if (via && via.target === null)
      this.report(
        'archive.link-escape',
        loc,
        bi(
          `"${norm}" would be written through the symlink "${via.link}", which points outside the archive.`,
          `“${norm}”会经由指向归档之外的符号链接“${via.link}”写出。`,
        ),
      )
    if (entry.type === 'symlink' && entry.linkTarget !== undefined) {
      // resolved through the links extracted before it (chains like cur -> ".", par -> "cur/..")
      const dir = norm.includes('/') ? norm.slice(0, norm.lastIndexOf('/')) : ''
      const lexical = resolveLink(rawPath, entry.linkTarget, 'symlink')
      const target =
        lexical === null
          ? null
          : resolveInArchive(
              entry.linkTarget.startsWith('/') ? entry.linkTarget : `${dir ? `${dir}/` : ''}${entry.linkTarget}`,
              c.rawLinks,
            )
      c.rawLinks.set(norm, entry.linkTarget)
      c.links.set(norm, target)
      if (target === null && !rootfs)
        this.report(
          'archive.link-escape',
          loc,
          bi(
            `Symlink "${norm}" points to "${entry.linkTarget}", outside the archive.`,
            `符号链接“${norm}”指向归档之外的“${entry.linkTarget}”。`,
          ),
        )
    }
    if (
      entry.type === 'hardlink' &&
      !rootfs &&
      entry.linkTarget !== undefined &&
      resolveLink(rawPath, entry.linkTarget, 'hardlink') === null
    )
      this.report(
        'archive.link-escape',
        loc,
        bi(
          `Hardlink "${norm}" points to "${entry.linkTarget}", outside the archive.`,
          `硬链接“${norm}”指向归档之外的“${entry.linkTarget}”。`,
        ),
      )
    return !why || entry.type === 'file'
  }

  /**
   * Feed one entry. `content` is the entry's bytes (regular files only), read exactly once here. Content
   * that is not read (a stopped walk, a refused entry) is drained so streaming containers keep moving.
   */
  async feed(
    c: Container,
    entry: WalkEntry,
    content: AsyncIterable<Buffer> | null,
    rawPath = entry.path,
  ): Promise<void> {
    throwIfCancelled(this.opts.signal)
    if (this.stopped) return drain(content)
    this.stats.entries++
    if (this.stats.entries > this.limits.maxEntries) {
      this.stop(
        'archive.bomb',
        c.location,
        bi(
          `More than ${this.limits.maxEntries.toLocaleString('en')} entries: treated as a decompression bomb.`,
          `条目超过 ${this.limits.maxEntries.toLocaleString('en')} 个，按解压炸弹处理。`,
        ),
      )
      return drain(content)
    }
    this.check(c, entry, rawPath)
    if (!content || entry.type !== 'file') {
      // scanners see every entry's metadata (links, directories); content only for regular files
      for (const s of this.scanners) {
        if (!s.wants(entry, EMPTY)) continue
        const kinds = digestKinds(s, entry)
        this.merge(
          await s.open(entry).end(entry.type === 'file' && kinds?.length ? digestsOf(kinds, []) : undefined),
          s.id,
        )
      }
      return drain(content)
    }
    this.stats.files++
    await this.readContent(entry, content)
  }

  private async readContent(entry: WalkEntry, content: AsyncIterable<Buffer>): Promise<void> {
    const it = content[Symbol.asyncIterator]()
    let start: Awaited<ReturnType<typeof takeHead>>
    try {
      start = await takeHead(it, this.limits.headBytes)
    } catch (err) {
      const why = damage(err)
      this.report(
        'archive.corrupt',
        entry.location,
        bi(`Cannot read "${entry.path}": ${why.en}`, `无法读取“${entry.path}”：${why.zh}`),
      )
      return
    }
    const { parts: headParts, ended: done } = start
    const first = headParts.length === 1 ? headParts[0] : Buffer.concat(headParts)
    const head = first.subarray(0, this.limits.headBytes)
    const sinks: Array<{ id: string; sink: EntrySink; digests?: readonly DigestKind[] }> = []
    for (const s of this.scanners) {
      if (s.wants(entry, head)) sinks.push({ id: s.id, sink: s.open(entry), digests: digestKinds(s, entry) })
    }
    // each digest kind any receiving scanner needs, computed once for all of them
    const hashes = new Map<DigestKind, Hash>()
    for (const s of sinks) for (const k of s.digests ?? []) if (!hashes.has(k)) hashes.set(k, createHash(k))
    const nested = this.openNested(entry, head)
    let bytes = 0
    const push = async (chunk: Buffer) => {
      bytes += chunk.length
      this.stats.expandedBytes += chunk.length
      for (const h of hashes.values()) h.update(chunk)
      for (const s of sinks) s.sink.write(chunk)
      if (nested) await nested.write(chunk)
    }
    let failure: Error | null = null
    let cut = false
    try {
      await push(first)
      let yielded = performance.now()
      while (!done) {
        // content that needs no I/O (a guest file's holes, a decompressor's buffered output) resolves at once: let
        // timers and messages (a Cancel) in at least every 50 ms
        if (performance.now() - yielded > 50) {
          await new Promise(setImmediate)
          yielded = performance.now()
        }
        throwIfCancelled(this.opts.signal)
        const r = await it.next()
        if (r.done) break
        await push(r.value)
        if (this.stats.expandedBytes > this.limits.maxExpandedBytes) {
          this.stop(
            'archive.bomb',
            entry.location,
            bi(
              `The package expands to more than ${fmtBytes(this.limits.maxExpandedBytes).en}, 10× the profile's size limit.`,
              `软件包解压后超过 ${fmtBytes(this.limits.maxExpandedBytes).zh}，即该配置文件大小上限的 10 倍。`,
            ),
          )
          // the rest of the entry is drained unread, as a stopped walk drains every later entry: a streaming
          // container (a tar) waits for its entry to be consumed before it reaches its end
          cut = true
          for (let rest = await it.next(); !rest.done; rest = await it.next()) throwIfCancelled(this.opts.signal)
          break
        }
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'cancelled') {
        // a cancel ends the nested walk too (and deletes a nested zip's spool file)
        await nested?.abort()
        throw err
      }
      failure = err as Error
    }
    if (failure) {
      // a stream cut off as a decompression bomb is already reported (archive.bomb at its archive)
      if (!(failure instanceof BombError)) {
        const why = damage(failure)
        this.report(
          'archive.corrupt',
          entry.location,
          bi(`"${entry.path}" cannot be read to its end: ${why.en}`, `“${entry.path}”无法完整读取：${why.zh}`),
        )
      }
      for (const s of sinks) this.merge(s.sink.abort?.(failure), s.id)
      await nested?.abort()
      return
    }
    const digests: Partial<Record<DigestKind, string>> = {}
    for (const [k, h] of hashes) digests[k] = h.digest('hex')
    for (const s of sinks)
      this.merge(
        await s.sink.end(s.digests?.length ? Object.fromEntries(s.digests.map((k) => [k, digests[k]])) : undefined),
        s.id,
      )
    if (cut) await nested?.abort()
    else if (nested) await nested.end(bytes)
  }

  /** Decide from the head whether the entry is an archive we recurse into; returns its byte consumer. */
  private openNested(entry: WalkEntry, head: Buffer): NestedConsumer | null {
    const kind = kindFromBytes(head, undefined)
    const other = otherContainer(head)
    if (other) {
      this.report(
        'archive.nested-unscanned',
        entry.location,
        bi(
          `"${entry.path}" is a ${other} container, which Preflight cannot open: its content was not checked.`,
          `“${entry.path}”是 Preflight 无法打开的 ${other} 容器，其内容未经检查。`,
        ),
        { format: other },
      )
      return null
    }
    if (kind in UNOPENABLE) {
      this.report(
        'archive.nested-unscanned',
        entry.location,
        bi(
          `"${entry.path}" is a ${UNOPENABLE[kind]} archive, which Preflight cannot open: its content was not checked.`,
          `“${entry.path}”是 Preflight 无法打开的 ${UNOPENABLE[kind]} 归档，其内容未经检查。`,
        ),
        { format: kind },
      )
      return null
    }
    if (kind !== 'zip' && kind !== 'tar' && kind !== 'tar.gz' && kind !== 'gzip' && kind !== 'zstd') return null
    if (entry.depth + 1 > this.limits.maxDepth) {
      this.report(
        'archive.bomb',
        entry.location,
        bi(
          `Archives nested deeper than ${this.limits.maxDepth} levels: treated as a decompression bomb.`,
          `归档嵌套超过 ${this.limits.maxDepth} 层，按解压炸弹处理。`,
        ),
      )
      return null
    }
    if (kind === 'zip') return new ZipSpool(this, entry)
    return new StreamNested(this, entry, kind)
  }

  /**
   * Walk a tar, tar.gz, gz or zstd byte stream as a container at `location` (entries at `depth`); `fileName`
   * names the single file a .gz or .zst that is not a tar holds (without its extension).
   */
  async walkStream(
    stream: Readable,
    location: string,
    depth: number,
    kind: 'tar' | 'tar.gz' | 'gzip' | 'zstd',
    fileName?: string,
    containerKind = 'tar',
  ): Promise<Container> {
    return walkTarStream(this, stream, location, depth, kind, fileName, containerKind)
  }

  /** Walk a zip file (random access) as a container at `location` (entries at `depth`). */
  async walkZip(path: string, location: string, depth: number, progress?: (bytes: number) => void): Promise<Container> {
    return walkZipFile(this, path, location, depth, progress)
  }

  /** Called by container walkers at the end of a container: notes image tars and tells scanners its expanded size. */
  noteContainer(c: Container, bytes: number | null = null): void {
    const names = c.rootNames
    if (names.has('oci-layout') || (names.has('manifest.json') && c.kind !== 'zip')) this.imageTars.add(c.location)
    for (const s of this.scanners) s.walked?.({ location: c.location, kind: c.kind, bytes })
  }

  async finish(): Promise<void> {
    for (const s of this.scanners) if (s.finish) this.merge(await s.finish(), s.id)
    for (const s of this.scanners) {
      if (!s.revise) continue
      const r = s.revise({ findings: this.findings, components: this.components })
      replace(this.findings, r.findings)
      replace(this.components, r.components)
      if (r.facts) this.facts[s.id] = mergeFacts(this.facts[s.id], r.facts)
    }
  }
}

interface NestedConsumer {
  write(chunk: Buffer): Promise<void>
  end(totalBytes: number): Promise<void>
  abort(): Promise<void>
}

/** Nested tar / tar.gz / gz / zstd: streamed into a parser while the outer entry is read. */
class StreamNested implements NestedConsumer {
  private readonly pass = new PassThrough({ highWaterMark: 1024 * 1024 })
  private readonly walking: Promise<unknown>
  constructor(
    private readonly p: EntryPipeline,
    entry: WalkEntry,
    kind: 'tar' | 'tar.gz' | 'gzip' | 'zstd',
  ) {
    // image layers (OCI blobs, docker-archive layer tars) are root filesystems
    const layer = /(^|\/)(blobs\/sha256\/[a-f0-9]{64}|[a-f0-9]{64}(\/layer)?\.tar)$/.test(
      entry.path.replace(/^\.\//, ''),
    )
    this.walking = p
      .walkStream(
        this.pass,
        entry.location,
        entry.depth + 1,
        kind,
        entry.path.split('/').pop(),
        layer ? 'layer' : 'tar',
      )
      .catch((err) => {
        if ((err as { code?: string }).code === 'cancelled') throw err
        const why = damage(err)
        p.report(
          'archive.corrupt',
          entry.location,
          bi(`Nested archive "${entry.path}" cannot be read: ${why.en}`, `无法读取嵌套归档“${entry.path}”：${why.zh}`),
        )
      })
    // a cancel rejects the nested walk on its own; the reader sees it at its next write, end or abort
    this.walking.catch(() => undefined)
  }
  async write(chunk: Buffer): Promise<void> {
    if (!this.pass.write(chunk)) await Promise.race([once(this.pass, 'drain'), this.walking])
  }
  async end(): Promise<void> {
    this.pass.end()
    await this.walking
  }
  async abort(): Promise<void> {
    this.pass.end()
    await this.walking.catch(() => {})
  }
}

/** Nested zip: spooled to a bounded temporary file, walked, deleted. */
class ZipSpool implements NestedConsumer {
  private dir: string | null = null
  private out: ReturnType<typeof createWriteStream> | null = null
  private bytes = 0
  private tooLarge = false
  private ready: Promise<void>
  constructor(
    private readonly p: EntryPipeline,
    private readonly entry: WalkEntry,
  ) {
    this.ready = mkdtemp(join(p.opts.tmpDir ?? tmpdir(), 'preflight-spool-')).then((d) => {
      this.dir = d
      this.out = createWriteStream(join(d, 'nested.zip'))
    })
  }
  async write(chunk: Buffer): Promise<void> {
    await this.ready
    if (this.tooLarge) return
    this.bytes += chunk.length
    if (this.bytes > this.p.limits.maxSpoolBytes) {
      this.tooLarge = true
      this.p.report(
        'archive.nested-unscanned',
        this.entry.location,
        bi(
          `Nested zip "${this.entry.path}" is larger than ${fmtBytes(this.p.limits.maxSpoolBytes).en}: its entries were not checked.`,
          `嵌套 zip“${this.entry.path}”大于 ${fmtBytes(this.p.limits.maxSpoolBytes).zh}，其中的条目未经检查。`,
        ),
        { format: 'zip' },
      )
      return
    }
    if (!this.out!.write(chunk)) await once(this.out!, 'drain')
  }
  async end(): Promise<void> {
    await this.ready
    try {
      this.out!.end()
      await once(this.out!, 'close')
      if (!this.tooLarge) await this.p.walkZip(join(this.dir!, 'nested.zip'), this.entry.location, this.entry.depth + 1)
    } finally {
      await rm(this.dir!, { recursive: true, force: true })
    }
  }
  async abort(): Promise<void> {
    await this.ready
    this.out!.destroy()
    await rm(this.dir!, { recursive: true, force: true })
  }
}

async function drain(content: AsyncIterable<Buffer> | null): Promise<void> {
  if (!content) return
  const s = content as Readable
  if (typeof s.resume === 'function' && typeof s.on === 'function') {
    if (s.readableEnded || s.destroyed) return
    s.resume()
    await new Promise<void>((r) => {
      s.once('end', r)
      s.once('close', r)
      s.once('error', () => r())
    })
    return
  }
  for await (const _chunk of content) {
    /* discard */
  }
}

/** The digests a scanner needs for this entry (a scanner may need fewer for some entries than it names). */
function digestKinds(s: EntryScanner, entry: WalkEntry): readonly DigestKind[] | undefined {
  return s.digestsFor?.(entry) ?? s.digests
}

function digestsOf(kinds: readonly DigestKind[], chunks: Buffer[]): Partial<Record<DigestKind, string>> {
  const out: Partial<Record<DigestKind, string>> = {}
  for (const k of kinds) {
    const h = createHash(k)
    for (const c of chunks) h.update(c)
    out[k] = h.digest('hex')
  }
  return out
}

function replace<T>(list: T[], next: T[]): void {
  if (list === next) return
  list.length = 0
  for (const x of next) list.push(x)
}

function mergeFacts(prev: unknown, next: Record<string, unknown>): Record<string, unknown> {
  if (!prev || typeof prev !== 'object') return next
  const out: Record<string, unknown> = { ...(prev as Record<string, unknown>) }
  for (const [k, v] of Object.entries(next)) {
    const old = out[k]
    out[k] =
      Array.isArray(old) && Array.isArray(v)
        ? [...old, ...v]
        : typeof old === 'number' && typeof v === 'number'
          ? old + v
          : v
  }
  return out
}

/** A size as a sentence says it: `1.5 GB`, `20.0 MB`, `512 bytes` (`512 字节`). */
export function fmtBytes(n: number): Bilingual {
  if (n >= 1e9) return bi(`${(n / 1e9).toFixed(1)} GB`, `${(n / 1e9).toFixed(1)} GB`)
  if (n >= 1e6) return bi(`${(n / 1e6).toFixed(1)} MB`, `${(n / 1e6).toFixed(1)} MB`)
  return bi(`${n} bytes`, `${n} 字节`)
}
