// The upload queue in the real UI: a dropped file is queued to a local folder target, uploaded by the real
// services, verified, and shown as done; the copy equals the original. An S3 upload without credentials
// waits for them; entering them in Settings (reached from the job) resumes it to done.
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
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
  it('queues a folder upload and sees it complete', async () => {
    const d = tmp('q-')
    const file = join(d, 'release-2_0.bin')
    const data = randomBytes(3 * 1024 * 1024)
    writeFileSync(file, data)
    const b = await openBrowser('queue', ui.url)
    try {
      await b.page.getByTestId('nav-queue').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      await b.page.getByTestId('queue-target').fill(`file://${d}/usb/`)
      await b.page.getByTestId('queue-start').click()
      await b.page.getByTestId('job-done').waitFor({ timeout: 60_000 })
      await b.shot('done')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      expect(createHash('sha256').update(readFileSync(join(d, 'usb', 'release-2_0.bin'))).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'))
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
