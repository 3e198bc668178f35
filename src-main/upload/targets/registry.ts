// OCI registry push (distribution API v2) of an OCI archive or docker-archive tar: each blob is skipped when
// the registry already has it (HEAD), otherwise uploaded in chunks through an upload session whose Range is
// asked again after a failure, and recorded in the checkpoint when committed; then the manifest is PUT and the
// pull address returned. A docker-archive is described by an OCI manifest computed from its config and layers.
// Registries that want a login answer 401 with a challenge: Basic gets the user and password, Bearer (the
// token flow of Docker Hub, SWR, Harbor) gets a token from the realm for the push scope, sending the password only
// to a realm on the registry's own host and never over http from an https registry; a refusal then stops the job
// as needing credentials.
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { x as extract } from 'tar'
import { PreflightError } from '../../../src-preload/errors'
import { blobPath, extractionError, resolveInImage } from '../../containers/image-paths'
import { dockerManifest, imageIndex, imageManifest, MT } from '../../containers/schemas'
import { sha256File } from '../../walk/hash'
import { throwIfCancelled } from '../../tasks/cancel'
import { sleep, withRetry } from '../retry'
import { parseTarget, type TargetRun, type UploadTarget } from '../target'

const CHUNK = 8 * 1024 * 1024

interface Blob {
  digest: string
  size: number
  file: string
}

async function digestOf(file: string): Promise<{ digest: string; size: number }> {
  const { size } = await stat(file)
  return { digest: `sha256:${await sha256File(file, size)}`, size }
}

const noLogin = () =>
  new PreflightError('forbidden', 'The registry wants a login and none is saved: add the registry in Settings → Storage credentials (CLI: PREFLIGHT_REGISTRY_USERNAME/PASSWORD or docker login).')

/** fetch with the registry's login: answers a 401 challenge once per request (Basic, or a Bearer token). */
class RegistryAuth {
  private authorization: string | null = null

  constructor(private readonly r: TargetRun, private readonly repository: string, private readonly origin: string) {}

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const send = () => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...(this.authorization ? { authorization: this.authorization } : {}) } })
    const res = await send()
    if (res.status !== 401) return res
    const challenge = res.headers.get('www-authenticate') ?? ''
    await res.body?.cancel()
    await this.login(challenge)
    const again = await send()
    if (again.status === 401) throw new HttpError(401, `The registry refused the login (${challenge.split(' ')[0] || 'no challenge'}): check the user name and password (or SWR login key).`)
    return again
  }

  private async login(challenge: string): Promise<void> {
    const creds = await this.r.credentials.registry?.(this.r.job)
    const scheme = challenge.split(' ')[0].toLowerCase()
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : null
    if (scheme === 'basic') {
      if (!basic) throw noLogin()
      this.authorization = basic
      return
    }
    if (scheme !== 'bearer') throw new HttpError(401, `The registry answered 401 with an unknown challenge "${challenge.slice(0, 100)}".`)
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]))
    if (!params.realm) throw new HttpError(401, 'The registry\'s Bearer challenge names no realm to get a token from.')
    let tokenUrl: URL
    try {
      tokenUrl = new URL(params.realm)
    } catch {
      throw new HttpError(401, `The registry's Bearer challenge names a realm that is not a URL: "${params.realm.slice(0, 100)}".`)
    }
    if (params.service) tokenUrl.searchParams.set('service', params.service)
    tokenUrl.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull,push`)
    // the password goes only to the registry's own host, and never over plain http when the registry is https
    const registry = new URL(this.origin)
    const sameHost = tokenUrl.hostname === registry.hostname
    const downgrade = tokenUrl.protocol !== 'https:' && registry.protocol === 'https:'
    const mayLogin = sameHost && !downgrade && (tokenUrl.protocol === 'https:' || tokenUrl.protocol === 'http:')
    if (basic && !mayLogin) this.r.log(`The token service ${tokenUrl.origin} is ${sameHost ? 'plain http' : 'on another host than the registry'}: asking it for a token without the password.`)
    const res = await fetch(tokenUrl, { headers: basic && mayLogin ? { authorization: basic } : {}, signal: this.r.signal, redirect: 'error' })
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel()
      if (basic && !mayLogin)
        throw new HttpError(401, `The registry sends logins to ${tokenUrl.origin}, ${sameHost ? 'over plain http' : 'another host than the registry'}: Preflight does not send your password there. Use the registry's own https token service, or push with the registry's tools.`)
      if (!basic) throw noLogin()
      throw new HttpError(401, `The registry's token service refused the login (${res.status}): check the user name and password (or SWR login key).`)
    }
    if (!res.ok) throw new HttpError(res.status, `The registry's token service answered ${res.status}.`)
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw new HttpError(502, 'The registry\'s token service answered without a token.')
    this.authorization = `Bearer ${token}`
  }
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
  get $metadata() {
    return { httpStatusCode: this.status }
  }
}

