// The upload queue in the real UI: a dropped file is queued to a local folder target, uploaded by the real
// services, verified, and shown as done; the copy equals the original.
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
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
})
