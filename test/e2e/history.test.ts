// Work history and compare in the real UI (browser mode, the real services): a package is scanned, the
// marketplace's report of it (3 findings in common, 2 only the marketplace's, 1 only Preflight's) is imported on
// the package view and shown side by side with exactly those counts; the package's History tab lists the scan
// and the compare; the History screen filters by operation and exports CSV that reads back as the rows shown;
// the name set in Settings is the one recorded. Axe-clean in English and Chinese. The app killed mid-scan leaves
// no event of that scan (and an intact database).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { HistoryStore, parseHistoryCsv } from '../../src-main/history/history'
import { openHomeDatabase } from '../../src-main/store/db'
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
      await b.page.getByTestId('verdict').waitFor({ timeout: 60_000 })
      await b.page.getByTestId('compare-import').waitFor()
      await b.page.getByTestId('compare-file').setInputFiles(report)
      const agreement = b.page.getByTestId('compare-agreement')
      await agreement.waitFor({ timeout: 30_000 })
      expect(await agreement.textContent()).toBe(
        'Agreement: 50% — 3 found by both, 2 only by the marketplace, 1 only by Preflight',
      )
      expect(await b.page.locator('[data-testid=compare-both] tbody tr').count()).toBe(3)
      expect(await b.page.locator('[data-testid=compare-only-marketplace] tbody tr').count()).toBe(2)
      expect(await b.page.locator('[data-testid=compare-only-preflight] tbody tr').count()).toBe(1)
      expect(
        await b.page
          .locator('[data-testid=compare-only-marketplace] tbody tr')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-gap'))),
      ).toEqual(['rule', 'database'])
      expect(await b.page.locator('[data-testid=compare-only-preflight] tbody tr').textContent()).toContain(
        'vulndb.missing',
      )
      await b.shot('compare')
      expect(await seriousAxeViolations(b.page)).toEqual([])

      // the package's History tab: its scan and the compare, by the name set in Settings
      await b.page.getByTestId('tab-history').click()
      const rows = b.page.locator('[data-testid=package-history] tbody tr')
      await rows.nth(1).waitFor()
      expect(
        await rows.evaluateAll((trs) =>
          trs.map((r) => `${r.getAttribute('data-kind')}:${r.getAttribute('data-result')}`),
        ),
      ).toEqual(['compare:done', 'scan:fail'])
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
      const [download] = await Promise.all([
        b.page.waitForEvent('download'),
        b.page.getByTestId('history-export-csv').click(),
      ])
      const csvPath = join(d, 'history.csv')
      await download.saveAs(csvPath)
      const exported = parseHistoryCsv(readFileSync(csvPath, 'utf8'))
      expect(exported.map((e) => `${e.kind}:${e.result}:${e.actor}:${e.subjectName}`)).toEqual([
        'compare:done:Release Team:shop.tar.gz',
      ])
      expect(exported[0].details).toMatchObject({ both: 3, onlyMarketplace: 2, onlyPreflight: 1 })
      await b.page.getByTestId('history-kind').selectOption('')
      // the export is itself an operation: scan, compare, export
      await b.page.getByTestId('history-count').filter({ hasText: '3 event(s)' }).waitFor()
      await b.shot('history')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.getByTestId('language').selectOption('zh-CN')
      await b.page.getByRole('heading', { name: '操作记录' }).waitFor()
      await b.page.getByText('已导出 1 条记录。').waitFor()
      // started in Chinese (every font subset loaded before the first render), as a Chinese user's app starts
      await b.page.reload()
      await b.page.getByTestId('nav-history').click()
      await b.page.getByRole('heading', { name: '操作记录' }).waitFor()
      await b.page.getByRole('cell', { name: '对比' }).waitFor()
      await b.page.waitForFunction(() => document.fonts.status === 'loaded')
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
      expect(
        await rows.evaluateAll((trs) =>
          trs.map((r) => `${r.getAttribute('data-kind')}:${r.getAttribute('data-result')}`),
        ),
      ).toEqual(['draft-revision:done', 'draft-revision:done'])
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

