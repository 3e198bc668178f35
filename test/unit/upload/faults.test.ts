// Uploads survive a hostile network: a fault-injecting proxy in front of the S3 server (s3rver on 127.0.0.1)
// answers some part uploads with 500, some with 503 SlowDown, cuts some connections mid-body and stalls some
// sockets; every upload still completes and the object equals the file.
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxy, type TestProxy } from './proxy'
import { openDatabase } from '../../../src-main/store/db'
import { envCredentials } from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'
import { s3Client } from '../../../src-main/upload/targets/s3'
import { startS3rver, type TestS3 } from '../../fixtures/s3rver'

const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }
let s3: TestS3
let proxy: TestProxy
let endpoint: string
let dir: string
const faults: string[] = []
const injected: Record<string, number> = {}

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'faults-'))
  s3 = await startS3rver(join(dir, 's3'))
  const { port } = s3
  let parts = 0
  proxy = await startProxy(port, (req, res) => {
    const isPart = req.method === 'PUT' && /partNumber=/.test(req.url ?? '')
    const fault = isPart ? faults[parts++] : undefined
    if (fault) injected[fault] = (injected[fault] ?? 0) + 1
    if (fault === '500') {
      req.resume()
      res
        .writeHead(500, { 'content-type': 'application/xml' })
        .end('<Error><Code>InternalError</Code><Message>injected</Message></Error>')
      return true
    }
    if (fault === '503') {
      req.resume()
      res
        .writeHead(503, { 'content-type': 'application/xml' })
        .end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>')
      return true
    }
    if (fault === 'drop') {
      let seen = 0
      req.on('data', (c: Buffer) => {
        seen += c.length
        if (seen > 1024 * 1024) req.socket.destroy()
      })
      return true
    }
    if (fault === 'stall') {
      req.resume() // read the body, never answer
      return true
    }
    return false
  })
  endpoint = proxy.endpoint
})
afterAll(async () => {
  await proxy?.close()
  await s3?.close()
})

describe('uploads under injected faults', () => {
  it('500s, 503 SlowDown, dropped connections and a stalled socket: the upload completes and matches', async () => {
    faults.push('500', undefined as never, '503', 'drop', undefined as never, 'stall', '500', '503')
    const data = randomBytes(36 * 1024 * 1024)
    const file = join(dir, 'pkg.bin')
    writeFileSync(file, data)
    const q = new UploadQueue(openDatabase(':memory:'), {
      credentials: envCredentials(env),
      retry: { attempts: 8, baseMs: 20, maxMs: 200 },
    })
    const job = await q.enqueue({
      file,
      target: 's3://releases/pkg.bin',
      options: { endpoint, partSize: 5 * 1024 * 1024, concurrency: 2, requestTimeoutMs: 1500 },
    })
    const done = await q.run(job.id)
    expect(done.state, done.error ?? '').toBe('done')
    expect(injected).toEqual({ 500: 2, 503: 2, drop: 1, stall: 1 })
    const c = s3Client({ options: { endpoint } } as never, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
    const obj = await c.send(new GetObjectCommand({ Bucket: 'releases', Key: 'pkg.bin' }))
    const h = createHash('sha256')
    for await (const chunk of obj.Body as AsyncIterable<Buffer>) h.update(chunk)
    c.destroy()
    expect(h.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'))
  }, 60_000)

  it('a fatal answer (404 NoSuchBucket) fails the job at once; a refused key (403) waits for new credentials', async () => {
    const file = join(dir, 'small.bin')
    writeFileSync(file, randomBytes(1024))
    const q = new UploadQueue(openDatabase(':memory:'), { credentials: envCredentials(env) })
    const job = await q.enqueue({ file, target: 's3://no-such-bucket-here/x.bin', options: { endpoint } })
    const r = await q.run(job.id)
    expect(r.state).toBe('failed')
    // the SDK's own text goes to the job's log; the sentence names its code and what to do, in both languages
    expect(r.error).toMatch(
      /^The upload to s3:\/\/no-such-bucket-here\/x\.bin failed: .* \(NoSuchBucket, HTTP 404\)\. Check the target/,
    )
    expect(r.errorZh).toMatch(
      /^上传到 s3:\/\/no-such-bucket-here\/x\.bin 失败：.*（NoSuchBucket, HTTP 404）。请检查目标/,
    )
    const q2 = new UploadQueue(openDatabase(':memory:'), {
      credentials: envCredentials({ AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }),
    })
    const job2 = await q2.enqueue({ file, target: 's3://releases/x.bin', options: { endpoint } })
    const r2 = await q2.run(job2.id)
    expect(r2.state).toBe('needs-credentials')
    expect(r2.error).toMatch(/refused the keys \(InvalidAccessKeyId, HTTP 403\)\. Enter new ones/)
    expect(r2.errorZh).toMatch(/^凭据被拒绝或缺失：.*拒绝了这些密钥（InvalidAccessKeyId, HTTP 403）。请重新输入/)
  })
})
