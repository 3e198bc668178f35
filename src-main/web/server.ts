// Browser mode: serves the built renderer on 127.0.0.1 (random port) and carries the IPC contract over a
// WebSocket to the same service host the desktop app uses. A per-run token is required on every HTTP
// request (query parameter once, then an HttpOnly SameSite=Strict cookie, or the x-preflight-token header)
// and in every WebSocket message; Host and Origin are checked too (access.ts). Dropped files are staged by
// staging.ts.
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ServiceHost } from '../services/host'
import { cookieToken, hasToken, hostProblem, safeEqual, TOKEN_COOKIE } from './access'
import { StagingArea, stagedFile, STAGED_URL } from './staging'

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

const BASE_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

function deny(res: ServerResponse, status = 403, text = 'Forbidden: this Preflight session needs its token.'): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(text)
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const rendererDir = resolve(opts.rendererDir)
  const staging = new StagingArea({ dir: opts.stagingDir, limits: opts.stagingLimits, inUse: opts.inUse })
  const sockets = new Set<WebSocket>()
  const host = opts.host((event, payload) => {
    const msg = JSON.stringify({ type: 'event', event, payload })
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg)
  })
  let origin = ''
  let port = 0

  const server = createServer(async (req, res) => {
    try {
      const problem = hostProblem(req, port)
      if (problem) return deny(res, problem.status, problem.message)
      const url = new URL(req.url ?? '/', origin || 'http://127.0.0.1')
      if (!hasToken(req, url, token)) return deny(res)
      const headers = { ...BASE_HEADERS }
      if (url.searchParams.get('token'))
        headers['set-cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
      if (req.method === 'POST' && url.pathname === '/stage') return await stage(staging, req, res, url, headers)
      if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed')
      if (url.pathname.startsWith(STAGED_URL)) return await serveStaged(opts.stagingDir, req, res, url, headers)
      await serveRenderer(rendererDir, req, res, url, headers, { token, csp: csp(origin) })
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`Internal error: ${(err as Error).message}`)
    }
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin)
    const ok =
      !hostProblem(req, port) &&
      req.headers.origin !== undefined &&
      url.pathname === '/ws' &&
      (safeEqual(url.searchParams.get('token'), token) || safeEqual(cookieToken(req), token))
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('message', (data) => void answer(ws, host, token, String(data)))
    })
  })

  await staging.prune().catch(() => undefined)
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

/** POST /stage?name=…: the request body is the dropped file; answers its staged path. */
async function stage(
  staging: StagingArea,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  headers: Record<string, string>,
): Promise<void> {
  const name = StagingArea.fileName(url.searchParams.get('name'))
  if (!name) return deny(res, 400, 'Missing file name')
  const path = await staging.stage(req, name)
  res.writeHead(200, { ...headers, 'content-type': 'application/json' })
  res.end(JSON.stringify({ path }))
}

/** GET /staged/<sha256>/<name>: a file the services wrote in the staging area (a renamed copy), as a download. */
async function serveStaged(
  stagingDir: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  headers: Record<string, string>,
): Promise<void> {
  const file = stagedFile(stagingDir, url.pathname)
  const st = file ? await stat(file).catch(() => null) : null
  if (!file || !st?.isFile()) return deny(res, 404, 'Not found')
  const name = file.slice(file.lastIndexOf(sep) + 1)
  res.writeHead(200, {
    ...headers,
    'content-type': 'application/octet-stream',
    'content-length': String(st.size),
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
  })
  if (req.method === 'HEAD') return void res.end()
  createReadStream(file).pipe(res)
}

/** The built renderer's files (never outside its folder); index.html gets the session token and the CSP. */
async function serveRenderer(
  rendererDir: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  headers: Record<string, string>,
  page: { token: string; csp: string },
): Promise<void> {
  const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1))
  const file = normalize(join(rendererDir, rel))
  if (!file.startsWith(rendererDir + sep)) return deny(res, 404, 'Not found')
  const st = await stat(file).catch(() => null)
  if (!st?.isFile()) return deny(res, 404, 'Not found')
  const type = MIME[extname(file)] ?? 'application/octet-stream'
  if (extname(file) === '.html') {
    const html = (await readFile(file, 'utf8')).replace(
      '</head>',
      `<meta name="preflight-token" content="${page.token}"></head>`,
    )
    res.writeHead(200, { ...headers, 'content-type': type, 'content-security-policy': page.csp })
    return void res.end(html)
  }
  res.writeHead(200, { ...headers, 'content-type': type, 'content-length': String(st.size) })
  if (req.method === 'HEAD') return void res.end()
  createReadStream(file).pipe(res)
}

/** One WebSocket message: a contract call with this session's token, answered with its result as data. */
async function answer(ws: WebSocket, host: ServiceHost, token: string, data: string): Promise<void> {
  let msg: { id?: unknown; token?: unknown; channel?: unknown; input?: unknown }
  try {
    msg = JSON.parse(data)
  } catch {
    return ws.send(
      JSON.stringify({
        type: 'result',
        id: null,
        wire: {
          ok: false,
          error: {
            code: 'invalid-input',
            message: 'The page sent a message Preflight cannot read: reload the page.',
            messageZh: '页面发送的消息无法读取：请重新加载页面。',
          },
        },
      }),
    )
  }
  const id = typeof msg.id === 'number' ? msg.id : null
  if (!safeEqual(typeof msg.token === 'string' ? msg.token : null, token)) {
    return ws.send(
      JSON.stringify({
        type: 'result',
        id,
        wire: {
          ok: false,
          error: {
            code: 'forbidden',
            message:
              "This page is not part of Preflight's current session (its token is missing or old): open the address Preflight printed when it started.",
            messageZh: '此页面不属于 Preflight 当前的会话（令牌缺失或已过期）：请打开 Preflight 启动时显示的地址。',
          },
        },
      }),
    )
  }
  const wire = await host.dispatch(msg.channel, msg.input)
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id, wire }))
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
