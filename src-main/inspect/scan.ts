// scanPackage: the whole pre-scan of one file. Identify it, pick the profile, judge the package rules, then
// read every byte once — for streamed kinds (tar, tar.gz, gz) the same read feeds the sha256 and the entry
// pass; a zip needs random access, so it is hashed in one sequential read and walked through yauzl — let
// every scanner see every entry, and assemble the report.
import { createHash } from 'node:crypto'
import { createReadAheadStream } from '../walk/read-ahead'
import { basename, resolve } from 'node:path'
import { Transform } from 'node:stream'
import { finished } from 'node:stream/promises'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import { makeFinding, sortFindings, verdictOf, type Finding, type PackageKind, type Report } from '../reports/model'
import { isProfileId, PROFILES, type ProfileId } from '../rules/profiles'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'
import { TOOL } from '../version'
import { limitsFor } from '../walk/limits'
import { EntryPipeline } from '../walk/pipeline'
import type { EntryScanner, ScanContext, ScannerFactory } from '../walk/types'
import { sha256File, sha256FileInWorker } from '../walk/hash'
import { kindFromBytes, readHeadTail } from '../walk/sniff'
import { validateAttrs } from '../rules/attrs'
import { readGuest, scanVmImage } from '../vm/scan'
import { statPackageFile } from './identify'
import { claimedExtension, isStreamArchive, isVmKind, packageFindings } from './package-rules'

export interface ScanOptions {
  profile?: string
  signal?: AbortSignal
  meter?: ProgressMeter
  /** Release attributes (--attrs), checked by the profile's schemas where the profile has them. */
  attrs?: Record<string, unknown>
  /** The Preflight database (signatures, vulnerability data); without it only built-in data is used. */
  db?: import('../store/db').Db
  /** Scanners to run instead of the registered ones (tests). */
  scanners?: ScannerFactory[]
  /** Steps applied to the finished findings (waivers), in order. */
  postProcess?: Array<(findings: Finding[]) => Finding[] | Promise<Finding[]>>
}

/** Profile from the content when none is given (rules.md "Profiles"). */
export function autoProfile(
  kind: PackageKind,
  topFiles: string[],
  imageTars: Set<string>,
  packageName: string,
): ProfileId {
  if (isVmKind(kind)) return 'koogallery-image'
  if (topFiles.length > 0 && topFiles.every((p) => imageTars.has(`${packageName}!${p}`))) return 'koogallery-container'
  return 'koogallery-app'
}

/** Packages from this size on are hashed in a worker thread (below it, starting one costs more than it saves). */
const WORKER_HASH_BYTES = 64 * 1024 * 1024

