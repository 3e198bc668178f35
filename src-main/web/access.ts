// Who may use a browser-mode session: a per-run token on every HTTP request (query parameter once, then an
// HttpOnly SameSite=Strict cookie, or the x-preflight-token header) and in every WebSocket message; a Host naming
// this server's loopback address and port (no DNS rebinding); an Origin, where one is sent (the WebSocket always
// does), of this server itself.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const TOKEN_COOKIE = 'preflight_token'

export function safeEqual(a: string | undefined | null, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? ''
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === TOKEN_COOKIE) return v.join('=')
  }
  return undefined
}

/** The request's token: its query parameter, header or cookie. */
export function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  return (
    safeEqual(url.searchParams.get('token'), token) ||
    safeEqual(req.headers['x-preflight-token'] as string | undefined, token) ||
    safeEqual(cookieToken(req), token)
  )
}

/** DNS rebinding and cross-site requests: why this request may not use a session on `port` (421 or 403), or null. */
export function hostProblem(req: IncomingMessage, port: number): { status: 421 | 403; message: string } | null {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
  if (!hosts.includes((req.headers.host ?? '').toLowerCase()))
    return {
      status: 421,
      message: `Misdirected request: this Preflight session answers only on 127.0.0.1:${port} or localhost:${port}.`,
    }
  const from = req.headers.origin
  if (from !== undefined && !hosts.map((h) => `http://${h}`).includes(from.toLowerCase()))
    return { status: 403, message: 'Forbidden: a page of another site may not use this Preflight session.' }
  return null
}
