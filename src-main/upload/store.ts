// The upload queue's checkpoint in SQLite: jobs (target, the local file's identity, state, multipart upload
// id) and their parts (offset, size, ETag, MD5, state). Every change is one small transaction, so a kill at
// any moment loses at most the parts that were in flight. Credentials are never stored here.
import { randomUUID } from 'node:crypto'
import { PreflightError } from '../../src-preload/errors'
import { bi, worded, type Bilingual } from '../../src-preload/text'
import type { Db } from '../store/db'

export type JobState =
  'queued' | 'running' | 'paused' | 'waiting-network' | 'needs-credentials' | 'done' | 'failed' | 'cancelled'

export interface JobOptions {
  endpoint?: string
  region?: string
  pathStyle?: boolean
  insecure?: boolean
  /** file:// targets: replace a file of the same name (otherwise an existing file stops the job). */
  overwrite?: boolean
  concurrency?: number
  partSize?: number
  /** A request that neither completes nor sends data for this long is abandoned and retried (default 120 s). */
  requestTimeoutMs?: number
  /** Sync jobs (sync.ts): the docker:// image copied to the target, how the sync was started, the source over http. */
  syncSource?: string
  syncType?: 'manual' | 'automatic'
  sourceInsecure?: boolean
}

export interface UploadJob {
  id: string
  target: string
  options: JobOptions
  filePath: string
  fileSize: number
  fileMtimeMs: number
  fileSha256: string
  state: JobState
  uploadId: string | null
  partSize: number | null
  bytesDone: number
  /** Why the job stopped, in English; errorZh the same sentence in Simplified Chinese. */
  error: string | null
  errorZh: string | null
  result: string | null
  createdAt: string
  updatedAt: string
}

/** A job's error as it is set: one language (logs only) or both (what a user reads), or null to clear it. */
export type JobError = string | Bilingual | null

export interface UploadPart {
  partNumber: number
  offset: number
  size: number
  etag: string | null
  md5: string | null
  state: 'pending' | 'done'
}

interface JobRow {
  id: string
  target: string
  options_json: string
  file_path: string
  file_size: number
  file_mtime_ms: number
  file_sha256: string
  state: JobState
  upload_id: string | null
  part_size: number | null
  bytes_done: number
  error: string | null
  error_zh: string | null
  result: string | null
  created_at: string
  updated_at: string
}