export async function scanPackage(path: string, opts: ScanOptions = {}): Promise<Report> {
  const started = performance.now()
  const { abs, size, name, kind } = await identifyForScan(path, opts.profile)
  const explicit = opts.profile as ProfileId | undefined
  const provisional: ProfileId = explicit ?? (isVmKind(kind) ? 'koogallery-image' : 'koogallery-app')
  const ctx: ScanContext = { profile: provisional, packageName: name, signal: opts.signal, db: opts.db }
  // the registered scanners are loaded on first use: `inspect` runs only its own and starts faster without them
  const scanners = (opts.scanners ?? (await import('./scanners')).SCANNER_FACTORIES).map((f) => f(ctx))
  const pipeline = new EntryPipeline(ctx, scanners, {
    limits: limitsFor(PROFILES[provisional].sizeLimit),
    signal: opts.signal,
    meter: opts.meter,
  })
  const { sha256, bytesRead } = await readPackage(pipeline, abs, name, kind, size, opts)
  const disk = await scanDisk(pipeline, abs, name, kind, explicit, opts)

  const topFiles = pipeline.topEntries.filter((e) => e.type === 'file').map((e) => e.path)
  const profile = explicit ?? autoProfile(kind, topFiles, pipeline.imageTars, name)
  ctx.profile = profile
  // a disk image's guest filesystem is not walked here: its scanners have seen nothing and report nothing
  const walked = !disk.vm || disk.guestWalked
  if (walked) await pipeline.finish()

  // a scan cancelled after its last read still ends cancelled: no report from a cancelled scan
  throwIfCancelled(opts.signal)
  const findings: Finding[] = [
    ...packageFindings(profile, name, kind, size),
    ...pipeline.findings,
    ...(disk.vm?.findings ?? []),
  ]
  if (!disk.vm && opts.attrs) findings.push(...validateAttrs(profile, opts.attrs))
  if (!explicit)
    findings.push(
      makeFinding(
        'profile.auto-picked',
        name,
        bi(
          `No profile given: picked ${profile} (${PROFILES[profile].title}) from the content.`,
          `未指定配置文件：已根据内容选用 ${profile}（${PROFILES[profile].titleZh}）。`,
        ),
        { profile },
      ),
    )
  const checks = judgeChecks(pipeline, scanners, walked, disk.guestUnread, name, profile, findings)

  let final = findings
  for (const step of opts.postProcess ?? []) final = await step(final)
  const facts: Record<string, unknown> = { ...(disk.vm?.facts ?? {}) }
  Object.assign(facts, pipeline.facts, {
    entries: pipeline.topEntries.slice(0, 20_000),
    entriesTruncated: pipeline.topEntries.length > 20_000,
    imageTars: [...pipeline.imageTars],
  })
  return {
    schema: 'preflight.report/1',
    tool: { name: TOOL.name, version: TOOL.version },
    package: { path: abs, name, size, sha256, kind: reportedKind(pipeline, name, kind, profile) },
    profile,
    profileAutoPicked: !explicit,
    verdict: verdictOf(final),
    findings: sortFindings(final),
    components: pipeline.components,
    checks,
    stats: { entries: pipeline.stats.entries, bytesRead, durationMs: Math.round(performance.now() - started) },
    facts,
  }
}

/** The file to scan: a regular file, a known profile if one is named, and its kind from its bytes (and name). */
export async function identifyForScan(
  path: string,
  profile: string | undefined,
): Promise<{ abs: string; size: number; name: string; kind: PackageKind }> {
  const abs = resolve(path)
  const st = await statPackageFile(abs)
  if (profile !== undefined && !isProfileId(profile))
    throw new PreflightError(
      'invalid-input',
      bi(
        `Unknown profile "${profile}" (one of: ${Object.keys(PROFILES).join(', ')})`,
        `未知的配置文件“${profile}”（可选：${Object.keys(PROFILES).join('、')}）`,
      ),
    )
  const name = basename(abs)
  const { head, tail } = await readHeadTail(abs)
  const sniffed = st.size === 0 ? 'unknown' : kindFromBytes(head, tail)
  // a raw disk has no magic: trust a .raw/.img name; an empty tar is only its zero end blocks
  const zeros = sniffed === 'unknown' && head.length >= 1024 && head.every((b) => b === 0)
  const kind: PackageKind =
    sniffed === 'unknown' && ['.raw', '.img'].includes(claimedExtension(name)) && st.size > 0
      ? 'raw'
      : zeros && claimedExtension(name) === '.tar'
        ? 'tar'
        : sniffed
  return { abs, size: st.size, name, kind }
}

/**
 * Read every byte once: for streamed kinds (tar, tar.gz, gz) the same read feeds the sha256 (or a worker thread
 * hashes a large package beside it) and the entry pass; a zip is hashed in one sequential read and walked through
 * yauzl; any other kind is only hashed here.
 */
