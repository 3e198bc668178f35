// The wizard end to end on the real services: choose a profile, pick a package, get a field flagged by the
// shared validation, fix it, reload the app, find the draft and continue to the review step.
import { execFileSync } from 'node:child_process'
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

describe('release wizard (SCP image)', () => {
  it('flags a bad field, autosaves, survives a reload and reaches the review', async () => {
    const dir = tmp('wiz-')
    const image = join(dir, 'web-server.qcow2')
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M'])
    const b = await openBrowser('wizard-smoke', ui.url, { width: 1024, height: 700 })
    const p = b.page
    try {
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-scp-image').click()
      await p.getByTestId('step-package').waitFor()
      await b.shot('package')
      expect(await seriousAxeViolations(p)).toEqual([])
      await dropFiles(p, '[data-testid=dropzone]', [image])
      await p.getByTestId('wizard-package').waitFor()
      expect(await p.getByTestId('wizard-package').textContent()).toContain('qcow2')
      await p.getByTestId('step-image').click()
      await p.locator('[data-field="attrs.name"]').fill('bad/name!')
      await p.locator('[data-field="attrs.osType"]').selectOption('Ubuntu')
      await p.getByText(/Image name: 1–255/).waitFor()
      await b.shot('flagged')
      expect(await seriousAxeViolations(p)).toEqual([])
      expect(await p.locator('[data-field="attrs.name"]').getAttribute('aria-invalid')).toBe('true')
      await p.locator('[data-field="attrs.name"]').fill('web server')
      await p.getByText(/Image name: 1–255/).waitFor({ state: 'detached' })
      await p.getByTestId('save-status').filter({ hasText: /Saved/ }).waitFor()
      await p.waitForTimeout(800)
      await p.reload()
      await p.getByTestId('nav-drafts').click()
      await p.getByTestId('drafts-table').waitFor()
      await b.shot('drafts')
      expect(await seriousAxeViolations(p)).toEqual([])
      await p
        .getByRole('button', { name: /^Continue/ })
        .first()
        .click()
      await p.getByTestId('step-title').filter({ hasText: 'Image information' }).waitFor()
      expect(await p.locator('[data-field="attrs.name"]').inputValue()).toBe('web server')
      await p.getByTestId('step-sharing').click()
      await p.locator('[data-field="attrs.visibility"]').selectOption('Private')
      await p.getByTestId('step-review').click()
      await p.getByTestId('review-fields').waitFor()
      // not ready (no package scanned): Submit is disabled and says why
      expect(await p.getByTestId('submit').isDisabled()).toBe(true)
      expect(await p.getByTestId('submit-why').textContent()).toMatch(
        /^Submit is available once the release is ready: scan the package \(it must pass\)(; \d+ field problem\(s\) to fix)?\.$/,
      )
      expect(await p.getByTestId('submit').getAttribute('aria-describedby')).toBe('submit-why')
      await b.shot('review')
      expect(await seriousAxeViolations(p)).toEqual([])
      expect(await p.getByTestId('review-fields').textContent()).toContain('web server')
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
      expect(overflow).toBe(false)
    } finally {
      await b.close()
    }
  })
})
