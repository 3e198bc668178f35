// The queue survives SIGKILL: the CLI uploading a 256 MiB file to S3 (s3rver on 127.0.0.1, behind a counting
// proxy) is killed at random moments five times; `preflight queue run` then completes the upload, the object
// equals the file, and the bytes sent again after each kill are at most concurrency × part size.
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxy, type TestProxy } from './proxy'
import { s3Client } from '../../../src-main/upload/targets/s3'
import { startS3rver, type TestS3 } from '../../fixtures/s3rver'

const MiB = 1024 * 1024
const PART = 8 * MiB
const CONCURRENCY = 4
const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }
let s3: TestS3
let proxy: TestProxy
let endpoint: string
let partBytes = 0
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'crash-up-'))
  s3 = await startS3rver(join(dir, 's3'))
  const { port } = s3
  // counts the body bytes of every UploadPart request reaching the server, complete or cut off
  proxy = await startProxy(port, (req) => {
    if (req.method === 'PUT' && /partNumber=/.test(req.url ?? ''))
      req.on('data', (c: Buffer) => (partBytes += c.length))
    return false
  })
  endpoint = proxy.endpoint
})
afterAll(async () => {
  await proxy?.close()
  await s3?.close()
})

function cli(args: string[], killAfterProgressMs: number | null): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [resolve(__dirname, '../../../bin/preflight.cjs'), ...args], {
      env: { ...process.env, ...env, PREFLIGHT_HOME: join(dir, 'home') },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let armed = false
    child.stderr.on('data', (d) => {
      if (killAfterProgressMs !== null && !armed && /uploading/.test(String(d))) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), killAfterProgressMs)
      }
    })
    child.on('exit', (code, signal) => res({ killed: signal === 'SIGKILL', code }))
  })
}

describe('upload crash safety', () => {
  it('five SIGKILLs, then queue run completes with at most concurrency × part size resent per kill', async () => {
    const file = join(dir, 'release-1_0.bin')
    const fd = openSync(file, 'w')
    const hash = createHash('sha256')
    for (let i = 0; i < 256; i++) {
      const b = randomBytes(MiB)
      hash.update(b)
      writeSync(fd, b)
    }
    closeSync(fd)
    // 32 MiB/s: 8 s of sending, more than five kills at most 1.2 s after sending starts can use up
    const common = ['--limit', '32MiB/s']
    let kills = 0
    let r = await cli(
      [
        'upload',
        file,
        '--to',
        's3://releases/release-1_0.bin',
        '--endpoint',
        endpoint,
        '--part-size',
        '8',
        '--concurrency',
        String(CONCURRENCY),
        ...common,
      ],
      200 + Math.random() * 1000,
    )
    if (r.killed) kills++
    for (let i = 0; kills < 5 && i < 12; i++) {
      r = await cli(['queue', 'run', ...common], 200 + Math.random() * 1000)
      if (r.killed) kills++
    }
    expect(kills).toBe(5)
    const final = await cli(['queue', 'run'], null)
    expect(final.code).toBe(0)
    const c = s3Client({ options: { endpoint } } as never, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
    const obj = await c.send(new GetObjectCommand({ Bucket: 'releases', Key: 'release-1_0.bin' }))
    const h = createHash('sha256')
    for await (const chunk of obj.Body as AsyncIterable<Buffer>) h.update(chunk)
    c.destroy()
    expect(h.digest('hex')).toBe(hash.digest('hex'))
    const resent = partBytes - 256 * MiB
    console.log(`sent ${partBytes} part bytes for a ${256 * MiB}-byte file: ${resent} resent over ${kills} kills`)
    expect(resent).toBeLessThanOrEqual(kills * CONCURRENCY * PART)
  }, 240_000)
})
