// The one IPC contract: every invoke channel with its zod input schema and result type, and every
// main→renderer event. Imported by main (handlers, validation), preload (the narrow client) and renderer
// (types). Plain TypeScript + zod only: no electron, no Node.
import { z } from 'zod'
import type { ErrorData } from './errors'

/** Phantom marker carrying a result type (no runtime value). */
function result<T>(): T {
  return undefined as unknown as T
}

// ---- shared result shapes (mirrors of main's models, kept structural so the renderer needs no main import)
export interface ProgressRecordDto {
  phase: string
  bytesDone: number
  bytesTotal: number | null
  bytesPerSecond: number
  etaSeconds: number | null
  detail?: string
  /** Cancel was asked for: the task is stopping (shown as "Cancelling…" until its task.finished event). */
  cancelling?: true
}

export interface PackageFactsDto {
  path: string
  name: string
  size: number
  sha256: string
  kind: string
}

export interface UploadJobDto {
  id: string
  target: string
  filePath: string
  fileSize: number
  fileSha256: string
  state: 'queued' | 'running' | 'paused' | 'waiting-network' | 'needs-credentials' | 'done' | 'failed' | 'cancelled'
  /** syncSource: a sync job (registry to registry) copying this docker:// image to `target`. */
  options: {
    endpoint?: string
    region?: string
    insecure?: boolean
    overwrite?: boolean
    syncSource?: string
    syncType?: 'manual' | 'automatic'
  }
  bytesDone: number
  /** Why the job stopped (English); errorZh the same sentence in Simplified Chinese where it was written in both. */
  error: string | null
  errorZh?: string | null
  result: string | null
  createdAt: string
  updatedAt: string
}

/** A saved object-storage connection; the secret never crosses to the renderer. */
export interface SavedConnectionDto {
  /** 'aws' or the endpoint's origin */
  connection: string
  accessKeyHint: string
  hasSessionToken: boolean
  /** false: kept for this session only (no secure storage on this machine) */
  persisted: boolean
  savedAt: string
}

export interface AppInfo {
  name: string
  version: string
  home: string
  mode: 'electron' | 'browser'
  platform: string
  /** The Electron app has native open dialogs; browser mode uses the page's file picker. */
  nativeDialogs: boolean
}

export interface FindingDto {
  rule: string
  severity: 'blocker' | 'warning' | 'info'
  /** English; `messageZh` is the same in Simplified Chinese (text.ts). */
  message: string
  messageZh?: string
  location: string
  details?: Record<string, unknown>
  waived?: boolean
  waiverReason?: string
}

export interface DraftDto {
  id: string
  title: string
  profile: string
  values: Record<string, unknown>
  waivers: unknown[]
  lastReport: unknown | null
  revision: number
  createdAt: string
  updatedAt: string
}

export interface DraftSummaryDto {
  id: string
  title: string
  profile: string
  revision: number
  updatedAt: string
  verdict: 'pass' | 'fail' | null
  /** The draft's own readiness: its release findings (blockers and warnings) left to fix; 0 is ready. */
  toFix: number
}

/** One revision of a draft: the fields it changed, each before → after, and its title change. */
export interface DraftRevisionDto {
  revision: number
  savedAt: string
  changedPaths: string[]
  changes: Array<{ path: string; before: unknown; after: unknown }>
  retitled?: { before: string; after: string }
}

/** One work-history event (src-main/history/history.ts). */
export interface HistoryEventDto {
  id: number
  at: string
  kind: string
  subject: string
  subjectName: string
  result: 'pass' | 'fail' | 'done' | 'error' | 'cancelled'
  actor: string
  link: string | null
  details: Record<string, unknown>
}

