// Paths an image's metadata names never reach the seller's files: a docker-archive whose manifest.json names
// Config and Layers that climb out of the image (to a secret file beside the test's image), or that are symlinks to
// it, and an OCI layout whose blob is such a symlink, are oci.invalid-layout naming the path, in the scan, in
// `preflight repack --no-scan` (no bundle written) and in the registry push (refused before any request); the
// secret's bytes are in no output.
import { execFileSync, spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blobPath, imagePathProblem } from '../../../src-main/containers/image-paths'
import { scanPackage } from '../../../src-main/inspect/scan'
import { registryTarget } from '../../../src-main/upload/targets/registry'
import type { TargetRun } from '../../../src-main/upload/target'
import { umociImage } from '../../fixtures/umoci-image'

const BIN = resolve(__dirname, '../../../bin/preflight.cjs')
const SECRET = 'seller-private-bytes-7f3a'
let dir: string
let secret: string
let requests = 0
let server: Server
let port: number
let made = 0

function tarOf(name: string, src: string): string {
  const out = join(dir, name)
  execFileSync('tar', ['-cf', out, '-C', src, '.'])
  return out
}

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'image-paths-'))
  mkdirSync(join(dir, 'outside'))
  secret = join(dir, 'outside', 'secret.json')
  writeFileSync(
    secret,
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, note: SECRET }),
  )
  server = createServer((req, res) => {
    requests++
    res.writeHead(500).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

/** A docker-archive whose manifest.json climbs out to the secret. */
function climbing(): string {
  const src = join(dir, `climb-${++made}`)
  mkdirSync(src, { recursive: true })
  const out = `${'../'.repeat(16)}${secret.slice(1)}`
  writeFileSync(join(src, 'manifest.json'), JSON.stringify([{ Config: out, RepoTags: ['evil:1'], Layers: [out] }]))
  return tarOf(made === 1 ? 'climb.tar' : `climb-${made}.tar`, src)
}

/** A docker-archive whose config and layer are symlinks to the secret. */
function linking(): string {
  const src = join(dir, `link-${++made}`)
  mkdirSync(src, { recursive: true })
  symlinkSync(secret, join(src, 'config.json'))
  symlinkSync(secret, join(src, 'layer.tar'))
  writeFileSync(
    join(src, 'manifest.json'),
    JSON.stringify([{ Config: 'config.json', RepoTags: ['evil:2'], Layers: ['layer.tar'] }]),
  )
  return tarOf(`link-${made}.tar`, src)
}

/** An OCI layout (umoci) whose config blob is replaced by a symlink to the secret. */
function ociLinking(): string {
  const layout = umociImage(join(dir, `oci-${++made}`), 'app', { 'a.txt': 'a' })
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
  const manifest = JSON.parse(readFileSync(join(layout, blobPath(index.manifests[0].digest)), 'utf8'))
  const config = join(layout, blobPath(manifest.config.digest))
  execFileSync('rm', [config])
  symlinkSync(secret, config)
  return tarOf(`oci-link-${made}.tar`, layout)
}

function run(job: string): TargetRun {
  return {
    job: {
      id: 'j1',
      filePath: job,
      target: `docker://127.0.0.1:${port}/evil/app:1`,
      options: { insecure: true },
    } as never,
    store: { parts: () => [], startMultipart: () => undefined, partDone: () => undefined } as never,
    signal: new AbortController().signal,
    limiter: {} as never,
    retry: { attempts: 1, baseMs: 1, maxMs: 1 },
    credentials: { s3: async () => undefined },
    progress: () => undefined,
    log: () => undefined,
  }
}

describe('paths named in image metadata', () => {
  it('names what leaves the image', () => {
    expect(imagePathProblem('../../etc/passwd')).toBe('climbs out of the image')
    expect(imagePathProblem('a/../../b')).toBe('climbs out of the image')
    expect(imagePathProblem('/etc/passwd')).toBe('is absolute')
    expect(imagePathProblem('a\\..\\b')).toBe('holds a backslash')
    expect(imagePathProblem('a/./b/../c.tar')).toBeNull()
    expect(() => blobPath('sha256:../../x')).toThrow(/oci.invalid-layout/)
    expect(blobPath(`sha256:${'a'.repeat(64)}`)).toBe(`blobs/sha256/${'a'.repeat(64)}`)
  })

  it('the scan reports a climbing manifest.json as oci.invalid-layout naming the path', async () => {
    const r = await scanPackage(climbing(), { profile: 'swr-image' })
    const f = r.findings.filter((x) => x.rule === 'oci.invalid-layout')
    expect(f.map((x) => x.location)).toEqual(['climb.tar!manifest.json', 'climb.tar!manifest.json'])
    expect(f[0].message).toMatch(/Config names ".*outside\/secret\.json", which climbs out of the image/)
    expect(r.verdict).toBe('fail')
  })

  it.each([
    ['climbing paths', climbing, /oci\.invalid-layout: manifest\.json Config names .*climbs out of the image/],
    // node-tar refuses to extract a link to an absolute path: the tar is refused before anything is read
    ['symlinks', linking, /oci\.invalid-layout: .*link-\d+\.tar holds a link or path that leads out of the image/],
  ])('repack --no-scan refuses a docker-archive with %s and writes no bundle', (_what, make, message) => {
    const input = make()
    const out = join(dir, `bundle-${_what.replace(/\W/g, '')}.tar`)
    const r = spawnSync(process.execPath, [BIN, 'repack', input, '--output', out, '--no-scan', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, PREFLIGHT_HOME: join(dir, 'home') },
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([])
  })

  it.each([
    ['a climbing docker-archive', climbing],
    ['a linking docker-archive', linking],
    ['an OCI layout with a linking blob', ociLinking],
  ])('the registry push refuses %s before sending anything', async (_what, make) => {
    const before = requests
    await expect(registryTarget.run(run(make()))).rejects.toThrow(/oci\.invalid-layout/)
    expect(requests).toBe(before)
  })
})

describe('registry logins', () => {
  // a registry answering every request with a Bearer challenge whose realm is `realm(tokenPort)`; the token service
  // records the Authorization header it receives and refuses
  async function push(realmHost: string): Promise<{ error: string; tokenAuth: Array<string | null> }> {
    const tokenAuth: Array<string | null> = []
    const tokens = createServer((req, res) => {
      tokenAuth.push(req.headers.authorization ?? null)
      res.writeHead(401).end()
    })
    await new Promise<void>((r) => tokens.listen(0, '127.0.0.1', r))
    const tokenPort = (tokens.address() as AddressInfo).port
    const registry = createServer((_req, res) => {
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${realmHost}:${tokenPort}/token",service="registry"`,
        })
        .end()
    })
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r))
    const regPort = (registry.address() as AddressInfo).port
    const layout = umociImage(join(dir, `login-${++made}`), 'app', { 'a.txt': 'a' })
    const image = tarOf(`login-${made}.tar`, layout)
    const r = run(image)
    r.job = { ...r.job, target: `docker://127.0.0.1:${regPort}/team/app:1` } as never
    r.credentials = { s3: async () => undefined, registry: async () => ({ username: 'seller', password: 's3cret' }) }
    const error = await registryTarget.run(r).then(
      () => 'pushed',
      (e: Error) => e.message,
    )
    await new Promise<void>((res) => registry.close(() => tokens.close(() => res())))
    return { error, tokenAuth }
  }

  it('sends the password to a token service on the registry host only', async () => {
    const same = await push('127.0.0.1')
    expect(same.tokenAuth).toEqual([`Basic ${Buffer.from('seller:s3cret').toString('base64')}`])
    const other = await push('localhost')
    expect(other.tokenAuth).toEqual([null])
    expect(other.error).toMatch(
      /sends logins to http:\/\/localhost:\d+, another host than the registry: Preflight does not send your password there/,
    )
  })
})
