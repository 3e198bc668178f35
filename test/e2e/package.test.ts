// Home → Package view: a hostile archive dropped in the real UI is pre-scanned by the real services and the
// blocker is shown with its rule id, location and fix.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
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

describe('package view', () => {
  it('shows a traversal blocker inside a nested archive', async () => {
    const d = tmp('pkg-')
    mkdirSync(join(d, 'src'))
    writeFileSync(join(d, 'src/evil.txt'), 'x')
    execFileSync('tar', ['-cf', join(d, 'inner.tar'), '-C', join(d, 'src'), '--transform', 's,^evil,../evil,', 'evil.txt'])
    execFileSync('tar', ['-czf', join(d, 'release-1_0.tar.gz'), '-C', d, 'inner.tar'])
    const b = await openBrowser('package', ui.url)
    try {
      await dropFiles(b.page, '[data-testid=dropzone]', [join(d, 'release-1_0.tar.gz')])
      await b.page.getByTestId('scan-package').click()
      await b.page.getByTestId('verdict').waitFor({ timeout: 60_000 })
      await b.shot('report')
      expect(await b.page.getByTestId('verdict').textContent()).toMatch(/FAIL/)
      const finding = b.page.locator('[data-rule="archive.path-traversal"]')
      expect(await finding.textContent()).toContain('release-1_0.tar.gz!inner.tar!../evil.txt')
      expect(await finding.textContent()).toMatch(/Fix: Rebuild the archive with relative paths/)
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.getByTestId('language').selectOption('zh-CN')
      await b.page.getByText('未通过').waitFor()
      await b.shot('report-zh')
    } finally {
      await b.close()
    }
  })
})