const toJob = (r: JobRow): UploadJob => ({
  id: r.id,
  target: r.target,
  options: JSON.parse(r.options_json) as JobOptions,
  filePath: r.file_path,
  fileSize: r.file_size,
  fileMtimeMs: r.file_mtime_ms,
  fileSha256: r.file_sha256,
  state: r.state,
  uploadId: r.upload_id,
  partSize: r.part_size,
  bytesDone: r.bytes_done,
  error: r.error,
  errorZh: r.error_zh ?? null,
  result: r.result,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const now = () => new Date().toISOString()

export class UploadStore {
  constructor(private readonly db: Db) {}

  create(job: {
    target: string
    options: JobOptions
    filePath: string
    fileSize: number
    fileMtimeMs: number
    fileSha256: string
  }): UploadJob {
    const id = randomUUID()
    const t = now()
    this.db
      .prepare(
        `INSERT INTO upload_jobs (id, target, options_json, file_path, file_size, file_mtime_ms, file_sha256, state, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
      )
      .run(
        id,
        job.target,
        JSON.stringify(job.options),
        job.filePath,
        job.fileSize,
        job.fileMtimeMs,
        job.fileSha256,
        t,
        t,
      )
    return this.get(id)
  }

  get(id: string): UploadJob {
    const r = this.db.prepare('SELECT * FROM upload_jobs WHERE id = ?').get(id) as JobRow | undefined
    if (!r)
      throw new PreflightError(
        'not-found',
        bi(
          `No upload ${id}: it may have been cleared from the queue; list the queue to see the uploads there are.`,
          `没有上传任务 ${id}：它可能已从队列中清除；请查看队列中现有的上传任务。`,
        ),
      )
    return toJob(r)
  }

  /** A job by its id or a unique prefix of it (as the CLI prints short ids). */
  find(idOrPrefix: string): UploadJob {
    const rows = this.db
      .prepare('SELECT * FROM upload_jobs WHERE id LIKE ? ORDER BY created_at')
      .all(`${idOrPrefix.replace(/[%_]/g, '')}%`) as JobRow[]
    if (rows.length === 0)
      throw new PreflightError(
        'not-found',
        bi(
          `No upload ${idOrPrefix}: it may have been cleared from the queue; list the queue to see the uploads there are.`,
          `没有上传任务 ${idOrPrefix}：它可能已从队列中清除；请查看队列中现有的上传任务。`,
        ),
      )
    if (rows.length > 1)
      throw new PreflightError(
        'invalid-input',
        bi(
          `"${idOrPrefix}" matches ${rows.length} uploads: give more of the id.`,
          `“${idOrPrefix}”匹配 ${rows.length} 个上传任务：请输入更长的 ID。`,
        ),
      )
    return toJob(rows[0])
  }

  list(): UploadJob[] {
    return (this.db.prepare('SELECT * FROM upload_jobs ORDER BY created_at').all() as JobRow[]).map(toJob)
  }

  setState(id: string, state: JobState, fields: { error?: JobError; result?: string | null } = {}): void {
    const error = fields.error ? worded(fields.error) : null
    this.db
      .prepare(
        'UPDATE upload_jobs SET state = ?, error = coalesce(?, error), error_zh = CASE WHEN ? IS NULL THEN error_zh ELSE ? END, result = coalesce(?, result), updated_at = ? WHERE id = ?',
      )
      .run(
        state,
        error?.message ?? null,
        error?.message ?? null,
        error?.messageZh ?? null,
        fields.result === undefined ? null : fields.result,
        now(),
        id,
      )
    if (fields.error === null)
      this.db.prepare('UPDATE upload_jobs SET error = NULL, error_zh = NULL WHERE id = ?').run(id)
  }

  /** Record the multipart upload and its part plan in one transaction. */
  startMultipart(
    id: string,
    uploadId: string,
    partSize: number,
    parts: Array<{ partNumber: number; offset: number; size: number }>,
  ): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM upload_parts WHERE job_id = ?').run(id)
      this.db
        .prepare('UPDATE upload_jobs SET upload_id = ?, part_size = ?, bytes_done = 0, updated_at = ? WHERE id = ?')
        .run(uploadId, partSize, now(), id)
      const ins = this.db.prepare(
        "INSERT INTO upload_parts (job_id, part_number, offset, size, state) VALUES (?, ?, ?, ?, 'pending')",
      )
      for (const p of parts) ins.run(id, p.partNumber, p.offset, p.size)
    })()
  }

  parts(id: string): UploadPart[] {
    return this.db
      .prepare(
        'SELECT part_number AS partNumber, offset, size, etag, md5, state FROM upload_parts WHERE job_id = ? ORDER BY part_number',
      )
      .all(id) as UploadPart[]
  }

  /** A part is done: its ETag and the job's byte count move together. */
  partDone(id: string, partNumber: number, etag: string, md5: string): void {
    this.db.transaction(() => {
      const r = this.db
        .prepare(
          "UPDATE upload_parts SET etag = ?, md5 = ?, state = 'done' WHERE job_id = ? AND part_number = ? AND state = 'pending'",
        )
        .run(etag, md5, id, partNumber)
      if (r.changes)
        this.db
          .prepare(
            "UPDATE upload_jobs SET bytes_done = (SELECT coalesce(sum(size), 0) FROM upload_parts WHERE job_id = ? AND state = 'done'), updated_at = ? WHERE id = ?",
          )
          .run(id, now(), id)
    })()
  }

  /** The size a job moves, once known (a sync job learns it from the source's manifests). */
  setFileSize(id: string, bytes: number): void {
    this.db.prepare('UPDATE upload_jobs SET file_size = ?, updated_at = ? WHERE id = ?').run(bytes, now(), id)
  }

  setBytesDone(id: string, bytes: number): void {
    this.db.prepare('UPDATE upload_jobs SET bytes_done = ?, updated_at = ? WHERE id = ?').run(bytes, now(), id)
  }

  /** Forget the multipart upload (after an abort, or when the server no longer knows it). */
  resetMultipart(id: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM upload_parts WHERE job_id = ?').run(id)
      this.db
        .prepare(
          'UPDATE upload_jobs SET upload_id = NULL, part_size = NULL, bytes_done = 0, updated_at = ? WHERE id = ?',
        )
        .run(now(), id)
    })()
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM upload_jobs WHERE id = ?').run(id)
  }

  /** Delete the jobs (and, by cascade, their parts) that are in one of `states`, except `keep`; returns their ids. */
  removeInStates(states: JobState[], keep: Set<string> = new Set()): string[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT id FROM upload_jobs WHERE state IN (${states.map(() => '?').join(', ')})`)
        .all(...states) as Array<{ id: string }>
      const ids = rows.map((r) => r.id).filter((id) => !keep.has(id))
      const del = this.db.prepare('DELETE FROM upload_jobs WHERE id = ?')
      for (const id of ids) del.run(id)
      return ids
    })()
  }
}
