// The S3 target against a small S3-like server on 127.0.0.1 that has what s3rver lacks: ListParts with pages
// (3 parts a page here, 1,000 on S3) and multipart ETags. A resume sends no part the server already holds — past
// the first page too, and with the checkpoint's part list lost — and the stored object is verified by its ETag
// and by ranges read back; a server that stores other bytes than it was sent fails the job clearly.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openDatabase } from '../../../../src-main/store/db'
import { envCredentials } from '../../../../src-main/upload/credentials'
import { UploadQueue } from '../../../../src-main/upload/queue'
import { multipartEtag } from '../../../../src-main/upload/targets/s3'

const MiB = 1024 * 1024
const PART = 5 * MiB

interface FakeOptions {
  /** Parts per ListParts page at most, whatever max-parts asks. */
  pageSize: number
  /** Flip a byte of this part after checking its Content-MD5 (stored bytes differ from those sent). */
  corruptPart?: number
  /** The completed object's ETag is its whole MD5 (like s3rver and some S3-compatible stores), not the multipart form. */
  plainEtag?: boolean
  /** Called when a part arrives (before it is stored). */
  onPart?: (n: number) => void
}

class FakeS3 {
  readonly uploadPartCalls: number[] = []
  listPartsCalls = 0
  private uploads = new Map<string, { key: string; meta: Record<string, string>; parts: Map<number, Buffer> }>()
  private objects = new Map<string, { data: Buffer; etag: string; meta: Record<string, string> }>()
  private server: Server
  endpoint = ''
  constructor(public opts: FakeOptions) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        try {
          this.handle(req, Buffer.concat(chunks), res)
        } catch (err) {
          res.writeHead(500).end(String(err))
        }
      })
    })
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((r) => this.server.close(r))
  }
  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): unknown {
    const url = new URL(req.url!, 'http://x')
    const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'))
    const q = url.searchParams
    const xml = (s: string, status = 200) =>
      res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>${s}`)
    const md5 = (b: Buffer) => createHash('md5').update(b).digest()
    if (req.method === 'POST' && q.has('uploads')) {
      const id = randomBytes(8).toString('hex')
      const meta = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([h]) => h.startsWith('x-amz-meta-'))
          .map(([h, v]) => [h, String(v)]),
      )
      this.uploads.set(id, { key, meta, parts: new Map() })
      return xml(
        `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      )
    }
    const up = q.get('uploadId') ? this.uploads.get(q.get('uploadId')!) : undefined
    if (q.get('uploadId') && !up) return xml('<Error><Code>NoSuchUpload</Code></Error>', 404)
    if (req.method === 'PUT' && up) {
      const n = Number(q.get('partNumber'))
      this.uploadPartCalls.push(n)
      this.opts.onPart?.(n)
      if (req.headers['content-md5'] !== md5(body).toString('base64'))
        return xml('<Error><Code>BadDigest</Code></Error>', 400)
      const stored = Buffer.from(body)
      if (this.opts.corruptPart === n) stored[7] ^= 0xff
      up.parts.set(n, stored)
      return res.writeHead(200, { etag: `"${md5(stored).toString('hex')}"` }).end()
    }
    if (req.method === 'GET' && up) {
      this.listPartsCalls++
      const marker = Number(q.get('part-number-marker') ?? 0)
      const max = Math.min(Number(q.get('max-parts') ?? 1000), this.opts.pageSize)
      const all = [...up.parts.keys()].sort((a, b) => a - b).filter((n) => n > marker)
      const page = all.slice(0, max)
      const truncated = all.length > max
      const parts = page
        .map(
          (n) =>
            `<Part><PartNumber>${n}</PartNumber><ETag>"${md5(up.parts.get(n)!).toString('hex')}"</ETag><Size>${up.parts.get(n)!.length}</Size></Part>`,
        )
        .join('')
      return xml(
        `<ListPartsResult><Bucket>b</Bucket><Key>${key}</Key><UploadId>${q.get('uploadId')}</UploadId><PartNumberMarker>${marker}</PartNumberMarker>${truncated ? `<NextPartNumberMarker>${page[page.length - 1]}</NextPartNumberMarker>` : ''}<MaxParts>${max}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts}</ListPartsResult>`,
      )
    }
    if (req.method === 'POST' && up) {
      const numbers = [...body.toString().matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]))
      const parts = numbers.map((n) => up.parts.get(n)!)
      const data = Buffer.concat(parts)
      const etag = this.opts.plainEtag
        ? md5(data).toString('hex')
        : multipartEtag(parts.map((p) => md5(p).toString('base64')))
      this.objects.set(key, { data, etag, meta: up.meta })
      this.uploads.delete(q.get('uploadId')!)
      return xml(
        `<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><ETag>"${etag}"</ETag></CompleteMultipartUploadResult>`,
      )
    }
    if (req.method === 'DELETE' && up) {
      this.uploads.delete(q.get('uploadId')!)
      return res.writeHead(204).end()
    }
    const obj = this.objects.get(key)
    if (!obj) return res.writeHead(404).end()
    if (req.method === 'HEAD')
      return res.writeHead(200, { 'content-length': obj.data.length, etag: `"${obj.etag}"`, ...obj.meta }).end()
    if (req.method === 'GET') {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
      if (!m) return res.writeHead(200, { 'content-length': obj.data.length }).end(obj.data)
      const slice = obj.data.subarray(Number(m[1]), Number(m[2]) + 1)
      return res
        .writeHead(206, { 'content-length': slice.length, 'content-range': `bytes ${m[1]}-${m[2]}/${obj.data.length}` })
        .end(slice)
    }
    res.writeHead(405).end()
  }
}

