// Component detectors that read executables (ELF, PE, Mach-O) as they stream past, with bounded memory:
// - Go build info (Go 1.18+ inline-string format): the 16-byte-aligned "\xff Go buildinf:" blob, usually in
//   .go.buildinfo / __go_buildinfo / .data, is found across chunk boundaries; the Go version becomes the `stdlib`
//   component (as osv-scanner reports it), the main module and every dep (or its `=>` replacement) become Go
//   components. The older pointer format needs virtual-address translation and is reported as unreadable.
// - cargo-auditable: the `.dep-v0` section holds zlib-compressed JSON {"packages":[...]}. Section headers sit
//   at the end of an ELF file, after the data they describe, so the stream is searched for a zlib stream whose
//   first inflated bytes are `{"packages":[` instead; packages from crates.io (or a registry) become crates.io
//   components, as cargo-audit reports them.
import { constants, inflateSync } from 'node:zlib'
import type { Component } from '../reports/model'
import { binaryArch } from '../walk/sniff'
import type { StreamDetector } from './types'
import { bi } from '../../src-preload/text'
import { SbomParseError } from './types'

type Parsed = Omit<Component, 'location'>

const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1')
const GO_MAGIC_TEXT = ' Go buildinf:'
const GO_HEADER = 32
const GO_ALIGN = 16
/** The most build-info bytes kept while one blob is read (the module list of a very large program is ~100 KiB). */
const GO_MAX = 4 * 1024 * 1024
const CARGO_PREFIX = '{"packages":['
const CARGO_PROBE = 512
const ZLIB_HEADERS = [Buffer.from([0x78, 0xda]), Buffer.from([0x78, 0x9c]), Buffer.from([0x78, 0x5e])]
const CARGO_MAX = 8 * 1024 * 1024

const isExecutable = (head: Buffer) => binaryArch(head) !== null

type GoParse =
  { kind: 'more' } | { kind: 'invalid' } | { kind: 'old' } | { kind: 'ok'; version: string; modinfo: string }

function uvarint(buf: Buffer, off: number): { value: number; next: number } | 'more' | null {
  let value = 0
  let mul = 1
  for (let i = 0; i < 10; i++) {
    if (off + i >= buf.length) return 'more'
    const b = buf[off + i]
    value += (b & 0x7f) * mul
    if (b < 0x80) return { value, next: off + i + 1 }
    mul *= 128
    if (value > Number.MAX_SAFE_INTEGER / 256) return null
  }
  return null
}

/** Parse a build-info blob starting at the magic (debug/buildinfo's readRawBuildInfo, inline format). */
export function parseGoBuildInfo(buf: Buffer): GoParse {
  if (buf.length < GO_HEADER) return { kind: 'more' }
  const ptrSize = buf[14]
  const flags = buf[15]
  if (ptrSize !== 4 && ptrSize !== 8) return { kind: 'invalid' }
  if ((flags & 0x2) === 0) return { kind: 'old' }
  const fields: Buffer[] = []
  let off = GO_HEADER
  for (let k = 0; k < 2; k++) {
    const n = uvarint(buf, off)
    if (n === 'more') return { kind: 'more' }
    if (!n || n.value > GO_MAX) return { kind: 'invalid' }
    if (n.next + n.value > buf.length) return { kind: 'more' }
    fields.push(buf.subarray(n.next, n.next + n.value))
    off = n.next + n.value
  }
  const version = fields[0].toString('utf8')
  if (!/^(go\d|devel)/.test(version)) return { kind: 'invalid' }
  // cmd/go frames the module info with 16-byte (binary) sentinels
  const raw = fields[1]
  const mod =
    raw.length >= 33 && raw[raw.length - 17] === 0x0a ? raw.subarray(16, raw.length - 16).toString('utf8') : ''
  return { kind: 'ok', version, modinfo: mod }
}

/** The Go toolchain version as an OSV `stdlib` version: go1.21.3 → 1.21.3, go1.21 → 1.21.0, go1.21rc2 → 1.21.0-rc.2. */
export function goStdlibVersion(goVersion: string): string | null {
  const m = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?/.exec(goVersion.trim())
  if (!m) return null
  return `${m[1]}.${m[2]}.${m[3] ?? '0'}${m[4] ? `-${m[4]}.${m[5]}` : ''}`
}

