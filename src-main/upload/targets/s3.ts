// S3/OBS multipart upload with @aws-sdk/client-s3, resumable from the SQLite checkpoint: parts are read from
// the file in 1 MiB chunks (constant memory whatever the part size), sent with Content-MD5, and recorded as they
// complete. On restart the file's identity is checked and the server's whole part list (ListParts, every page) is
// reconciled where the server has ListParts (else the checkpoint is trusted): a part is kept only where the
// server's ETag is the MD5 recomputed from the local file (or the checkpoint's ETag for the same local MD5), and
// only the others are sent. After completion the stored object is verified, and the result says how: its size;
// its multipart ETag against the MD5 of the parts' MD5s (where the ETag is an MD5 one: not under SSE-KMS or
// SSE-C); sampled ranges read back and compared with the file's bytes.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { PreflightError } from '../../../src-preload/errors'
import { bi } from '../../../src-preload/text'
import { throwIfCancelled } from '../../tasks/cancel'
import { httpStatusOf, withRetry } from '../retry'
import type { UploadJob } from '../store'
import { choosePartSize, parseTarget, type S3Credentials, type TargetRun, type UploadTarget } from '../target'

export function s3Client(job: UploadJob, creds: S3Credentials | undefined): S3Client {
  const endpoint = job.options.endpoint
  const host = endpoint ? new URL(endpoint).hostname : ''
  const pathStyle =
    job.options.pathStyle ?? (host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('['))
  return new S3Client({
    endpoint,
    region: job.options.region ?? 'us-east-1',
    forcePathStyle: pathStyle,
    credentials: creds,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1, // retries are ours, per part, with the checkpoint
    // a stalled socket must not hang a part forever
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 15_000,
      requestTimeout: job.options.requestTimeoutMs ?? 120_000,
      throwOnRequestTimeout: true,
    }),
  })
}

export function objectUrl(job: UploadJob): string {
  const t = parseTarget(job.target)
  if (t.kind !== 's3') return job.target
  const ep = job.options.endpoint?.replace(/\/$/, '')
  return ep
    ? `${ep}/${t.bucket}/${t.key}`
    : `https://${t.bucket}.s3.${job.options.region ?? 'us-east-1'}.amazonaws.com/${t.key}`
}

