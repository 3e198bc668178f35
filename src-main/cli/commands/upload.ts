// `preflight upload <file> --to TARGET [--endpoint URL] [--region R] [--insecure] [--overwrite] [--concurrency N] [--part-size MiB]
// [--limit MiB/s] [--wait]` and `preflight queue list|run|pause|resume|cancel|clear`: the persistent sync queue
// from the CLI. Credentials come from an AWS shared-credentials file (--credentials FILE [--profile NAME],
// or AWS_SHARED_CREDENTIALS_FILE / AWS_PROFILE) or from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; never
// from arguments or the database. Sync jobs in the queue record their runs in the work history, and a push to
// a repository with sync targets configured (setting sync.targets, `preflight sync --auto`) syncs them too.
import { parseArgs } from 'node:util'
import { HistoryStore } from '../../history/history'
import { defaultHome, ensureHome } from '../../home'
import { openHomeDatabase } from '../../store/db'
import { ProgressMeter } from '../../tasks/progress'
import { cliCredentials } from '../../upload/credentials'
import { UploadQueue } from '../../upload/queue'
import type { UploadJob } from '../../upload/store'
import { autoSyncRules } from '../../upload/sync'
import { formatBytes, progressLine, usageError, type CliCommand, type CliIO } from '../io'

export interface QueueFlags {
  limit?: string
  credentials?: string
  profile?: string
}

export const QUEUE_FLAGS = {
  limit: { type: 'string' },
  credentials: { type: 'string' },
  profile: { type: 'string' },
  wait: { type: 'boolean' },
} as const

export function openQueue(io: CliIO, flags: QueueFlags): UploadQueue {
  const limit = flags.limit === undefined ? undefined : parseBandwidth(flags.limit)
  const db = openHomeDatabase(ensureHome(defaultHome(io.env)))
  const queue = new UploadQueue(db, {
    credentials: cliCredentials(io.env, flags.credentials, flags.profile),
    // a job that ends (done, failed, cancelled) is one event of the work history
    history: new HistoryStore(db).sink(),
    autoSync: () => autoSyncRules(db),
    onEvent: (e) => {
      if (e.type === 'progress' && io.stderr.isTTY)
        io.stderr.write(`\r\x1b[2K${e.jobId.slice(0, 8)} ${progressLine(e.record)}`)
      else if (e.type === 'progress') io.stderr.write(`${e.jobId.slice(0, 8)} ${progressLine(e.record)}\n`)
      else if (e.type === 'log')
        io.stderr.write(`${io.stderr.isTTY ? '\r\x1b[2K' : ''}${e.jobId.slice(0, 8)} ${e.message}\n`)
    },
  })
  if (limit) queue.limiter.setRate(limit)
  return queue
}

const RATE_UNITS: Record<string, number> = { kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }

/**
 * A bandwidth limit as the app writes it, in bytes per second: a number of MiB/s (`40`, `2.5`), or with its unit,
 * `40MiB/s`, `512KiB/s`, `1GiB/s` (the `/s` may be left out; case and a space before the unit do not matter).
 */
export function parseBandwidth(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:([kmg]i?b)(?:\/s|ps)?)?\s*$/i.exec(text)
  const unit = m?.[2]?.toLowerCase().replace(/^([kmg])b$/, '$1ib')
  const bytes = m ? Math.round(Number(m[1]) * RATE_UNITS[unit ?? 'mib']) : NaN
  if (!Number.isFinite(bytes) || bytes < 1 || bytes > Number.MAX_SAFE_INTEGER)
    throw usageError(
      `--limit must be a bandwidth above 0 such as 40MiB/s, 512KiB/s or 40 (a bare number is MiB/s, as in the app); got "${text.slice(0, 40)}".`,
    )
  return bytes
}

