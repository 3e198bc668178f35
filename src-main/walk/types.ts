// The seam every scanner stands on. The entry pass (walk/) reads each byte of a package once and feeds
// every interested scanner from the same chunks; archives, image layers and guest filesystems are all
// turned into WalkEntries for the same pass, so adding a scanner never adds a read.
import type { Bilingual } from '../../src-preload/text'
import type { Component, Finding } from '../reports/model'
import type { WalkLimits } from './limits'

export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  | 'socket'
  | 'other'
  /** An image layer's whiteout marker (`.wh.<name>`, `.wh..wh..opq`): layer metadata, not a file of the image. */
  | 'whiteout'

export interface WalkEntry {
  /** Path inside its immediate container, '/'-separated, as stored (after normalisation for display). */
  path: string
  /** Full location chain joined with '!': `pkg.tar.gz!lib/x.zip!a.exe` (package file name first). */
  location: string
  type: EntryType
  /**
   * Uncompressed size in bytes, as the container declares it: a tar entry's content is exactly that long (the
   * parser reads that many bytes; a tar cut short is archive.corrupt), a zip entry's is checked against it
   * (yauzl), a guest file's comes from its inode. Unknown (0) for a single compressed file (container 'gzip',
   * also used for a lone .zst): see sizeIsKnown.
   */
  size: number
  /** Unix mode bits when the container has them. */
  mode: number | null
  /** Symlink or hardlink target. */
  linkTarget?: string
  /** Nesting depth: 0 for the package's own entries, 1 inside a nested archive, ... */
  depth: number
  /** What holds the entry: 'zip' | 'tar' | 'layer' | 'guest' | ... */
  container: string
  mtime?: Date
}

/** What a scanner contributes. Findings are made with makeFinding (reports/model.ts). */
export interface ScanOutput {
  findings?: Finding[]
  components?: Component[]
  /** Facts for the report summary, merged under the scanner id. */
  facts?: Record<string, unknown>
}

export interface ScanContext {
  /** The profile; when it was auto-picked it is final by the time finish() runs (read it there, not in the factory). */
  profile: string
  /** The package's file name, first element of every location. */
  packageName: string
  signal?: AbortSignal
  /** The Preflight database (signatures, vulnerability data) when the caller has one open. */
  db?: import('../store/db').Db
}

export type DigestKind = 'md5' | 'sha1' | 'sha256'

/** Whether the entry's declared size is its content's length (not a single compressed file, whose size is unknown). */
export function sizeIsKnown(entry: WalkEntry): boolean {
  return entry.container !== 'gzip'
}

export interface EntrySink {
  /** Content chunks in order; never retained by the caller after the call returns. */
  write(chunk: Buffer): void
  /** The entry's content ended normally. `digests` holds the digests (hex) the scanner named in `digests`,
   *  computed once by the pass for every scanner that wants them. */
  end(digests?: Partial<Record<DigestKind, string>>): ScanOutput | void | Promise<ScanOutput | void>
  /** The entry could not be read to its end (corrupt, cancelled); the scanner may report what it knows. */
  abort?(reason: Error): ScanOutput | void
}

export interface EntryScanner {
  id: string
  /** The report check this scanner performs (report.checks marks it 'run'); omit for plain detectors. */
  check?: 'malware' | 'vulnerabilities'
  /** Digests of every received file's whole content this scanner needs (handed to its sinks' end()): the pass
   *  computes each kind once per entry, however many scanners name it. */
  digests?: readonly DigestKind[]
  /** Per entry, the digests of `digests` this scanner needs for it (default: all of them), decided from its
   *  metadata, e.g. its size; the others are not computed for it unless another scanner needs them. */
  digestsFor?(entry: WalkEntry): readonly DigestKind[]
  /** Decide from the entry's metadata and its first bytes (up to 4 KiB; empty for entries without content:
   *  directories, links, encrypted or refused files) whether to receive its content. */
  wants(entry: WalkEntry, head: Buffer): boolean
  open(entry: WalkEntry): EntrySink
  /** A container (archive, image layer) was walked to its end; `bytes` is its expanded size (after gunzip, the
   *  tar itself included), null when the walk did not complete. */
  walked?(container: { location: string; kind: string; bytes: number | null }): void
  /** After the whole pass: correlate, summarise. */
  finish?(): ScanOutput | Promise<ScanOutput>
  /** After every scanner's finish(): revise the pass's findings and components (image layers: drop what an upper
   *  layer deleted). Returns the lists to keep, and facts merged under the scanner id. */
  revise?(out: { findings: Finding[]; components: Component[] }): {
    findings: Finding[]
    components: Component[]
    facts?: Record<string, unknown>
  }
}

export type ScannerFactory = (ctx: ScanContext) => EntryScanner

/** One archive (or layer, or guest filesystem) being walked: the per-container safety state. */
export interface Container {
  /** Location of the container itself; entries are `${location}!${path}`. */
  location: string
  /** Depth of this container's entries. */
  depth: number
  kind: string
  seen: Set<string>
  /** Symlinks by normalised path → resolved target (null when it leaves the root). */
  links: Map<string, string | null>
  /** Symlinks by normalised path → target as stored (to follow chains of links). */
  rawLinks: Map<string, string>
  /** Normalised top-level names (to recognise image tars). */
  rootNames: Set<string>
}

/** What a container reader (tar.ts, zip.ts) needs from the entry pass that calls it. */
export interface ContainerWalker {
  readonly limits: WalkLimits
  readonly opts: { signal?: AbortSignal }
  readonly isStopped: boolean
  report(rule: string, location: string, message: Bilingual, details?: Record<string, unknown>): void
  stop(rule: string, location: string, message: Bilingual): void
  container(location: string, depth: number, kind: string): Container
  feed(c: Container, entry: WalkEntry, content: AsyncIterable<Buffer> | null, rawPath?: string): Promise<void>
  noteContainer(c: Container, bytes?: number | null): void
}