export const s3Target: UploadTarget = {
  async run(r: TargetRun): Promise<string> {
    const t = parseTarget(r.job.target)
    if (t.kind !== 's3') throw new PreflightError('invalid-input', `not an s3 target: ${r.job.target}`)
    const creds = await r.credentials.s3(r.job)
    if (!creds)
      throw new PreflightError(
        'forbidden',
        bi(
          'No object-storage credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or add them in Settings).',
          `没有对象存储凭据：请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY（或在“设置”中添加）。`,
        ),
      )
    const client = s3Client(r.job, creds)
    try {
      let job = r.store.get(r.job.id)
      if (job.uploadId) {
        // Reconcile with the server where it can list parts; otherwise trust the checkpoint.
        try {
          const server = await listAllParts(client, t.bucket, t.key, job.uploadId, r.signal)
          await reconcile(r, server)
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
        const created = await withRetry(
          'create multipart upload',
          () =>
            client.send(
              new CreateMultipartUploadCommand({
                Bucket: t.bucket,
                Key: t.key,
                Metadata: { sha256: job.fileSha256 },
                ContentType: 'application/octet-stream',
              }),
              { abortSignal: r.signal },
            ),
          { signal: r.signal, policy: r.retry },
        )
        const parts = []
        for (let n = 1, off = 0; off < job.fileSize || (job.fileSize === 0 && n === 1); n++, off += partSize)
          parts.push({ partNumber: n, offset: off, size: Math.min(partSize, job.fileSize - off) })
        r.store.startMultipart(job.id, created.UploadId!, partSize, parts)
        job = r.store.get(job.id)
      }
      r.progress(job.bytesDone)
      const pending = r.store.parts(job.id).filter((p) => p.state === 'pending')
      // progress is the parts the server confirmed plus the bytes of parts on their way (an attempt starts at 0)
      const sending = new Map<number, number>()
      const progress = () =>
        r.progress(r.store.get(job.id).bytesDone + [...sending.values()].reduce((a, b) => a + b, 0))
      const fh = await open(job.filePath, 'r')
      try {
        const concurrency = Math.max(1, Math.min(16, job.options.concurrency ?? 4))
        let next = 0
        const worker = async () => {
          while (next < pending.length) {
            throwIfCancelled(r.signal)
            const p = pending[next++]
            // constant memory: the part's MD5 from one chunked read, then the part streamed from the file, each 1 MiB
            // chunk let through by the bandwidth limit as the request reads it
            const md5 = await partMd5(fh, p.offset, p.size, job.filePath, r.signal)
            const body = () => {
              sending.set(p.partNumber, 0)
              if (!p.size) return Buffer.alloc(0)
              const file = createReadStream(job.filePath, {
                start: p.offset,
                end: p.offset + p.size - 1,
                highWaterMark: 1024 * 1024,
              })
              return limitedStream(file, r.limiter, r.signal, (n) => {
                sending.set(p.partNumber, (sending.get(p.partNumber) ?? 0) + n)
                progress()
              })
            }
            try {
              const res = await withRetry(
                `part ${p.partNumber}`,
                () =>
                  client.send(
                    new UploadPartCommand({
                      Bucket: t.bucket,
                      Key: t.key,
                      UploadId: job.uploadId!,
                      PartNumber: p.partNumber,
                      Body: body(),
                      ContentMD5: md5,
                      ContentLength: p.size,
                    }),
                    { abortSignal: r.signal },
                  ),
                {
                  signal: r.signal,
                  policy: r.retry,
                  onRetry: (err, n) => r.log(`part ${p.partNumber}: ${(err as Error).message} (retry ${n})`),
                },
              )
              r.store.partDone(job.id, p.partNumber, res.ETag ?? '', md5)
            } finally {
              sending.delete(p.partNumber)
            }
            progress()
          }
        }
        await Promise.all(Array.from({ length: concurrency }, worker))
      } finally {
        await fh.close()
      }
      const done = r.store.parts(job.id)
      await withRetry(
        'complete multipart upload',
        () =>
          client.send(
            new CompleteMultipartUploadCommand({
              Bucket: t.bucket,
              Key: t.key,
              UploadId: job.uploadId!,
              MultipartUpload: { Parts: done.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag! })) },
            }),
            { abortSignal: r.signal },
          ),
        { signal: r.signal, policy: r.retry },
      )
      const head = await client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: r.signal })
      if (head.ContentLength !== job.fileSize)
        throw new PreflightError(
          'conflict',
          bi(
            `Verification failed: the object has ${head.ContentLength} bytes, the file ${job.fileSize}. Upload it again.`,
            `校验失败：对象有 ${head.ContentLength} 字节，文件有 ${job.fileSize} 字节。请重新上传。`,
          ),
        )
      const remoteSha = head.Metadata?.sha256
      if (remoteSha && remoteSha !== job.fileSha256)
        throw new PreflightError(
          'conflict',
          bi(
            `Verification failed: the object's sha256 metadata ${remoteSha} differs from the file's ${job.fileSha256}: another upload replaced it. Upload it again.`,
            `校验失败：对象的 sha256 元数据 ${remoteSha} 与文件的 ${job.fileSha256} 不同：另一次上传替换了它。请重新上传。`,
          ),
        )
      const checks = [`size ${job.fileSize.toLocaleString('en')} bytes`]
      const etag = etagCheck(head, r.store.parts(job.id), objectUrl(job))
      if (etag) checks.push(etag)
      checks.push(
        await readBack(client, t.bucket, t.key, job.filePath, job.fileSize, job.partSize ?? job.fileSize, r.signal),
      )
      const verified = `verified: ${checks.join('; ')}`
      r.log(verified)
      return `${objectUrl(job)} (${verified})`
    } finally {
      client.destroy()
    }
  },

  /** Abort the job's multipart upload, so its parts are not billed; a refusal is thrown (the upload id is kept). */
  async abort(r: TargetRun): Promise<void> {
    const job = r.store.get(r.job.id)
    const t = parseTarget(job.target)
    if (t.kind !== 's3' || !job.uploadId) return
    const uploadId = job.uploadId
    const refused = (why: { en: string; zh: string }, details: object) =>
      new PreflightError(
        'network',
        bi(
          `The multipart upload of ${objectUrl(job)} (upload id ${uploadId}) could not be aborted (${why.en}): its parts stay on the storage and may be billed. Abort that upload id in the storage's console or with its tools.`,
          `${objectUrl(job)} 的分段上传（upload id ${uploadId}）未能中止（${why.zh}）：已上传的分段仍留在存储中，可能产生费用。请在存储控制台或用其工具中止该 upload id。`,
        ),
        { details: { uploadId, ...details } },
      )
    const creds = await r.credentials.s3(job)
    if (!creds) throw refused({ en: 'no object-storage credentials', zh: '没有对象存储凭据' }, {})
    const client = s3Client(job, creds)
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId }))
    } catch (err) {
      const status = httpStatusOf(err)
      // 404: the server no longer knows the upload; 405/501: it cannot abort one (nothing more Preflight can do)
      if (status !== 405 && status !== 501 && status !== 404) {
        const e = err as { name?: string; message?: string }
        const code =
          [e?.name && e.name !== 'Error' ? e.name : '', status ? `HTTP ${status}` : ''].filter(Boolean).join(', ') ||
          '?'
        r.log(`could not abort the multipart upload ${uploadId}: ${e?.message ?? String(err)}`)
        throw refused({ en: code, zh: code }, { error: e?.message ?? String(err) })
      }
    } finally {
      client.destroy()
    }
    r.store.resetMultipart(job.id)
  },
}

