// Home → Package view: a hostile archive dropped in the real UI is pre-scanned by the real services and the
// blocker is shown with its rule id, location and fix.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, traversalPackage, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

describe('package view', () => {
  it('shows a traversal blocker inside a nested archive', async () => {
    const pkg = traversalPackage('release-1_0.tar.gz')
    const b = await openBrowser('package', ui.url)
    try {
      await dropFiles(b.page, '[data-testid=dropzone]', [pkg])
      await b.page.getByTestId('verdict').waitFor({ timeout: 60_000 })
      await b.shot('report')
      expect(await b.page.getByTestId('verdict').textContent()).toMatch(/FAIL/)
      const finding = b.page.locator('[data-rule="archive.path-traversal"]')
      expect(await finding.textContent()).toContain('release-1_0.tar.gz!inner.tar!../evil.txt')
      expect(await finding.textContent()).toMatch(/Fix: Rebuild the archive with relative paths/)
      // findings as pictures, the numbers in their words
      expect(await b.page.getByTestId('severity-chart').getAttribute('aria-label')).toMatch(
        /^Findings by severity: blocker [1-9]\d*, warning \d+, info \d+$/,
      )
      expect(await b.page.getByTestId('rule-chart').getAttribute('aria-label')).toMatch(
        /^Findings by rule: .*archive\.path-traversal 1\b/,
      )
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.getByTestId('language').selectOption('zh-CN')
      await b.page.getByTestId('verdict').getByText('未通过').waitFor()
      expect(await b.page.getByTestId('severity-chart').getAttribute('aria-label')).toMatch(
        /^按严重性统计: 阻断 [1-9]\d*, 警告 \d+, 信息 \d+$/,
      )
      await b.shot('report-zh')
    } finally {
      await b.close()
    }
  })
})

describe('report tools', () => {
  it('waive with reason turns the verdict to pass; the HTML export opens in Chromium with no network request', async () => {
    const d = tmp('waive-')
    const pkg = traversalPackage('waive-me.tar.gz')
    const b = await openBrowser('report-tools', ui.url)
    try {
      await dropFiles(b.page, '[data-testid=dropzone]', [pkg])
      await b.page.getByTestId('severity-chart').waitFor({ timeout: 60_000 })
      await b.page.getByTestId('waive-archive.path-traversal').click()
      await b.page.getByTestId('waive-reason').fill('The installer never extracts inner.tar')
      await b.page.getByTestId('waive-save').click()
      await b.page.getByTestId('verdict').filter({ hasText: 'PASS' }).waitFor()
      // one count everywhere: the verdict says what was not checked, the list counts the waived blocker apart
      expect(await b.page.getByTestId('verdict').textContent()).toBe('PASS, 1 check not run')
      expect(await b.page.locator('h3.sev-blocker').textContent()).toMatch(/\(0, 1 waived\)/)
      await b.shot('waived')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.getByTestId('export-html').click()])
      const htmlPath = join(d, 'report.html')
      await download.saveAs(htmlPath)
      const html = b.page.context().pages()[0]
      const requests: string[] = []
      const viewer = await b.context.newPage()
      viewer.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url())
      })
      await viewer.goto(`file://${htmlPath}`)
      expect(await viewer.textContent('body')).toContain('The installer never extracts inner.tar')
      expect(requests).toEqual([])
      void html
    } finally {
      await b.close()
    }
  })
})
