// Clearing a failed or cancelled S3 multipart job aborts its multipart upload on the object storage, so no orphan
// parts stay billed. s3rver has no AbortMultipartUpload: a counting proxy on 127.0.0.1 in front of it answers the
// DELETE ?uploadId= itself, and records each one.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src-main/store/db'
import { envCredentials } from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'
import { startProxy, type TestProxy } from './proxy'
import { startS3rver, type TestS3 } from '../../fixtures/s3rver'

const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }
let server: TestS3
let proxy: TestProxy
let dir: string
let file: string
/** The upload ids of the DELETE ?uploadId= requests the proxy saw, and how it answers the next ones. */
const aborts: string[] = []
let abortAnswer: 204 | 500 = 204

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'clear-abort-'))
  server = await startS3rver(join(dir, 's3'))
  const { port } = server
  proxy = await startProxy(port, (req, res) => {
    const url = new URL(req.url!, 'http://x')
    // every part is refused for good: the job fails with its multipart upload open on the server
    if (req.method === 'PUT' && url.searchParams.has('partNumber')) {
      req.resume()
      res.writeHead(400, { 'content-type': 'application/xml' })
      res.end('<Error><Code>InvalidArgument</Code><Message>refused by the test</Message></Error>')
      return true
    }
    if (req.method === 'DELETE' && url.searchParams.has('uploadId')) {
      aborts.push(url.searchParams.get('uploadId')!)
      if (abortAnswer === 204) res.writeHead(204).end()
      else {
        res.writeHead(500, { 'content-type': 'application/xml' })
        res.end('<Error><Code>InternalError</Code><Message>the storage is down</Message></Error>')
      }
      return true
    }
    return false
  })
  file = join(dir, 'pkg.bin')
  writeFileSync(file, randomBytes(64 * 1024))
})
afterAll(async () => {
  await proxy?.close()
  await server?.close()
})

async function failedJob(q: UploadQueue, key: string) {
  const job = await q.enqueue({ file, target: `s3://releases/${key}`, options: { endpoint: proxy.endpoint } })
  const failed = await q.run(job.id)
  expect(failed.state).toBe('failed')
  expect(failed.uploadId).toMatch(/\S/)
  return failed
}

describe('clearing finished S3 jobs', () => {
  it('aborts a failed job’s multipart upload once, with its upload id, then removes the job', async () => {
    aborts.length = 0
    abortAnswer = 204
    const q = new UploadQueue(openDatabase(':memory:'), { credentials: envCredentials(env) })
    const a = await failedJob(q, 'a.bin')
    const b = await failedJob(q, 'b.bin')
    expect(aborts).toEqual([])
    const cleared = await q.clearFinished()
    expect(cleared).toEqual({ removed: expect.arrayContaining([a.id, b.id]), problems: [] })
    expect(cleared.removed).toHaveLength(2)
    expect(aborts.sort()).toEqual([a.uploadId, b.uploadId].sort())
    expect(q.list()).toEqual([])
    // nothing left to abort: a second clear sends nothing
    expect(await q.clearFinished()).toEqual({ removed: [], problems: [] })
    expect(aborts).toHaveLength(2)
  })

  it('an abort the storage refuses is reported, in both languages, and the job is cleared all the same', async () => {
    aborts.length = 0
    abortAnswer = 500
    const q = new UploadQueue(openDatabase(':memory:'), { credentials: envCredentials(env) })
    const job = await failedJob(q, 'c.bin')
    const cleared = await q.clearFinished()
    expect(aborts).toEqual([job.uploadId])
    expect(cleared.removed).toEqual([job.id])
    expect(cleared.problems).toHaveLength(1)
    expect(cleared.problems[0].message).toContain(`(upload id ${job.uploadId}) could not be aborted (`)
    expect(cleared.problems[0].message).toMatch(/HTTP 500\): its parts stay on the storage and may be billed\./)
    expect(cleared.problems[0].messageZh).toContain(`（upload id ${job.uploadId}）未能中止（`)
    expect(cleared.problems[0].message).not.toMatch(/the storage is down/)
    expect(q.list()).toEqual([])
  })

  it('a cancel whose abort is refused says so on the job and keeps the upload id; clearing it aborts again', async () => {
    aborts.length = 0
    abortAnswer = 500
    const q = new UploadQueue(openDatabase(':memory:'), { credentials: envCredentials(env) })
    const job = await failedJob(q, 'd.bin')
    const cancelled = await q.cancel(job.id)
    expect(cancelled).toMatchObject({ state: 'cancelled', uploadId: job.uploadId })
    expect(cancelled.error).toMatch(/could not be aborted/)
    expect(cancelled.errorZh).toMatch(/未能中止/)
    abortAnswer = 204
    expect(await q.clearFinished()).toEqual({ removed: [job.id], problems: [] })
    expect(aborts).toEqual([job.uploadId, job.uploadId])
  })
})