/** The image's blobs and its manifest, from an extracted OCI layout or docker-archive. */
async function describe(dir: string): Promise<{ blobs: Blob[]; manifest: Buffer; mediaType: string }> {
  const has = (p: string) => stat(join(dir, p)).then(() => true, () => false)
  // every path the image's metadata names is resolved inside the image (containers/image-paths.ts) before it is read
  const json = async (name: string, what: string) => {
    const file = await resolveInImage(dir, name, what)
    try {
      return JSON.parse(await readFile(file, 'utf8')) as unknown
    } catch (err) {
      throw new PreflightError('invalid-input', `oci.invalid-layout: ${what} is not valid JSON (${(err as Error).message.split('\n')[0]})`)
    }
  }
  const valid = <T>(parsed: { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } }, what: string): T => {
    if (parsed.success) return parsed.data
    throw new PreflightError('invalid-input', `oci.invalid-layout: ${what} is not valid: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')}`)
  }
  if ((await has('oci-layout')) && (await has('index.json'))) {
    const idx = valid(imageIndex.safeParse(await json('index.json', 'index.json')), 'index.json')
    const d = idx.manifests.find((m) => m.mediaType === MT.ociManifest || m.mediaType === MT.dockerManifest)
    if (!d) throw new PreflightError('invalid-input', 'The OCI layout holds no image manifest to push')
    const manifestFile = await resolveInImage(dir, blobPath(d.digest), `index.json manifest ${d.digest}`)
    const manifest = await readFile(manifestFile)
    const m = valid(imageManifest.safeParse(JSON.parse(manifest.toString('utf8'))), `manifest ${d.digest}`)
    const blobs: Blob[] = []
    for (const b of [m.config, ...m.layers]) blobs.push({ digest: b.digest, size: b.size, file: await resolveInImage(dir, blobPath(b.digest), `blob ${b.digest}`) })
    return { manifest, mediaType: d.mediaType, blobs }
  }
  if (await has('manifest.json')) {
    const [m] = valid(dockerManifest.safeParse(await json('manifest.json', 'manifest.json')), 'manifest.json')
    const cfgFile = await resolveInImage(dir, m.Config, 'manifest.json Config')
    const cfg = await digestOf(cfgFile)
    const layers: Blob[] = []
    for (const [i, l] of m.Layers.entries()) {
      const file = await resolveInImage(dir, l, `manifest.json Layers[${i}]`)
      layers.push({ ...(await digestOf(file)), file })
    }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: cfg.digest, size: cfg.size }, layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size })) }))
    return { manifest, mediaType: MT.ociManifest, blobs: [{ ...cfg, file: cfgFile }, ...layers] }
  }
  throw new PreflightError('invalid-input', 'Not an image tar: no oci-layout/index.json and no manifest.json')
}

