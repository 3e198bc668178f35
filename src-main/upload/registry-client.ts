// The one OCI distribution API v2 client that push (targets/registry.ts) and sync (sync.ts) share: the login,
// blob HEAD, blob upload through an upload session in chunks (from a file, or streamed from another registry
// with its digest verified on the way), cross-repository mount, and manifest GET/HEAD/PUT.
// Registries that want a login answer 401 with a challenge: Basic gets the user and password, Bearer (the
// token flow of Docker Hub, SWR, Harbor) gets a token from the realm for the scope, sending the password only
// to a realm on the registry's own host and never over http from an https registry.
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { PreflightError } from '../../src-preload/errors'
import { bi, WordedError, type Bilingual } from '../../src-preload/text'
import { MT } from '../containers/schemas'
import { throwIfCancelled } from '../tasks/cancel'
import type { BandwidthLimiter } from './limiter'
import { sleep, withRetry, type RetryPolicy } from './retry'
import type { RegistryCredentials, TargetRun } from './target'
import type { UploadJob } from './store'

export const CHUNK = 8 * 1024 * 1024
/** Registries refuse manifests over 4 MiB; a larger answer is not a manifest. */
const MANIFEST_MAX = 4 * 1024 * 1024
export const MANIFEST_TYPES = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest] as const
const ACCEPT = MANIFEST_TYPES.join(', ')

/** A registry's answer that ends the operation; its sentence in English (message) and Chinese (messageZh). */
export class HttpError extends WordedError {
  constructor(
    readonly status: number,
    message: string | Bilingual,
  ) {
    super(message)
  }
  get $metadata() {
    return { httpStatusCode: this.status }
  }
}

const noLogin = () =>
  new PreflightError(
    'forbidden',
    bi(
      'The registry wants a login and none is saved: add the registry in Settings → Storage credentials (CLI: PREFLIGHT_REGISTRY_USERNAME/PASSWORD or docker login).',
      '镜像仓库需要登录，但没有保存登录信息：请在“设置 → 存储凭据”中添加该仓库（CLI：PREFLIGHT_REGISTRY_USERNAME/PASSWORD 或 docker login）。',
    ),
  )

/** Where a client talks to: `registry` is host[:port], `repository` the path (org/name). */
export interface RegistryEndpoint {
  registry: string
  repository: string
  insecure?: boolean
}

/** What a client needs from the job that runs it. */
export interface RegistrySession {
  credentials(): Promise<RegistryCredentials | undefined>
  signal: AbortSignal
  retry: RetryPolicy
  log(message: string): void
}

/** The bytes of one blob for an upload session: a file reads anywhere; a stream only from its current chunk on. */
export interface ChunkSource {
  /** Up to `max` bytes from `offset` (at least one unless the blob is all read). */
  read(offset: number, max: number): Promise<Buffer>
  /** Every byte was read: throws unless they are the blob the digest names (before the upload is committed). */
  finish(): Promise<void>
  close(): Promise<void>
}

export interface Manifest {
  body: Buffer
  mediaType: string
  digest: string
}

export const sha256Digest = (bytes: Buffer | Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** fetch's bare "fetch failed" names its reason (the cause's code is kept: a refused connection is a network loss). */
function unreachable(registry: string, err: unknown): unknown {
  const cause = (err as { cause?: { message?: string; code?: string } })?.cause
  if (!(err instanceof TypeError) || !cause?.message) return err
  const code = cause.code && !cause.message.includes(cause.code) ? ` (${cause.code})` : ''
  return Object.assign(
    new Error(`Cannot reach ${registry}: ${cause.message}${code}. Check the address and your network.`, { cause }),
    {
      code: cause.code,
      messageZh: `无法连接 ${registry}：${cause.message}${code}。请检查地址和网络连接。`,
    },
  )
}

export class RegistryClient {
  readonly origin: string
  readonly base: string
  private authorization: string | null = null

  /** `pullFrom`: other repositories this client may mount blobs from (asked for in the token's scope). */
  constructor(
    readonly endpoint: RegistryEndpoint,
    private readonly session: RegistrySession,
    private readonly access: 'pull' | 'pull,push',
    private readonly pullFrom: string[] = [],
  ) {
    this.origin = `${endpoint.insecure ? 'http' : 'https'}://${endpoint.registry}`
    this.base = `${this.origin}/v2/${endpoint.repository}`
  }