/** A file's chunks, each let through by the bandwidth limit before the request reads it; `sent` counts them. */
function limitedStream(
  source: Readable,
  limiter: TargetRun['limiter'],
  signal: AbortSignal,
  sent: (bytes: number) => void,
): Readable {
  const chunks = async function* () {
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        // cancelled: the request is aborted with the same signal and says so; the body just stops
        if (
          !(await limiter.take(chunk.length, signal).then(
            () => true,
            () => false,
          ))
        )
          return
        sent(chunk.length)
        yield chunk
      }
    } finally {
      source.destroy()
    }
  }
  const out = Readable.from(chunks(), { objectMode: false })
  // an abandoned body (the request was aborted or retried) may still fail its file read: the request saw it already
  out.on('error', () => undefined)
  return out
}

/** Every part the server holds for the upload, following ListParts' pages (1,000 parts each on S3). */
export async function listAllParts(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
  signal: AbortSignal,
): Promise<Map<number, string>> {
  const parts = new Map<number, string>()
  let marker: string | undefined
  for (;;) {
    throwIfCancelled(signal)
    const page = await client.send(
      new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
      { abortSignal: signal },
    )
    for (const p of page.Parts ?? []) if (p.PartNumber !== undefined && p.ETag) parts.set(p.PartNumber, unquote(p.ETag))
    if (!page.IsTruncated) return parts
    const next = page.NextPartNumberMarker ?? String(Math.max(0, ...parts.keys()))
    if (next === marker)
      throw new PreflightError(
        'conflict',
        bi(
          `The server's part list does not advance past part ${next}: cannot tell which parts it holds. Cancel the upload and queue it again.`,
          `服务器的分段列表停在第 ${next} 段之后：无法确定它已保存哪些分段。请取消后重新上传。`,
        ),
      )
    marker = next
  }
}

/**
 * Keep a part only where the server holds the file's bytes for it: the server's ETag is the MD5 of the part
 * recomputed from the local file, or (servers whose ETags are not MD5s) the checkpoint's ETag for a checkpoint MD5
 * equal to the recomputed one. Parts the checkpoint lost but the server holds with the local MD5 are kept too.
 */
async function reconcile(r: TargetRun, server: Map<number, string>): Promise<void> {
  const job = r.store.get(r.job.id)
  const parts = r.store.parts(job.id)
  const keep: Array<{ partNumber: number; etag: string; md5: string }> = []
  if (server.size)
    r.log(
      `the server holds ${server.size.toLocaleString('en')} part${server.size === 1 ? '' : 's'}: comparing their ETags with the file's MD5s`,
    )
  const fh = await open(job.filePath, 'r')
  try {
    for (const p of parts) {
      const remote = server.get(p.partNumber)
      if (!remote) {
        if (p.state === 'done') r.log(`part ${p.partNumber} is not on the server: sending it again`)
        continue
      }
      const md5 = await partMd5(fh, p.offset, p.size, job.filePath, r.signal)
      const hex = Buffer.from(md5, 'base64').toString('hex')
      if (remote.toLowerCase() === hex || (p.state === 'done' && p.md5 === md5 && unquote(p.etag ?? '') === remote))
        keep.push({
          partNumber: p.partNumber,
          etag: p.etag && unquote(p.etag) === remote ? p.etag : `"${remote}"`,
          md5,
        })
      else r.log(`part ${p.partNumber} on the server (ETag ${remote}) is not the file's (MD5 ${hex}): sending it again`)
    }
  } finally {
    await fh.close()
  }
  const kept = new Set(keep.map((k) => k.partNumber))
  if (parts.every((p) => (p.state === 'done') === kept.has(p.partNumber))) return
  r.store.startMultipart(
    job.id,
    job.uploadId!,
    job.partSize!,
    parts.map((p) => ({ partNumber: p.partNumber, offset: p.offset, size: p.size })),
  )
  for (const k of keep) r.store.partDone(job.id, k.partNumber, k.etag, k.md5)
}

