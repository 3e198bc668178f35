// Image sync between two of Debian's docker-registry on 127.0.0.1, each behind a proxy counting the blob uploads
// that reach it: a first sync copies (streamed to the other registry, mounted within the same one), a second skips
// (no upload session, no blob byte), a changed image is kept with overwrite off and replaced with it on, an index
// is copied with its children, a blob changed on the way is refused before it is committed, a push of a repository
// with sync targets syncs them (automatic), and every run is a 'sync' history record. Behind a Bearer token service
// a sync waits for a login, then mounts with pull asked on the source repository. skopeo reads every target. Through
// the CLI, a SIGKILL in the middle of a sync is resumed by `preflight queue run` without sending a finished blob
// again, and --auto makes the next push sync.
import { execFile, execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HistoryStore, historyCsv, parseHistoryCsv } from '../../../src-main/history/history'
import { openDatabase } from '../../../src-main/store/db'
import { envCredentials } from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'
import type { AutoSyncRule } from '../../../src-main/upload/sync'
import { startProxy, type TestProxy } from './proxy'
import { freePort, startRegistry, type TestRegistry } from './registry-server'

/** What reached one registry: upload sessions started, mounts done, blob bytes received, blobs committed. */
interface Counts {
  sessions: number
  mounts: number
  blobBytes: number
  commits: string[]
}

interface Counted {
  registry: TestRegistry
  proxy: TestProxy
  /** host:port of the proxy: the address every test uses. */
  host: string
  counts: Counts
  reset(): void
  /** Called on every request (after counting). */
  onRequest?: (method: string, url: URL) => void
}

const fresh = (): Counts => ({ sessions: 0, mounts: 0, blobBytes: 0, commits: [] })

async function countedRegistry(dir: string): Promise<Counted> {
  const registry = await startRegistry(dir)
  const c: Counted = { registry, proxy: null as never, host: '', counts: fresh(), reset: () => (c.counts = fresh()) }
  c.proxy = await startProxy(registry.port, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const counts = c.counts
    if (req.method === 'POST' && url.pathname.endsWith('/blobs/uploads/'))
      res.on('finish', () => (res.statusCode === 201 ? counts.mounts++ : res.statusCode === 202 && counts.sessions++))
    if ((req.method === 'PATCH' || req.method === 'PUT') && url.pathname.includes('/blobs/uploads/'))
      req.on('data', (d: Buffer) => (counts.blobBytes += d.length))
    if (req.method === 'PUT' && url.searchParams.has('digest'))
      res.on('finish', () => res.statusCode === 201 && counts.commits.push(url.searchParams.get('digest')!))
    c.onRequest?.(req.method ?? '', url)
    return false
  })
  c.host = c.proxy.endpoint.replace('http://', '')
  return c
}

let dir: string
let a: Counted
let b: Counted

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'sync-'))
  a = await countedRegistry(join(dir, 'reg-a'))
  b = await countedRegistry(join(dir, 'reg-b'))
})
afterAll(async () => {
  for (const r of [a, b]) {
    await r?.proxy.close()
    r?.registry.stop()
  }
})

/** An OCI archive with one layer per entry of `layers` (a file /data/N in each). */
function image(name: string, layers: Array<string | Buffer>): string {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  for (const [i, content] of layers.entries()) {
    const folder = join(dir, `${name}-c${i}`)
    mkdirSync(folder)
    writeFileSync(join(folder, `layer-${i}`), content)
    execFileSync('umoci', ['insert', '--image', `${layout}:latest`, folder, `/data/${i}`])
  }
  const tar = join(dir, `${name}-oci.tar`)
  execFileSync('tar', ['-cf', tar, '-C', layout, '.'])
  return tar
}

const skopeo = (args: string[]) =>
  new Promise<string>((res, rej) =>
    execFile('skopeo', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (e, out, err) =>
      e ? rej(new Error(`skopeo ${args.join(' ')}: ${err}`)) : res(out),
    ),
  )
/** The digest of the manifest (or index) a reference names, as skopeo reads it. */
const digestOf = async (ref: string) =>
  `sha256:${createHash('sha256')
    .update(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]))
    .digest('hex')}`