/** The marketplace's report set against Preflight's (src-main/reports/compare.ts, preflight.compare/1). */
export interface ComparisonDto {
  schema: 'preflight.compare/1'
  package: { name: string; sha256: string }
  marketplace: { format: string; source: string; packageName: string | null; sha256: string | null }
  both: Array<{
    preflight: Pick<FindingDto, 'rule' | 'severity' | 'location' | 'message' | 'messageZh'>
    marketplace: { rule: string | null; title: string; severity: string; location: string; message: string }
    by: 'rule' | 'cve' | 'kind'
  }>
  onlyMarketplace: Array<{
    rule: string | null
    title: string
    severity: string
    location: string
    message: string
    /** What to do, in English; `suggestionZh` the same in Simplified Chinese. */
    suggestion: string
    suggestionZh: string
    gap: 'rule' | 'database' | 'not-read' | 'waiver'
  }>
  onlyPreflight: Array<Pick<FindingDto, 'rule' | 'severity' | 'location' | 'message' | 'messageZh'>>
  agreement: number
}

export const HISTORY_KIND_NAMES = [
  'scan',
  'repack',
  'convert',
  'waiver',
  'draft-revision',
  'export',
  'upload',
  'submit',
  'sync',
  'compare',
  'rename',
] as const
export const HISTORY_RESULT_NAMES = ['pass', 'fail', 'done', 'error', 'cancelled'] as const
const isoTime = z
  .string()
  .max(40)
  // params.zh: the same words in Chinese, for the sentence a refused input becomes (services/host.ts)
  .refine((v) => !Number.isNaN(Date.parse(v)), {
    message: 'must be a date or time such as 2026-12-01T00:00:00Z',
    params: { zh: '应为日期或时间，例如 2026-12-01T00:00:00Z' },
  })
  .transform((v) => new Date(Date.parse(v)).toISOString())
const historyFilter = z.object({
  kinds: z.array(z.enum(HISTORY_KIND_NAMES)).max(HISTORY_KIND_NAMES.length).optional(),
  results: z.array(z.enum(HISTORY_RESULT_NAMES)).max(HISTORY_RESULT_NAMES.length).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  /** One package (sha256), draft id or job id. */
  subject: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
})

export const taskId = z.string().uuid()
const filePath = z.string().min(1).max(4096)
/** docker://registry/repository[:tag] (the services check the rest and say what is wrong). */
const dockerRef = z
  .string()
  .min(10)
  .max(2048)
  .refine((v) => /^docker:\/\/[^/\s]+\/\S+$/.test(v), {
    message: 'must be docker://registry/organisation/repository[:tag]',
    params: { zh: '应为 docker://registry/organisation/repository[:tag]' },
  })
export const profileId = z.enum([
  'koogallery-app',
  'koogallery-container',
  'koogallery-image',
  'scp-image',
  'swr-image',
])

