// Browser mode: serves the built renderer on 127.0.0.1 (random port) and carries the IPC contract over a
// WebSocket to the same service host the desktop app uses. A per-run token is required on every HTTP
// request (query parameter once, then an HttpOnly SameSite=Strict cookie, or the x-preflight-token header)
// and in every WebSocket message. Every request must name this server's loopback host and port in Host (no DNS
// rebinding) and, where it sends an Origin (the WebSocket always does), be from this server's own origin.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { link, mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { basename, extname, join, normalize, resolve, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ServiceHost } from '../services/host'

export interface WebServerOptions {
  rendererDir: string
  /**
   * Where dropped files are staged (browser pages cannot hand over real paths): one folder per content (its
   * sha256), so the same file dropped again is not copied again; at most `stagingLimits` are kept, the least
   * recently dropped removed first, never one that `inUse` names (a queued upload, a draft's package).
   */
  stagingDir: string
  stagingLimits?: { files: number; bytes: number }
  inUse?: () => Promise<Set<string>> | Set<string>
  host: (onEvent: (event: string, payload: unknown) => void) => ServiceHost
  port?: number
  token?: string
}

export interface WebServer {
  url: string
  origin: string
  token: string
  server: Server
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

const COOKIE = 'preflight_token'
const INCOMING = '.incoming-'

function safeEqual(a: string | undefined | null, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? ''
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === COOKIE) return v.join('=')
  }
  return undefined
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const rendererDir = resolve(opts.rendererDir)
  const sockets = new Set<WebSocket>()
  const host = opts.host((event, payload) => {
    const msg = JSON.stringify({ type: 'event', event, payload })
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg)
  })
  let origin = ''
  let port = 0

  const deny = (res: ServerResponse, status = 403, text = 'Forbidden: this Preflight session needs its token.') => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
    res.end(text)
  }

  // DNS rebinding and cross-site requests: only this server's own loopback names, and a page of its own origin
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`)
  const hostProblem = (req: IncomingMessage): string | null => {
    if (!allowedHosts().includes((req.headers.host ?? '').toLowerCase())) return `Misdirected request: this Preflight session answers only on 127.0.0.1:${port} or localhost:${port}.`
    const from = req.headers.origin
    if (from !== undefined && !allowedOrigins().includes(from.toLowerCase())) return 'Forbidden: a page of another site may not use this Preflight session.'
    return null
  }

  const server = createServer(async (req, res) => {
    try {
      const problem = hostProblem(req)
      if (problem) return deny(res, problem.startsWith('Misdirected') ? 421 : 403, problem)
      const url = new URL(req.url ?? '/', origin || 'http://127.0.0.1')
      const queryToken = url.searchParams.get('token')
      const headerToken = req.headers['x-preflight-token'] as string | undefined
      const authorised = safeEqual(queryToken, token) || safeEqual(headerToken, token) || safeEqual(cookieToken(req), token)
      if (!authorised) return deny(res)
      const headers: Record<string, string> = {
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      }
      if (queryToken) headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`

      if (req.method === 'POST' && url.pathname === '/stage') return await stage(req, res, url, headers)
      if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed')

      const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
      const file = normalize(join(rendererDir, rel))
      if (!file.startsWith(rendererDir + sep)) return deny(res, 404, 'Not found')
      const st = await stat(file).catch(() => null)
      if (!st?.isFile()) return deny(res, 404, 'Not found')
      const type = MIME[extname(file)] ?? 'application/octet-stream'
      if (extname(file) === '.html') {
        const html = (await readFile(file, 'utf8')).replace('</head>', `<meta name="preflight-token" content="${token}"></head>`)
        res.writeHead(200, { ...headers, 'content-type': type, 'content-security-policy': csp(origin) })
        return res.end(html)
      }
      res.writeHead(200, { ...headers, 'content-type': type, 'content-length': String(st.size) })
      if (req.method === 'HEAD') return res.end()
      createReadStream(file).pipe(res)
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`Internal error: ${(err as Error).message}`)
    }
  })

  async function stage(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>) {
    const name = basename(url.searchParams.get('name') ?? '')
    if (!name || name === '.' || name === '..') return deny(res, 400, 'Missing file name')
    const incoming = join(opts.stagingDir, `${INCOMING}${randomUUID()}`)
    await mkdir(incoming, { recursive: true })
    const hash = createHash('sha256')
    try {
      await pipeline(req, new Transform({
          transform(chunk: Buffer, _e, cb) {
            hash.update(chunk)
            cb(null, chunk)
          },
        }), createWriteStream(join(incoming, name)))
      const sha = hash.digest('hex')
      // one folder per content: the same bytes dropped again (under any name) are not stored twice
      const dir = join(opts.stagingDir, sha)
      const target = join(dir, name)
      const have = await readdir(dir).catch(() => null)
      if (!have) await rename(incoming, dir)
      else if (!have.includes(name)) await link(join(dir, have[0]), target).catch(() => rename(join(incoming, name), target))
      await rm(incoming, { recursive: true, force: true })
      const now = new Date()
      await utimes(dir, now, now) // the most recently dropped is kept longest
      await pruneStaging(sha)
      res.writeHead(200, { ...headers, 'content-type': 'application/json' })
      res.end(JSON.stringify({ path: target }))
    } catch (err) {
      await rm(incoming, { recursive: true, force: true })
      throw err
    }
  }

  /** Keep at most the limits, removing the least recently dropped first, never one in use or `keep`. */
  async function pruneStaging(keep?: string): Promise<void> {
    const limits = opts.stagingLimits ?? { files: 50, bytes: 20 * 1024 ** 3 }
    const inUse = await opts.inUse?.() ?? new Set<string>()
    const entries = await readdir(opts.stagingDir).catch(() => [] as string[])
    const dirs: Array<{ name: string; mtime: number; bytes: number; used: boolean }> = []
    for (const entry of entries) {
      const dir = join(opts.stagingDir, entry)
      // an upload cut off by a crash, left behind: never referenced
      if (entry.startsWith(INCOMING)) {
        if (Date.now() - (await stat(dir).then((s) => s.mtimeMs, () => 0)) > 60 * 60 * 1000) await rm(dir, { recursive: true, force: true })
        continue
      }
      const st = await stat(dir).catch(() => null)
      if (!st?.isDirectory()) continue
      const files = await readdir(dir).catch(() => [] as string[])
      const bytes = files.length ? await stat(join(dir, files[0])).then((s) => s.size, () => 0) : 0
      dirs.push({ name: entry, mtime: st.mtimeMs, bytes, used: entry === keep || files.some((f) => inUse.has(join(dir, f))) })
    }
    dirs.sort((a, b) => a.mtime - b.mtime)
    let count = dirs.length
    let total = dirs.reduce((n, d) => n + d.bytes, 0)
    for (const d of dirs) {
      if (count <= limits.files && total <= limits.bytes) break
      if (d.used) continue
      await rm(join(opts.stagingDir, d.name), { recursive: true, force: true })
      count--
      total -= d.bytes
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin)
    const ok = !hostProblem(req) && req.headers.origin !== undefined && url.pathname === '/ws' && (safeEqual(url.searchParams.get('token'), token) || safeEqual(cookieToken(req), token))
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('message', async (data) => {
        let msg: { id?: unknown; token?: unknown; channel?: unknown; input?: unknown }
        try {
          msg = JSON.parse(String(data))
        } catch {
          return ws.send(JSON.stringify({ type: 'result', id: null, wire: { ok: false, error: { code: 'invalid-input', message: 'Message is not JSON' } } }))
        }
        const id = typeof msg.id === 'number' ? msg.id : null
        if (!safeEqual(typeof msg.token === 'string' ? msg.token : null, token)) {
          return ws.send(JSON.stringify({ type: 'result', id, wire: { ok: false, error: { code: 'forbidden', message: 'Message without this session token' } } }))
        }
        const wire = await host.dispatch(msg.channel, msg.input)
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id, wire }))
      })
    })
  })

  await pruneStaging().catch(() => undefined)
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen())
  })
  port = (server.address() as AddressInfo).port
  origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    server,
    async close() {
      for (const ws of sockets) ws.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections?.()
      await host.close()
    },
  }
}

export function csp(origin: string): string {
  const ws = origin.replace(/^http/, 'ws')
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