describe('the VM image view', () => {
  it('has the History and Marketplace report tabs too', async () => {
    const d = tmp('history-vm-')
    const img = join(d, 'web-server.qcow2')
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '1G'])
    const b = await openBrowser('history-vm', ui.url)
    try {
      await dropFiles(b.page, '[data-testid=dropzone]', [img])
      await b.page.getByTestId('open-vm').click()
      await b.page.getByTestId('vm-facts').waitFor({ timeout: 60_000 })
      const rows = b.page.locator('[data-testid=package-history] tbody tr')
      await rows.first().waitFor()
      expect(await rows.first().getAttribute('data-kind')).toBe('scan')
      expect(await rows.first().textContent()).toContain('web-server.qcow2')
      await b.page.getByTestId('tab-compare').click()
      await b.page.getByTestId('compare-import').waitFor()
      await b.shot('vm-tabs')
      expect(await seriousAxeViolations(b.page)).toEqual([])
    } finally {
      await b.close()
    }
  })
})

describe('the app killed mid-operation', () => {
  it('leaves no event of the operation it was doing, and an intact database', async () => {
    const d = tmp('history-kill-')
    const { pkg } = marketplaceCase(d)
    const big = join(d, 'big.tar')
    execFileSync('sh', [
      '-c',
      `truncate -s 400M '${join(d, 'zeros.bin')}' && tar -cf '${big}' -C '${d}' zeros.bin && rm '${join(d, 'zeros.bin')}'`,
    ])
    const app = await startUi()
    try {
      const ws = new WebSocket(`${app.origin.replace(/^http/, 'ws')}/ws?token=${app.token}`, { origin: app.origin })
      await new Promise((res, rej) => ws.once('open', res).once('error', rej))
      let next = 1
      // a task's task.finished may come before the result of the invoke that started it
      const outcomes = new Map<string, boolean>()
      const finished = new Map<string, (ok: boolean) => void>()
      const results = new Map<number, (wire: { ok: boolean; result?: unknown }) => void>()
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as {
          type: string
          id?: number
          wire?: { ok: boolean; result?: unknown }
          event?: string
          payload?: { taskId: string; ok: boolean }
        }
        if (msg.type === 'result') results.get(msg.id!)?.(msg.wire!)
        else if (msg.event === 'task.finished') {
          outcomes.set(msg.payload!.taskId, msg.payload!.ok)
          finished.get(msg.payload!.taskId)?.(msg.payload!.ok)
        }
      })
      const invoke = <T>(channel: string, input: unknown) =>
        new Promise<T>((res) => {
          const id = next++
          results.set(id, (w) => res(w.result as T))
          ws.send(JSON.stringify({ id, token: app.token, channel, input }))
        })
      const scan = async (path: string) => {
        const { taskId } = await invoke<{ taskId: string }>('scan.start', { path })
        return new Promise<boolean>((res) =>
          outcomes.has(taskId) ? res(outcomes.get(taskId)!) : finished.set(taskId, res),
        )
      }
      // a scan that ends is one event
      expect(await scan(pkg)).toBe(true)
      expect((await invoke<{ events: unknown[] }>('history.list', {})).events).toHaveLength(1)
      // killed as soon as the services have the big package open, long before they could read it
      void scan(big)
      const pid = app.process.pid!
      const opened = () => {
        try {
          return readdirSync(`/proc/${pid}/fd`).some((fd) => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${fd}`) === big
            } catch {
              return false
            }
          })
        } catch {
          return false
        }
      }
      for (let i = 0; i < 600 && !opened(); i++) await new Promise((r) => setTimeout(r, 50))
      expect(opened()).toBe(true)
      app.process.kill('SIGKILL')
      await new Promise((r) => app.process.once('exit', r))
      ws.terminate()
    } finally {
      // stop() waits for an exit that, after the kill, has already happened
      if (app.process.exitCode === null && app.process.signalCode === null) await app.stop()
    }
    const db = openHomeDatabase(app.home)
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(new HistoryStore(db).list().map((e) => `${e.kind}:${e.subjectName}:${e.result}`)).toEqual([
        'scan:shop.tar.gz:fail',
      ])
    } finally {
      db.close()
    }
  })
})
