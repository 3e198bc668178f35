// Pushing images to Debian's docker-registry on 127.0.0.1 (its own config in a temp folder): an OCI archive
// and a docker-archive are pushed, skopeo reads them back, and a second push skips existing blobs.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src-main/store/db'
import { envCredentials } from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'

let registry: ChildProcess
let port: number
let dir: string

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => res(p))
    })
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'reg-'))
  port = await freePort()
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`)
  registry = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200, () => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
})
afterAll(() => {
  registry?.kill('SIGTERM')
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
  new Promise<{ Layers: string[] }>((res, rej) => execFile('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }, (e, out) => (e ? rej(e) : res(JSON.parse(out)))))

describe('registry push', () => {
  it('pushes OCI and docker-archive images that skopeo reads back; a repeat push skips existing blobs', async () => {
    const { oci, docker } = image('web')
    const q = new UploadQueue(openDatabase(':memory:'), { credentials: envCredentials({}) })
    const j1 = await q.enqueue({ file: oci, target: `docker://127.0.0.1:${port}/acme/web:1.0`, options: { insecure: true } })
    const d1 = await q.run(j1.id)
    expect(d1.state, d1.error ?? '').toBe('done')
    expect(d1.result).toBe(`127.0.0.1:${port}/acme/web:1.0`)
    expect((await inspect(`127.0.0.1:${port}/acme/web:1.0`)).Layers.length).toBe(1)
    const j2 = await q.enqueue({ file: docker, target: `docker://127.0.0.1:${port}/acme/web-docker:2.0`, options: { insecure: true } })
    const d2 = await q.run(j2.id)
    expect(d2.state, d2.error ?? '').toBe('done')
    expect((await inspect(`127.0.0.1:${port}/acme/web-docker:2.0`)).Layers.length).toBe(1)
    const j3 = await q.enqueue({ file: oci, target: `docker://127.0.0.1:${port}/acme/web:1.1`, options: { insecure: true } })
    expect((await q.run(j3.id)).state).toBe('done')
    expect((await inspect(`127.0.0.1:${port}/acme/web:1.1`)).Layers.length).toBe(1)
  }, 120_000)
})