export function goComponents(version: string, modinfo: string): Parsed[] {
  const out: Parsed[] = []
  const std = goStdlibVersion(version)
  if (std) out.push({ ecosystem: 'Go', name: 'stdlib', version: std, purl: `pkg:golang/stdlib@${std}` })
  const add = (name: string, v: string) =>
    out.push({ ecosystem: 'Go', name, version: v, purl: `pkg:golang/${name}@${v}` })
  let last: Parsed | null = null
  for (const line of modinfo.split('\n')) {
    const f = line.split('\t')
    if (f[0] === 'mod' && f[1] && f[2] && f[2] !== '(devel)') {
      // a main module built from a checkout says (devel): nothing to match
      add(f[1], f[2])
      last = out[out.length - 1]
    } else if (f[0] === 'dep' && f[1] && f[2]) {
      add(f[1], f[2])
      last = out[out.length - 1]
    } else if (f[0] === '=>' && last) {
      // the replacement is what was built; a local directory (no version) is the seller's own code
      if (f[1] && f[2]) Object.assign(last, { name: f[1], version: f[2], purl: `pkg:golang/${f[1]}@${f[2]}` })
      else out.splice(out.indexOf(last), 1)
      last = null
    } else last = null
  }
  return out
}

/** The next "\xff Go buildinf:" at or after `from` (searched by its ASCII part: a string needle is several
 *  times faster in Buffer.indexOf than one starting with 0xff, which is common in machine code). */
function findGoMagic(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(GO_MAGIC_TEXT, from + 1, 'latin1'); i >= 0; i = buf.indexOf(GO_MAGIC_TEXT, i + 1, 'latin1'))
    if (buf[i - 1] === 0xff) return i - 1
  return -1
}

/** Streams an executable looking for the Go build-info blob; memory stays under GO_MAX + one chunk. */
export class GoBuildInfoReader {
  private pending = Buffer.alloc(0)
  private pendingStart = 0
  private collecting = false
  private oldFormat = false
  private result: { version: string; modinfo: string } | null = null

  write(chunk: Buffer): void {
    if (this.result) return
    if (this.collecting || chunk.length < GO_MAGIC.length)
      return this.process(Buffer.concat([this.pending, chunk]), this.pendingStart)
    const start = this.pendingStart + this.pending.length
    if (this.pending.length) {
      // a magic starting in the kept tail of the previous chunk; the chunk itself is searched without copying it
      const seam = Buffer.concat([this.pending, chunk.subarray(0, GO_MAGIC.length)])
      for (let i = findGoMagic(seam, 0); i >= 0 && i < this.pending.length; i = findGoMagic(seam, i + 1)) {
        if ((this.pendingStart + i) % GO_ALIGN === 0)
          return this.process(Buffer.concat([this.pending.subarray(i), chunk]), this.pendingStart + i)
      }
    }
    this.process(chunk, start)
  }

  private process(buf: Buffer, start: number): void {
    for (;;) {
      if (this.collecting) {
        const r = parseGoBuildInfo(buf)
        if (r.kind === 'ok') {
          this.result = r
          this.pending = Buffer.alloc(0)
          return
        }
        if (r.kind === 'more' && buf.length < GO_MAX) {
          this.pending = Buffer.from(buf)
          this.pendingStart = start
          return
        }
        if (r.kind === 'old') this.oldFormat = true
        // not a build-info blob after all (the magic also sits in programs that read build info): search on
        this.collecting = false
        buf = buf.subarray(1)
        start += 1
        continue
      }
      let i = findGoMagic(buf, 0)
      while (i >= 0 && (start + i) % GO_ALIGN !== 0) i = findGoMagic(buf, i + 1)
      if (i < 0) {
        const keep = Math.min(buf.length, GO_MAGIC.length - 1)
        this.pending = Buffer.from(buf.subarray(buf.length - keep))
        this.pendingStart = start + buf.length - keep
        return
      }
      this.collecting = true
      buf = buf.subarray(i)
      start += i
    }
  }

  /** Components, [] for an executable without Go build info; throws when the blob cannot be read. */
  end(): Parsed[] {
    if (this.result) return goComponents(this.result.version, this.result.modinfo)
    if (this.collecting) throw new SbomParseError(bi('the Go build info is truncated', 'Go 构建信息不完整'))
    if (this.oldFormat)
      throw new SbomParseError(
        bi(
          'Go build info in the pre-Go 1.18 pointer format is not read; rebuild with Go 1.18 or later, or ship the go.mod beside the binary',
          '不读取 Go 1.18 之前的指针格式构建信息；请用 Go 1.18 或更高版本重新构建，或在二进制文件旁附上 go.mod',
        ),
      )
    return []
  }
}

/** A cheap check of the first deflate block header (RFC 1951 §3.2.3-3.2.7) before zlib is asked: a stored
 *  block's LEN/NLEN must be complements, a dynamic block's code-length code must be complete (zlib refuses
 *  anything else). Rejects nearly all random candidates; a zlib attempt that fails costs far more. */