function positive(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--${name} must be a number above 0; got "${v.slice(0, 40)}".`)
  return n
}

/** --wait: jobs that lost the network are probed with backoff and resumed until none is left waiting. */
export async function settle(
  queue: UploadQueue,
  io: CliIO,
  jobs: UploadJob[],
  wait: boolean | undefined,
): Promise<UploadJob[]> {
  if (!wait || !jobs.some((j) => j.state === 'waiting-network')) return jobs
  io.stderr.write('waiting for the network (probing with backoff; Ctrl-C stops)\n')
  queue.watchNetwork({ firstMs: 2000, maxMs: 60_000 })
  const ids = jobs.map((j) => j.id)
  try {
    while (!io.signal.aborted) {
      const now = ids.map((id) => queue.store.get(id))
      if (!now.some((j) => j.state === 'waiting-network' || j.state === 'queued' || j.state === 'running')) return now
      await new Promise((r) => setTimeout(r, 250))
    }
    return ids.map((id) => queue.store.get(id))
  } finally {
    queue.stopWatching()
  }
}

export function describe(job: UploadJob): string {
  // a sync job learns its size from the source's manifests: none yet is no percentage yet
  const pct = job.fileSize
    ? ((100 * job.bytesDone) / job.fileSize).toFixed(1)
    : job.state === 'done' || !job.options.syncSource
      ? '100.0'
      : '-'
  return `${job.id.slice(0, 8)}  ${job.state.padEnd(15)} ${pct.padStart(5)}%  ${formatBytes(job.fileSize).padStart(10)}  ${job.filePath} → ${job.target}${job.result ? `\n          result: ${job.result}` : ''}${job.error ? `\n          error: ${job.error}` : ''}`
}

function finish(io: CliIO, jobs: UploadJob[]): number {
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[2K')
  for (const j of jobs) io.stdout.write(`${describe(j)}\n`)
  return jobs.every((j) => j.state === 'done' || j.state === 'paused' || j.state === 'cancelled') ? 0 : 1
}

export const uploadCommand: CliCommand = {
  name: 'upload',
  summary: 'enqueue a file into the persistent upload queue and run it to completion',
  usage:
    'preflight upload <file> --to s3://bucket/key|docker://registry/repo:tag|file:///folder/ [--endpoint URL] [--region R] [--insecure] [--overwrite] [--concurrency N] [--part-size MiB] [--limit MiB/s] [--sha256 HEX] [--credentials FILE] [--profile NAME] [--wait]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        to: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        insecure: { type: 'boolean' },
        overwrite: { type: 'boolean' },
        concurrency: { type: 'string' },
        'part-size': { type: 'string' },
        sha256: { type: 'string' },
        ...QUEUE_FLAGS,
      },
    })
    if (positionals.length !== 1)
      throw usageError(
        `upload takes exactly one file (got ${positionals.length}): preflight upload <file> --to TARGET.`,
      )
    if (!values.to)
      throw usageError('--to is required: s3://bucket/key, docker://registry/repository:tag or file:///folder/.')
    const queue = openQueue(io, values)
    const partMiB = positive(values['part-size'], 'part-size')
    const job = await queue.enqueue({
      file: positionals[0],
      target: values.to,
      sha256: values.sha256,
      signal: io.signal,
      meter: new ProgressMeter((r) => io.stderr.isTTY && io.stderr.write(`\r\x1b[2K${progressLine(r)}`), {
        intervalMs: 250,
      }),
      options: {
        endpoint: values.endpoint,
        region: values.region,
        insecure: values.insecure,
        overwrite: values.overwrite,
        concurrency: positive(values.concurrency, 'concurrency'),
        partSize: partMiB ? Math.round(partMiB * 1024 * 1024) : undefined,
      },
    })
    return finish(io, await settle(queue, io, [await queue.run(job.id, io.signal)], values.wait))
  },
}

export const queueCommand: CliCommand = {
  name: 'queue',
  summary: 'the persistent sync queue: list | run | pause <id> | resume <id> | cancel <id> | clear',
  usage:
    'preflight queue list|run|pause <id>|resume <id>|cancel <id>|clear [--format json] [--limit MiB/s (or 512KiB/s)] [--credentials FILE] [--profile NAME] [--wait]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string' }, ...QUEUE_FLAGS },
    })
    const [action, id] = positionals
    if (values.format !== undefined && values.format !== 'json')
      throw usageError(`--format must be json (or left out for a table); got "${values.format.slice(0, 40)}".`)
    const queue = openQueue(io, values)
    const needId = () => {
      if (!id) throw usageError(`queue ${action} needs a job id: preflight queue list shows them.`)
      return id
    }
    switch (action) {
      case 'list': {
        const jobs = queue.list()
        if (values.format === 'json') io.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`)
        else if (jobs.length === 0) io.stdout.write('The queue is empty.\n')
        else for (const j of jobs) io.stdout.write(`${describe(j)}\n`)
        return 0
      }
      case 'run':
        return finish(
          io,
          await settle(queue, io, id ? [await queue.run(id, io.signal)] : await queue.runAll(io.signal), values.wait),
        )
      case 'pause':
        return finish(io, [queue.pause(needId())])
      case 'resume':
        return finish(io, [queue.resume(needId())])
      case 'cancel':
        return finish(io, [await queue.cancel(needId())])
      case 'clear': {
        // like the app's "Clear finished": done, failed and cancelled jobs go; an S3 job's open multipart upload is
        // aborted first, and an abort the storage refuses is said on stderr (the job is cleared all the same: exit 1)
        if (id) throw usageError('queue clear takes no job id: it removes every done, failed and cancelled job.')
        const { removed, problems } = await queue.clearFinished()
        for (const p of problems) io.stderr.write(`${p.message}\n`)
        if (values.format === 'json') io.stdout.write(`${JSON.stringify({ removed, problems }, null, 2)}\n`)
        else
          io.stdout.write(
            removed.length === 0
              ? 'Nothing to clear: no job is done, failed or cancelled.\n'
              : `Cleared ${removed.length} finished job${removed.length === 1 ? '' : 's'}: ${removed.map((r) => r.slice(0, 8)).join(', ')}\n`,
          )
        return problems.length ? 1 : 0
      }
      default:
        throw usageError(
          `Unknown queue action "${(action ?? '').slice(0, 40)}": use list, run, pause <id>, resume <id>, cancel <id> or clear.`,
        )
    }
  },
}
