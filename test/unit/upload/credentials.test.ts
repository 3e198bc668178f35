// Object-storage credentials: the vault seals them (a stand-in cipher here; safeStorage in the app) and no
// secret reaches a file, the database or a log; the CLI's shared-credentials file; credentials that expire
// mid-upload park the job with its parts until new ones are saved; a job that lost the network is probed
// and resumed on its own when the server comes back.
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxy, type TestProxy } from './proxy'
import { createServiceHost } from '../../../src-main/services/host'
import { openDatabase } from '../../../src-main/store/db'
import {
  cliCredentials,
  CredentialVault,
  parseSharedCredentials,
  vaultCredentials,
  type SecretCipher,
} from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'
import { s3Client } from '../../../src-main/upload/targets/s3'
import { startS3rver, type TestS3 } from '../../fixtures/s3rver'

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY'
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const MiB = 1024 * 1024

/** AES-256-GCM with a key held in memory: the stand-in for safeStorage. */
function testCipher(): SecretCipher {
  const key = randomBytes(32)
  return {
    async encrypt(plain) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body])
    },
    async decrypt(sealed) {
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12))
      d.setAuthTag(sealed.subarray(12, 28))
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8')
    },
  }
}

/** Every byte of every file below dir, for grepping secrets. */
function allBytes(dir: string): Buffer {
  const out: Buffer[] = []
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name)
    if (statSync(p).isFile()) out.push(readFileSync(p))
  }
  return Buffer.concat(out)
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'creds-'))
})

