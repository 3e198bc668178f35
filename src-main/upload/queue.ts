// The persistent upload sync queue: jobs survive restarts (store.ts), run with retries, can be paused,
// resumed and cancelled, and share one bandwidth limit. Targets do the transfer; the queue owns states.
// Jobs that lose the network wait, and (with watchNetwork) are probed with backoff and resumed on their own;
// jobs whose credentials are refused wait for new ones with their finished parts kept. An upload job that ends
// (done, failed or cancelled) records one work-history event through the sink it is given ('upload').
// Sync jobs (sync.ts) copy an image from one registry to another: each run ends with a 'sync' history record
// instead (start, tag, status, manual/automatic, duration, target; the operator is the history's actor), and a
// pushed image whose repository has sync targets configured (setting sync.targets) is synced to them automatically.
import { access, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import { basename, resolve } from 'node:path'
import { PreflightError, toErrorData, type ErrorData } from '../../src-preload/errors'
import { bi, type Bilingual } from '../../src-preload/text'
import { sha256File } from '../walk/hash'
import type { Db } from '../store/db'
import type { EventSink, HistoryResult } from '../history/history'
import { ProgressMeter, type ProgressRecord } from '../tasks/progress'
import { BandwidthLimiter } from './limiter'
import { DEFAULT_RETRY, httpStatusOf, isCredentialError, isNetworkError, type RetryPolicy } from './retry'
import { UploadStore, type JobError, type JobOptions, type JobState, type UploadJob } from './store'
import {
  describeOutcome,
  keptError,
  isSyncJob,
  runSync,
  syncEndpoint,
  syncOptions,
  syncTargetRef,
  type AutoSyncRule,
  type SyncOutcome,
  type SyncType,
} from './sync'
import { parseTarget, type CredentialProvider, type TargetRun, type UploadTarget } from './target'
import { folderTarget } from './targets/folder'
import { registryTarget } from './targets/registry'

export type QueueEvent =
  | { type: 'job'; job: UploadJob }
  | { type: 'progress'; jobId: string; record: ProgressRecord }
  | { type: 'log'; jobId: string; message: string }

/** Targets by kind; the registry target plugs in here. */
// the S3 target loads the AWS SDK on first use: it costs every CLI start a quarter of a second otherwise
const s3Target: UploadTarget = {
  run: async (r) => (await import('./targets/s3')).s3Target.run(r),
  abort: async (r) => (await import('./targets/s3')).s3Target.abort!(r),
}

export const TARGETS: Partial<Record<'s3' | 'folder' | 'registry', UploadTarget>> = {
  s3: s3Target,
  folder: folderTarget,
  registry: registryTarget,
}

/** States a job does not leave by itself: the ones "Clear finished" removes. */
export const FINISHED_STATES: JobState[] = ['done', 'failed', 'cancelled']

export interface QueueOptions {
  credentials: CredentialProvider
  onEvent?: (e: QueueEvent) => void
  limiter?: BandwidthLimiter
  retry?: RetryPolicy
  /** The work history: an 'upload' event when an upload job ends, a 'sync' record per run of a sync job. */
  history?: EventSink
  /** The automatic sync rules (setting sync.targets), read when a push finishes. */
  autoSync?: () => AutoSyncRule[]
}

/** What a sync record's status says, from the run's outcome or the state the job ended in. */
function syncRecord(job: UploadJob, outcome: SyncOutcome | undefined): { status: string; result: HistoryResult } {
  if (outcome) return { status: outcome.status, result: outcome.status === 'kept' ? 'fail' : 'done' }
  if (job.state === 'cancelled' || job.state === 'paused') return { status: job.state, result: 'cancelled' }
  if (job.state === 'queued') return { status: 'interrupted', result: 'cancelled' }
  return { status: job.state === 'failed' ? 'error' : job.state, result: 'error' }
}

/**
 * What was thrown, as the job's error: the maker's sentence where it wrote one (both languages; an English-only
 * internal one in both fields), else only the code and HTTP status of an SDK's or server's raw answer (the raw text
 * goes to the job's log, not to the sentence a user reads).
 */
function errorWords(err: unknown): { text: Bilingual | null; code: string } {
  const data = toErrorData(err)
  if (data.messageZh) return { text: bi(data.message, data.messageZh), code: '' }
  if (err instanceof PreflightError) return { text: bi(data.message, data.message), code: '' }
  const e = err as { Code?: unknown; code?: unknown; name?: unknown; cause?: { code?: unknown } }
  const name = [e?.Code, e?.code, e?.cause?.code, e?.name].find(
    (c): c is string => typeof c === 'string' && c !== '' && !/^(Error|TypeError|RangeError)$/.test(c),
  )
  const status = httpStatusOf(err)
  return { text: null, code: [name, status ? `HTTP ${status}` : ''].filter(Boolean).join(', ') || '?' }
}

/** The server a job talks to, as a user names it (the endpoint's host, the registry, the folder). */
function serverOf(job: UploadJob): string {
  const t = parseTarget(job.target)
  if (t.kind === 'folder') return t.dir
  if (t.kind === 'registry') return t.registry
  if (!job.options.endpoint) return `s3.${job.options.region ?? 'us-east-1'}.amazonaws.com`
  try {
    return new URL(job.options.endpoint).host
  } catch {
    return job.options.endpoint
  }
}

/** A job's state in a Chinese sentence ("上传任务 … 已完成"). */
const STATE_ZH: Record<JobState, string> = {
  queued: '正在排队',
  running: '正在运行',
  paused: '已暂停',
  'waiting-network': '正在等待网络',
  'needs-credentials': '正在等待凭据',
  done: '已完成',
  failed: '已失败',
  cancelled: '已取消',
}

const ENDED: Partial<Record<JobState, 'done' | 'error' | 'cancelled'>> = {
  done: 'done',
  failed: 'error',
  cancelled: 'cancelled',
}

export interface NetworkWatch {
  /** First probe this long after the network was lost; doubled after each failed probe. */
  firstMs: number
  maxMs: number
  /** Can the job's server be reached now? Default: a TCP connect to it (a folder target: the folder exists). */
  probe?: (job: UploadJob) => Promise<boolean>
}

export class UploadQueue {
  readonly store: UploadStore
  readonly limiter: BandwidthLimiter
  private readonly running = new Map<string, AbortController>()
  private watch: NetworkWatch | null = null
  private readonly probes = new Map<string, NodeJS.Timeout>()
  /** What the last run of each sync job found and did (this process's runs). */
  readonly syncOutcomes = new Map<string, SyncOutcome>()

  constructor(
    db: Db,
    private readonly opts: QueueOptions,
  ) {
    this.store = new UploadStore(db)
    this.limiter = opts.limiter ?? new BandwidthLimiter()
  }

  private emit(e: QueueEvent): void {
    this.opts.onEvent?.(e)
  }

  private setState(id: string, state: JobState, fields: { error?: JobError; result?: string | null } = {}): UploadJob {
    this.store.setState(id, state, fields)
    const job = this.store.get(id)
    this.emit({ type: 'job', job })
    if (state === 'waiting-network') this.scheduleProbe(job)
    const ended = ENDED[state]
    // a sync job's run is recorded as one 'sync' record (recordSync), not as an upload
    if (ended && !job.options.syncSource)
      this.opts.history?.({
        kind: 'upload',
        subject: job.id,
        subjectName: `${basename(job.filePath)} → ${job.target}`,
        result: ended,
        link: job.target,
        details: {
          sha256: job.fileSha256,
          size: job.fileSize,
          bytesDone: job.bytesDone,
          ...(job.result ? { verified: job.result } : {}),
          ...(job.error ? { error: job.error } : {}),
          ...(job.errorZh ? { errorZh: job.errorZh } : {}),
        },
      })
    return job
  }

  /** Probe the server of every job waiting for the network, with backoff, and resume each when it answers. */
  watchNetwork(watch: NetworkWatch): void {
    this.watch = watch
    for (const job of this.store.list()) if (job.state === 'waiting-network') this.scheduleProbe(job)
  }

  /** Stop probing (the host is closing). */
  stopWatching(): void {
    this.watch = null
    for (const timer of this.probes.values()) clearTimeout(timer)
    this.probes.clear()
  }

  private scheduleProbe(job: UploadJob, delay = this.watch?.firstMs ?? 0): void {
    const watch = this.watch
    if (!watch || this.probes.has(job.id)) return
    const timer = setTimeout(async () => {
      this.probes.delete(job.id)
      if (this.watch !== watch || this.store.get(job.id).state !== 'waiting-network') return
      const reachable = await (watch.probe ?? probeServer)(job).catch(() => false)
      if (this.watch !== watch || this.store.get(job.id).state !== 'waiting-network') return
      if (!reachable) return this.scheduleProbe(job, Math.min(watch.maxMs, delay * 2))
      this.emit({ type: 'log', jobId: job.id, message: 'the network is back: resuming' })
      this.setState(job.id, 'queued', { error: null })
      await this.run(job.id).catch(() => undefined)
    }, delay)
    timer.unref()
    this.probes.set(job.id, timer)
  }

  /** Queue a file. Its sha256 is taken from the scan when given, else computed now (streamed). */
  async enqueue(input: {
    file: string
    target: string
    options?: JobOptions
    sha256?: string
    signal?: AbortSignal
    meter?: ProgressMeter
  }): Promise<UploadJob> {
    const t = parseTarget(input.target)
    if (!TARGETS[t.kind])
      throw new PreflightError(
        'invalid-input',
        bi(
          `${t.kind} targets are not available in this build: upload to another kind of target.`,
          `此版本不支持 ${t.kind} 目标：请上传到其他类型的目标。`,
        ),
      )
    const file = resolve(input.file)
    const st = await stat(file).catch(() => {
      throw new PreflightError(
        'not-found',
        bi(
          `No such file: ${file}. Check that it was not moved or deleted, then queue it again.`,
          `文件不存在：${file}。请确认它没有被移动或删除，然后重新加入队列。`,
        ),
      )
    })
    if (!st.isFile())
      throw new PreflightError(
        'unreadable',
        bi(
          `${file} is not a regular file: queue a file, not a folder or device.`,
          `${file} 不是普通文件：请加入文件，而不是文件夹或设备。`,
        ),
      )
    const sha256 = input.sha256 ?? (await sha256File(file, st.size, { signal: input.signal, meter: input.meter }))
    const job = this.store.create({
      target: input.target,
      options: input.options ?? {},
      filePath: file,
      fileSize: st.size,
      fileMtimeMs: Math.round(st.mtimeMs),
      fileSha256: sha256,
    })
    this.emit({ type: 'job', job })
    return job
  }

  /** Queue a sync of a docker:// source image to a target (its tag: the source's when it names none). */
  enqueueSync(input: {
    source: string
    target: string
    type?: SyncType
    overwrite?: boolean
    insecure?: boolean
    sourceInsecure?: boolean
  }): UploadJob {
    const source = input.source
    const target = syncTargetRef(source, input.target)
    const s = syncEndpoint(source, 'source')
    const t = syncEndpoint(target, 'target')
    if (s.registry === t.registry && s.repository === t.repository && s.tag === t.tag)
      throw new PreflightError(
        'invalid-input',
        bi(
          `The sync target ${target} is its own source: name another registry, organisation or tag.`,
          `同步目标 ${target} 就是源镜像本身：请指定其他镜像仓库、组织或标签。`,
        ),
      )
    const job = this.store.create({
      target,
      options: syncOptions(source, {
        type: input.type ?? 'manual',
        overwrite: input.overwrite,
        insecure: input.insecure,
        sourceInsecure: input.sourceInsecure,
      }),
      filePath: source,
      fileSize: 0,
      fileMtimeMs: 0,
      fileSha256: '',
    })
    this.emit({ type: 'job', job })
    return job
  }

  list(): UploadJob[] {
    return this.store.list()
  }

  pause(id: string): UploadJob {
    const job = this.store.find(id)
    if (job.state === 'done' || job.state === 'cancelled')
      throw new PreflightError(
        'conflict',
        bi(
          `Upload ${job.id.slice(0, 8)} is already ${job.state}: there is nothing to pause (queue the file again to send it again).`,
          `上传任务 ${job.id.slice(0, 8)} 已${job.state === 'done' ? '完成' : '取消'}，无需暂停（如需再次发送，请重新加入队列）。`,
        ),
      )
    this.running.get(job.id)?.abort()
    return this.setState(job.id, 'paused')
  }

  resume(id: string): UploadJob {
    const job = this.store.find(id)
    if (!['paused', 'failed', 'waiting-network', 'needs-credentials'].includes(job.state))
      throw new PreflightError(
        'conflict',
        bi(
          `Upload ${job.id.slice(0, 8)} is ${job.state}, not paused, failed or waiting: only those can be resumed${job.state === 'done' || job.state === 'cancelled' ? ' (queue the file again to send it again)' : ''}.`,
          `上传任务 ${job.id.slice(0, 8)} ${STATE_ZH[job.state]}，不是已暂停、失败或等待中：只有这些任务可以继续${job.state === 'done' || job.state === 'cancelled' ? '（如需再次发送，请重新加入队列）' : ''}。`,
        ),
      )
    return this.setState(job.id, 'queued', { error: null })
  }

  async cancel(id: string): Promise<UploadJob> {
    const job = this.store.find(id)
    if (job.state === 'done')
      throw new PreflightError(
        'conflict',
        bi(
          `Upload ${job.id.slice(0, 8)} is already done: there is nothing to cancel ("Clear finished" removes it from the list).`,
          `上传任务 ${job.id.slice(0, 8)} 已完成，无需取消（“清除已结束”会将其从列表中移除）。`,
        ),
      )
    this.running.get(job.id)?.abort()
    // the server's half-finished upload is aborted; where it cannot be, the job says so (a clear tries again)
    const problem = await this.abortOnServer(job)
    return this.setState(job.id, 'cancelled', problem ? { error: problem } : {})
  }

  /** Abort the server-side state of a job (an S3 multipart upload and its parts); its refusal as a sentence, or null. */
  private async abortOnServer(job: UploadJob): Promise<Bilingual | null> {
    const target = TARGETS[parseTarget(job.target).kind]
    try {
      await target?.abort?.(this.targetRun(job, new AbortController().signal, () => {}))
      return null
    } catch (err) {
      const data = toErrorData(err)
      return bi(data.message, data.messageZh ?? data.message)
    }
  }

  /**
   * Remove the finished jobs (done, failed, cancelled) from the store; never a running or waiting one. A failed or
   * cancelled job's multipart upload still open on the object storage is aborted first, so no orphan parts stay
   * billed; an abort the server refuses is reported in `problems` (the job is cleared all the same).
   */
  async clearFinished(): Promise<{ removed: string[]; problems: ErrorData[] }> {
    const problems: ErrorData[] = []
    for (const job of this.store.list()) {
      if ((job.state !== 'failed' && job.state !== 'cancelled') || !job.uploadId || this.running.has(job.id)) continue
      const problem = await this.abortOnServer(job)
      if (problem) problems.push({ code: 'network', message: problem.en, messageZh: problem.zh })
    }
    return { removed: this.store.removeInStates(FINISHED_STATES, new Set(this.running.keys())), problems }
  }

  private targetRun(job: UploadJob, signal: AbortSignal, progress: (n: number) => void): TargetRun {
    return {
      job,
      store: this.store,
      signal,
      limiter: this.limiter,
      retry: this.opts.retry ?? DEFAULT_RETRY,
      credentials: this.opts.credentials,
      progress,
      log: (message: string) => this.emit({ type: 'log', jobId: job.id, message }),
    }
  }

  /** Run one job to its end (done, failed, paused, cancelled or waiting for the network). */
  async run(id: string, signal?: AbortSignal): Promise<UploadJob> {
    let job = this.store.find(id)
    if (job.state === 'done' || job.state === 'cancelled' || job.state === 'paused') return job
    if (this.running.has(job.id))
      throw new PreflightError(
        'conflict',
        bi(
          `Upload ${job.id.slice(0, 8)} is already running: wait for it to finish, or pause it first.`,
          `上传任务 ${job.id.slice(0, 8)} 正在运行：请等待它结束，或先暂停。`,
        ),
      )
    const controller = new AbortController()
    const onOuterAbort = () => controller.abort()
    signal?.addEventListener('abort', onOuterAbort, { once: true })
    this.running.set(job.id, controller)
    const meter = new ProgressMeter((record) => this.emit({ type: 'progress', jobId: job.id, record }), {
      intervalMs: 200,
    })
    const sync = isSyncJob(job)
    const startedAt = new Date()
    let outcome: SyncOutcome | undefined
    let total = job.fileSize
    const end = (state: JobState, fields: { error?: JobError; result?: string | null } = {}): UploadJob => {
      const final = this.setState(job.id, state, fields)
      if (sync) this.recordSync(final, startedAt, outcome)
      return final
    }
    try {
      if (!sync) {
        const st = await stat(job.filePath).catch(() => null)
        if (!st || st.size !== job.fileSize || Math.round(st.mtimeMs) !== job.fileMtimeMs)
          return this.setState(job.id, 'failed', {
            error: bi(
              `${job.filePath} changed or disappeared since it was queued (size or modification time differ): queue it again.`,
              `${job.filePath} 在加入队列后已更改或消失（大小或修改时间不同）：请重新加入队列。`,
            ),
          })
      }
      job = this.setState(job.id, 'running', { error: null })
      const run = this.targetRun(job, controller.signal, (n) => meter.update('uploading', n, total))
      if (sync) {
        outcome = await runSync(run, (bytes) => {
          total = bytes
          this.store.setFileSize(job.id, bytes)
        })
        meter.update('uploading', total, total, { force: true })
        this.syncOutcomes.set(job.id, outcome)
        if (outcome.status === 'kept') return end('failed', { error: keptError(outcome) })
        return end('done', { result: describeOutcome(outcome) })
      }
      const result = await TARGETS[parseTarget(job.target).kind]!.run(run)
      meter.update('uploading', job.fileSize, job.fileSize, { force: true })
      const done = this.setState(job.id, 'done', { result })
      // the push is done whatever its automatic syncs do: each ends in its own job's state and record
      await this.autoSync(done, controller.signal).catch((err: unknown) =>
        this.emit({ type: 'log', jobId: job.id, message: `automatic sync stopped: ${(err as Error).message}` }),
      )
      return done
    } catch (err) {
      const current = this.store.get(job.id)
      if (current.state === 'paused' || current.state === 'cancelled') {
        if (sync) this.recordSync(current, startedAt, undefined)
        return current
      }
      if (controller.signal.aborted) return end('queued')
      const { text, code } = errorWords(err)
      if (!text) this.emit({ type: 'log', jobId: job.id, message: `the server answered: ${toErrorData(err).message}` })
      const server = serverOf(job)
      if (isNetworkError(err))
        return end('waiting-network', {
          error: text
            ? bi(
                `Network unavailable: ${text.en} The upload resumes when the server answers.`,
                `网络不可用：${text.zh}服务器恢复响应后上传会自动继续。`,
              )
            : bi(
                `Network unavailable: ${server} does not answer (${code}). The upload resumes when it answers.`,
                `网络不可用：${server} 没有响应（${code}）。服务器恢复响应后上传会自动继续。`,
              ),
        })
      if (isCredentialError(err))
        return end('needs-credentials', {
          error: bi(
            `Credentials refused or missing: ${text?.en ?? `${server} refused the keys (${code}).`} Enter new ones (Settings → Storage credentials, or the environment for the CLI); finished parts are kept.`,
            `凭据被拒绝或缺失：${text?.zh ?? `${server} 拒绝了这些密钥（${code}）。`}请重新输入（设置 → 存储凭据；CLI 请使用环境变量），已完成的分段会保留。`,
          ),
        })
      return end('failed', {
        error:
          text ??
          bi(
            `The upload to ${job.target} failed: ${server} answered with an error (${code}). Check the target, its permissions and the endpoint, then resume the upload.`,
            `上传到 ${job.target} 失败：${server} 返回了错误（${code}）。请检查目标、权限和端点，然后继续上传。`,
          ),
      })
    } finally {
      signal?.removeEventListener('abort', onOuterAbort)
      this.running.delete(job.id)
    }
  }

  /** One 'sync' history record per run of a sync job. */
  private recordSync(job: UploadJob, startedAt: Date, outcome: SyncOutcome | undefined): void {
    if (!this.opts.history) return
    const { status, result } = syncRecord(job, outcome)
    const t = syncEndpoint(job.target, 'target')
    this.opts.history({
      kind: 'sync',
      subject: job.options.syncSource!,
      subjectName: `${job.options.syncSource!.slice('docker://'.length)} → ${job.target.slice('docker://'.length)}`,
      result,
      link: `${t.registry}/${t.repository}:${t.tag}`,
      details: {
        jobId: job.id,
        startedAt: startedAt.toISOString(),
        tag: t.tag,
        status,
        type: job.options.syncType ?? 'manual',
        durationMs: Date.now() - startedAt.getTime(),
        source: job.options.syncSource,
        target: job.target,
        overwrite: Boolean(job.options.overwrite),
        ...(outcome
          ? {
              digest: outcome.digest,
              targetDigest: outcome.targetDigest,
              blobs: outcome.blobs,
              bytesSent: outcome.bytesSent,
            }
          : {}),
        ...(job.error && !outcome ? { error: job.error } : {}),
      },
    })
  }

  /** A pushed image whose repository has sync targets configured: a sync job per target, run now. */
  private async autoSync(pushed: UploadJob, signal: AbortSignal): Promise<void> {
    const t = parseTarget(pushed.target)
    if (t.kind !== 'registry' || !this.opts.autoSync) return
    const source = `docker://${t.registry}/${t.repository}:${t.tag}`
    for (const rule of this.opts.autoSync().filter((x) => x.repository === `${t.registry}/${t.repository}`)) {
      for (const target of rule.targets) {
        if (signal.aborted) return
        let job: UploadJob
        try {
          job = this.enqueueSync({
            source,
            target,
            type: 'automatic',
            overwrite: rule.overwrite,
            insecure: rule.insecure,
            sourceInsecure: pushed.options.insecure,
          })
        } catch (err) {
          this.emit({
            type: 'log',
            jobId: pushed.id,
            message: `automatic sync to ${target} not queued: ${(err as Error).message}`,
          })
          continue
        }
        this.emit({
          type: 'log',
          jobId: pushed.id,
          message: `automatic sync to ${job.target} queued as ${job.id.slice(0, 8)}`,
        })
        await this.run(job.id, signal)
      }
    }
  }

  /** Run every queued (and network- or credential-waiting) job, one after another. */
  async runAll(signal?: AbortSignal): Promise<UploadJob[]> {
    const out: UploadJob[] = []
    for (const job of this.store.list()) {
      if (signal?.aborted) break
      if (['queued', 'running', 'waiting-network', 'needs-credentials'].includes(job.state))
        out.push(await this.run(job.id, signal))
    }
    return out
  }
}

/** Jobs waiting for credentials of this connection go back to the queue; returns them. */
export function requeueForCredentials(queue: UploadQueue, matches: (job: UploadJob) => boolean): UploadJob[] {
  return queue
    .list()
    .filter((j) => j.state === 'needs-credentials' && matches(j))
    .map((j) => queue.resume(j.id))
}

/** Is the job's server reachable? A TCP connect with a 5 s timeout; a folder target: does the folder exist. */
export async function probeServer(job: UploadJob): Promise<boolean> {
  const t = parseTarget(job.target)
  if (t.kind === 'folder')
    return access(t.dir).then(
      () => true,
      () => false,
    )
  const url = new URL(
    t.kind === 'registry'
      ? `${job.options.insecure ? 'http' : 'https'}://${t.registry}`
      : (job.options.endpoint ?? `https://s3.${job.options.region ?? 'us-east-1'}.amazonaws.com`),
  )
  const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443))
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port, timeout: 5000 })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}
