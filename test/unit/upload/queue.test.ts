// The upload queue against a real S3 server on 127.0.0.1 (s3rver) and a local folder: multipart with
// checkpoint, pause/resume sending only missing parts, verification, file-change detection, CLI, and no
// secret on disk.
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src-main/store/db'
import { BandwidthLimiter } from '../../../src-main/upload/limiter'
import { envCredentials } from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'
import { s3Client } from '../../../src-main/upload/targets/s3'
import { startS3rver, type TestS3 } from '../../fixtures/s3rver'

const SECRET = 'S3CR3T-never-on-disk-0123456789'
const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: SECRET }
let server: TestS3
let endpoint: string
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'upload-'))
  server = await startS3rver(join(dir, 's3'))
  endpoint = server.endpoint
})
afterAll(async () => {
  await server?.close()
})

function file(name: string, size: number): { path: string; sha: string } {
  const path = join(dir, name)
  const data = randomBytes(size)
  writeFileSync(path, data)
  return { path, sha: createHash('sha256').update(data).digest('hex') }
}

async function remoteSha(key: string): Promise<string> {
  const c = s3Client({ options: { endpoint } } as never, { accessKeyId: 'S3RVER', secretAccessKey: SECRET })
  const obj = await c.send(new GetObjectCommand({ Bucket: 'releases', Key: key }))
  const h = createHash('sha256')
  for await (const chunk of obj.Body as AsyncIterable<Buffer>) h.update(chunk)
  c.destroy()
  return h.digest('hex')
}