function plausibleDeflate(buf: Buffer, at: number): boolean {
  let pos = at * 8
  const bits = (n: number) => {
    let v = 0
    for (let k = 0; k < n; k++, pos++) v |= ((buf[pos >> 3] >> (pos & 7)) & 1) << k
    return v
  }
  if (at + 24 > buf.length) return true // too close to the end to judge: let zlib decide
  bits(1)
  const type = bits(2)
  if (type === 3) return false
  if (type === 1) return true
  if (type === 0) {
    const p = (pos + 7) >> 3
    return (buf.readUInt16LE(p) ^ buf.readUInt16LE(p + 2)) === 0xffff
  }
  const hlit = bits(5)
  const hdist = bits(5)
  if (hlit > 29 || hdist > 29) return false
  const hclen = bits(4) + 4
  let kraft = 0
  for (let k = 0; k < hclen; k++) {
    const len = bits(3)
    if (len) kraft += 128 >> len
  }
  return kraft === 128
}

interface AuditablePackage {
  name?: string
  version?: string
  source?: string
  root?: boolean
}

/** Streams an executable looking for cargo-auditable's zlib-compressed dependency list. */
export class CargoAuditableReader {
  private pending = Buffer.alloc(0)
  private found: Buffer[] | null = null
  private foundSize = 0

  write(chunk: Buffer): void {
    if (this.found) {
      if (this.foundSize < CARGO_MAX) {
        this.found.push(Buffer.from(chunk))
        this.foundSize += chunk.length
      }
      return
    }
    // candidates need CARGO_PROBE bytes after them, except at the very end (checked again in end()): those of the
    // kept tail are tried on a small seam buffer, the chunk itself is searched without copying it
    const take = (buf: Buffer, hit: number) => {
      this.found = [Buffer.from(buf.subarray(hit))]
      this.foundSize = buf.length - hit
      this.pending = Buffer.alloc(0)
    }
    if (chunk.length < CARGO_PROBE) {
      const buf = Buffer.concat([this.pending, chunk])
      const hit = this.search(buf, 0, Math.max(0, buf.length - CARGO_PROBE))
      if (hit >= 0) return take(buf, hit)
      this.pending = Buffer.from(buf.subarray(Math.max(0, buf.length - CARGO_PROBE)))
      return
    }
    if (this.pending.length) {
      const seam = Buffer.concat([this.pending, chunk.subarray(0, CARGO_PROBE)])
      const hit = this.search(seam, 0, this.pending.length)
      if (hit >= 0) return take(Buffer.concat([this.pending, chunk]), hit)
    }
    const hit = this.search(chunk, 0, chunk.length - CARGO_PROBE)
    if (hit >= 0) return take(chunk, hit)
    this.pending = Buffer.from(chunk.subarray(chunk.length - CARGO_PROBE))
  }

  private search(buf: Buffer, from: number, limit: number): number {
    // FLEVEL 1-3 only (78 5e, 78 9c, 78 da): cargo-auditable compresses at level 7 (78 da); the 78 01 of
    // levels 0-1 is also the commonest false candidate in machine code. First valid hit in file order.
    let best = -1
    for (const needle of ZLIB_HEADERS) {
      for (
        let i = buf.indexOf(needle, from);
        i >= 0 && i < limit && (best < 0 || i < best);
        i = buf.indexOf(needle, i + 1)
      ) {
        if (!plausibleDeflate(buf, i + 2)) continue
        try {
          const head = inflateSync(buf.subarray(i, i + CARGO_PROBE), { finishFlush: constants.Z_SYNC_FLUSH })
          if (head.subarray(0, CARGO_PREFIX.length).toString('latin1') === CARGO_PREFIX) {
            best = i
            break
          }
        } catch {
          // not a zlib stream
        }
      }
    }
    return best
  }

  end(): Parsed[] {
    if (!this.found) {
      const hit = this.search(this.pending, 0, this.pending.length)
      if (hit < 0) return []
      this.found = [this.pending.subarray(hit)]
    }
    let json: string
    try {
      json = inflateSync(Buffer.concat(this.found)).toString('utf8')
    } catch (err) {
      throw new SbomParseError(
        bi(
          `the cargo-auditable dependency list cannot be inflated (${(err as Error).message})`,
          'cargo-auditable 依赖列表无法解压，数据已损坏',
        ),
        { cause: err },
      )
    }
    const j = JSON.parse(json) as { packages?: AuditablePackage[] }
    if (!Array.isArray(j.packages))
      throw new SbomParseError(
        bi('the cargo-auditable dependency list has no "packages"', 'cargo-auditable 依赖列表中没有“packages”'),
      )
    return j.packages
      .filter((p) => p.name && p.version && (p.source === 'crates.io' || p.source === 'registry'))
      .map((p) => ({
        ecosystem: 'crates.io',
        name: p.name!,
        version: p.version!,
        purl: `pkg:cargo/${p.name}@${p.version}`,
      }))
  }
}

export const goBinary: StreamDetector = {
  id: 'go-buildinfo',
  matches: (_path, head) => isExecutable(head),
  open: () => new GoBuildInfoReader(),
}

export const cargoAuditable: StreamDetector = {
  id: 'cargo-auditable',
  matches: (_path, head) => isExecutable(head),
  open: () => new CargoAuditableReader(),
}