export const channels = {
  'app.info': { input: z.object({}).strict(), result: result<AppInfo>() },
  'settings.get': {
    input: z.object({ key: z.string().min(1).max(200) }).strict(),
    result: result<{ value: unknown }>(),
  },
  'settings.set': {
    input: z.object({ key: z.string().min(1).max(200), value: z.unknown() }).strict(),
    result: result<{ ok: true }>(),
  },
  'dialog.openPackage': {
    input: z.object({ title: z.string().max(200).optional() }).strict(),
    result: result<{ path: string | null }>(),
  },
  /** Desktop only: the native folder dialog; the chosen folder may be named once as a file:// upload target. */
  'dialog.chooseFolder': {
    input: z.object({ title: z.string().max(200).optional() }).strict(),
    result: result<{ path: string | null }>(),
  },
  /** Starts a task: identify the file (magic bytes) and hash it. The task's result is a PackageFactsDto. */
  'inspect.identify': { input: z.object({ path: filePath }).strict(), result: result<{ taskId: string }>() },
  /** Starts a task: the full pre-scan of one package. The task's result is the report (preflight.report/1). */
  'scan.start': {
    input: z
      .object({ path: filePath, profile: profileId.optional(), attrs: z.record(z.string(), z.unknown()).optional() })
      .strict(),
    result: result<{ taskId: string }>(),
  },
  /** Render a report in one of the CLI's formats (binary formats come back base64-encoded), with waivers applied. */
  'report.render': {
    input: z
      .object({
        report: z.object({ schema: z.literal('preflight.report/1') }).passthrough(),
        format: z.enum(['json', 'html', 'sarif', 'csv', 'xlsx', 'table', 'cyclonedx']),
        lang: z.enum(['en', 'zh-CN']).optional(),
        waivers: z
          .array(
            z
              .object({
                rule: z.string(),
                location: z.string().optional(),
                advisory: z.string().optional(),
                reason: z.string().min(1),
                expires: z.string().optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict(),
    result: result<{ content: string; encoding: 'utf8' | 'base64'; mime: string; extension: string }>(),
  },
  /** Add (replacing the same rule/location/advisory) or remove a waiver in a draft's waiver list. */
  'waivers.edit': {
    input: z
      .object({
        // a draft's waiver list only: no client names a file to write (waiver files are the CLI's, given by the user)
        target: z.object({ draft: z.string().min(1).max(100) }).strict(),
        op: z.enum(['add', 'remove']),
        waiver: z
          .object({
            rule: z.string(),
            location: z.string().optional(),
            advisory: z.string().optional(),
            reason: z.string().min(1).optional(),
            expires: z.string().optional(),
          })
          .strict(),
      })
      .strict(),
    result: result<{
      waivers: Array<{ rule: string; location?: string; advisory?: string; reason: string; expires?: string }>
    }>(),
  },
  /** Apply waivers to a report's findings (verdict recomputed); invalid waivers are refused with their reason. */
  'report.waive': {
    input: z
      .object({
        report: z.object({ schema: z.literal('preflight.report/1') }).passthrough(),
        waivers: z.array(
          z
            .object({
              rule: z.string(),
              location: z.string().optional(),
              advisory: z.string().optional(),
              reason: z.string().min(1),
              expires: z.string().optional(),
            })
            .strict(),
        ),
      })
      .strict(),
    result: result<{ report: unknown }>(),
  },
  // ---- upload queue (src-main/upload)
  'queue.list': { input: z.object({}).strict(), result: result<{ jobs: UploadJobDto[]; bandwidth: number }>() },
  /** Starts a task: hash (unless the scan's sha256 is given), enqueue, and run the upload to its end. */
  'queue.enqueue': {
    input: z
      .object({
        path: filePath,
        target: z
          .string()
          .min(3)
          .max(2048)
          .refine((v) => /^(s3|docker|file):\/\//.test(v), {
            message: 'target must start with s3://, docker:// or file://',
            params: { zh: '目标须以 s3://、docker:// 或 file:// 开头' },
          }),
        sha256: z
          .string()
          .regex(/^[a-f0-9]{64}$/)
          .optional(),
        endpoint: z.string().url().optional(),
        region: z.string().max(64).optional(),
        concurrency: z.number().int().min(1).max(16).optional(),
        /** Plain-HTTP registry (docker:// targets on a local or test registry). */
        insecure: z.boolean().optional(),
        /** file:// targets: replace an existing file of the same name. */
        overwrite: z.boolean().optional(),
      })
      .strict(),
    result: result<{ taskId: string }>(),
  },
  /** Starts a task: one sync job per target copying the source image registry to registry, run to their end. */
  'queue.sync': {
    input: z
      .object({
        source: dockerRef,
        targets: z.array(dockerRef).min(1, 'name at least one target').max(20),
        /** Replace a different image under the same tag (otherwise it is kept, and the job says so). */
        overwrite: z.boolean().optional(),
        /** Plain-HTTP registries (local or test registries): the targets, and the source unless sourceInsecure says otherwise. */
        insecure: z.boolean().optional(),
        sourceInsecure: z.boolean().optional(),
      })
      .strict(),
    result: result<{ taskId: string; jobs: string[] }>(),
  },
  'queue.run': {
    input: z.object({ id: z.string().min(1).max(64).optional() }).strict(),
    result: result<{ taskId: string }>(),
  },
  'queue.pause': { input: z.object({ id: z.string().min(1).max(64) }).strict(), result: result<UploadJobDto>() },
  'queue.resume': { input: z.object({ id: z.string().min(1).max(64) }).strict(), result: result<UploadJobDto>() },
  'queue.cancel': { input: z.object({ id: z.string().min(1).max(64) }).strict(), result: result<UploadJobDto>() },
  'queue.bandwidth': {
    input: z.object({ bytesPerSecond: z.number().int().min(0) }).strict(),
    result: result<{ bytesPerSecond: number }>(),
  },
  /** Remove the finished jobs (done, failed, cancelled) from the queue; running and waiting ones stay. */
  /** problems: a failed or cancelled job's multipart upload the object storage would not abort (the job is cleared). */
  'queue.clearFinished': {
    input: z.object({}).strict(),
    result: result<{ removed: string[]; problems: ErrorData[] }>(),
  },
  // ---- object-storage credentials (src-main/upload/credentials.ts): sealed by safeStorage, never sent back
  'credentials.list': {
    input: z.object({}).strict(),
    result: result<{ connections: SavedConnectionDto[]; persistent: boolean }>(),
  },
  /** Save keys for an endpoint (none: AWS); uploads waiting for credentials there resume as a task. */
  'credentials.save': {
    input: z
      .object({
        endpoint: z.string().url().max(2048).optional(),
        accessKeyId: z.string().trim().min(1).max(256),
        secretAccessKey: z.string().trim().min(1).max(1024),
        sessionToken: z.string().max(8192).optional(),
      })
      .strict(),
    result: result<{ connection: SavedConnectionDto; resumed: number; taskId: string | null }>(),
  },
  'credentials.delete': {
    input: z.object({ endpoint: z.string().url().max(2048).optional() }).strict(),
    result: result<{ removed: boolean }>(),
  },
  // ---- databases (src-main/vulns, src-main/malware)
  /** Starts a task: import an OSV all.zip or folder of OSV JSON. */
  'vulndb.import': { input: z.object({ path: filePath }).strict(), result: result<{ taskId: string }>() },
  'vulndb.status': {
    input: z.object({}).strict(),
    result: result<{
      advisories: number
      byEcosystem: Record<string, number>
      lastImport: string | null
      ageDays: number | null
    }>(),
  },
  /** Starts a task: import ClamAV hash databases (.hdb .hsb .mdb .msb .cvd .cld). */
  /** unsigned: import a .cvd/.cld that cannot be proven to be ClamAV's (marked unverified everywhere). */
  'signatures.import': {
    input: z.object({ path: filePath, unsigned: z.boolean().optional() }).strict(),
    result: result<{ taskId: string }>(),
  },
  'signatures.status': {
    input: z.object({}).strict(),
    result: result<{
      builtin: number
      sources: Array<{
        source: string
        importedAt: string
        signatures: number
        version: string | null
        verified: boolean
      }>
      byKind: Record<string, number>
    }>(),
  },
  // ---- containers (src-main/containers)
  /** Starts a task: bundle image tars into one container package in the data folder's bundles/. */
  'containers.repack': {
    input: z
      .object({
        inputs: z.array(filePath).min(1).max(100),
        name: z
          .string()
          .min(1)
          .max(200)
          .refine((v) => /\.(tar|tar\.gz|zip)$/.test(v), {
            message: 'the name must end in .tar, .tar.gz or .zip',
            params: { zh: '名称须以 .tar、.tar.gz 或 .zip 结尾' },
          }),
        format: z.enum(['oci', 'docker-archive']).optional(),
      })
      .strict(),
    result: result<{ taskId: string }>(),
  },
  /** Starts a task: write a compact, verified qcow2 next to the image (or in the data folder's images/). */
  'vm.convert': {
    input: z.object({ path: filePath, compress: z.boolean().optional() }).strict(),
    result: result<{ taskId: string }>(),
  },
  'task.cancel': { input: z.object({ taskId }).strict(), result: result<{ cancelled: boolean }>() },
  'task.list': { input: z.object({}).strict(), result: result<{ tasks: Array<{ taskId: string; kind: string }> }>() },
  // ---- drafts (src-main/drafts)
  'drafts.list': {
    input: z.object({ query: z.string().max(200).optional() }).strict(),
    result: result<{ drafts: DraftSummaryDto[] }>(),
  },
  'drafts.get': { input: z.object({ id: z.string().min(1).max(100) }).strict(), result: result<DraftDto>() },
  'drafts.create': {
    input: z
      .object({
        profile: profileId,
        title: z.string().max(200).optional(),
        values: z.record(z.string(), z.unknown()).optional(),
        /** The language of the title a draft gets until the seller names it. */
        lang: z.enum(['en', 'zh-CN']).optional(),
      })
      .strict(),
    result: result<DraftDto>(),
  },
  'drafts.save': {
    input: z
      .object({
        id: z.string().min(1).max(100),
        values: z.record(z.string(), z.unknown()),
        title: z.string().max(200).optional(),
        waivers: z.array(z.unknown()).optional(),
        lastReport: z.unknown().optional(),
      })
      .strict(),
    result: result<{ revision: number; updatedAt: string; title: string }>(),
  },
  'drafts.duplicate': { input: z.object({ id: z.string().min(1).max(100) }).strict(), result: result<DraftDto>() },
  'drafts.delete': { input: z.object({ id: z.string().min(1).max(100) }).strict(), result: result<{ ok: true }>() },
  'drafts.revisions': {
    input: z.object({ id: z.string().min(1).max(100) }).strict(),
    result: result<{ revisions: DraftRevisionDto[] }>(),
  },
  'drafts.diff': {
    input: z
      .object({ id: z.string().min(1).max(100), from: z.number().int().positive(), to: z.number().int().positive() })
      .strict(),
    result: result<{ changes: Array<{ path: string; before: unknown; after: unknown }> }>(),
  },
  'drafts.restore': {
    input: z.object({ id: z.string().min(1).max(100), revision: z.number().int().positive() }).strict(),
    result: result<DraftDto>(),
  },
  /** The draft as JSON (the page saves it as a download or through a save dialog: no client names a path to write). */
  'drafts.export': {
    input: z.object({ id: z.string().min(1).max(100) }).strict(),
    result: result<{ path: string | null; content: string }>(),
  },
  'drafts.import': { input: z.object({ path: filePath }).strict(), result: result<DraftDto>() },
  'drafts.validate': {
    input: z.object({ profile: profileId, values: z.record(z.string(), z.unknown()) }).strict(),
    result: result<{ findings: FindingDto[] }>(),
  },
  'drafts.manifest': {
    input: z
      .object({
        id: z.string().min(1).max(100),
        format: z.enum(['json', 'html']),
        /** The language of the HTML page (the JSON carries both: label and labelZh). */
        lang: z.enum(['en', 'zh-CN']).optional(),
      })
      .strict(),
    result: result<{ path: string | null; content: string }>(),
  },
  'drafts.submit': {
    input: z.object({ id: z.string().min(1).max(100) }).strict(),
    result: result<{ manifest: unknown; requestsToday: number; findings: FindingDto[] }>(),
  },
  'release.requests': { input: z.object({}).strict(), result: result<{ today: number }>() },
  // ---- recent scans (src-main/inspect/recent.ts): every scan.start without attrs is kept, newest first
  'recent.list': {
    input: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
    result: result<{ scans: RecentScanDto[] }>(),
  },
  /** A file's stored report while it is unchanged: same size and mtime, and with verify the same sha256 (read once). */
  'recent.open': {
    input: z.object({ path: filePath, profile: profileId.optional(), verify: z.boolean().optional() }).strict(),
    result: result<RecentOpenDto>(),
  },
  // ---- work history (src-main/history): read and exported as content (the page saves it: no channel writes a file)
  /** Events newest first, filtered; `actor` is the name new events are recorded under, `account` the OS account's. */
  'history.list': {
    input: historyFilter.strict(),
    result: result<{ events: HistoryEventDto[]; actor: string; account: string }>(),
  },
  'history.export': {
    input: historyFilter.extend({ format: z.enum(['csv', 'json']) }).strict(),
    result: result<{ content: string; mime: string; extension: string; count: number }>(),
  },
  // ---- compare (src-main/reports/compare.ts)
  /** Read the marketplace's report of the package (XLSX, CSV, SARIF or Preflight JSON) and set it against Preflight's report. */
  'compare.import': {
    input: z
      .object({
        path: filePath,
        report: z
          .object({
            schema: z.literal('preflight.report/1'),
            package: z.object({ name: z.string(), sha256: z.string().regex(/^[a-f0-9]{64}$/) }).passthrough(),
            findings: z.array(
              z
                .object({ rule: z.string(), severity: z.string(), location: z.string(), message: z.string() })
                .passthrough(),
            ),
            facts: z
              .object({ entries: z.array(z.object({ path: z.string() }).passthrough()).optional() })
              .passthrough()
              .optional(),
          })
          .passthrough(),
      })
      .strict(),
    result: result<ComparisonDto>(),
  },
  // ---- fix actions of the package view (src-main/inspect/rename.ts)
  /** The profiles that fit the file's content (its kind read from its bytes): the package view's profile picker. */
  'package.profiles': {
    input: z.object({ path: filePath }).strict(),
    result: result<{ kind: string; profiles: Array<z.infer<typeof profileId>> }>(),
  },
  /** "Rename a copy…": the proposed name (free next to the file), and `name` (else the proposal) judged by the scan's package rules. */
  'package.renameCheck': {
    input: z.object({ path: filePath, profile: profileId, name: z.string().max(1024).optional() }).strict(),
    result: result<RenameCheckDto>(),
  },
  /**
   * Starts a task: copy the file next to itself as `name` (a plain file name the rules accept; never over an existing
   * file), hashed while written and read back; `sha256`: the scanned content, refused if the file changed since.
   * The task's result is a RenameCopyDto.
   */
  'package.renameCopy': {
    input: z
      .object({
        path: filePath,
        profile: profileId,
        name: z.string().min(1).max(1024),
        sha256: z
          .string()
          .regex(/^[a-f0-9]{64}$/)
          .optional(),
      })
      .strict(),
    result: result<{ taskId: string }>(),
  },
} as const

export type Channels = typeof channels
export type Channel = keyof Channels
export type InputOf<C extends Channel> = z.input<Channels[C]['input']>
export type ParsedInputOf<C extends Channel> = z.output<Channels[C]['input']>
export type ResultOf<C extends Channel> = Channels[C]['result']

export const CHANNEL_NAMES = Object.keys(channels) as Channel[]

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name)
}

// ---- events (main → renderer)
export interface Events {
  'task.progress': { taskId: string; kind: string; record: ProgressRecordDto }
  'task.finished':
    | { taskId: string; kind: string; ok: true; result: unknown }
    | { taskId: string; kind: string; ok: false; error: ErrorData }
  'queue.job': { job: UploadJobDto }
  'queue.progress': { jobId: string; record: ProgressRecordDto }
}
export type EventName = keyof Events
export const EVENT_NAMES: EventName[] = ['task.progress', 'task.finished', 'queue.job', 'queue.progress']

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as string[]).includes(name)
}