async function readPackage(
  pipeline: EntryPipeline,
  abs: string,
  name: string,
  kind: PackageKind,
  size: number,
  opts: ScanOptions,
): Promise<{ sha256: string; bytesRead: number }> {
  const meter = opts.meter
  if (!isStreamArchive(kind)) {
    const sha256 = await sha256File(abs, size, { signal: opts.signal, meter })
    if (kind !== 'zip') return { sha256, bytesRead: size }
    meter?.update('scanning', 0, size, { force: true })
    await pipeline.walkZip(abs, name, 0, (b) => meter?.update('scanning', b, size))
    return { sha256, bytesRead: 2 * size }
  }
  // a large package is hashed in a worker thread while the walk reads it (two cores); a small one in the walk's read
  const inWorker = size >= WORKER_HASH_BYTES ? sha256FileInWorker(abs, opts.signal) : null
  inWorker?.catch(() => undefined) // awaited below; a walk failure must not leave it unhandled
  const hash = createHash('sha256')
  let bytesRead = 0
  // once the digest is taken nothing more may reach the hash, even if the file changes under a late read
  let hashing = true
  const tee = new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (!hashing) return cb()
      if (!inWorker) hash.update(chunk)
      bytesRead += chunk.length
      meter?.update('scanning', bytesRead, size)
      cb(null, chunk)
    },
  })
  const source = createReadAheadStream(abs)
  source.on('error', (e: Error) => tee.destroy(e))
  try {
    await pipeline.walkStream(source.pipe(tee), name, 0, kind, name)
    // the walk may stop early (a bomb): finish the hash over the rest of the file
    if (!inWorker && bytesRead < size && !tee.destroyed) {
      tee.resume()
      await finished(tee).catch(() => undefined)
    }
  } finally {
    hashing = false
    source.destroy()
    tee.destroy()
  }
  const hashed = inWorker ? await inWorker : null
  if (hashed) bytesRead = Math.max(bytesRead, hashed.size)
  const sha256 =
    hashed?.size === size
      ? hashed.hex
      : !hashed && bytesRead === size
        ? hash.digest('hex')
        : await sha256File(abs, size, { signal: opts.signal })
  return { sha256, bytesRead }
}

/**
 * A disk image: its format's checks (a file named .qcow2 without the magic is still judged as the qcow2 it claims
 * to be), then its guest filesystems through the same entry pass as a package, where the image can be read.
 */
async function scanDisk(
  pipeline: EntryPipeline,
  abs: string,
  name: string,
  kind: PackageKind,
  explicit: ProfileId | undefined,
  opts: ScanOptions,
): Promise<{
  vm: Awaited<ReturnType<typeof scanVmImage>> | null
  guestWalked: boolean
  guestUnread: Array<{ location: string; reason: string }>
}> {
  const vmKind: PackageKind | null = isVmKind(kind)
    ? kind
    : kind === 'unknown' && claimedExtension(name) === '.qcow2'
      ? 'qcow2'
      : null
  if (!vmKind) return { vm: null, guestWalked: false, guestUnread: [] }
  const profile = explicit ?? 'koogallery-image'
  const vm = await scanVmImage(abs, {
    profile,
    kind: vmKind,
    packageName: name,
    attrs: opts.attrs,
    signal: opts.signal,
  })
  if (vm.findings.some((f) => ['qcow2.invalid', 'qcow2.encrypted', 'qcow2.external-data-file'].includes(f.rule)))
    return { vm, guestWalked: false, guestUnread: [] }
  const guest = await readGuest(abs, vmKind, {
    location: name,
    profile,
    pipeline,
    signal: opts.signal,
    attrs: opts.attrs,
  })
  if (!guest) return { vm, guestWalked: false, guestUnread: [] }
  vm.findings.push(...guest.findings)
  vm.facts.guest = guest.info
  return { vm, guestWalked: (guest.info.read?.length ?? 0) > 0, guestUnread: guest.info.unread ?? [] }
}

/**
 * What each check covered: run, partial (guest volumes not read, components not matched, parts the entry pass
 * could not open) or not run (no scanner, no database, a guest not read), with a note; adds the findings that
 * say so (malware.engine-limited, scan.not-run) to `findings`. Never a silent pass.
 */