  get reference(): string {
    return `${this.endpoint.registry}/${this.endpoint.repository}`
  }

  /** fetch with the registry's login: answers a 401 challenge once per request (Basic, or a Bearer token). */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const send = () =>
      fetch(url, {
        ...init,
        signal: init.signal ?? this.session.signal,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
      }).catch((err: unknown) => {
        throw unreachable(this.endpoint.registry, err)
      })
    const res = await send()
    if (res.status !== 401) return res
    const challenge = res.headers.get('www-authenticate') ?? ''
    await res.body?.cancel()
    await this.login(challenge)
    const again = await send()
    if (again.status === 401)
      throw new HttpError(
        401,
        bi(
          `The registry ${this.endpoint.registry} refused the login (${challenge.split(' ')[0] || 'no challenge'}): check the user name and password (or SWR login key).`,
          `镜像仓库 ${this.endpoint.registry} 拒绝了登录（${challenge.split(' ')[0] || '无认证质询'}）：请检查用户名和密码（或 SWR 登录密钥）。`,
        ),
      )
    return again
  }

  private async login(challenge: string): Promise<void> {
    const creds = await this.session.credentials()
    const scheme = challenge.split(' ')[0].toLowerCase()
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : null
    if (scheme === 'basic') {
      if (!basic) throw noLogin()
      this.authorization = basic
      return
    }
    if (scheme !== 'bearer')
      throw new HttpError(
        401,
        bi(
          `The registry answered 401 with an unknown challenge "${challenge.slice(0, 100)}": push with the registry's own tools.`,
          `镜像仓库返回 401，认证质询“${challenge.slice(0, 100)}”无法识别：请使用该仓库自己的工具推送。`,
        ),
      )
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]),
    )
    if (!params.realm)
      throw new HttpError(
        401,
        bi(
          "The registry's Bearer challenge names no realm to get a token from: push with the registry's own tools.",
          '镜像仓库的 Bearer 认证质询未指明获取令牌的 realm：请使用该仓库自己的工具推送。',
        ),
      )
    let tokenUrl: URL
    try {
      tokenUrl = new URL(params.realm)
    } catch {
      throw new HttpError(
        401,
        bi(
          `The registry's Bearer challenge names a realm that is not a URL: "${params.realm.slice(0, 100)}". Push with the registry's own tools.`,
          `镜像仓库的 Bearer 认证质询指明的 realm 不是 URL：“${params.realm.slice(0, 100)}”。请使用该仓库自己的工具推送。`,
        ),
      )
    }
    if (params.service) tokenUrl.searchParams.set('service', params.service)
    tokenUrl.searchParams.set('scope', params.scope ?? `repository:${this.endpoint.repository}:${this.access}`)
    for (const from of this.pullFrom) tokenUrl.searchParams.append('scope', `repository:${from}:pull`)
    // the password goes only to the registry's own host, and never over plain http when the registry is https
    const registry = new URL(this.origin)
    const sameHost = tokenUrl.hostname === registry.hostname
    const downgrade = tokenUrl.protocol !== 'https:' && registry.protocol === 'https:'
    const mayLogin = sameHost && !downgrade && (tokenUrl.protocol === 'https:' || tokenUrl.protocol === 'http:')
    if (basic && !mayLogin)
      this.session.log(
        `The token service ${tokenUrl.origin} is ${sameHost ? 'plain http' : 'on another host than the registry'}: asking it for a token without the password.`,
      )
    const res = await fetch(tokenUrl, {
      headers: basic && mayLogin ? { authorization: basic } : {},
      signal: this.session.signal,
      redirect: 'error',
    })
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel()
      if (basic && !mayLogin)
        throw new HttpError(
          401,
          bi(
            `The registry sends logins to ${tokenUrl.origin}, ${sameHost ? 'over plain http' : 'another host than the registry'}: Preflight does not send your password there. Use the registry's own https token service, or push with the registry's tools.`,
            `镜像仓库将登录发往 ${tokenUrl.origin}（${sameHost ? '使用明文 http' : '不是该仓库的主机'}）：Preflight 不会把密码发送到那里。请使用该仓库自己的 https 令牌服务，或用该仓库的工具推送。`,
          ),
        )
      if (!basic) throw noLogin()
      throw new HttpError(
        401,
        bi(
          `The registry's token service refused the login (${res.status}): check the user name and password (or SWR login key).`,
          `镜像仓库的令牌服务拒绝了登录（${res.status}）：请检查用户名和密码（或 SWR 登录密钥）。`,
        ),
      )
    }
    if (!res.ok)
      throw new HttpError(
        res.status,
        bi(
          `The registry's token service answered ${res.status}: try again later, or check the registry's status.`,
          `镜像仓库的令牌服务返回 ${res.status}：请稍后重试，或检查该仓库的服务状态。`,
        ),
      )
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token)
      throw new HttpError(
        502,
        bi(
          "The registry's token service answered without a token: try again later, or check the registry's status.",
          '镜像仓库的令牌服务未返回令牌：请稍后重试，或检查该仓库的服务状态。',
        ),
      )
    this.authorization = `Bearer ${token}`
  }

  private retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, fn, { signal: this.session.signal, policy: this.session.retry })
  }

  /** Does the repository hold this blob (HEAD)? */
  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.retrying('HEAD blob', async () => {
      const r = await this.fetch(`${this.base}/blobs/${digest}`, { method: 'HEAD' })
      if (r.status >= 500) throw new HttpError(r.status, `blob HEAD answered ${r.status}`)
      return r
    })
    return res.status === 200
  }

  /** A blob's bytes as a stream (the registry may redirect to its storage). */
  async getBlob(digest: string): Promise<Response> {
    return this.retrying('GET blob', async () => {
      const res = await this.fetch(`${this.base}/blobs/${digest}`, { method: 'GET' })
      if (res.ok) return res
      await res.body?.cancel()
      throw new HttpError(
        res.status,
        bi(
          `${this.reference} answered ${res.status} for blob ${digest}${res.status === 404 ? ': the image names a blob its registry does not hold' : ''}.`,
          `${this.reference} 对 blob ${digest} 返回 ${res.status}${res.status === 404 ? '：镜像引用了仓库中不存在的 blob' : ''}。`,
        ),
      )
    })
  }

  /** The manifest (or index) a tag or digest names, its bytes as the registry holds them; null when there is none. */
  async getManifest(reference: string): Promise<Manifest | null> {
    const res = await this.retrying('GET manifest', async () => {
      const r = await this.fetch(`${this.base}/manifests/${reference}`, { headers: { accept: ACCEPT } })
      if (r.status >= 500) throw new HttpError(r.status, `manifest GET answered ${r.status}`)
      return r
    })
    if (res.status === 404) {
      await res.body?.cancel()
      return null
    }
    if (!res.ok)
      throw new HttpError(
        res.status,
        bi(
          `${this.reference} answered ${res.status} for manifest ${reference}: ${(await res.text()).slice(0, 200)}`,
          `${this.reference} 对清单 ${reference} 返回 ${res.status}：请检查仓库名、标签和访问权限。`,
        ),
      )
    const length = Number(res.headers.get('content-length') ?? 0)
    if (length > MANIFEST_MAX) {
      await res.body?.cancel()
      throw new PreflightError(
        'invalid-input',
        bi(
          `${this.reference}:${reference} answered a manifest of ${length} bytes, over the 4 MiB registries allow.`,
          `${this.reference}:${reference} 返回的清单有 ${length} 字节，超过镜像仓库允许的 4 MiB。`,
        ),
      )
    }
    const body = Buffer.from(await res.arrayBuffer())
    if (body.length > MANIFEST_MAX)
      throw new PreflightError(
        'invalid-input',
        bi(
          `${this.reference}:${reference} answered a manifest of ${body.length} bytes, over the 4 MiB registries allow.`,
          `${this.reference}:${reference} 返回的清单有 ${body.length} 字节，超过镜像仓库允许的 4 MiB。`,
        ),
      )
    const digest = sha256Digest(body)
    const named = reference.startsWith('sha256:') ? reference : res.headers.get('docker-content-digest')
    if (named?.startsWith('sha256:') && named !== digest)
      throw new PreflightError(
        'invalid-input',
        bi(
          `${this.reference}:${reference} answered a manifest whose sha256 is ${digest}, not ${named}: it was changed on the way or by the registry.`,
          `${this.reference}:${reference} 返回的清单 sha256 为 ${digest}，而不是 ${named}：它在传输中或被镜像仓库改动了。`,
        ),
      )
    let mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim()
    if (!(MANIFEST_TYPES as readonly string[]).includes(mediaType)) {
      try {
        mediaType = String((JSON.parse(body.toString('utf8')) as { mediaType?: unknown }).mediaType ?? '')
      } catch {
        mediaType = ''
      }
    }
    if (!(MANIFEST_TYPES as readonly string[]).includes(mediaType))
      throw new PreflightError(
        'invalid-input',
        bi(
          `${this.reference}:${reference} is not an OCI or Docker v2 image manifest or index (media type "${mediaType.slice(0, 100)}"); schema 1 images cannot be synced.`,
          `${this.reference}:${reference} 不是 OCI 或 Docker v2 镜像清单或索引（媒体类型“${mediaType.slice(0, 100)}”）；schema 1 镜像无法同步。`,
        ),
      )
    return { body, mediaType, digest }
  }

  /** The digest of the manifest a tag names (HEAD; GET when the registry names no digest); null when there is none. */
  async manifestDigest(reference: string): Promise<string | null> {
    const res = await this.retrying('HEAD manifest', async () => {
      const r = await this.fetch(`${this.base}/manifests/${reference}`, { method: 'HEAD', headers: { accept: ACCEPT } })
      if (r.status >= 500) throw new HttpError(r.status, `manifest HEAD answered ${r.status}`)
      return r
    })
    if (res.status === 404) return null
    if (res.status !== 200)
      throw new HttpError(
        res.status,
        bi(
          `${this.reference} answered ${res.status} for manifest ${reference}: check the repository, the tag and your access.`,
          `${this.reference} 对清单 ${reference} 返回 ${res.status}：请检查仓库名、标签和访问权限。`,
        ),
      )
    return res.headers.get('docker-content-digest') ?? (await this.getManifest(reference))?.digest ?? null
  }

  async putManifest(reference: string, body: Buffer, mediaType: string): Promise<void> {
    const put = await this.retrying('PUT manifest', async () => {
      const res = await this.fetch(`${this.base}/manifests/${reference}`, {
        method: 'PUT',
        headers: { 'content-type': mediaType },
        body: new Uint8Array(body),
      })
      if (res.status >= 500) throw new HttpError(res.status, `manifest PUT answered ${res.status}`)
      return res
    })
    if (put.status !== 201)
      throw new HttpError(
        put.status,
        bi(
          `${this.reference} refused the manifest ${reference}: ${put.status} ${(await put.text()).slice(0, 200)}`,
          `${this.reference} 拒绝了清单 ${reference}（${put.status}）：请检查推送权限和标签是否被保护。`,
        ),
      )
  }

  /**
   * One blob through an upload session: PATCH chunks (resuming from the session's Range after a failure), then PUT.
   * `mountFrom`: a repository of the same registry holding the blob, mounted instead of sent when the registry can.
   */
  async pushBlob(
    blob: { digest: string; size: number },
    source: () => Promise<ChunkSource>,
    opts: { limiter: BandwidthLimiter; progress(bytes: number): void; mountFrom?: string },
  ): Promise<'mounted' | 'sent'> {
    const query = opts.mountFrom
      ? `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(opts.mountFrom)}`
      : ''
    const start = await this.retrying('start upload', async () => {
      const res = await this.fetch(`${this.base}/blobs/uploads/${query}`, { method: 'POST' })
      if (res.status >= 500) throw new HttpError(res.status, `upload start answered ${res.status}`)
      if (res.status !== 202 && !(opts.mountFrom && res.status === 201))
        throw new HttpError(
          res.status,
          bi(
            `The registry refused the upload: ${res.status} ${(await res.text()).slice(0, 200)}`,
            `镜像仓库拒绝了上传（${res.status}）：请检查推送权限和仓库配额。`,
          ),
        )
      await res.body?.cancel()
      return res
    })
    if (start.status === 201) return 'mounted'
    let location = new URL(start.headers.get('location')!, this.base).toString()
    const signal = this.session.signal
    const bytes = await source()
    try {
      let offset = 0
      let failures = 0
      while (offset < blob.size) {
        throwIfCancelled(signal)
        const buf = await bytes.read(offset, Math.min(CHUNK, blob.size - offset))
        const len = buf.length
        await opts.limiter.take(len, signal)
        let res: Response | null = null
        try {
          res = await this.fetch(location, {
            method: 'PATCH',
            headers: {
              'content-type': 'application/octet-stream',
              'content-range': `${offset}-${offset + len - 1}`,
              'content-length': String(len),
            },
            body: buf as Uint8Array<ArrayBuffer>,
          })
        } catch (err) {
          // a refused login is final; anything else is a broken connection to recover from
          if (signal.aborted || err instanceof HttpError || err instanceof PreflightError) throw err
          res = null
        }
        if (res) await res.body?.cancel()
        if (res && res.status === 202) {
          location = new URL(res.headers.get('location') ?? location, this.base).toString()
          offset += len
          failures = 0
          opts.progress(offset)
          continue
        }
        if (res && res.status < 500 && res.status !== 416)
          throw new HttpError(
            res.status,
            bi(
              `The registry refused a chunk: ${res.status}. Resume the upload; if it fails again, check the registry's quota.`,
              `镜像仓库拒绝了一个数据块（${res.status}）。请继续上传；如仍失败，请检查仓库配额。`,
            ),
          )
        // a broken connection, a 5xx or a range mismatch: back off, ask the session how much it holds, go on from there
        if (++failures > this.session.retry.attempts)
          throw new HttpError(
            res?.status ?? 503,
            bi(
              `Pushing ${blob.digest} kept failing: resume the upload later.`,
              `推送 ${blob.digest} 多次失败：请稍后继续上传。`,
            ),
          )
        await sleep(
          Math.random() * Math.min(this.session.retry.maxMs, this.session.retry.baseMs * 2 ** failures),
          signal,
        )
        const st = await this.fetch(location, { method: 'GET' }).catch(() => null)
        await st?.body?.cancel()
        const range = st?.headers.get('range')
        if (st?.status === 204) offset = range ? Number(range.split('-')[1]) + 1 : 0
      }
      // a streamed blob is checked against its digest before the registry is asked to commit it
      await bytes.finish()
    } catch (err) {
      await this.fetch(location, { method: 'DELETE', signal: AbortSignal.timeout(5000) }).then(
        (r) => r.body?.cancel(),
        () => undefined,
      )
      throw err
    } finally {
      await bytes.close()
    }
    const sep = location.includes('?') ? '&' : '?'
    const fin = await this.retrying('finish upload', () =>
      this.fetch(`${location}${sep}digest=${encodeURIComponent(blob.digest)}`, { method: 'PUT' }),
    )
    if (fin.status !== 201)
      throw new HttpError(
        fin.status,
        bi(
          `The registry did not accept blob ${blob.digest}: ${fin.status} ${(await fin.text()).slice(0, 200)}`,
          `镜像仓库未接受 blob ${blob.digest}（${fin.status}）：请继续上传；如仍失败，请检查仓库配额。`,
        ),
      )
    await fin.body?.cancel()
    return 'sent'
  }
}