/** What crosses the wire for one invoke: a result or an error as data. */
export type Wire<T> = { ok: true; result: T } | { ok: false; error: ErrorData }

/** The IPC channel names used by Electron (one per contract channel, prefixed). */
export const ipcChannel = (c: Channel): string => `preflight:${c}`
export const ipcEvent = (e: EventName): string => `preflight-event:${e}`

// ---- recent scans
export interface RecentScanDto {
  path: string
  name: string
  profile: string
  sha256: string
  size: number
  mtimeMs: number
  verdict: 'pass' | 'fail'
  scannedAt: string
}

/** A name for a renamed copy as the package rules judge it (each problem in both languages, text.ts). */
export interface RenameCheckDto {
  /** A name the rules accept, free in the file's folder. */
  proposal: string
  /** The name judged: the one asked about, else the proposal. */
  name: string
  problems: Array<{ rule?: string; message: string; messageZh?: string }>
  /** A file of that name is already there (the copy never replaces it). */
  taken: boolean
}

/** A renamed copy, written and verified. */
export interface RenameCopyDto {
  path: string
  name: string
  size: number
  sha256: string
  original: string
  /** Browser mode: where the page downloads the copy (its path under the server's staging area); else null. */
  download: string | null
}

export type RecentOpenDto =
  | { status: 'unchanged'; scan: RecentScanDto; report: unknown; verified: boolean }
  | { status: 'changed'; scan: RecentScanDto; why: 'size' | 'mtime' | 'sha256' | 'missing' }
  | { status: 'none' }