describe('credential vault', () => {
  it('seals keys per connection; nothing secret in clear on disk; masked hints; remove', async () => {
    const home = mkdtempSync(join(dir, 'home-'))
    const vault = new CredentialVault(join(home, 'credentials.json'), testCipher())
    const saved = await vault.save('https://OBS.cn-north-4.myhuaweicloud.com/', {
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      sessionToken: 'tok-123456',
    })
    expect(saved).toMatchObject({
      connection: 'https://obs.cn-north-4.myhuaweicloud.com',
      accessKeyHint: 'AKIA••••••••••••MPLE',
      hasSessionToken: true,
      persisted: true,
    })
    await vault.save(undefined, { accessKeyId: 'AKIAOTHER0000000', secretAccessKey: 'other-secret' })
    expect((await vault.list()).map((c) => c.connection)).toEqual(['aws', 'https://obs.cn-north-4.myhuaweicloud.com'])
    expect(await vault.get('https://obs.cn-north-4.myhuaweicloud.com')).toEqual({
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      sessionToken: 'tok-123456',
    })
    const disk = allBytes(home).toString('latin1')
    for (const s of [SECRET, KEY_ID, 'tok-123456', 'other-secret']) expect(disk).not.toContain(s)
    expect(statSync(join(home, 'credentials.json')).mode & 0o077).toBe(0)
    expect(await vault.remove('https://obs.cn-north-4.myhuaweicloud.com')).toBe(true)
    expect(await vault.get('https://obs.cn-north-4.myhuaweicloud.com')).toBeUndefined()
    expect(await vault.remove('https://obs.cn-north-4.myhuaweicloud.com')).toBe(false)
  })

  it('without a cipher keeps keys for the session only and writes nothing', async () => {
    const home = mkdtempSync(join(dir, 'home-'))
    const vault = new CredentialVault(join(home, 'credentials.json'), null)
    expect(vault.persistent).toBe(false)
    expect(await vault.save(undefined, { accessKeyId: KEY_ID, secretAccessKey: SECRET })).toMatchObject({
      persisted: false,
    })
    expect(await vault.get(undefined)).toMatchObject({ secretAccessKey: SECRET })
    expect(readdirSync(home)).toEqual([])
  })

  it('a damaged file, keys sealed by another machine, bad endpoints and empty keys: clear errors', async () => {
    const home = mkdtempSync(join(dir, 'home-'))
    const file = join(home, 'credentials.json')
    await new CredentialVault(file, testCipher()).save(undefined, { accessKeyId: KEY_ID, secretAccessKey: SECRET })
    await expect(new CredentialVault(file, testCipher()).get(undefined)).rejects.toThrow(
      /cannot be opened on this machine.*enter them again/,
    )
    writeFileSync(file, '{"version": 7}')
    await expect(new CredentialVault(file, testCipher()).list()).rejects.toThrow(
      /not a Preflight credentials file.*remove it/,
    )
    await expect(
      new CredentialVault(file, null).save('ftp://x', { accessKeyId: 'a', secretAccessKey: 'b' }),
    ).rejects.toThrow(/http:\/\/ or https:\/\//)
    await expect(
      new CredentialVault(file, null).save(undefined, { accessKeyId: ' ', secretAccessKey: 'b' }),
    ).rejects.toThrow(/Both the access key id and the secret/)
  })

  it('the CLI reads an AWS shared-credentials file (profile by flag or AWS_PROFILE) and says what is wrong with one', async () => {
    const text =
      '# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n\n[profile obs]\naws_access_key_id=AKIAOBS\naws_secret_access_key=s2\naws_session_token = t2\n'
    expect(parseSharedCredentials(text, 'default', 'f')).toEqual({ accessKeyId: 'AKIADEFAULT', secretAccessKey: 's1' })
    expect(parseSharedCredentials(text, 'obs', 'f')).toEqual({
      accessKeyId: 'AKIAOBS',
      secretAccessKey: 's2',
      sessionToken: 't2',
    })
    expect(() => parseSharedCredentials(text, 'prod', 'creds.ini')).toThrow(
      'creds.ini has no [prod] profile (it has: default, obs)',
    )
    expect(() => parseSharedCredentials('[a]\nnonsense\n', 'a', 'creds.ini')).toThrow(
      'creds.ini:2: not a "[profile]" header or "key = value" line: correct that line.',
    )
    expect(() => parseSharedCredentials('[a]\naws_access_key_id = x\n', 'a', 'creds.ini')).toThrow(
      /needs aws_access_key_id and aws_secret_access_key/,
    )
    const path = join(dir, 'credentials')
    writeFileSync(path, text)
    expect(await cliCredentials({ AWS_PROFILE: 'obs' }, path).s3({} as never)).toMatchObject({ accessKeyId: 'AKIAOBS' })
    expect(
      await cliCredentials({ AWS_SHARED_CREDENTIALS_FILE: path }, undefined, 'default').s3({} as never),
    ).toMatchObject({ accessKeyId: 'AKIADEFAULT' })
    await expect(cliCredentials({}, join(dir, 'missing')).s3({} as never)).rejects.toThrow(
      /Cannot read the credentials file .*missing \(ENOENT\): check the path/,
    )
    await expect(cliCredentials({}, join(dir, 'missing')).s3({} as never)).rejects.toMatchObject({
      messageZh: expect.stringMatching(/^无法读取凭据文件 .*missing（ENOENT）：请检查路径和文件权限。$/),
    })
  })
})

describe('credentials and network in the middle of an upload', () => {
  let s3: TestS3
  let s3Port: number
  let proxy: TestProxy
  let endpoint: string
  let expired = false
  let partsSeen = 0
  let partBytes = 0
  const expireAfterParts = 3

  beforeAll(async () => {
    s3 = await startS3rver(join(dir, 's3'))
    s3Port = s3.port
    proxy = await startProxy(s3Port, (req, res) => {
      const isPart = req.method === 'PUT' && /partNumber=/.test(req.url ?? '')
      if (isPart && ++partsSeen > expireAfterParts && !expired) expired = true
      // once expired, only requests carrying the new session token get through
      if (expired && req.headers['x-amz-security-token'] !== 'token-new') {
        req.resume()
        res
          .writeHead(403, { 'content-type': 'application/xml' })
          .end('<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>')
        return true
      }
      if (isPart) req.on('data', (c: Buffer) => (partBytes += c.length))
      return false
    })
    endpoint = proxy.endpoint
  })
  afterAll(async () => {
    await proxy?.close()
    await s3?.close()
  })

  async function objectSha(key: string): Promise<string> {
    const c = s3Client({ options: { endpoint: `http://127.0.0.1:${s3Port}` } } as never, {
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    })
    const obj = await c.send(new GetObjectCommand({ Bucket: 'releases', Key: key }))
    const h = createHash('sha256')
    for await (const chunk of obj.Body as AsyncIterable<Buffer>) h.update(chunk)
    c.destroy()
    return h.digest('hex')
  }

  async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
    const end = Date.now() + ms
    for (;;) {
      const v = await what()
      if (ok(v) || Date.now() > end) return v
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  it('expired credentials park the job with its parts; saving new ones in the app resumes it; no secret in files', async () => {
    const home = mkdtempSync(join(dir, 'app-'))
    const host = createServiceHost({ home, mode: 'browser', cipher: testCipher(), onEvent: () => {} })
    try {
      const data = randomBytes(40 * MiB)
      const path = join(dir, 'release.bin')
      writeFileSync(path, data)
      const call = async (channel: string, input: unknown) => {
        const w = await host.dispatch(channel, input)
        if (!w.ok) throw new Error(w.error.message)
        return w.result as any
      }
      await call('credentials.save', {
        endpoint,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'old-secret-value-123',
        sessionToken: 'token-old',
      })
      await call('queue.enqueue', { path, target: 's3://releases/release.bin', endpoint, concurrency: 1 })
      const parked = await until(
        () => call('queue.list', {}),
        (r) => r.jobs[0]?.state === 'needs-credentials',
      )
      const job = parked.jobs[0]
      expect(job.state, job.error).toBe('needs-credentials')
      expect(job.error).toMatch(/ExpiredToken|expired/i)
      expect(job.error).toMatch(/Settings → Storage credentials.*finished parts are kept/)
      expect(job.bytesDone).toBe(expireAfterParts * 8 * MiB)
      const sentBefore = partBytes

      const saved = await call('credentials.save', {
        endpoint,
        accessKeyId: 'S3RVER',
        secretAccessKey: SECRET,
        sessionToken: 'token-new',
      })
      expect(saved).toMatchObject({ resumed: 1, connection: { connection: endpoint, persisted: true } })
      const done = await until(
        () => call('queue.list', {}),
        (r) => r.jobs[0]?.state === 'done',
      )
      expect(done.jobs[0].state, done.jobs[0].error).toBe('done')
      expect(partBytes - sentBefore).toBe(data.length - expireAfterParts * 8 * MiB)
      expect(await objectSha('release.bin')).toBe(createHash('sha256').update(data).digest('hex'))
      const listed = await call('credentials.list', {})
      expect(JSON.stringify(listed)).not.toContain(SECRET)
    } finally {
      await host.close()
    }
    const disk = allBytes(home).toString('latin1')
    for (const s of [SECRET, 'old-secret-value-123', 'token-new', 'token-old']) expect(disk).not.toContain(s)
  })

  it('a job that lost the network is probed with backoff and resumes by itself when the server is back', async () => {
    // a port with nothing listening: reserve one, then free it
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
    const port = (probe.address() as AddressInfo).port
    await new Promise((r) => probe.close(r))
    const offline = `http://127.0.0.1:${port}`
    const q = new UploadQueue(openDatabase(':memory:'), {
      credentials: vaultCredentials(new CredentialVault(join(dir, 'unused.json'), null), {
        s3: async () => ({ accessKeyId: 'S3RVER', secretAccessKey: SECRET }),
      }),
      retry: { attempts: 2, baseMs: 10, maxMs: 20 },
    })
    const data = randomBytes(6 * MiB)
    const path = join(dir, 'later.bin')
    writeFileSync(path, data)
    const job = await q.enqueue({ file: path, target: 's3://releases/later.bin', options: { endpoint: offline } })
    expect((await q.run(job.id)).state).toBe('waiting-network')
    let probes = 0
    q.watchNetwork({
      firstMs: 20,
      maxMs: 80,
      probe: async (j) => {
        probes++
        const { probeServer } = await import('../../../src-main/upload/queue')
        return probeServer(j)
      },
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(q.store.get(job.id).state).toBe('waiting-network')
    expect(probes).toBeGreaterThanOrEqual(2)
    // the server comes back on that port (a forwarder to s3rver)
    const back = await startProxy(s3Port, undefined, port)
    try {
      const end = await until(
        async () => q.store.get(job.id),
        (j) => j.state === 'done' || j.state === 'failed',
      )
      expect(end.state, end.error ?? '').toBe('done')
      expect(await objectSha('later.bin')).toBe(createHash('sha256').update(data).digest('hex'))
    } finally {
      q.stopWatching()
      await back.close()
    }
  })
})
