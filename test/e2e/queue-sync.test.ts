// "Sync to…" on the Queue screen in the real UI (browser mode): an image pushed to one docker-registry on 127.0.0.1
// is synced from its row to another registry and another organisation of the same one; both sync jobs are shown
// done as syncs of the image, and skopeo reads the same manifest from both targets. With "Also sync later pushes"
// checked, the repository's next push from the screen is synced to both targets by itself.
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { umociImage } from '../fixtures/umoci-image'
import { startRegistry, type TestRegistry } from '../unit/upload/registry-server'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
let a: TestRegistry
let b: TestRegistry
beforeAll(async () => {
  ui = await startUi()
  a = await startRegistry(tmp('reg-a-'))
  b = await startRegistry(tmp('reg-b-'))
})
afterAll(async () => {
  await ui?.stop()
  a?.stop()
  b?.stop()
})

const digestOf = (ref: string) =>
  new Promise<string>((res, rej) =>
    execFile('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }, (e, out) =>
      e ? rej(e) : res(`sha256:${createHash('sha256').update(out).digest('hex')}`),
    ),
  )

describe('image sync from the queue screen', () => {
  it('a pushed image is synced to two targets from its row', async () => {
    const d = tmp('sync-ui-')
    const layout = umociImage(join(d, 'web'), '/srv', { 'index.html': '<h1>release 4.2</h1>\n'.repeat(5000) })
    const tar = join(d, 'web-4_2.tar')
    execFileSync('tar', ['-cf', tar, '-C', layout, '.'])
    const source = `127.0.0.1:${a.port}/acme/web:4.2`
    const targets = [`127.0.0.1:${b.port}/org1/web`, `127.0.0.1:${a.port}/org2/web`]
    const page = await openBrowser('queue-sync', ui.url)
    try {
      await page.page.getByTestId('nav-queue').click()
      await page.page.getByTestId('queue-new').click()
      await dropFiles(page.page, '[data-testid=queue-dropzone]', [tar])
      await page.page.getByTestId('queue-file').waitFor()
      await page.page.getByTestId('queue-target').fill(`docker://${source}`)
      await page.page.getByLabel('Plain-HTTP registry (local or test registries only)').check()
      await page.page.getByTestId('queue-start').click()
      const pushed = page.page.getByTestId('job-done')
      await pushed.waitFor({ timeout: 60_000 })

      await pushed.getByTestId('job-sync').click()
      const form = page.page.getByTestId('sync-form')
      await expect(form.textContent()).resolves.toContain(`docker://${source}`)
      expect(await page.page.getByTestId('sync-insecure').isChecked()).toBe(true) // as the push
      await page.page.getByTestId('sync-targets').fill(targets.map((t) => `docker://${t}`).join('\n'))
      await page.page
        .getByLabel(`Also sync later pushes of 127.0.0.1:${a.port}/acme/web to these targets (automatic sync)`)
        .check()
      await page.shot('sync-form')
      expect(await seriousAxeViolations(page.page)).toEqual([])
      await page.page.getByTestId('sync-start').click()
      await page.page.waitForFunction(
        () => document.querySelectorAll('[data-testid=job-done]').length === 3,
        undefined,
        { timeout: 60_000 },
      )
      const rows = await page.page.getByTestId('job-done').allTextContents()
      for (const t of targets)
        expect(rows.find((r) => r.includes(`docker://${t}:4.2`))).toMatch(
          new RegExp(`^Sync: docker://${source.replace(/\./g, '\\.')}.*copied: `),
        )
      expect(await form.count()).toBe(0)
      await page.shot('synced')
      const digest = await digestOf(source)
      for (const t of targets) expect(await digestOf(`${t}:4.2`)).toBe(digest)
      const saved = await page.page.evaluate(() => window.api.invoke('settings.get', { key: 'sync.targets' }))
      expect(saved.value).toEqual([
        {
          repository: `127.0.0.1:${a.port}/acme/web`,
          targets: targets.map((t) => `docker://${t}`),
          overwrite: false,
          insecure: true,
        },
      ])

      // the next push of the repository is synced to both targets by itself (a new upload: the panel again, the file again)
      await page.page.getByTestId('queue-new').click()
      await dropFiles(page.page, '[data-testid=queue-dropzone]', [tar])
      await page.page.getByTestId('queue-file').waitFor()
      await page.page.getByTestId('queue-target').fill(`docker://127.0.0.1:${a.port}/acme/web:4.3`)
      await page.page.getByTestId('queue-start').click()
      await page.page.waitForFunction(
        () => document.querySelectorAll('[data-testid=job-done]').length === 6,
        undefined,
        { timeout: 60_000 },
      )
      const autoRows = await page.page.getByTestId('job-done').allTextContents()
      for (const t of targets)
        expect(autoRows.find((r) => r.includes(`docker://${t}:4.3`))).toMatch(/^Automatic sync: /)
      for (const t of targets)
        expect(await digestOf(`${t}:4.3`)).toBe(await digestOf(`127.0.0.1:${a.port}/acme/web:4.3`))
      expect(page.foreignRequests).toEqual([])
    } finally {
      await page.close()
    }
  }, 180_000)
})
