// The upload queue in the real UI (browser mode): a folder target (file://) is refused, on screen and by the services
// when a page sends one anyway (browser mode writes to no folder a page names; the desktop app's folder dialog and the
// CLI do). An S3 upload without credentials waits for them; entering them in Settings (reached from the job) resumes
// it to done.
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

const S3rver = require('s3rver')
let ui: UiServer
let s3: { run(): Promise<AddressInfo>; close(): Promise<void> }
let endpoint: string
beforeAll(async () => {
  ui = await startUi()
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tmp('s3-'), configureBuckets: [{ name: 'releases' }] })
  endpoint = `http://127.0.0.1:${(await s3.run()).port}`
})
afterAll(async () => {
  await ui?.stop()
  await s3?.close()
})

describe('upload queue screen', () => {
  it('a folder target is refused: the screen says so, and the services refuse one sent anyway', async () => {
    const d = tmp('q-')
    const file = join(d, 'release-2_0.bin')
    writeFileSync(file, randomBytes(1024 * 1024))
    const b = await openBrowser('queue', ui.url)
    try {
      await b.page.getByTestId('nav-queue').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      await b.page.getByTestId('queue-target').fill(`file://${d}/usb/`)
      await expect(b.page.getByTestId('queue-folder-browser').textContent()).resolves.toMatch(/Browser mode does not copy to folders.*preflight upload/)
      expect(await b.page.getByTestId('queue-start').isDisabled()).toBe(true)
      expect(await b.page.getByTestId('queue-choose-folder').count()).toBe(0) // no native dialog here
      await b.shot('folder-refused')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      // a page sending the upload itself, over the session's own connection
      const refused = await b.page.evaluate(async (target) => {
        try {
          await window.api.invoke('queue.enqueue', { path: '/etc/hostname', target })
          return 'accepted'
        } catch (err) {
          return (err as Error).message
        }
      }, `file://${d}/usb/`)
      expect(refused).toMatch(/Browser mode does not write to folders/)
      await new Promise((r) => setTimeout(r, 500))
      expect(existsSync(join(d, 'usb'))).toBe(false)
    } finally {
      await b.close()
    }
  })

  it('an S3 upload without credentials waits; credentials entered in Settings resume it to done', async () => {
    const d = tmp('q-')
    const file = join(d, 'release-3_0.bin')
    writeFileSync(file, randomBytes(2 * 1024 * 1024))
    const secret = 'e2e-secret-never-shown-0123456789'
    const b = await openBrowser('queue', ui.url)
    try {
      await b.page.getByTestId('nav-queue').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      await b.page.getByTestId('queue-target').fill('s3://releases/release-3_0.bin')
      await b.page.getByLabel('Endpoint (S3/OBS, optional)').fill(endpoint)
      await b.page.getByTestId('queue-start').click()
      const row = b.page.getByTestId('job-needs-credentials')
      await row.waitFor({ timeout: 60_000 })
      await b.shot('needs-credentials')
      await row.getByRole('button', { name: 'Enter credentials' }).click()
      expect(await b.page.getByTestId('creds-endpoint').inputValue()).toBe(endpoint)
      // browser mode has no safeStorage: the screen says the keys last for this session only
      await expect(b.page.getByTestId('creds-storage').textContent()).resolves.toMatch(/this session only/)
      await b.page.getByTestId('creds-key').fill('S3RVER')
      await b.page.getByTestId('creds-secret').fill(secret)
      await b.page.getByTestId('creds-save').click()
      await expect(b.page.getByTestId('creds-message').textContent()).resolves.toMatch(/1 waiting upload\(s\) resumed/)
      expect(await b.page.getByTestId('creds-table').textContent()).toContain('••••••') // a 6-character key id is masked whole
      expect(await b.page.content()).not.toContain(secret)
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.shot('credentials-saved')
      await b.page.getByTestId('nav-queue').click()
      await b.page.getByTestId('job-done').first().waitFor({ timeout: 60_000 })
      await b.shot('resumed-done')
    } finally {
      await b.close()
    }
  })
})