/** The registry client of a queue job: its login from the job's credentials (`job`: whose login, default the target's). */
export function jobClient(
  r: TargetRun,
  endpoint: RegistryEndpoint,
  access: 'pull' | 'pull,push',
  pullFrom: string[] = [],
  job: UploadJob = r.job,
): RegistryClient {
  return new RegistryClient(
    endpoint,
    { credentials: async () => r.credentials.registry?.(job), signal: r.signal, retry: r.retry, log: r.log },
    access,
    pullFrom,
  )
}

/** A blob in a local file (its digest was taken when the image was described; the registry checks it again). */
export async function fileChunks(file: string): Promise<ChunkSource> {
  const fh = await open(file, 'r')
  return {
    async read(offset, max) {
      const buf = Buffer.alloc(max)
      const { bytesRead } = await fh.read(buf, 0, max, offset)
      if (bytesRead === 0)
        throw new PreflightError(
          'unreadable',
          bi(
            `${file} ended at ${offset} bytes: it changed while it was pushed. Queue it again.`,
            `${file} 在 ${offset} 字节处结束：推送期间文件被改动。请重新加入队列。`,
          ),
        )
      return buf.subarray(0, bytesRead)
    },
    finish: async () => undefined,
    close: () => fh.close(),
  }
}

/**
 * A blob streamed from another registry: one chunk in memory at a time (a failed PATCH is sent again from it),
 * hashed on the way; finish() refuses bytes whose sha256 or size is not the one the manifest names. A source silent
 * for `idleMs` is given up as a lost connection.
 */
