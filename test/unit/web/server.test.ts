// Browser mode's front door: with the right token, a request naming another host (DNS rebinding: evil.example
// resolving to 127.0.0.1) is 421, one from another site's page (Origin) is 403, on HTTP and on the WebSocket; the
// server's own names (127.0.0.1, localhost) and origins are served.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startWebServer, type WebServer } from '../../../src-main/web/server'

let server: WebServer
let port: number

beforeAll(async () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'web-'))
  mkdirSync(join(dir, 'renderer'))
  writeFileSync(join(dir, 'renderer', 'index.html'), '<html><head></head><body>ok</body></html>')
  server = await startWebServer({
    rendererDir: join(dir, 'renderer'),
    stagingDir: join(dir, 'staged'),
    host: () => ({ dispatch: async () => ({ ok: true, result: 'pong' }), close: async () => undefined }) as never,
  })
  port = Number(new URL(server.origin).port)
})
afterAll(() => server.close())

function get(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/?token=${server.token}`, headers }, (res) => {
      res.resume()
      resolve(res.statusCode!)
    })
    req.on('error', reject)
    req.end()
  })
}

function upgrade(headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${server.token}`, { headers })
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('error', (e) => resolve(String(e.message)))
  })
}

describe('browser mode host and origin checks', () => {
  it('serves its own names and refuses other hosts and sites over HTTP', async () => {
    expect(await get({ host: `127.0.0.1:${port}` })).toBe(200)
    expect(await get({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(200)
    expect(await get({ host: `evil.example:${port}` })).toBe(421)
    expect(await get({ host: `127.0.0.1:${port + 1}` })).toBe(421)
    expect(await get({ host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).toBe(403)
    expect(await get({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` })).toBe(200)
  })

  it('refuses a WebSocket for another host or site, opens one for its own', async () => {
    expect(await upgrade({ origin: `http://127.0.0.1:${port}` })).toBe('open')
    expect(await upgrade({ origin: `http://localhost:${port}`, host: `localhost:${port}` })).toBe('open')
    expect(await upgrade({ origin: `http://127.0.0.1:${port}`, host: `evil.example:${port}` })).toMatch(/403/)
    expect(await upgrade({ origin: 'http://evil.example', host: `127.0.0.1:${port}` })).toMatch(/403/)
  })
})

describe('staged drops', () => {
  it('gives a file of the staging area back as a download (a renamed copy), and nothing outside it', async () => {
    const headers = { 'x-preflight-token': server.token }
    const staged = await fetch(`${server.origin}/stage?name=${encodeURIComponent('my app.tgz')}`, {
      method: 'POST',
      body: 'package bytes',
      headers,
    })
    const path = ((await staged.json()) as { path: string }).path
    const sha = path.split('/').at(-2)!
    writeFileSync(join(path, '..', 'my_app.tar.gz'), 'package bytes')
    const got = await fetch(`${server.origin}/staged/${sha}/my_app.tar.gz`, { headers })
    expect(got.status).toBe(200)
    expect(got.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''my_app.tar.gz")
    expect(await got.text()).toBe('package bytes')
    expect(
      (await fetch(`${server.origin}/staged/${sha}/${encodeURIComponent('my app.tgz')}`, { headers })).status,
    ).toBe(200)
    expect((await fetch(`${server.origin}/staged/${sha}/my_app.tar.gz`)).status).toBe(403) // no token
    for (const bad of [
      `${sha}/${encodeURIComponent('../../renderer/index.html')}`,
      `${sha}/%2E%2E`,
      `${sha}/missing.tar.gz`,
      `${'0'.repeat(64)}/my_app.tar.gz`,
      'my_app.tar.gz',
      `${sha}`,
    ])
      expect((await fetch(`${server.origin}/staged/${bad}`, { headers })).status, bad).toBe(404)
  })

  it('keeps one copy per content, within the limits, and never one still in use', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'stage-'))
    mkdirSync(join(dir, 'renderer'))
    writeFileSync(join(dir, 'renderer', 'index.html'), '<html><head></head><body>ok</body></html>')
    const staging = join(dir, 'staged')
    const inUse = new Set<string>()
    // a leftover of an upload cut off long ago is cleaned at start
    mkdirSync(join(staging, '.incoming-old'), { recursive: true })
    utimesSync(join(staging, '.incoming-old'), new Date(0), new Date(0))
    const s = await startWebServer({
      rendererDir: join(dir, 'renderer'),
      stagingDir: staging,
      stagingLimits: { files: 3, bytes: 1024 ** 3 },
      inUse: () => inUse,
      host: () => ({ dispatch: async () => ({ ok: true }), close: async () => undefined }) as never,
    })
    try {
      const stage = async (name: string, body: string) => {
        const r = await fetch(`${s.origin}/stage?name=${encodeURIComponent(name)}`, {
          method: 'POST',
          body,
          headers: { 'x-preflight-token': s.token },
        })
        expect(r.status).toBe(200)
        return ((await r.json()) as { path: string }).path
      }
      expect(readdirSync(staging)).toEqual([])
      const a = await stage('app.zip', 'same bytes')
      const again = await stage('app.zip', 'same bytes')
      const renamed = await stage('app-copy.zip', 'same bytes')
      expect(again).toBe(a)
      expect(renamed).toBe(join(a, '..', 'app-copy.zip'))
      expect(statSync(a).ino).toBe(statSync(renamed).ino) // one copy on disk
      expect(readdirSync(staging)).toHaveLength(1)
      inUse.add(a)
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 20))
        await stage(`other-${i}.zip`, `content ${i}`)
      }
      const kept = readdirSync(staging)
      expect(kept).toHaveLength(3)
      expect(existsSync(a)).toBe(true) // in use: kept although it is the oldest
      expect(kept.every((d) => /^[0-9a-f]{64}$/.test(d))).toBe(true)
    } finally {
      await s.close()
    }
  })
})
