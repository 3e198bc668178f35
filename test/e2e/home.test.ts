// The walking skeleton end to end: browser mode refuses requests without the token; dropping a real file
// on the home screen runs the pre-scan in the real services and shows the sha256 that sha256sum computes.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

describe('browser mode', () => {
  it('refuses HTTP requests and WebSockets without the session token', async () => {
    expect((await fetch(`${ui.origin}/`)).status).toBe(403)
    expect((await fetch(`${ui.origin}/?token=wrong`)).status).toBe(403)
    expect((await fetch(`${ui.origin}/stage?name=x`, { method: 'POST', body: 'x' })).status).toBe(403)
    const ok = await fetch(ui.url)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'none'")
    const refused = await new Promise<string>((res) => {
      const ws = new WebSocket(`${ui.origin.replace('http', 'ws')}/ws`, { headers: { origin: ui.origin } })
      ws.on('open', () => res('open'))
      ws.on('error', (e) => res(String(e.message)))
    })
    expect(refused).toMatch(/403/)
    const wrongOrigin = await new Promise<string>((res) => {
      const ws = new WebSocket(`${ui.origin.replace('http', 'ws')}/ws?token=${ui.token}`, {
        headers: { origin: 'http://evil.example' },
      })
      ws.on('open', () => res('open'))
      ws.on('error', (e) => res(String(e.message)))
    })
    expect(wrongOrigin).toMatch(/403/)
  })

  it('answers a message without the token, and a payload that fails its schema, with typed errors', async () => {
    const ws = new WebSocket(`${ui.origin.replace('http', 'ws')}/ws?token=${ui.token}`, {
      headers: { origin: ui.origin },
    })
    await new Promise((r) => ws.once('open', r))
    const ask = (msg: object) =>
      new Promise<{ wire: { ok: boolean; error?: { code: string } } }>((r) => {
        ws.once('message', (d) => r(JSON.parse(String(d))))
        ws.send(JSON.stringify(msg))
      })
    expect((await ask({ id: 1, channel: 'app.info', input: {} })).wire).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
    expect((await ask({ id: 2, token: ui.token, channel: 'inspect.identify', input: { path: 7 } })).wire).toMatchObject(
      { ok: false, error: { code: 'invalid-input' } },
    )
    expect((await ask({ id: 3, token: ui.token, channel: 'app.info', input: {} })).wire).toMatchObject({ ok: true })
    ws.close()
  })

  it('drop → progress → sha256 equal to sha256sum', async () => {
    const dir = tmp('drop-')
    const file = join(dir, 'release-1_0.bin')
    writeFileSync(file, randomBytes(6 * 1024 * 1024))
    const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]
    const b = await openBrowser('home', ui.url)
    try {
      await b.page.getByTestId('dropzone').waitFor()
      await b.shot('home')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      // dropping starts the pre-scan at once (identify and scan are one task): the package view shows its report
      await dropFiles(b.page, '[data-testid=dropzone]', [file])
      await b.page.getByTestId('report-sha256').waitFor({ timeout: 60_000 })
      await b.shot('identified')
      expect(await b.page.getByTestId('report-sha256').textContent()).toBe(expected)
      expect(await b.page.getByTestId('summary').textContent()).toContain('release-1_0.bin')
      // the file picker path works too
      await b.page.getByTestId('nav-home').click()
      await b.page.setInputFiles('[data-testid=file-input]', file)
      await b.page.getByTestId('report-sha256').waitFor()
      expect(await b.page.getByTestId('report-sha256').textContent()).toBe(expected)
      expect(b.foreignRequests).toEqual([])
    } finally {
      await b.close()
    }
  })
})