describe('upload queue', () => {
  it('uploads a multipart object to S3 and verifies it', async () => {
    const db = openDatabase(join(dir, 'q1.sqlite'))
    const q = new UploadQueue(db, { credentials: envCredentials(env) })
    const f = file('pkg-a.bin', 21 * 1024 * 1024)
    const job = await q.enqueue({
      file: f.path,
      target: 's3://releases/a/pkg-a.bin',
      options: { endpoint, partSize: 5 * 1024 * 1024 },
    })
    const done = await q.run(job.id)
    expect(done.state, done.error ?? '').toBe('done')
    // s3rver's ETags are the whole object's MD5, not the multipart form: no ETag claim, only the read-back
    expect(done.result).toBe(
      `${endpoint}/releases/a/pkg-a.bin (verified: size 22,020,096 bytes; 3 sampled ranges read back)`,
    )
    expect(q.store.parts(job.id).length).toBe(5)
    expect(await remoteSha('a/pkg-a.bin')).toBe(f.sha)
    db.close()
    expect(readFileSync(join(dir, 'q1.sqlite')).includes(Buffer.from(SECRET))).toBe(false)
  })

  it('pause mid-upload, resume: only the missing parts are sent, and the object matches', async () => {
    const db = openDatabase(join(dir, 'q2.sqlite'))
    let q: UploadQueue
    let paused = false
    q = new UploadQueue(db, {
      credentials: envCredentials(env),
      // 16 MiB/s: slow enough that progress records arrive between parts
      limiter: new BandwidthLimiter(16 * 1024 * 1024),
      onEvent: (e) => {
        // past the first part's 5 MiB: that part is confirmed (one part at a time), the second on its way
        if (e.type === 'progress' && !paused && e.record.bytesDone >= 6 * 1024 * 1024) {
          paused = true
          q.pause(e.jobId)
        }
      },
    })
    const f = file('pkg-b.bin', 26 * 1024 * 1024)
    const job = await q.enqueue({
      file: f.path,
      target: 's3://releases/pkg-b.bin',
      options: { endpoint, partSize: 5 * 1024 * 1024, concurrency: 1 },
    })
    expect((await q.run(job.id)).state).toBe('paused')
    const doneBefore = q.store
      .parts(job.id)
      .filter((p) => p.state === 'done')
      .map((p) => p.partNumber)
    expect(doneBefore.length).toBeGreaterThan(0)
    expect(doneBefore.length).toBeLessThan(6)
    const etagsBefore = new Map(
      q.store
        .parts(job.id)
        .filter((p) => p.state === 'done')
        .map((p) => [p.partNumber, p.etag]),
    )
    // a new process: a new queue over the same database
    q = new UploadQueue(db, { credentials: envCredentials(env) })
    q.resume(job.id)
    const done = await q.run(job.id)
    expect(done.state, done.error ?? '').toBe('done')
    for (const p of q.store.parts(job.id))
      if (etagsBefore.has(p.partNumber)) expect(p.etag).toBe(etagsBefore.get(p.partNumber))
    expect(await remoteSha('pkg-b.bin')).toBe(f.sha)
  })

  it('an S3 upload under a limit moves steadily and never reads faster than the limit', async () => {
    const db = openDatabase(':memory:')
    const records: Array<{ bytesDone: number; bytesPerSecond: number }> = []
    const q = new UploadQueue(db, {
      credentials: envCredentials(env),
      limiter: new BandwidthLimiter(8 * 1024 * 1024),
      onEvent: (e) => e.type === 'progress' && records.push(e.record),
    })
    await new Promise((r) => setTimeout(r, 300)) // the limit was set a while before the upload
    const f = file('pkg-limited.bin', 12 * 1024 * 1024)
    const job = await q.enqueue({
      file: f.path,
      target: 's3://releases/limited.bin',
      options: { endpoint, partSize: 5 * 1024 * 1024, concurrency: 4 },
    })
    const started = performance.now()
    expect((await q.run(job.id)).state).toBe('done')
    expect(performance.now() - started).toBeGreaterThan(1400) // 12 MiB at 8 MiB/s: 1.5 s at the least
    // progress between part boundaries (the bytes on their way), not only when whole parts are confirmed
    const between = records.filter((r) => r.bytesDone % (5 * 1024 * 1024) !== 0 && r.bytesDone < 10 * 1024 * 1024)
    expect(between.length).toBeGreaterThan(1)
    for (const r of records) expect(r.bytesPerSecond).toBeLessThanOrEqual(8 * 1024 * 1024 * 1.03)
    expect(await remoteSha('limited.bin')).toBe(f.sha)
    db.close()
  })

  it('a file changed after queueing fails the job clearly; missing credentials too', async () => {
    const db = openDatabase(':memory:')
    const q = new UploadQueue(db, { credentials: envCredentials(env) })
    const f = file('pkg-c.bin', 1024)
    const job = await q.enqueue({ file: f.path, target: 's3://releases/c.bin', options: { endpoint } })
    utimesSync(f.path, new Date(), new Date(Date.now() + 60_000))
    const failed = await q.run(job.id)
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/changed/)
    const q2 = new UploadQueue(db, { credentials: envCredentials({}) })
    const f2 = file('pkg-d.bin', 1024)
    const j2 = await q2.enqueue({ file: f2.path, target: 's3://releases/d.bin', options: { endpoint } })
    expect((await q2.run(j2.id)).error).toMatch(/AWS_ACCESS_KEY_ID/)
    await expect(q2.enqueue({ file: f2.path, target: 's3://Bad_Bucket/x' })).rejects.toThrow(/lowercase/)
  })

  it('folder target: copies, verifies and renames', async () => {
    const db = openDatabase(':memory:')
    const q = new UploadQueue(db, { credentials: envCredentials({}) })
    const f = file('pkg-e.bin', 9 * 1024 * 1024 + 17)
    const out = join(dir, 'usb')
    const job = await q.enqueue({ file: f.path, target: `file://${out}/` })
    const done = await q.run(job.id)
    expect(done.state).toBe('done')
    expect(
      createHash('sha256')
        .update(readFileSync(join(out, 'pkg-e.bin')))
        .digest('hex'),
    ).toBe(f.sha)
    expect(readdirSync(out)).toEqual(['pkg-e.bin'])
    // the same name again: an existing file is not replaced unless the job allows it
    writeFileSync(join(out, 'pkg-e.bin'), 'the seller kept this')
    const again = await q.run((await q.enqueue({ file: f.path, target: `file://${out}/` })).id)
    expect(again.state).toBe('failed')
    expect(again.error).toMatch(/pkg-e\.bin already exists: .*--overwrite/)
    expect(readFileSync(join(out, 'pkg-e.bin'), 'utf8')).toBe('the seller kept this')
    const replaced = await q.run(
      (await q.enqueue({ file: f.path, target: `file://${out}/`, options: { overwrite: true } })).id,
    )
    expect(replaced.state).toBe('done')
    expect(
      createHash('sha256')
        .update(readFileSync(join(out, 'pkg-e.bin')))
        .digest('hex'),
    ).toBe(f.sha)
    // a file of that name appearing while the copy runs is not replaced either
    const late = join(out, 'late.bin')
    let written = false
    class Meanwhile extends BandwidthLimiter {
      override take(bytes: number, signal?: AbortSignal): Promise<void> {
        if (!written) writeFileSync(late, 'written meanwhile') // while the first chunk is copied
        written = true
        return super.take(bytes, signal)
      }
    }
    const racing = new UploadQueue(db, { credentials: envCredentials({}), limiter: new Meanwhile(0) })
    const raced = await racing.run((await racing.enqueue({ file: f.path, target: `file://${late}` })).id)
    expect(written).toBe(true)
    expect(raced).toMatchObject({ state: 'failed', error: expect.stringMatching(/late\.bin already exists/) })
    expect(readFileSync(late, 'utf8')).toBe('written meanwhile')
  })

  it('clearing finished jobs removes done, failed and cancelled ones with their parts, never a running or waiting one', async () => {
    const db = openDatabase(':memory:')
    const q = new UploadQueue(db, { credentials: envCredentials({}), limiter: new BandwidthLimiter(2 * 1024 * 1024) })
    const out = join(dir, 'clear')
    const small = file('clear-a.bin', 1024)
    const done = await q.run((await q.enqueue({ file: small.path, target: `file://${out}/` })).id)
    const changing = file('clear-b.bin', 1024)
    const failedJob = await q.enqueue({ file: changing.path, target: `file://${out}/` })
    utimesSync(changing.path, new Date(), new Date(Date.now() + 60_000))
    const failed = await q.run(failedJob.id)
    const cancelled = await q.cancel((await q.enqueue({ file: small.path, target: `file://${out}/x/` })).id)
    const paused = q.pause((await q.enqueue({ file: small.path, target: `file://${out}/y/` })).id)
    const queued = await q.enqueue({ file: small.path, target: `file://${out}/z/` })
    // an S3 job with a part plan, finished: its parts go with it
    const withParts = await q.enqueue({ file: small.path, target: 's3://releases/clear.bin', options: { endpoint } })
    q.store.startMultipart(withParts.id, 'upload-1', 5 * 1024 * 1024, [{ partNumber: 1, offset: 0, size: 1024 }])
    q.store.setState(withParts.id, 'failed', { error: 'gave up' })
    // a running copy (2 MiB/s, 6 MiB): still running while the list is cleared
    const big = file('clear-c.bin', 6 * 1024 * 1024)
    const runningJob = await q.enqueue({ file: big.path, target: `file://${out}/r/` })
    const running = q.run(runningJob.id)
    await expect.poll(() => q.store.get(runningJob.id).state).toBe('running')
    expect([done.state, failed.state, cancelled.state]).toEqual(['done', 'failed', 'cancelled'])
    const { removed, problems } = await q.clearFinished()
    // no credentials to abort the S3 job's multipart upload with: said, and the job is cleared all the same
    expect(problems).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/upload id upload-1\) could not be aborted \(no object-storage credentials\)/),
        messageZh: expect.stringMatching(/upload id upload-1）未能中止（没有对象存储凭据）/),
      }),
    ])
    expect(new Set(removed)).toEqual(new Set([done.id, failed.id, cancelled.id, withParts.id]))
    expect(q.list().map((j) => [j.id, j.state])).toEqual([
      [paused.id, 'paused'],
      [queued.id, 'queued'],
      [runningJob.id, 'running'],
    ])
    expect(db.prepare('SELECT count(*) AS n FROM upload_parts WHERE job_id = ?').get(withParts.id)).toEqual({ n: 0 })
    expect(await q.clearFinished()).toEqual({ removed: [], problems: [] })
    // a cleared job asked for again: a sentence that says where it went
    expect(() => q.pause(done.id)).toThrow(/^No upload .+: it may have been cleared from the queue; list the queue/)
    await expect(q.run(runningJob.id)).rejects.toThrow(
      /is already running: wait for it to finish, or pause it first\.$/,
    )
    q.pause(runningJob.id)
    expect((await running).state).toBe('paused')
    db.close()
  })

  it('CLI: upload to s3 with progress on stderr, then queue list', async () => {
    const f = file('cli.bin', 6 * 1024 * 1024)
    const home = join(dir, 'cli-home')
    const bin = resolve(__dirname, '../../../bin/preflight.cjs')
    // asynchronously: the S3 server runs in this process and must keep answering
    const run = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((res) =>
        execFile(
          process.execPath,
          [bin, ...args],
          { encoding: 'utf8', env: { ...process.env, ...env, PREFLIGHT_HOME: home } },
          (err, stdout, stderr) => res({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      )
    const up = await run('upload', f.path, '--to', 's3://releases/cli.bin', '--endpoint', endpoint)
    expect(up.status, up.stderr).toBe(0)
    expect(up.stdout).toMatch(/done/)
    expect(up.stderr).toMatch(/uploading/)
    const list = await run('queue', 'list', '--format', 'json')
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ state: 'done', fileSha256: f.sha })
    expect((await run('queue', 'pause')).status).toBe(2)
    // the secret is nowhere: not in the database (WAL included), not in any output
    const files = readdirSync(home, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
    expect(files.length).toBeGreaterThan(0)
    for (const p of files) expect(readFileSync(p).includes(Buffer.from(SECRET)), p).toBe(false)
    expect(`${up.stdout}${up.stderr}${list.stdout}`).not.toContain(SECRET)
  })
})