export function streamChunks(
  body: ReadableStream<Uint8Array> | null,
  blob: { digest: string; size: number },
  from: string,
  idleMs = 120_000,
): ChunkSource {
  if (!blob.digest.startsWith('sha256:'))
    throw new PreflightError(
      'invalid-input',
      bi(
        `${from} names blob ${blob.digest.slice(0, 80)}: only sha256 digests can be verified.`,
        `${from} 引用了 blob ${blob.digest.slice(0, 80)}：只能校验 sha256 摘要。`,
      ),
    )
  const reader = (body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() })).getReader()
  /** A source that stops sending without closing is a lost connection (the job waits for the network). */
  const read = async () => {
    let timer: NodeJS.Timeout | undefined
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            Object.assign(new Error(`${from} sent nothing of blob ${blob.digest} for ${Math.round(idleMs / 1000)} s`), {
              code: 'ETIMEDOUT',
            }),
          ),
        idleMs,
      )
    })
    try {
      return await Promise.race([reader.read(), stalled])
    } finally {
      clearTimeout(timer)
    }
  }
  const hash = createHash('sha256')
  let chunk = Buffer.alloc(0)
  let chunkStart = 0
  let pending: Uint8Array | null = null
  let received = 0
  const next = async (): Promise<Uint8Array | null> => {
    if (pending) {
      const p = pending
      pending = null
      return p
    }
    const { value, done } = await read()
    if (done) return null
    received += value.length
    if (received > blob.size)
      throw new PreflightError(
        'invalid-input',
        bi(
          `${from} sent more than the ${blob.size} bytes blob ${blob.digest} has: not the blob the manifest names.`,
          `${from} 发送的数据超过 blob ${blob.digest} 的 ${blob.size} 字节：不是清单所指的 blob。`,
        ),
      )
    return value
  }
  return {
    async read(offset, max) {
      const chunkEnd = chunkStart + chunk.length
      if (offset >= chunkStart && offset < chunkEnd) return chunk.subarray(offset - chunkStart)
      if (offset !== chunkEnd)
        throw new HttpError(
          503,
          bi(
            `The registry lost part of blob ${blob.digest} already sent: it is sent again from its start.`,
            `镜像仓库丢失了 blob ${blob.digest} 已发送的部分：将从头重新发送。`,
          ),
        )
      const buf = Buffer.alloc(max)
      let filled = 0
      while (filled < max) {
        const part = await next()
        if (!part)
          throw new PreflightError(
            'invalid-input',
            bi(
              `${from} ended blob ${blob.digest} at ${chunkEnd + filled} of its ${blob.size} bytes.`,
              `${from} 发送的 blob ${blob.digest} 在 ${chunkEnd + filled} 字节处中断（共 ${blob.size} 字节）。`,
            ),
          )
        const take = Math.min(part.length, max - filled)
        buf.set(part.subarray(0, take), filled)
        filled += take
        if (take < part.length) pending = part.subarray(take)
      }
      hash.update(buf)
      chunk = buf
      chunkStart = offset
      return buf
    },
    async finish() {
      if (chunkStart + chunk.length !== blob.size || (await next()) !== null)
        throw new PreflightError(
          'invalid-input',
          bi(
            `${from} sent blob ${blob.digest} with a size other than the ${blob.size} bytes the manifest names.`,
            `${from} 发送的 blob ${blob.digest} 大小与清单所写的 ${blob.size} 字节不符。`,
          ),
        )
      const got = `sha256:${hash.digest('hex')}`
      if (got !== blob.digest)
        throw new PreflightError(
          'invalid-input',
          bi(
            `${from} sent bytes whose sha256 is ${got} for blob ${blob.digest}: nothing was committed.`,
            `${from} 为 blob ${blob.digest} 发送的数据 sha256 为 ${got}：未提交任何内容。`,
          ),
        )
    },
    close: async () => {
      await reader.cancel().catch(() => undefined)
    },
  }
}