export const registryTarget: UploadTarget = {
  async run(r: TargetRun): Promise<string> {
    const t = parseTarget(r.job.target)
    if (t.kind !== 'registry') throw new PreflightError('invalid-input', `not a registry target: ${r.job.target}`)
    const base = `${r.job.options.insecure ? 'http' : 'https'}://${t.registry}/v2/${t.repository}`
    const auth = new RegistryAuth(r, t.repository, `${r.job.options.insecure ? 'http' : 'https'}://${t.registry}`)
    const dir = await mkdtemp(join(tmpdir(), 'preflight-push-'))
    try {
      await extract({ file: r.job.filePath, cwd: dir, strict: true, preservePaths: false }).catch((err: unknown) => {
        throw extractionError(r.job.filePath, err)
      })
      const { blobs, manifest, mediaType } = await describe(dir)
      const total = blobs.reduce((n, b) => n + b.size, 0) + manifest.length
      const done = new Map(r.store.parts(r.job.id).filter((p) => p.state === 'done').map((p) => [p.etag, p]))
      if (!r.job.uploadId) r.store.startMultipart(r.job.id, 'registry', CHUNK, blobs.map((b, i) => ({ partNumber: i + 1, offset: 0, size: b.size })))
      let sent = 0
      for (const [i, b] of blobs.entries()) {
        throwIfCancelled(r.signal)
        if (done.has(b.digest)) {
          sent += b.size
          continue
        }
        const head = await withRetry('HEAD blob', () => auth.fetch(`${base}/blobs/${b.digest}`, { method: 'HEAD', signal: r.signal }), { signal: r.signal, policy: r.retry })
        if (head.status !== 200) await pushBlob(auth, base, b, r, (n) => r.progress(sent + n))
        sent += b.size
        r.store.partDone(r.job.id, i + 1, b.digest, b.digest)
        r.progress(sent)
      }
      const put = await withRetry('PUT manifest', async () => {
        const res = await auth.fetch(`${base}/manifests/${t.tag}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: new Uint8Array(manifest), signal: r.signal })
        if (res.status >= 500) throw new HttpError(res.status, `manifest PUT answered ${res.status}`)
        return res
      }, { signal: r.signal, policy: r.retry })
      if (put.status !== 201) throw new HttpError(put.status, `The registry refused the manifest: ${put.status} ${(await put.text()).slice(0, 200)}`)
      r.progress(total)
      return `${t.registry}/${t.repository}:${t.tag}`
    } finally {
      // an extraction that failed may still be finishing writes: retried rather than failing over the real error
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
    }
  },
}

/** One blob through an upload session: PATCH chunks (resuming from the session's Range after a failure), then PUT. */
async function pushBlob(auth: RegistryAuth, base: string, b: Blob, r: TargetRun, progress: (n: number) => void): Promise<void> {
  const start = await withRetry('start upload', async () => {
    const res = await auth.fetch(`${base}/blobs/uploads/`, { method: 'POST', signal: r.signal })
    if (res.status >= 500) throw new HttpError(res.status, `upload start answered ${res.status}`)
    if (res.status !== 202) throw new HttpError(res.status, `The registry refused the upload: ${res.status} ${(await res.text()).slice(0, 200)}`)
    return res
  }, { signal: r.signal, policy: r.retry })
  let location = new URL(start.headers.get('location')!, base).toString()
  const fh = await open(b.file, 'r')
  try {
    let offset = 0
    let failures = 0
    while (offset < b.size) {
      throwIfCancelled(r.signal)
      const len = Math.min(CHUNK, b.size - offset)
      const buf = Buffer.alloc(len)
      await fh.read(buf, 0, len, offset)
      await r.limiter.take(len, r.signal)
      let res: Response | null = null
      try {
        res = await auth.fetch(location, { method: 'PATCH', headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + len - 1}`, 'content-length': String(len) }, body: buf, signal: r.signal })
      } catch (err) {
        // a refused login is final; anything else is a broken connection to recover from
        if (r.signal.aborted || err instanceof HttpError || err instanceof PreflightError) throw err
        res = null
      }
      if (res && res.status === 202) {
        location = new URL(res.headers.get('location') ?? location, base).toString()
        offset += len
        failures = 0
        progress(offset)
        continue
      }
      if (res && res.status < 500 && res.status !== 416) throw new HttpError(res.status, `The registry refused a chunk: ${res.status}`)
      // a broken connection, a 5xx or a range mismatch: back off, ask the session how much it holds, go on from there
      if (++failures > r.retry.attempts) throw new HttpError(res?.status ?? 503, `Pushing ${b.digest} kept failing`)
      await sleep(Math.random() * Math.min(r.retry.maxMs, r.retry.baseMs * 2 ** failures), r.signal)
      const st = await auth.fetch(location, { method: 'GET', signal: r.signal }).catch(() => null)
      const range = st?.headers.get('range')
      if (st?.status === 204) offset = range ? Number(range.split('-')[1]) + 1 : 0
    }
  } finally {
    await fh.close()
  }
  const sep = location.includes('?') ? '&' : '?'
  const fin = await withRetry('finish upload', () => auth.fetch(`${location}${sep}digest=${encodeURIComponent(b.digest)}`, { method: 'PUT', signal: r.signal }), { signal: r.signal, policy: r.retry })
  if (fin.status !== 201) throw new HttpError(fin.status, `The registry did not accept blob ${b.digest}: ${fin.status} ${(await fin.text()).slice(0, 200)}`)
}
