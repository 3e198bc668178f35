// Work history and compare in the real UI (browser mode, the real services): a package is scanned, the
// marketplace's report of it (3 findings in common, 2 only the marketplace's, 1 only Preflight's) is imported on
// the package view and shown side by side with exactly those counts; the package's History tab lists the scan
// and the compare; the History screen filters by operation and exports CSV that reads back as the rows shown;
// the name set in Settings is the one recorded. Axe-clean in English and Chinese.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseHistoryCsv } from '../../src-main/history/history'
import { marketplaceCase } from '../fixtures/marketplace-report'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

describe('work history and compare', () => {
  it('imports the marketplace report on the package view, lists the history, filters and exports it', async () => {
    const d = tmp('history-e2e-')
    const { pkg, report } = marketplaceCase(d)
    const b = await openBrowser('history', ui.url)
    try {
      // the name operations are recorded under
      await b.page.getByTestId('nav-settings').click()
      await b.page.getByTestId('history-actor').fill('Release Team')
      await b.page.getByTestId('history-actor-save').click()
      await b.page.getByTestId('history-actor-message').filter({ hasText: 'Release Team' }).waitFor()
      expect(await seriousAxeViolations(b.page)).toEqual([])

      await b.page.getByTestId('nav-home').click()
      await dropFiles(b.page, '[data-testid=dropzone]', [pkg])
      await b.page.getByTestId('scan-package').click()
      await b.page.getByTestId('verdict').waitFor({ timeout: 60_000 })
      await b.page.getByTestId('compare-import').waitFor()
      await b.page.getByTestId('compare-file').setInputFiles(report)
      const agreement = b.page.getByTestId('compare-agreement')
      await agreement.waitFor({ timeout: 30_000 })
      expect(await agreement.textContent()).toBe('Agreement: 50% — 3 found by both, 2 only by the marketplace, 1 only by Preflight')
      expect(await b.page.locator('[data-testid=compare-both] tbody tr').count()).toBe(3)
      expect(await b.page.locator('[data-testid=compare-only-marketplace] tbody tr').count()).toBe(2)
      expect(await b.page.locator('[data-testid=compare-only-preflight] tbody tr').count()).toBe(1)
      expect(await b.page.locator('[data-testid=compare-only-marketplace] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-gap')))).toEqual(['rule', 'database'])
      expect(await b.page.locator('[data-testid=compare-only-preflight] tbody tr').textContent()).toContain('vulndb.missing')
      await b.shot('compare')
      expect(await seriousAxeViolations(b.page)).toEqual([])

      // the package's History tab: its scan and the compare, by the name set in Settings
      await b.page.getByTestId('tab-history').click()
      const rows = b.page.locator('[data-testid=package-history] tbody tr')
      await rows.nth(1).waitFor()
      expect(await rows.evaluateAll((trs) => trs.map((r) => `${r.getAttribute('data-kind')}:${r.getAttribute('data-result')}`))).toEqual(['compare:done', 'scan:fail'])
      expect(await rows.first().textContent()).toContain('Release Team')
      await b.shot('package-history')
      expect(await seriousAxeViolations(b.page)).toEqual([])

      // the History screen: filter by operation, export CSV
      await b.page.getByTestId('nav-history').click()
      const all = b.page.locator('[data-testid=history-table] tbody tr')
      await all.nth(1).waitFor()
      await b.page.getByTestId('history-kind').selectOption('compare')
      await b.page.getByTestId('history-count').filter({ hasText: '1 event(s)' }).waitFor()
      expect(await all.count()).toBe(1)
      const [download] = await Promise.all([b.page.waitForEvent('download'), b.page.getByTestId('history-export-csv').click()])
      const csvPath = join(d, 'history.csv')
      await download.saveAs(csvPath)
      const exported = parseHistoryCsv(readFileSync(csvPath, 'utf8'))
      expect(exported.map((e) => `${e.kind}:${e.result}:${e.actor}:${e.subjectName}`)).toEqual(['compare:done:Release Team:shop.tar.gz'])
      expect(exported[0].details).toMatchObject({ both: 3, onlyMarketplace: 2, onlyPreflight: 1 })
      await b.page.getByTestId('history-kind').selectOption('')
      // the export is itself an operation: scan, compare, export
      await b.page.getByTestId('history-count').filter({ hasText: '3 event(s)' }).waitFor()
      await b.shot('history')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.getByTestId('language').selectOption('zh-CN')
      await b.page.getByRole('heading', { name: '操作记录' }).waitFor()
      await b.page.getByText('已导出 1 条记录。').waitFor()
      await b.page.evaluate(() => document.fonts.ready)
      await b.shot('history-zh')
      expect(await seriousAxeViolations(b.page)).toEqual([])
    } finally {
      await b.close()
    }
  })

  it("shows a draft's work history in its History tab, next to its revisions", async () => {
    const b = await openBrowser('history-drafts', ui.url)
    try {
      await b.page.getByTestId('nav-drafts').waitFor()
      const id = await b.page.evaluate(async () => {
        const api = (window as unknown as { api: { invoke(c: string, i: unknown): Promise<{ id: string }> } }).api
        const d = await api.invoke('drafts.create', { profile: 'koogallery-app', title: 'Shop 1.0' })
        await api.invoke('drafts.save', { id: d.id, values: { attrs: { name: 'shop' } } })
        return d.id
      })
      await b.page.getByTestId('nav-drafts').click()
      await b.page.getByTestId(`draft-${id}`).getByRole('button', { name: 'History' }).click()
      await b.page.getByTestId('tab-work-history').click()
      const rows = b.page.locator('[data-testid=draft-history] tbody tr')
      await rows.nth(1).waitFor()
      expect(await rows.evaluateAll((trs) => trs.map((r) => `${r.getAttribute('data-kind')}:${r.getAttribute('data-result')}`))).toEqual(['draft-revision:done', 'draft-revision:done'])
      expect(await rows.first().textContent()).toContain('Shop 1.0')
      await b.shot('draft-history')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.getByTestId('tab-revisions').click()
      await b.page.getByText('Revision 2').waitFor()
    } finally {
      await b.close()
    }
  })
})