function judgeChecks(
  pipeline: EntryPipeline,
  scanners: EntryScanner[],
  walked: boolean,
  guestUnread: Array<{ location: string; reason: string }>,
  name: string,
  profile: ProfileId,
  findings: Finding[],
): Report['checks'] {
  const checks: Report['checks'] = {
    malware: { state: 'not-run', note: 'No malware scanner ran in this scan.' },
    vulnerabilities: { state: 'not-run', note: 'No vulnerability scanner ran in this scan.' },
  }
  if (walked) {
    for (const s of scanners) if (s.check) checks[s.check] = { state: 'run' }
    // volumes of the guest that were not read (encrypted, a filesystem Preflight does not read): the checks cover only part of it
    if (guestUnread.length)
      for (const c of Object.values(checks))
        if (c.state === 'run')
          Object.assign(c, {
            state: 'partial',
            note: `${guestUnread.length} guest volume(s) not read: ${guestUnread
              .slice(0, 3)
              .map((u) => `${u.location} (${u.reason})`)
              .join(', ')}`,
          })
  } else for (const c of Object.values(checks)) c.note = 'The guest filesystem inside the disk image was not read.'
  const noVulnDb = pipeline.findings.some((f) => f.rule === 'vulndb.missing')
  if (noVulnDb)
    checks.vulnerabilities = { state: 'not-run', note: 'No vulnerability database is imported (vulndb.missing).' }
  // components that could not be matched (no version comparison for their ecosystem, distribution release unknown)
  const unmatched = pipeline.findings.filter((f) => f.rule === 'sbom.unmatched')
  if (unmatched.length && checks.vulnerabilities.state !== 'not-run') {
    const count = unmatched.reduce((n, f) => n + ((f.details?.count as number | undefined) ?? 0), 0)
    const note = `${count} component(s) not matched (sbom.unmatched): ${unmatched
      .slice(0, 3)
      .map((f) => `${f.details?.ecosystem as string} in ${f.location}`)
      .join(', ')}`
    checks.vulnerabilities = {
      state: 'partial',
      note: checks.vulnerabilities.state === 'partial' ? `${checks.vulnerabilities.note}; ${note}` : note,
    }
  }
  // Whatever the entry pass could not open was not scanned for malware either: say so, never skip silently.
  if (checks.malware.state === 'run') {
    const limited = pipeline.findings.filter((f) =>
      ['archive.nested-unscanned', 'archive.encrypted', 'archive.bomb', 'archive.corrupt'].includes(f.rule),
    )
    for (const f of limited)
      findings.push(
        makeFinding(
          'malware.engine-limited',
          f.location,
          bi(`Not scanned for malware: ${f.message}`, `未做恶意软件扫描：${f.messageZh ?? f.message}`),
          {
            profile,
            details: { cause: f.rule },
          },
        ),
      )
    if (limited.length) checks.malware = { state: 'partial', note: `${limited.length} part(s) could not be read` }
  }
  // signatures from databases not proven to be ClamAV's (malware.database-unverified): the check's note says so
  const unverified =
    (pipeline.facts.malware as { unverifiedDatabases?: string[] } | undefined)?.unverifiedDatabases ?? []
  if (unverified.length && checks.malware.state !== 'not-run')
    checks.malware.note = [
      checks.malware.note,
      `signatures from ${unverified.length} unverified database(s): ${unverified.slice(0, 5).join(', ')}${unverified.length > 5 ? ', …' : ''}`,
    ]
      .filter(Boolean)
      .join('; ')
  for (const [check, c] of Object.entries(checks))
    if (c.state === 'not-run' && !(check === 'vulnerabilities' && noVulnDb))
      findings.push(
        makeFinding(
          'scan.not-run',
          name,
          bi(
            `${check === 'malware' ? 'Malware' : 'Vulnerability'} check was not run: the result says nothing about ${check}.`,
            `未运行${check === 'malware' ? '恶意软件' : '漏洞'}检查：本结果不说明软件包有无${check === 'malware' ? '恶意软件' : '漏洞'}。`,
          ),
          { profile, details: { check } },
        ),
      )
  return checks
}

/** The package's kind as reported: an image tar or a bundle of them is named as such. */
function reportedKind(pipeline: EntryPipeline, name: string, kind: PackageKind, profile: ProfileId): PackageKind {
  if (pipeline.imageTars.has(name))
    return pipeline.topEntries.some((e) => e.path === 'oci-layout') ? 'oci-archive' : 'docker-archive'
  return profile === 'koogallery-container' && kind !== 'zip' ? 'container-bundle' : kind
}
