// S3/OBS multipart upload with @aws-sdk/client-s3, resumable from the SQLite checkpoint: parts are read from
// the file in 1 MiB chunks (constant memory whatever the part size), sent with Content-MD5, and recorded as they complete. On
// restart the file's identity is checked, the server's part list is reconciled where the server has
// ListParts (else the checkpoint is trusted), and only missing parts are sent. After completion the object's
// size and its sha256 metadata are verified.
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListPartsCommand,
  S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { PreflightError } from '../../../src-preload/errors'
import { throwIfCancelled } from '../../tasks/cancel'
import { httpStatusOf, withRetry } from '../retry'
import type { UploadJob } from '../store'
import { choosePartSize, parseTarget, type S3Credentials, type TargetRun, type UploadTarget } from '../target'

export function s3Client(job: UploadJob, creds: S3Credentials | undefined): S3Client {
  const endpoint = job.options.endpoint
  const host = endpoint ? new URL(endpoint).hostname : ''
  const pathStyle = job.options.pathStyle ?? (host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('['))
  return new S3Client({
    endpoint,
    region: job.options.region ?? 'us-east-1',
    forcePathStyle: pathStyle,
    credentials: creds,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1, // retries are ours, per part, with the checkpoint
    // a stalled socket must not hang a part forever
    requestHandler: new NodeHttpHandler({ connectionTimeout: 15_000, requestTimeout: job.options.requestTimeoutMs ?? 120_000, throwOnRequestTimeout: true }),
  })
}

export function objectUrl(job: UploadJob): string {
  const t = parseTarget(job.target)
  if (t.kind !== 's3') return job.target
  const ep = job.options.endpoint?.replace(/\/$/, '')
  return ep ? `${ep}/${t.bucket}/${t.key}` : `https://${t.bucket}.s3.${job.options.region ?? 'us-east-1'}.amazonaws.com/${t.key}`
}

