// The persistent upload sync queue: jobs survive restarts (store.ts), run with retries, can be paused,
// resumed and cancelled, and share one bandwidth limit. Targets do the transfer; the queue owns states.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PreflightError, toErrorData } from '../../src-preload/errors'
import { sha256File } from '../inspect/identify'
import type { Db } from '../store/db'
import { ProgressMeter, type ProgressRecord } from '../tasks/progress'
import { BandwidthLimiter } from './limiter'
import { DEFAULT_RETRY, isNetworkError, type RetryPolicy } from './retry'
import { UploadStore, type JobOptions, type JobState, type UploadJob } from './store'
import { parseTarget, type CredentialProvider, type UploadTarget } from './target'
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

export const TARGETS: Partial<Record<'s3' | 'folder' | 'registry', UploadTarget>> = { s3: s3Target, folder: folderTarget, registry: registryTarget }

export interface QueueOptions {
  credentials: CredentialProvider
  onEvent?: (e: QueueEvent) => void
  limiter?: BandwidthLimiter
  retry?: RetryPolicy
}

export class UploadQueue {
  readonly store: UploadStore
  readonly limiter: BandwidthLimiter
  private readonly running = new Map<string, AbortController>()

  constructor(db: Db, private readonly opts: QueueOptions) {
    this.store = new UploadStore(db)
    this.limiter = opts.limiter ?? new BandwidthLimiter()
  }

  private emit(e: QueueEvent): void {
    this.opts.onEvent?.(e)
  }

  private setState(id: string, state: JobState, fields: { error?: string | null; result?: string | null } = {}): UploadJob {
    this.store.setState(id, state, fields)
    const job = this.store.get(id)
    this.emit({ type: 'job', job })
    return job
  }

  /** Queue a file. Its sha256 is taken from the scan when given, else computed now (streamed). */
  async enqueue(input: { file: string; target: string; options?: JobOptions; sha256?: string; signal?: AbortSignal; meter?: ProgressMeter }): Promise<UploadJob> {
    const t = parseTarget(input.target)
    if (!TARGETS[t.kind]) throw new PreflightError('invalid-input', `${t.kind} targets are not available in this build`)
    const file = resolve(input.file)
    const st = await stat(file).catch(() => {
      throw new PreflightError('not-found', `No such file: ${file}`)
    })
    if (!st.isFile()) throw new PreflightError('unreadable', `Not a regular file: ${file}`)
    const sha256 = input.sha256 ?? (await sha256File(file, st.size, { signal: input.signal, meter: input.meter }))
    const job = this.store.create({ target: input.target, options: input.options ?? {}, filePath: file, fileSize: st.size, fileMtimeMs: Math.round(st.mtimeMs), fileSha256: sha256 })
    this.emit({ type: 'job', job })
    return job
  }

  list(): UploadJob[] {
    return this.store.list()
  }

  pause(id: string): UploadJob {
    const job = this.store.find(id)
    if (job.state === 'done' || job.state === 'cancelled') throw new PreflightError('conflict', `Job ${job.id.slice(0, 8)} is ${job.state}.`)
    this.running.get(job.id)?.abort()
    return this.setState(job.id, 'paused')
  }

  resume(id: string): UploadJob {
    const job = this.store.find(id)
    if (job.state !== 'paused' && job.state !== 'failed' && job.state !== 'waiting-network') throw new PreflightError('conflict', `Job ${job.id.slice(0, 8)} is ${job.state}, not paused or failed.`)
    return this.setState(job.id, 'queued', { error: null })
  }

  async cancel(id: string): Promise<UploadJob> {
    const job = this.store.find(id)
    if (job.state === 'done') throw new PreflightError('conflict', `Job ${job.id.slice(0, 8)} is already done.`)
    this.running.get(job.id)?.abort()
    const target = TARGETS[parseTarget(job.target).kind]
    await target?.abort?.(this.targetRun(job, new AbortController().signal, () => {}))
    return this.setState(job.id, 'cancelled')
  }

  private targetRun(job: UploadJob, signal: AbortSignal, progress: (n: number) => void) {
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
    if (this.running.has(job.id)) throw new PreflightError('conflict', `Job ${job.id.slice(0, 8)} is already running.`)
    const controller = new AbortController()
    const onOuterAbort = () => controller.abort()
    signal?.addEventListener('abort', onOuterAbort, { once: true })
    this.running.set(job.id, controller)
    const meter = new ProgressMeter((record) => this.emit({ type: 'progress', jobId: job.id, record }), { intervalMs: 200 })
    try {
      const st = await stat(job.filePath).catch(() => null)
      if (!st || st.size !== job.fileSize || Math.round(st.mtimeMs) !== job.fileMtimeMs)
        return this.setState(job.id, 'failed', { error: `${job.filePath} changed or disappeared since it was queued (size or modification time differ): queue it again.` })
      job = this.setState(job.id, 'running', { error: null })
      const target = TARGETS[parseTarget(job.target).kind]!
      const result = await target.run(this.targetRun(job, controller.signal, (n) => meter.update('uploading', n, job.fileSize)))
      meter.update('uploading', job.fileSize, job.fileSize, { force: true })
      return this.setState(job.id, 'done', { result })
    } catch (err) {
      const current = this.store.get(job.id)
      if (current.state === 'paused' || current.state === 'cancelled') return current
      if (controller.signal.aborted) return this.setState(job.id, 'queued')
      const data = toErrorData(err)
      if (isNetworkError(err)) return this.setState(job.id, 'waiting-network', { error: `Network unavailable: ${data.message}` })
      return this.setState(job.id, 'failed', { error: data.message })
    } finally {
      signal?.removeEventListener('abort', onOuterAbort)
      this.running.delete(job.id)
    }
  }

  /** Run every queued (and network-waiting) job, one after another. */
  async runAll(signal?: AbortSignal): Promise<UploadJob[]> {
    const out: UploadJob[] = []
    for (const job of this.store.list()) {
      if (signal?.aborted) break
      if (job.state === 'queued' || job.state === 'running' || job.state === 'waiting-network') out.push(await this.run(job.id, signal))
    }
    return out
  }
}

/** Credentials from the environment (CLI): AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. */
export function envCredentials(env: NodeJS.ProcessEnv): CredentialProvider {
  return {
    async s3() {
      if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined
      return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
    },
  }
}
