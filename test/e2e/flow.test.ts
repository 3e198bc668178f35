// The app's flow end to end (issue 19): the SWR wizard prefilled from a real image's tags; a dropped package
// scanned at once; several files scanned each, or image tars offered as a bundle; Recent scans reopened
// without reading the file again; browser Back/Forward between screens; the waiver dialog by keyboard.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
let dir: string
beforeAll(async () => {
  ui = await startUi()
  dir = tmp('flow-')
})
afterAll(async () => {
  await ui?.stop()
})

/** A docker-archive image tar as skopeo writes it, tagged `ref`. */
function imageTar(name: string, ref: string): string {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  mkdirSync(join(dir, `${name}-c`), { recursive: true })
  writeFileSync(join(dir, `${name}-c`, 'index.html'), name)
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(dir, `${name}-c`), '/srv'])
  const out = join(dir, `${name}.tar`)
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${out}:${ref}`])
  return out
}

/** An application package: a tar.gz holding one script. */
function appPackage(name: string, script = '#!/bin/sh\necho hi\n'): string {
  mkdirSync(join(dir, `${name}-src`), { recursive: true })
  writeFileSync(join(dir, `${name}-src`, 'run.sh'), script)
  const out = join(dir, `${name}.tar.gz`)
  execFileSync('tar', ['-czf', out, '-C', join(dir, `${name}-src`), 'run.sh'])
  return out
}

const sha256sum = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]

describe('dropping packages', () => {
  it('one file: the pre-scan starts by itself, one progress bar, then the report', async () => {
    const pkg = appPackage('shop-1_0')
    const b = await openBrowser('flow-drop-one', ui.url)
    const p = b.page
    try {
      await dropFiles(p, '[data-testid=dropzone]', [pkg])
      // no button between the drop and the scan: the package view's one progress bar, then the verdict
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      expect(await p.getByTestId('report-sha256').textContent()).toBe(sha256sum(pkg))
      expect(await p.getByTestId('summary').textContent()).toContain('shop-1_0.tar.gz')
      expect(await p.getByTestId('stored-report').count()).toBe(0)
      await b.shot('scanned')
      expect(await seriousAxeViolations(p)).toEqual([])
    } finally {
      await b.close()
    }
  })

  it('several files: each is pre-scanned; image tars among them are offered as a bundle', async () => {
    const web = imageTar('drop-web', 'acme/web:1.0')
    const api = imageTar('drop-api', 'acme/api:1.0')
    const app = appPackage('drop-app')
    const b = await openBrowser('flow-drop-many', ui.url)
    const p = b.page
    try {
      await dropFiles(p, '[data-testid=dropzone]', [web, api, app])
      await p.getByTestId('batch').waitFor()
      expect(await p.getByTestId('batch-row').count()).toBe(3)
      await expect
        .poll(async () => (await p.getByTestId('batch-state').allTextContents()).join('|'), { timeout: 120_000 })
        .toMatch(/^(PASS|FAIL)[^|]*\|(PASS|FAIL)[^|]*\|(PASS|FAIL)[^|]*$/)
      await p.getByTestId('bundle-images').waitFor()
      expect(await p.getByTestId('batch').textContent()).toContain('2 of these files are container image tars')
      await b.shot('batch')
      expect(await seriousAxeViolations(p)).toEqual([])
      // each file's report opens from the list (kept in Recent scans: shown without scanning again)
      await p.getByRole('button', { name: 'Open drop-app.tar.gz' }).first().click()
      await p.getByTestId('stored-report').waitFor()
      expect(await p.getByTestId('report-sha256').textContent()).toBe(sha256sum(app))
      await p.getByTestId('nav-home').click()
      await p.getByTestId('bundle-images').click()
      await expect
        .poll(async () => (await p.getByTestId('image-state').allTextContents()).join('|'), { timeout: 60_000 })
        .toBe('docker-archive (will be converted)|docker-archive (will be converted)')
      expect(await p.locator('[data-testid=images-table] td.mono').allTextContents()).toEqual([
        'drop-web.tar',
        'drop-api.tar',
      ])
      await b.shot('bundle-offered')
      // a zone for one file refuses several, saying so
      await p.getByTestId('nav-queue').click()
      await p.getByTestId('queue-new').click()
      await dropFiles(p, '[data-testid=queue-dropzone]', [web, app])
      await p
        .getByTestId('queue-dropzone')
        .getByRole('alert')
        .filter({ hasText: 'Drop one file here: 2 files were dropped, none was taken.' })
        .waitFor()
    } finally {
      await b.close()
    }
  })
})

describe('Recent scans', () => {
  it('drop → scan starts by itself → leave → Recent scans → reopen without reading; re-checked after a change', async () => {
    const pkg = appPackage('recent-1_0')
    const b = await openBrowser('flow-recent', ui.url)
    const p = b.page
    try {
      await dropFiles(p, '[data-testid=dropzone]', [pkg])
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      const first = await p.getByTestId('report-sha256').textContent()
      expect(first).toBe(sha256sum(pkg))
      // while the package is open the package view is in the navigation
      await p.getByTestId('nav-queue').click()
      expect(await p.getByTestId('nav-package').textContent()).toContain('recent-1_0.tar.gz')
      await p.getByTestId('nav-home').click()
      const row = p.getByTestId('recent-row').filter({ hasText: 'recent-1_0.tar.gz' })
      await row.waitFor()
      expect(await row.textContent()).toMatch(/koogallery-app.*PASS/)
      await b.shot('recent')
      expect(await seriousAxeViolations(p)).toEqual([])
      await row.getByTestId('recent-open').click()
      await p.getByTestId('stored-report').waitFor()
      expect(await p.getByTestId('progress').count()).toBe(0)
      expect(await p.getByTestId('report-sha256').textContent()).toBe(first)
      expect(await p.getByTestId('stored-report').textContent()).toMatch(
        /has not changed since \(same size and modification time\)/,
      )
      await b.shot('reopened')
      // the file the app scanned (browser mode's staged copy) gets other bytes of the same size and mtime:
      // reopening still trusts size and mtime, re-checking reads it and scans the new content
      await p.getByTestId('nav-home').click()
      const path = (await p
        .getByTestId('recent-row')
        .filter({ hasText: 'recent-1_0.tar.gz' })
        .locator('td.mono')
        .getAttribute('title'))!
      const size = statSync(path).size
      execFileSync('cp', ['--preserve=timestamps', path, join(dir, 'stamp')])
      const bytes = readFileSync(path)
      bytes[bytes.length - 1] ^= 0xff
      writeFileSync(path, bytes)
      execFileSync('touch', ['-m', '-r', join(dir, 'stamp'), path]) // the mtime to the nanosecond
      expect(statSync(path).size).toBe(size)
      await p.getByTestId('nav-package').click()
      await p.getByTestId('stored-report').waitFor()
      expect(await p.getByTestId('report-sha256').textContent()).toBe(first)
      await p.getByTestId('recheck').click()
      await p.getByTestId('package-changed').waitFor()
      expect(await p.getByTestId('package-changed').textContent()).toMatch(/other content/)
      await expect.poll(() => p.getByTestId('report-sha256').textContent(), { timeout: 60_000 }).toBe(sha256sum(path))
      expect(sha256sum(path)).not.toBe(first)
      await b.shot('rechecked')
      // a stored report that cannot be read is said so, and the file is scanned
      const db = new Database(join(ui.home, 'preflight.sqlite'))
      db.prepare("UPDATE recent_scans SET report_json = '{oops' WHERE name = ?").run('recent-1_0.tar.gz')
      db.close()
      await p.getByTestId('nav-home').click()
      await p.getByTestId('recent-row').filter({ hasText: 'recent-1_0.tar.gz' }).getByTestId('recent-open').click()
      await p.getByTestId('stored-unusable').waitFor()
      expect(await p.getByTestId('stored-unusable').textContent()).toMatch(
        /stored report could not be used .*cannot be read.*scan the file again/,
      )
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      expect(await p.getByTestId('report-sha256').textContent()).toBe(sha256sum(path))
      await p.getByTestId('language').selectOption('zh-CN')
      // the reason comes from the service in both languages: in Chinese, the Chinese one
      expect(await p.getByTestId('stored-unusable').textContent()).toMatch(
        /无法使用已保存的报告（.*已损坏.*请重新扫描该文件。）/,
      )
      await p.getByTestId('nav-home').click()
      await p.getByRole('heading', { name: '最近扫描' }).waitFor()
      expect(await seriousAxeViolations(p)).toEqual([])
    } finally {
      await b.close()
    }
  })
})

describe('browser history', () => {
  it('Back and Forward move between screens, never out of the app', async () => {
    const pkg = appPackage('history-1_0')
    const b = await openBrowser('flow-history', ui.url)
    const p = b.page
    const current = () => p.locator('nav [aria-current=page]').textContent()
    try {
      await p.getByTestId('nav-queue').click()
      await p.getByTestId('nav-databases').click()
      expect(await current()).toBe('Databases')
      await p.goBack()
      await expect.poll(current).toBe('Upload queue')
      await p.goBack()
      await expect.poll(current).toBe('Home')
      expect(p.url()).toBe(ui.url)
      await p.goForward()
      await expect.poll(current).toBe('Upload queue')
      await p.goForward()
      await expect.poll(current).toBe('Databases')
      // a package view is an entry too: Back to Home, Forward to its report again (stored: no second scan)
      await p.getByTestId('nav-home').click()
      await dropFiles(p, '[data-testid=dropzone]', [pkg])
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      await p.goBack()
      await p.getByTestId('dropzone').waitFor()
      expect(await current()).toBe('Home')
      await p.goForward()
      await p.getByTestId('stored-report').waitFor()
      expect(await p.getByTestId('summary').textContent()).toContain('history-1_0.tar.gz')
      expect(await current()).toMatch(/^Package/)
      // a reload stays on the screen it was on, and Back still works after it
      await p.reload()
      await p.getByTestId('stored-report').waitFor()
      await p.goBack()
      await p.getByTestId('dropzone').waitFor()
      await b.shot('back-home')
      expect(p.url()).toBe(ui.url)
    } finally {
      await b.close()
    }
  })
})

describe('waiver dialog', () => {
  it('opens under its finding, takes focus, closes on Escape and gives focus back — keyboard only', async () => {
    mkdirSync(join(dir, 'evil-src'), { recursive: true })
    writeFileSync(join(dir, 'evil-src/evil.txt'), 'x')
    execFileSync('tar', [
      '-cf',
      join(dir, 'inner.tar'),
      '-C',
      join(dir, 'evil-src'),
      '--transform',
      's,^evil,../evil,',
      'evil.txt',
    ])
    execFileSync('tar', ['-czf', join(dir, 'waive-keys.tar.gz'), '-C', dir, 'inner.tar'])
    const b = await openBrowser('flow-waive', ui.url)
    const p = b.page
    const focused = () =>
      p.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null)
    try {
      await dropFiles(p, '[data-testid=dropzone]', [join(dir, 'waive-keys.tar.gz')])
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      // Tab through the page to the finding's Waive… button
      for (let i = 0; i < 200 && (await focused()) !== 'waive-archive.path-traversal'; i++)
        await p.keyboard.press('Tab')
      expect(await focused()).toBe('waive-archive.path-traversal')
      await p.keyboard.press('Enter')
      const dialog = p.getByRole('dialog')
      await dialog.waitFor()
      expect(await focused()).toBe('waive-reason')
      // anchored: inside the finding it waives, named after it
      expect(await p.locator('[data-rule="archive.path-traversal"] [role=dialog]').count()).toBe(1)
      expect(await dialog.getAttribute('aria-labelledby')).toBeTruthy()
      expect(
        await p
          .getByRole('dialog', {
            name: /Waive archive\.path-traversal at waive-keys\.tar\.gz!inner\.tar!\.\.\/evil\.txt/,
          })
          .count(),
      ).toBe(1)
      expect(await p.getByTestId('waive-archive.path-traversal').getAttribute('aria-expanded')).toBe('true')
      await b.shot('dialog-open')
      expect(await seriousAxeViolations(p)).toEqual([])
      await p.keyboard.type('draft reason')
      await p.keyboard.press('Escape')
      await dialog.waitFor({ state: 'detached' })
      expect(await focused()).toBe('waive-archive.path-traversal')
      expect(await p.getByTestId('verdict').textContent()).toMatch(/FAIL/)
      // again: a save without a reason is refused in the dialog, then the reason is typed and saved
      await p.keyboard.press('Enter')
      await dialog.waitFor()
      expect(await p.getByTestId('waive-reason').inputValue()).toBe('')
      await p.keyboard.press('Tab')
      expect(await focused()).toBe('waive-save')
      await p.keyboard.press('Enter')
      await dialog.getByRole('alert').filter({ hasText: 'A waiver needs a reason.' }).waitFor()
      await p.keyboard.press('Shift+Tab')
      expect(await focused()).toBe('waive-reason')
      await p.keyboard.type('The installer never extracts inner.tar')
      await p.keyboard.press('Tab')
      await p.keyboard.press('Enter')
      await p.getByTestId('verdict').filter({ hasText: 'PASS' }).waitFor()
      await dialog.waitFor({ state: 'detached' })
      // focus is back on the finding's button, now Unwaive
      await expect.poll(focused).toBe('unwaive-archive.path-traversal')
      expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Unwaive')
      await b.shot('waived')
      await p.getByTestId('language').selectOption('zh-CN')
      for (let i = 0; i < 200 && (await focused()) !== 'unwaive-archive.path-traversal'; i++)
        await p.keyboard.press('Tab')
      await p.keyboard.press('Enter')
      await p.getByTestId('verdict').filter({ hasText: '未通过' }).waitFor()
      await expect.poll(focused).toBe('waive-archive.path-traversal')
      await p.keyboard.press('Enter')
      await p.getByRole('dialog', { name: /豁免 .* 处的 archive\.path-traversal/ }).waitFor()
      await b.shot('dialog-zh')
      expect(await seriousAxeViolations(p)).toEqual([])
    } finally {
      await b.close()
    }
  })
})

describe('SWR wizard', () => {
  it("prefills organization, repository and tag from the image tar's tag", async () => {
    const tar = imageTar('shop-web', 'swr.example.com/acme/shop-web:2.1')
    const b = await openBrowser('flow-swr', ui.url)
    const p = b.page
    try {
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-swr-image').click()
      await p.getByTestId('step-package').waitFor()
      await dropFiles(p, '[data-testid=dropzone]', [tar])
      await p.getByTestId('wizard-package').waitFor({ timeout: 60_000 })
      await p.getByTestId('step-prescan').click()
      await p.getByTestId('run-scan').click()
      await p.getByTestId('wizard-verdict').waitFor({ timeout: 120_000 })
      await p.getByTestId('step-repository').click()
      await expect.poll(() => p.locator('[data-field="attrs.repository"]').inputValue()).toBe('shop-web')
      expect(await p.locator('[data-field="attrs.organization"]').inputValue()).toBe('acme')
      expect(await p.locator('[data-field="attrs.tag"]').inputValue()).toBe('2.1')
      await b.shot('swr-prefilled')
      expect(await seriousAxeViolations(p)).toEqual([])
    } finally {
      await b.close()
    }
  })
})
