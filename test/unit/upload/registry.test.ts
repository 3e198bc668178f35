// Pushing images to Debian's docker-registry on 127.0.0.1 (its own config in a temp folder): an OCI archive
// and a docker-archive are pushed, skopeo reads them back, and a second push skips existing blobs. Behind a
// token-auth front (the Bearer flow of Docker Hub, SWR and Harbor), a push without a login waits for
// credentials, a wrong one is refused, and the saved login (or docker's config.json) pushes.
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src-main/store/db'
import { CredentialVault, envCredentials, vaultCredentials } from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'
import { startProxy } from './proxy'
import { startRegistry, type TestRegistry } from './registry-server'

let registry: TestRegistry
let port: number
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'reg-'))
  registry = await startRegistry(dir)
  port = registry.port
})
afterAll(() => {
  registry?.stop()
})

function image(name: string): { oci: string; docker: string } {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  mkdirSync(join(dir, `${name}-c`))
  writeFileSync(join(dir, `${name}-c`, 'hello.txt'), `${name}\n`.repeat(100_000))
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(dir, `${name}-c`), '/data'])
  const oci = join(dir, `${name}-oci.tar`)
  execFileSync('tar', ['-cf', oci, '-C', layout, '.'])
  const docker = join(dir, `${name}-docker.tar`)
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${docker}:${name}:1.0`])
  return { oci, docker }
}

const inspect = (ref: string) =>
  new Promise<{ Layers: string[] }>((res, rej) =>
    execFile('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }, (e, out) =>
      e ? rej(e) : res(JSON.parse(out)),
    ),
  )

describe('registry push', () => {
  it('pushes OCI and docker-archive images that skopeo reads back; a repeat push skips existing blobs', async () => {
    const { oci, docker } = image('web')
    const q = new UploadQueue(openDatabase(':memory:'), { credentials: envCredentials({}) })
    const j1 = await q.enqueue({
      file: oci,
      target: `docker://127.0.0.1:${port}/acme/web:1.0`,
      options: { insecure: true },
    })
    const d1 = await q.run(j1.id)
    expect(d1.state, d1.error ?? '').toBe('done')
    expect(d1.result).toBe(`127.0.0.1:${port}/acme/web:1.0`)
    expect((await inspect(`127.0.0.1:${port}/acme/web:1.0`)).Layers.length).toBe(1)
    const j2 = await q.enqueue({
      file: docker,
      target: `docker://127.0.0.1:${port}/acme/web-docker:2.0`,
      options: { insecure: true },
    })
    const d2 = await q.run(j2.id)
    expect(d2.state, d2.error ?? '').toBe('done')
    expect((await inspect(`127.0.0.1:${port}/acme/web-docker:2.0`)).Layers.length).toBe(1)
    const j3 = await q.enqueue({
      file: oci,
      target: `docker://127.0.0.1:${port}/acme/web:1.1`,
      options: { insecure: true },
    })
    expect((await q.run(j3.id)).state).toBe('done')
    expect((await inspect(`127.0.0.1:${port}/acme/web:1.1`)).Layers.length).toBe(1)
  }, 120_000)

  it('a registry that wants a login: none waits for credentials, a wrong one is refused, a saved one or docker login pushes', async () => {
    const { oci } = image('auth')
    const token = `tok-${Math.random().toString(36).slice(2)}`
    const scopes: string[] = []
    const front = await startProxy(port, (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/token') {
        scopes.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')}`)
        const ok =
          req.headers.authorization === `Basic ${Buffer.from('seller@cn-north-4:login-key').toString('base64')}`
        res
          .writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
          .end(ok ? JSON.stringify({ token }) : '{"errors":[{"code":"UNAUTHORIZED"}]}')
        return true
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        req.resume()
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="http://127.0.0.1:${(front.server.address() as { port: number }).port}/token",service="test-registry",scope="repository:acme/auth:pull,push"`,
          'content-type': 'application/json',
        })
        res.end('{"errors":[{"code":"UNAUTHORIZED"}]}')
        return true
      }
      return false
    })
    try {
      const target = `docker://127.0.0.1:${(front.server.address() as { port: number }).port}/acme/auth:1.0`
      const vault = new CredentialVault(join(dir, 'unused.json'), null)
      const q = new UploadQueue(openDatabase(':memory:'), { credentials: vaultCredentials(vault, envCredentials({})) })
      const job = await q.enqueue({ file: oci, target, options: { insecure: true } })
      const none = await q.run(job.id)
      expect(none.state).toBe('needs-credentials')
      expect(none.error).toMatch(/wants a login and none is saved/)
      await vault.save(front.endpoint, { accessKeyId: 'seller@cn-north-4', secretAccessKey: 'wrong' })
      const wrong = await q.run(job.id)
      expect(wrong.state).toBe('needs-credentials')
      expect(wrong.error).toMatch(/token service refused the login \(401\)/)
      await vault.save(front.endpoint, { accessKeyId: 'seller@cn-north-4', secretAccessKey: 'login-key' })
      const done = await q.run(job.id)
      expect(done.state, done.error ?? '').toBe('done')
      expect(scopes.at(-1)).toBe('test-registry repository:acme/auth:pull,push')
      expect((await inspect(`127.0.0.1:${port}/acme/auth:1.0`)).Layers.length).toBe(1)
      // the CLI's sources: docker's config.json after `docker login`
      const dockerConfig = join(dir, 'docker')
      mkdirSync(dockerConfig)
      writeFileSync(
        join(dockerConfig, 'config.json'),
        JSON.stringify({
          auths: {
            [`127.0.0.1:${(front.server.address() as { port: number }).port}`]: {
              auth: Buffer.from('seller@cn-north-4:login-key').toString('base64'),
            },
          },
        }),
      )
      const q2 = new UploadQueue(openDatabase(':memory:'), {
        credentials: envCredentials({ DOCKER_CONFIG: dockerConfig }),
      })
      const j2 = await q2.enqueue({ file: oci, target: target.replace(':1.0', ':1.1'), options: { insecure: true } })
      const d2 = await q2.run(j2.id)
      expect(d2.state, d2.error ?? '').toBe('done')
    } finally {
      await front.close()
    }
  }, 120_000)
})