export const s3Target: UploadTarget = {
  async run(r: TargetRun): Promise<string> {
    const t = parseTarget(r.job.target)
    if (t.kind !== 's3') throw new PreflightError('invalid-input', `not an s3 target: ${r.job.target}`)
    const creds = await r.credentials.s3(r.job)
    if (!creds) throw new PreflightError('forbidden', 'No object-storage credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or add them in Settings).')
    const client = s3Client(r.job, creds)
    try {
      let job = r.store.get(r.job.id)
      if (job.uploadId) {
        // Reconcile with the server where it can list parts; otherwise trust the checkpoint.
        try {
          const listed = await client.send(new ListPartsCommand({ Bucket: t.bucket, Key: t.key, UploadId: job.uploadId }), { abortSignal: r.signal })
          const server = new Map((listed.Parts ?? []).map((p) => [p.PartNumber, p.ETag]))
          for (const p of r.store.parts(job.id)) if (p.state === 'done' && server.get(p.partNumber) !== p.etag) r.log(`part ${p.partNumber} is not on the server: sending it again`)
          if (listed.Parts) resetMissing(r, server)
        } catch (err) {
          const status = httpStatusOf(err)
          if (status === 404 || (err as { name?: string }).name === 'NoSuchUpload') {
            r.log('the server no longer knows the multipart upload: starting it again')
            r.store.resetMultipart(job.id)
          } else if (status !== 405 && status !== 501) throw err
        }
        job = r.store.get(job.id)
      }
      if (!job.uploadId) {
        const partSize = choosePartSize(job.fileSize, job.options.partSize)
        const created = await withRetry('create multipart upload', () =>
          client.send(new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, Metadata: { sha256: job.fileSha256 }, ContentType: 'application/octet-stream' }), { abortSignal: r.signal }), { signal: r.signal, policy: r.retry })
        const parts = []
        for (let n = 1, off = 0; off < job.fileSize || (job.fileSize === 0 && n === 1); n++, off += partSize) parts.push({ partNumber: n, offset: off, size: Math.min(partSize, job.fileSize - off) })
        r.store.startMultipart(job.id, created.UploadId!, partSize, parts)
        job = r.store.get(job.id)
      }
      r.progress(job.bytesDone)
      const pending = r.store.parts(job.id).filter((p) => p.state === 'pending')
      const fh = await open(job.filePath, 'r')
      try {
        const concurrency = Math.max(1, Math.min(16, job.options.concurrency ?? 4))
        let next = 0
        const worker = async () => {
          while (next < pending.length) {
            throwIfCancelled(r.signal)
            const p = pending[next++]
            // constant memory: the part's MD5 from one chunked read, then the part streamed from the file
            const md5 = await partMd5(fh, p.offset, p.size, job.filePath)
            await r.limiter.take(p.size, r.signal)
            const res = await withRetry(`part ${p.partNumber}`, () =>
              client.send(new UploadPartCommand({ Bucket: t.bucket, Key: t.key, UploadId: job.uploadId!, PartNumber: p.partNumber, Body: p.size ? createReadStream(job.filePath, { start: p.offset, end: p.offset + p.size - 1, highWaterMark: 1024 * 1024 }) : Buffer.alloc(0), ContentMD5: md5, ContentLength: p.size }), { abortSignal: r.signal }),
            { signal: r.signal, policy: r.retry, onRetry: (err, n) => r.log(`part ${p.partNumber}: ${(err as Error).message} (retry ${n})`) })
            r.store.partDone(job.id, p.partNumber, res.ETag ?? '', md5)
            r.progress(r.store.get(job.id).bytesDone)
          }
        }
        await Promise.all(Array.from({ length: concurrency }, worker))
      } finally {
        await fh.close()
      }
      const done = r.store.parts(job.id)
      await withRetry('complete multipart upload', () =>
        client.send(new CompleteMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: job.uploadId!, MultipartUpload: { Parts: done.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag! })) } }), { abortSignal: r.signal }),
      { signal: r.signal, policy: r.retry })
      const head = await client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: r.signal })
      if (head.ContentLength !== job.fileSize) throw new PreflightError('conflict', `Verification failed: the object has ${head.ContentLength} bytes, the file ${job.fileSize}.`)
      const remoteSha = head.Metadata?.sha256
      if (remoteSha && remoteSha !== job.fileSha256) throw new PreflightError('conflict', `Verification failed: the object's sha256 metadata ${remoteSha} differs from the file's ${job.fileSha256}.`)
      return objectUrl(job)
    } finally {
      client.destroy()
    }
  },

  async abort(r: TargetRun): Promise<void> {
    const job = r.store.get(r.job.id)
    const t = parseTarget(job.target)
    if (t.kind !== 's3' || !job.uploadId) return
    const client = s3Client(job, await r.credentials.s3(job))
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: job.uploadId }))
    } catch (err) {
      const status = httpStatusOf(err)
      if (status !== 405 && status !== 501 && status !== 404) r.log(`could not abort the multipart upload: ${(err as Error).message}`)
    } finally {
      client.destroy()
      r.store.resetMultipart(job.id)
    }
  },
}

/** Parts the checkpoint calls done but the server does not have go back to pending. */
function resetMissing(r: TargetRun, server: Map<number | undefined, string | undefined>): void {
  const missing = r.store.parts(r.job.id).filter((p) => p.state === 'done' && server.get(p.partNumber) !== p.etag)
  if (!missing.length) return
  const parts = r.store.parts(r.job.id).map((p) => ({ partNumber: p.partNumber, offset: p.offset, size: p.size }))
  const keep = r.store.parts(r.job.id).filter((p) => p.state === 'done' && server.get(p.partNumber) === p.etag)
  const job = r.store.get(r.job.id)
  r.store.startMultipart(job.id, job.uploadId!, job.partSize!, parts)
  for (const p of keep) r.store.partDone(job.id, p.partNumber, p.etag!, p.md5!)
}

/** The base64 MD5 of one part, read in 1 MiB chunks; a short read means the file changed under the upload. */
async function partMd5(fh: FileHandle, offset: number, size: number, path: string): Promise<string> {
  const md5 = createHash('md5')
  const buf = Buffer.allocUnsafe(Math.min(size, 1024 * 1024) || 1)
  for (let done = 0; done < size; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - done), offset + done)
    if (bytesRead === 0) throw new PreflightError('conflict', `${path} changed during the upload (short read at ${offset + done}).`)
    md5.update(buf.subarray(0, bytesRead))
    done += bytesRead
  }
  return md5.digest('base64')
}
