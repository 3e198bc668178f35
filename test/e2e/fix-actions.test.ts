// Fix advice the app does itself, in the real UI (browser mode): a package whose name the marketplace refuses
// ("my app 1.0.tgz") gets "Rename a copy…": the proposed name is judged live by the scan's rules (in English and
// Chinese), the copy is written and verified beside the dropped file, opened and scanned without package.name-invalid,
// and saved by the page; then the profile picker scans the copy again under another profile, which Recent scans keeps.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
let dir: string
beforeAll(async () => {
  ui = await startUi()
  dir = tmp('fix-actions-')
})
afterAll(async () => {
  await ui?.stop()
})

/** A harmless tar.gz under a name the marketplace refuses (spaces and a dot before the extension, and .tgz). */
function badlyNamed(name: string): string {
  mkdirSync(join(dir, 'src'), { recursive: true })
  writeFileSync(join(dir, 'src', 'README.md'), 'hello\n')
  const out = join(dir, name)
  execFileSync('tar', ['-czf', out, '-C', join(dir, 'src'), 'README.md'])
  return out
}

describe('fix actions on the package view', () => {
  it('renames a copy, scans it, saves it, and scans it again under a chosen profile', async () => {
    const pkg = badlyNamed('my app 1.0.tgz')
    const b = await openBrowser('fix-actions', ui.url)
    const p = b.page
    try {
      await dropFiles(p, '[data-testid=dropzone]', [pkg])
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      expect(await p.locator('[data-rule="package.name-invalid"]').count()).toBe(1)
      expect(await p.locator('[data-rule="package.format-unsupported"]').count()).toBe(1)

      // the rename: the proposal is accepted by the rules; an edit is judged as it is typed
      await p.getByTestId('fix-package.name-invalid').click()
      const input = p.getByTestId('rename-name')
      await p.getByTestId('rename-check').getByText('The scan rules accept this name.').waitFor()
      expect(await input.inputValue()).toBe('my_app_1_0.tar.gz')
      await input.fill('my app.tgz')
      await p
        .getByTestId('rename-check')
        .getByText('Use only letters, digits, -, _, ( and ) before the extension, e.g. my_app.tar.gz.')
        .waitFor()
      expect(await p.getByTestId('rename-check').textContent()).toContain('end the name with .tar.gz')
      expect(await p.getByTestId('rename-write').isDisabled()).toBe(true)
      await p.getByTestId('language').selectOption('zh-CN')
      await p
        .getByTestId('rename-check')
        .getByText('扩展名前只能使用字母、数字、-、_、( 和 )，例如 my_app.tar.gz。')
        .waitFor()
      await b.shot('rename-refused-zh')
      await p.getByTestId('language').selectOption('en')
      await input.fill('my_app_1_0.tar.gz')
      await p.getByTestId('rename-check').getByText('The scan rules accept this name.').waitFor()
      expect(await seriousAxeViolations(p)).toEqual([])
      await p.getByTestId('rename-write').click()

      // the copy is opened and scanned: the name and format findings are gone, the original is untouched
      await p.getByTestId('renamed-copy').waitFor({ timeout: 60_000 })
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      expect(await p.getByTestId('renamed-copy').textContent()).toContain(
        'A copy of my app 1.0.tgz was written as my_app_1_0.tar.gz and verified (SHA-256)',
      )
      expect(await p.getByTestId('summary').textContent()).toContain('my_app_1_0.tar.gz')
      expect(await p.locator('[data-rule="package.name-invalid"]').count()).toBe(0)
      expect(await p.locator('[data-rule="package.format-unsupported"]').count()).toBe(0)
      expect(await p.locator('[data-rule="package.extension-mismatch"]').count()).toBe(0)
      await b.shot('copy-scanned')

      // browser mode: the page saves the copy, byte for byte the original
      const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('save-copy').click()])
      expect(download.suggestedFilename()).toBe('my_app_1_0.tar.gz')
      const saved = join(dir, 'saved.tar.gz')
      await download.saveAs(saved)
      expect(readFileSync(saved).equals(readFileSync(pkg))).toBe(true)

      // the profile picker: the profiles that fit a tar.gz, the auto-picked one marked
      const picker = p.getByTestId('profile-picker')
      expect(await picker.inputValue()).toBe('koogallery-app')
      const options = await picker.locator('option').allTextContents()
      expect(options).toEqual([
        'KooGallery application asset (koogallery-app) (picked from the content)',
        'KooGallery container package (koogallery-container)',
        'SWR container image (swr-image)',
      ])
      // the auto-picked finding's fix leads to the picker
      await p.getByTestId('fix-profile.auto-picked').click()
      expect(await p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('profile-picker')
      const scannedBefore = await p.getByTestId('report-sha256').textContent()
      await picker.selectOption('swr-image')
      await p.locator('[data-testid=profile-picker]:not([disabled])').waitFor({ timeout: 60_000 })
      await p.waitForFunction(
        () =>
          (document.querySelector('[data-testid=profile-picker]') as HTMLSelectElement | null)?.value === 'swr-image' &&
          !document.querySelector('[data-rule="profile.auto-picked"]'),
        null,
        { timeout: 60_000 },
      )
      expect(await p.getByTestId('report-sha256').textContent()).toBe(scannedBefore)
      expect(await p.getByTestId('stored-report').count()).toBe(0) // a new scan, not a stored report
      expect(await picker.locator('option', { hasText: 'picked from the content' }).textContent()).toContain(
        'koogallery-app',
      )
      expect(await p.getByTestId('save-copy').count()).toBe(1) // still the renamed copy, still saveable
      await b.shot('rescanned-swr')

      // Recent scans keeps the scan under the chosen profile, and the copy's and the original's scans
      await p.getByTestId('nav-home').click()
      const rows = p.getByTestId('recent-row')
      await rows.first().waitFor()
      const text = await rows.allTextContents()
      expect(text.some((r) => r.includes('my_app_1_0.tar.gz') && r.includes('swr-image'))).toBe(true)
      expect(text.some((r) => r.includes('my_app_1_0.tar.gz') && r.includes('koogallery-app'))).toBe(true)
      expect(text.some((r) => r.includes('my app 1.0.tgz'))).toBe(true)
    } finally {
      await b.close()
    }
  })
})