function unquote(etag: string): string {
  return etag.replace(/^(W\/)?"|"$/g, '')
}

/** S3's ETag of a multipart object: the MD5 of the parts' binary MD5s, then "-" and the number of parts. */
export function multipartEtag(md5s: string[]): string {
  const h = createHash('md5')
  for (const m of md5s) h.update(Buffer.from(m, 'base64'))
  return `${h.digest('hex')}-${md5s.length}`
}

/**
 * The object's ETag against the one its parts' MD5s give. Null when the ETag cannot tell (not of the multipart
 * form, or encrypted with SSE-KMS / SSE-C, whose ETags are not MD5s); throws when it tells another content.
 */
function etagCheck(head: HeadObjectCommandOutput, parts: Array<{ md5: string | null }>, url: string): string | null {
  const etag = unquote(head.ETag ?? '').toLowerCase()
  if (
    !/^[0-9a-f]{32}-\d+$/.test(etag) ||
    head.SSECustomerAlgorithm ||
    String(head.ServerSideEncryption ?? '').startsWith('aws:kms')
  )
    return null
  if (parts.some((p) => !p.md5)) return null
  const expected = multipartEtag(parts.map((p) => p.md5!))
  if (etag !== expected)
    throw new PreflightError(
      'conflict',
      bi(
        `Verification failed: the object's ETag ${etag} is not the ETag of the file's ${parts.length.toLocaleString('en')} parts (${expected}): the stored bytes differ from the file. Upload it again; ${url} holds the wrong bytes.`,
        `校验失败：对象的 ETag ${etag} 不是文件 ${parts.length} 个分段的 ETag（${expected}）：存储的内容与文件不同。请重新上传；${url} 中的内容有误。`,
      ),
    )
  return `ETag of ${parts.length.toLocaleString('en')} part${parts.length === 1 ? '' : 's'} matches`
}

/** Bytes read back per sampled range. */
const SAMPLE_BYTES = 64 * 1024

/** Ranges of the object read back (GetObject Range) and compared with the file: its start, a part boundary, its end. */
async function readBack(
  client: S3Client,
  bucket: string,
  key: string,
  path: string,
  size: number,
  partSize: number,
  signal: AbortSignal,
): Promise<string> {
  if (size === 0) return 'empty object'
  const len = Math.min(SAMPLE_BYTES, size)
  const boundary = partSize < size ? Math.floor(size / partSize / 2) * partSize || partSize : Math.floor(size / 2)
  const starts = [...new Set([0, Math.max(0, Math.min(size - len, boundary - Math.floor(len / 2))), size - len])]
  const fh = await open(path, 'r')
  try {
    for (const start of starts) {
      throwIfCancelled(signal)
      const end = start + len - 1
      const obj = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }),
        { abortSignal: signal },
      )
      const remote = Buffer.from(await obj.Body!.transformToByteArray())
      const local = Buffer.alloc(len)
      await fh.read(local, 0, len, start)
      if (!remote.equals(local))
        throw new PreflightError(
          'conflict',
          bi(
            `Verification failed: bytes ${start.toLocaleString('en')}–${end.toLocaleString('en')} read back from the object differ from the file's. Upload it again.`,
            `校验失败：从对象读回的第 ${start}–${end} 字节与文件不同。请重新上传。`,
          ),
        )
    }
  } finally {
    await fh.close()
  }
  return `${starts.length} sampled range${starts.length === 1 ? '' : 's'} read back`
}

/** The base64 MD5 of one part, read in 1 MiB chunks; a short read means the file changed under the upload. */
async function partMd5(
  fh: FileHandle,
  offset: number,
  size: number,
  path: string,
  signal?: AbortSignal,
): Promise<string> {
  const md5 = createHash('md5')
  const buf = Buffer.allocUnsafe(Math.min(size, 1024 * 1024) || 1)
  for (let done = 0; done < size;) {
    throwIfCancelled(signal)
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - done), offset + done)
    if (bytesRead === 0)
      throw new PreflightError(
        'conflict',
        bi(
          `${path} changed during the upload (short read at ${offset + done}): queue it again.`,
          `${path} 在上传期间被改动（在 ${offset + done} 字节处读取不足）。请重新加入队列。`,
        ),
      )
    md5.update(buf.subarray(0, bytesRead))
    done += bytesRead
  }
  return md5.digest('base64')
}