const env = { AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'secret' }
let dir: string
let file: string

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 's3-'))
  file = join(dir, 'pkg.bin')
  // ten parts: nine of 5 MiB and a short last one
  writeFileSync(file, randomBytes(9 * PART + 1234))
})

const servers: FakeS3[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

async function fake(opts: FakeOptions): Promise<FakeS3> {
  const s = new FakeS3(opts)
  await s.start()
  servers.push(s)
  return s
}

/** A job paused by the server when part `pauseAt` arrives (concurrency 1: parts 1..pauseAt-1 are recorded done). */
async function pausedJob(s: FakeS3, pauseAt: number, key: string) {
  const db = openDatabase(':memory:')
  let q = new UploadQueue(db, { credentials: envCredentials(env), retry: { attempts: 1, baseMs: 1, maxMs: 1 } })
  const job = await q.enqueue({
    file,
    target: `s3://releases/${key}`,
    options: { endpoint: s.endpoint, partSize: PART, concurrency: 1 },
  })
  s.opts.onPart = (n) => {
    if (n === pauseAt) q.pause(job.id)
  }
  expect((await q.run(job.id)).state).toBe('paused')
  s.opts.onPart = undefined
  q = new UploadQueue(db, { credentials: envCredentials(env) })
  return { q, job }
}

it('a resume sends only the parts the server lacks, past the first ListParts page; the result says how the object was verified', async () => {
  const s = await fake({ pageSize: 3 })
  const { q, job } = await pausedJob(s, 8, 'a.bin')
  const done = q.store
    .parts(job.id)
    .filter((p) => p.state === 'done')
    .map((p) => p.partNumber)
  expect(done).toEqual([1, 2, 3, 4, 5, 6, 7])
  q.resume(job.id)
  const r = await q.run(job.id)
  expect(r.state, r.error ?? '').toBe('done')
  // every part sent once over both runs: parts 4-7, on ListParts' second and third pages, are not sent again (nor
  // part 8, which reached the server as the job was paused)
  expect(s.uploadPartCalls.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  expect(s.listPartsCalls).toBe(3)
  expect(r.result).toBe(
    `${s.endpoint}/releases/a.bin (verified: size 47,187,154 bytes; ETag of 10 parts matches; 3 sampled ranges read back)`,
  )
})

it('parts the checkpoint lost are taken from the server where their ETag is the MD5 of the local bytes', async () => {
  const s = await fake({ pageSize: 3 })
  const { q, job } = await pausedJob(s, 6, 'b.bin')
  // as if the process died before recording any part: the checkpoint knows the upload id only
  const j = q.store.get(job.id)
  q.store.startMultipart(
    job.id,
    j.uploadId!,
    j.partSize!,
    q.store.parts(job.id).map((p) => ({ partNumber: p.partNumber, offset: p.offset, size: p.size })),
  )
  q.resume(job.id)
  const r = await q.run(job.id)
  expect(r.state, r.error ?? '').toBe('done')
  expect(s.uploadPartCalls.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  expect(r.result).toMatch(/ETag of 10 parts matches/)
})

it('a server that stores other bytes than it was sent fails the job: by the ETag, or by the read-back where the ETag cannot tell', async () => {
  const s = await fake({ pageSize: 1000, corruptPart: 2 })
  const db = openDatabase(':memory:')
  const q = new UploadQueue(db, { credentials: envCredentials(env), retry: { attempts: 1, baseMs: 1, maxMs: 1 } })
  const job = await q.enqueue({
    file,
    target: 's3://releases/c.bin',
    options: { endpoint: s.endpoint, partSize: PART },
  })
  const r = await q.run(job.id)
  expect(r.state).toBe('failed')
  expect(r.error).toMatch(
    /^Verification failed: the object's ETag [0-9a-f]{32}-10 is not the ETag of the file's 10 parts/,
  )

  // the stored bytes differ at byte 7 of part 1, and the ETag is a plain MD5: the read-back of the start finds it
  const plain = await fake({ pageSize: 1000, corruptPart: 1, plainEtag: true })
  const job2 = await q.enqueue({
    file,
    target: 's3://releases/d.bin',
    options: { endpoint: plain.endpoint, partSize: PART },
  })
  const r2 = await q.run(job2.id)
  expect(r2.state).toBe('failed')
  expect(r2.error).toMatch(/^Verification failed: bytes 0–65,535 read back from the object differ from the file's/)
})