const layersOf = async (ref: string) =>
  (JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${ref}`])) as { Layers: string[] }).Layers

function newQueue(autoSync?: () => AutoSyncRule[]) {
  const db = openDatabase(':memory:')
  const history = new HistoryStore(db)
  return {
    queue: new UploadQueue(db, { credentials: envCredentials({}), history: history.sink('release-bot'), autoSync }),
    history,
  }
}

async function push(queue: UploadQueue, tar: string, ref: string): Promise<void> {
  const job = await queue.enqueue({ file: tar, target: `docker://${ref}`, options: { insecure: true } })
  const done = await queue.run(job.id)
  expect(done.state, done.error ?? '').toBe('done')
}

async function sync(queue: UploadQueue, source: string, target: string, overwrite = false) {
  const job = queue.enqueueSync({
    source: `docker://${source}`,
    target: `docker://${target}`,
    overwrite,
    insecure: true,
  })
  return queue.run(job.id)
}

describe('image sync', () => {
  it('copies to another registry (streamed) and another organisation (mounted); a second sync sends nothing; records each run', async () => {
    const { queue, history } = newQueue()
    const src = `${a.host}/acme/web:1.0`
    await push(queue, image('web', ['web layer one\n'.repeat(50_000), 'web layer two\n'.repeat(40_000)]), src)
    const srcDigest = await digestOf(src)
    a.reset()
    b.reset()

    const other = await sync(queue, src, `${b.host}/org1/web`)
    expect(other.state, other.error ?? '').toBe('done')
    expect(other.target).toBe(`docker://${b.host}/org1/web:1.0`)
    expect(other.result).toMatch(/^copied: .* 3 blob\(s\) sent, 0 mounted/)
    expect(b.counts.commits).toHaveLength(3) // config and two layers
    expect(b.counts.blobBytes).toBe(queue.syncOutcomes.get(other.id)!.bytesSent)
    const sameRegistry = await sync(queue, src, `${a.host}/org2/web`)
    expect(sameRegistry.state, sameRegistry.error ?? '').toBe('done')
    expect(a.counts.mounts).toBe(3)
    expect(a.counts.sessions).toBe(0)
    expect(a.counts.blobBytes).toBe(0)
    for (const ref of [`${b.host}/org1/web:1.0`, `${a.host}/org2/web:1.0`]) {
      expect(await digestOf(ref)).toBe(srcDigest)
      expect(await layersOf(ref)).toHaveLength(2)
    }

    a.reset()
    b.reset()
    const again = await sync(queue, src, `${b.host}/org1/web`)
    expect(again.state).toBe('done')
    expect(again.result).toMatch(/^identical: .*nothing sent/)
    // a new tag on a registry holding the blobs: HEAD finds them, nothing is uploaded
    const newTag = await sync(queue, src, `${b.host}/org1/web:stable`)
    expect(newTag.result).toMatch(/^copied: .*0 blob\(s\) sent, 0 mounted, 3 already there/)
    expect(b.counts).toEqual({ sessions: 0, mounts: 0, blobBytes: 0, commits: [] })
    expect(await digestOf(`${b.host}/org1/web:stable`)).toBe(srcDigest)

    const records = history.list({ kinds: ['sync'] }).reverse()
    expect(records.map((e) => e.details.status)).toEqual(['copied', 'copied', 'identical', 'copied'])
    for (const e of records) {
      expect(e.actor).toBe('release-bot')
      expect(e.result).toBe('done')
      expect(e.subject).toBe(`docker://${src}`)
      expect(e.details).toMatchObject({ type: 'manual', source: `docker://${src}`, digest: srcDigest })
      expect(Date.parse(e.details.startedAt as string)).toBeGreaterThan(Date.now() - 120_000)
      expect(e.details.durationMs).toEqual(expect.any(Number))
    }
    expect(records.map((e) => [e.details.tag, e.details.target])).toEqual([
      ['1.0', `docker://${b.host}/org1/web:1.0`],
      ['1.0', `docker://${a.host}/org2/web:1.0`],
      ['1.0', `docker://${b.host}/org1/web:1.0`],
      ['stable', `docker://${b.host}/org1/web:stable`],
    ])
    // exported like the rest of the history
    expect(parseHistoryCsv(historyCsv(records)).map((e) => e.details.status)).toEqual([
      'copied',
      'copied',
      'identical',
      'copied',
    ])
  }, 120_000)

  it('a changed image: kept and reported with overwrite off, replaced with it on', async () => {
    const { queue, history } = newQueue()
    const src = `${a.host}/acme/app:2.0`
    const target = `${b.host}/org1/app:2.0`
    await push(queue, image('app-v1', ['first build\n'.repeat(30_000)]), src)
    expect((await sync(queue, src, target)).state).toBe('done')
    const first = await digestOf(target)
    await push(queue, image('app-v2', ['second build\n'.repeat(30_000)]), src)
    const changed = await digestOf(src)
    expect(changed).not.toBe(first)
    b.reset()

    const kept = await sync(queue, src, target)
    expect(kept.state).toBe('failed')
    expect(kept.error).toMatch(/^kept: .* holds another image .* does not overwrite.*--overwrite/)
    expect(kept.errorZh).toMatch(
      /^已保留：.* 中是另一个镜像.*由于此目标不覆盖，已保持原样。如需替换，请使用 --overwrite 重新同步/,
    )
    expect(await digestOf(target)).toBe(first)
    expect(b.counts).toEqual({ sessions: 0, mounts: 0, blobBytes: 0, commits: [] })
    const keptRecord = history.list({ kinds: ['sync'] })[0]
    expect(keptRecord.result).toBe('fail')
    expect(keptRecord.details).toMatchObject({ status: 'kept', digest: changed, targetDigest: first, overwrite: false })

    const replaced = await sync(queue, src, target, true)
    expect(replaced.state, replaced.error ?? '').toBe('done')
    expect(replaced.result).toMatch(/^overwritten: .*2 blob\(s\) sent, 0 mounted, 0 already there/)
    expect(await digestOf(target)).toBe(changed)
    expect(await layersOf(target)).toHaveLength(1)
    expect(b.counts.commits).toHaveLength(2) // the new config and layer
    expect(history.list({ kinds: ['sync'] })[0].details).toMatchObject({ status: 'overwritten', overwrite: true })
  }, 120_000)

  it('copies an index with its child manifests; skopeo copies every platform back', async () => {
    const { queue } = newQueue()
    await push(queue, image('multi-amd64', ['amd64\n'.repeat(20_000)]), `${a.host}/acme/multi:amd64`)
    await push(queue, image('multi-arm64', ['arm64\n'.repeat(20_000)]), `${a.host}/acme/multi:arm64`)
    const child = async (tag: string, architecture: string) => {
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${a.host}/acme/multi:${tag}`])
      return {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
        size: Buffer.byteLength(raw),
        platform: { architecture, os: 'linux' },
      }
    }
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [await child('amd64', 'amd64'), await child('arm64', 'arm64')],
    })
    const put = await fetch(`http://${a.host}/v2/acme/multi/manifests/1.0`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
      body: index,
    })
    expect(put.status).toBe(201)
    b.reset()

    const done = await sync(queue, `${a.host}/acme/multi:1.0`, `${b.host}/org1/multi`)
    expect(done.state, done.error ?? '').toBe('done')
    expect(queue.syncOutcomes.get(done.id)).toMatchObject({ manifests: 3, blobs: { total: 4, sent: 4 } })
    expect(await digestOf(`${b.host}/org1/multi:1.0`)).toBe(
      `sha256:${createHash('sha256').update(index).digest('hex')}`,
    )
    const out = join(dir, 'multi-copy')
    await skopeo([
      'copy',
      '-q',
      '--all',
      '--src-tls-verify=false',
      `docker://${b.host}/org1/multi:1.0`,
      `oci:${out}:1.0`,
    ])
    expect(await layersOf(`${b.host}/org1/multi:1.0`)).toHaveLength(1)
  }, 120_000)

  it('a push to a repository with sync targets syncs them too (automatic)', async () => {
    const rules: AutoSyncRule[] = [
      {
        repository: `${a.host}/acme/auto`,
        targets: [`docker://${b.host}/org1/auto`, `docker://${a.host}/org3/auto`],
        overwrite: true,
        insecure: true,
      },
    ]
    const { queue, history } = newQueue(() => rules)
    await push(queue, image('auto-v1', ['auto one\n'.repeat(10_000)]), `${a.host}/acme/auto:3.0`)
    const v1 = await digestOf(`${a.host}/acme/auto:3.0`)
    expect(await digestOf(`${b.host}/org1/auto:3.0`)).toBe(v1)
    expect(await digestOf(`${a.host}/org3/auto:3.0`)).toBe(v1)
    // pushed again (a rebuilt release): its targets follow
    await push(queue, image('auto-v2', ['auto two\n'.repeat(10_000)]), `${a.host}/acme/auto:3.0`)
    const v2 = await digestOf(`${a.host}/acme/auto:3.0`)
    expect(v2).not.toBe(v1)
    expect(await digestOf(`${b.host}/org1/auto:3.0`)).toBe(v2)
    const records = history.list({ kinds: ['sync'] })
    expect(records).toHaveLength(4)
    expect(records.map((e) => [e.details.type, e.details.status])).toEqual([
      ['automatic', 'overwritten'],
      ['automatic', 'overwritten'],
      ['automatic', 'copied'],
      ['automatic', 'copied'],
    ])
    expect(queue.list().filter((j) => j.options.syncType === 'automatic')).toHaveLength(4)
  }, 120_000)

  it('refuses bad references and a target that is its own source, naming what to do', () => {
    const { queue } = newQueue()
    expect(() => queue.enqueueSync({ source: 's3://bucket/key', target: `docker://${b.host}/org/x` })).toThrow(
      /not a docker:\/\/ reference/,
    )
    expect(() =>
      queue.enqueueSync({ source: `docker://${a.host}/acme/web@sha256:abc`, target: `docker://${b.host}/org/x` }),
    ).toThrow(/names a digest: sync by tag/)
    expect(() =>
      queue.enqueueSync({ source: `docker://${a.host}/acme/web:1.0`, target: `docker://${b.host}/Org/X` }),
    ).toThrow(/repository name the distribution spec refuses/)
    expect(() =>
      queue.enqueueSync({ source: `docker://${a.host}/acme/web:1.0`, target: `docker://${a.host}/acme/web` }),
    ).toThrow(/is its own source/)
    // each refusal carries its Chinese, naming the same reference and what to write instead
    const zh = (f: () => unknown) => {
      try {
        f()
      } catch (err) {
        return (err as { messageZh?: string }).messageZh
      }
    }
    expect(zh(() => queue.enqueueSync({ source: 's3://bucket/key', target: `docker://${b.host}/org/x` }))).toBe(
      '同步源“s3://bucket/key”不是 docker:// 引用：请写成 docker://registry/organisation/repository[:tag]。',
    )
    expect(
      zh(() => queue.enqueueSync({ source: `docker://${a.host}/acme/web:1.0`, target: `docker://${a.host}/acme/web` })),
    ).toBe(`同步目标 docker://${a.host}/acme/web:1.0 就是源镜像本身：请指定其他镜像仓库、组织或标签。`)
    expect(queue.list()).toHaveLength(0)
  })

  it('a blob whose bytes are not its digest (changed on the way) is not committed at the target', async () => {
    const { queue, history } = newQueue()
    await push(queue, image('tamper', ['tamper me\n'.repeat(20_000)]), `${a.host}/acme/tamper:1.0`)
    // a front to the source registry that flips one byte of every blob it serves
    const front = await startProxy(a.registry.port, (req, res) => {
      if (req.method !== 'GET' || !req.url?.includes('/blobs/sha256:')) return false
      fetch(`http://127.0.0.1:${a.registry.port}${req.url}`).then(
        async (r) => {
          const body = Buffer.from(await r.arrayBuffer())
          body[body.length >> 1] ^= 0xff
          res
            .writeHead(r.status, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) })
            .end(body)
        },
        () => res.destroy(),
      )
      return true
    })
    try {
      b.reset()
      const job = await sync(queue, `${front.endpoint.replace('http://', '')}/acme/tamper:1.0`, `${b.host}/org1/tamper`)
      expect(job.state).toBe('failed')
      expect(job.error).toMatch(
        /sent bytes whose sha256 is sha256:[0-9a-f]{64} for blob sha256:[0-9a-f]{64}: nothing was committed/,
      )
      expect(b.counts.commits).toEqual([])
      expect(
        await fetch(`http://${b.host}/v2/org1/tamper/manifests/1.0`, { method: 'HEAD' }).then((r) => r.status),
      ).toBe(404)
      expect(history.list({ kinds: ['sync'] })[0].details).toMatchObject({
        status: 'error',
        error: expect.stringMatching(/nothing was committed/),
      })
    } finally {
      await front.close()
    }
  }, 120_000)

  it('behind a Bearer token service: no login waits for credentials; with one, the mount asks pull on the source repository too', async () => {
    const { queue: pusher } = newQueue()
    await push(pusher, image('tok', ['token layer\n'.repeat(10_000)]), `${a.host}/acme/tok:1.0`)
    const token = `tok-${Math.random().toString(36).slice(2)}`
    const scopes: string[][] = []
    const front = await startProxy(a.registry.port, (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/token') {
        scopes.push(url.searchParams.getAll('scope'))
        const ok = req.headers.authorization === `Basic ${Buffer.from('seller:login-key').toString('base64')}`
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? JSON.stringify({ token }) : '{}')
        return true
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        req.resume()
        const repo = /^\/v2\/(.+?)\/(?:manifests|blobs)\//.exec(url.pathname)?.[1] ?? ''
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="${front.endpoint}/token",service="test",scope="repository:${repo}:pull,push"`,
          })
          .end()
        return true
      }
      return false
    })
    try {
      const host = front.endpoint.replace('http://', '')
      const anonymous = new UploadQueue(openDatabase(':memory:'), { credentials: envCredentials({}) })
      const waiting = await sync(anonymous, `${host}/acme/tok:1.0`, `${host}/org9/tok`)
      expect(waiting.state).toBe('needs-credentials')
      expect(waiting.error).toMatch(/wants a login and none is saved/)
      const queue = new UploadQueue(openDatabase(':memory:'), {
        credentials: envCredentials({
          PREFLIGHT_REGISTRY_USERNAME: 'seller',
          PREFLIGHT_REGISTRY_PASSWORD: 'login-key',
        }),
      })
      const done = await sync(queue, `${host}/acme/tok:1.0`, `${host}/org9/tok`)
      expect(done.state, done.error ?? '').toBe('done')
      expect(queue.syncOutcomes.get(done.id)!.blobs).toMatchObject({ mounted: 2, sent: 0 })
      expect(scopes).toContainEqual(['repository:org9/tok:pull,push', 'repository:acme/tok:pull'])
      expect(await digestOf(`${a.host}/org9/tok:1.0`)).toBe(await digestOf(`${a.host}/acme/tok:1.0`))
    } finally {
      await front.close()
    }
  }, 120_000)

  it('a registry that cannot be reached: the job waits for the network, naming the registry and why', async () => {
    const db = openDatabase(':memory:')
    const queue = new UploadQueue(db, {
      credentials: envCredentials({}),
      retry: { attempts: 2, baseMs: 10, maxMs: 20 },
    })
    const closed = await freePort()
    const job = await sync(queue, `127.0.0.1:${closed}/acme/web:1.0`, `${b.host}/org1/web`)
    expect(job.state).toBe('waiting-network')
    expect(job.error).toBe(
      `Network unavailable: Cannot reach 127.0.0.1:${closed}: connect ECONNREFUSED 127.0.0.1:${closed}. Check the address and your network. The upload resumes when the server answers.`,
    )
    expect(job.errorZh).toBe(
      `网络不可用：无法连接 127.0.0.1:${closed}：connect ECONNREFUSED 127.0.0.1:${closed}。请检查地址和网络连接。服务器恢复响应后上传会自动继续。`,
    )
  })

  it('the source tag missing: the job fails saying so and the record says error', async () => {
    const { queue, history } = newQueue()
    const job = await sync(queue, `${a.host}/acme/none:1.0`, `${b.host}/org1/none`)
    expect(job.state).toBe('failed')
    expect(job.error).toMatch(/acme\/none:1\.0 does not exist in the source registry/)
    expect(history.list({ kinds: ['sync'] })[0]).toMatchObject({ result: 'error', details: { status: 'error' } })
  })
})

describe('preflight sync (CLI)', () => {
  const cliPath = resolve(__dirname, '../../../bin/preflight.cjs')
  const home = () => join(dir, 'cli-home')
  function cli(
    args: string[],
    onStart?: (kill: () => void) => void,
  ): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> {
    return new Promise((res) => {
      const child = spawn(process.execPath, [cliPath, ...args], {
        env: { ...process.env, PREFLIGHT_HOME: home() },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      onStart?.(() => child.kill('SIGKILL'))
      child.on('exit', (code, signal) => res({ code, killed: signal === 'SIGKILL', stdout, stderr }))
    })
  }

  it('syncs to two targets with --format json; a kept target exits 1; a SIGKILL mid-sync resumes without resending finished blobs', async () => {
    const { queue } = newQueue()
    const MiB = 1024 * 1024
    const src = `${a.host}/acme/big:1.0`
    await push(queue, image('big', [randomBytes(6 * MiB), randomBytes(6 * MiB), randomBytes(6 * MiB)]), src)
    a.reset()
    b.reset()

    // killed once two blobs are committed and a third is being sent
    const committedBeforeKill = new Set<string>()
    let killed = false
    const run = cli(
      ['sync', `docker://${src}`, '--to', `docker://${b.host}/org1/big`, '--insecure', '--limit', String(24 * 1024)],
      (kill) => {
        b.onRequest = (method) => {
          if (!killed && method === 'PATCH' && b.counts.commits.length >= 2) {
            killed = true
            for (const d of b.counts.commits) committedBeforeKill.add(d)
            kill()
          }
        }
      },
    )
    const first = await run
    b.onRequest = undefined
    expect(first.killed, first.stderr).toBe(true)
    expect(committedBeforeKill.size).toBe(2)
    b.reset()
    const resumed = await cli(['queue', 'run'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(b.counts.commits.length).toBe(2) // the two blobs left: config and layers make four
    expect(b.counts.commits.filter((d) => committedBeforeKill.has(d))).toEqual([])
    expect(b.counts.blobBytes).toBeLessThanOrEqual(2 * 6.1 * MiB)
    expect(await digestOf(`${b.host}/org1/big:1.0`)).toBe(await digestOf(src))
    expect(await layersOf(`${b.host}/org1/big:1.0`)).toHaveLength(3)

    // two targets, one of them identical already: json, exit 0
    b.reset()
    const two = await cli([
      'sync',
      `docker://${src}`,
      '--to',
      `docker://${b.host}/org1/big`,
      '--to',
      `docker://${a.host}/org5/big`,
      '--insecure',
      '--format',
      'json',
    ])
    expect(two.code, two.stderr).toBe(0)
    const report = JSON.parse(two.stdout) as {
      schema: string
      jobs: Array<{ target: string; state: string; status: string; type: string }>
    }
    expect(report.schema).toBe('preflight.sync/1')
    expect(report.jobs.map((j) => [j.target, j.state, j.status, j.type])).toEqual([
      [`docker://${b.host}/org1/big:1.0`, 'done', 'identical', 'manual'],
      [`docker://${a.host}/org5/big:1.0`, 'done', 'copied', 'manual'],
    ])
    expect(b.counts.blobBytes).toBe(0)
    expect(await layersOf(`${a.host}/org5/big:1.0`)).toHaveLength(3)

    // the source moves on: without --overwrite the target is kept (exit 1), with it replaced (exit 0)
    await push(queue, image('big-v2', ['small now\n']), src)
    const kept = await cli(['sync', `docker://${src}`, '--to', `docker://${b.host}/org1/big`, '--insecure'])
    expect(kept.code).toBe(1)
    expect(kept.stdout).toMatch(/kept: .*--overwrite/)
    const over = await cli([
      'sync',
      `docker://${src}`,
      '--to',
      `docker://${b.host}/org1/big`,
      '--insecure',
      '--overwrite',
      '--auto',
    ])
    expect(over.code, over.stderr).toBe(0)
    expect(over.stdout).toContain(`Pushes to ${a.host}/acme/big are synced to docker://${b.host}/org1/big from now on`)
    expect(await digestOf(`${b.host}/org1/big:1.0`)).toBe(await digestOf(src))
    // --auto saved the target: the next push of the repository (a new tag) is synced by itself
    const pushedAgain = await cli([
      'upload',
      image('big-v3', ['third\n']),
      '--to',
      `docker://${a.host}/acme/big:1.1`,
      '--insecure',
    ])
    expect(pushedAgain.code, pushedAgain.stderr).toBe(0)
    expect(await digestOf(`${b.host}/org1/big:1.1`)).toBe(await digestOf(`${a.host}/acme/big:1.1`))

    const hist = await cli(['history', '--kind', 'sync', '--format', 'json'])
    const events = (
      JSON.parse(hist.stdout) as { events: Array<{ result: string; details: { status: string; type: string } }> }
    ).events
    expect(events.map((e) => [e.details.status, e.details.type])).toEqual([
      ['copied', 'automatic'],
      ['overwritten', 'manual'],
      ['kept', 'manual'],
      ['copied', 'manual'],
      ['identical', 'manual'],
      ['copied', 'manual'],
    ])

    const bad = await cli(['sync', `docker://${src}`, '--insecure'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--to is required/)
  }, 240_000)
})
