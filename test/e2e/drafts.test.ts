// Drafts end to end on the real services (issue 19): a title the seller edits (it follows the package and
// profile until then), each draft's own readiness in the list (its release findings: ready / N to fix, apart from
// the package's scan verdict), and a revision history with one entry per meaningful change — a burst of typing in
// one field is one revision, moving between the wizard's steps is none — showing field labels and before → after
// values. In English and Simplified Chinese, dates with Intl in the chosen language, axe clean. In zh-CN a field's
// validation error is shown in Chinese next to it, and a draft renamed from the list keeps its title after a reload.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
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

describe('drafts', () => {
  it('title, readiness and a history of meaningful changes, in en and zh-CN', async () => {
    const dir = tmp('drafts-')
    const image = join(dir, 'web-server.qcow2')
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M'])
    const b = await openBrowser('drafts', ui.url, { width: 1024, height: 700 })
    const p = b.page
    const saved = () => p.getByTestId('save-status').filter({ hasText: /Saved/ }).waitFor()
    try {
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-scp-image').click()
      await p.getByTestId('step-package').waitFor()
      await dropFiles(p, '[data-testid=dropzone]', [image])
      await p.getByTestId('wizard-package').waitFor({ timeout: 60_000 })
      await expect
        .poll(() => p.getByTestId('draft-title').inputValue())
        .toBe('web-server.qcow2 · Samsung Cloud Platform image')
      await saved()
      await p.getByTestId('draft-title').fill('Web server release')
      await saved()
      await expect.poll(() => p.locator('#wizard-title').textContent()).toBe('Release wizard — Web server release')

      // a burst of typing in one field: one revision
      await p.getByTestId('step-image').click()
      const name = p.locator('[data-field="attrs.name"]')
      expect(await name.inputValue()).toBe('web-server') // from the package name
      await name.fill('')
      await name.pressSequentially('web server', { delay: 120 })
      await saved()
      await p.locator('[data-field="attrs.osType"]').selectOption('Ubuntu')
      await saved()
      // moving between steps: no revision
      for (const step of ['sharing', 'review', 'image', 'package', 'sharing']) {
        await p.getByTestId(`step-${step}`).click()
        await saved()
      }
      await p.getByTestId('next').click()
      await saved()
      await p.getByTestId('back').click()
      await saved()

      await p.getByTestId('nav-drafts').click()
      const row = p.locator('tr[data-testid^="draft-"]').filter({ hasText: 'Web server release' })
      await row.waitFor()
      // its own readiness: the visibility is still missing; the package was never scanned
      expect(await row.getByTestId('draft-readiness').textContent()).toBe('1 to fix')
      expect(await row.getByTestId('draft-verdict').textContent()).toBe('Not scanned')
      expect(await row.locator('td').nth(1).textContent()).toBe('Samsung Cloud Platform image')
      await row.getByRole('button', { name: 'History' }).click()
      const history = p.getByTestId('draft-history')
      await history.waitFor()
      const entries = history.locator('> li')
      // created, package chosen (with the title following it), renamed, image name typed, OS type chosen
      await expect.poll(() => entries.count()).toBe(5)
      const texts = await entries.allInnerTexts()
      expect(texts[0]).toMatch(/^Revision 5 · .+Restore\s+OS type: — → Ubuntu$/s)
      expect(texts[1]).toMatch(/Image name: web-server → web server$/)
      expect(texts[2]).toMatch(/Title: web-server\.qcow2 · Samsung Cloud Platform image → Web server release$/)
      expect(texts[3]).toMatch(/Package file: — → web-server\.qcow2/)
      expect(texts[3]).toMatch(/Image name: — → web-server/)
      expect(texts[4]).toMatch(/Draft created$/)
      expect(texts.join('\n')).not.toMatch(/wizard|attrs\.|step/)
      // dates in the chosen language, through Intl
      const updated = await row.locator('time').getAttribute('datetime')
      const inPage = (lang: string, iso: string) =>
        p.evaluate(
          ([l, d]) => new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(d)),
          [lang, iso] as const,
        )
      expect(await row.locator('time').textContent()).toBe(await inPage('en', updated!))
      await b.shot('drafts-history')
      expect(await seriousAxeViolations(p)).toEqual([])

      // the seller fixes the last field: the draft is ready, though still not scanned
      await row.getByRole('button', { name: /^Continue/ }).click()
      await p.getByTestId('step-sharing').click()
      await p.locator('[data-field="attrs.visibility"]').selectOption('Private')
      await saved()
      await p.getByTestId('nav-drafts').click()
      await expect
        .poll(() =>
          p
            .locator('tr[data-testid^="draft-"]')
            .filter({ hasText: 'Web server release' })
            .getByTestId('draft-readiness')
            .textContent(),
        )
        .toBe('Ready')

      // a file that is not a draft export: a sentence saying what to choose instead
      const notDraft = join(dir, 'notes.json')
      writeFileSync(notDraft, '{"hello": 1}')
      await p.getByTestId('drafts-import').setInputFiles(notDraft)
      await p
        .getByRole('alert')
        .filter({
          hasText:
            /^The draft was not imported: .*is not a Preflight draft export.* Choose a file exported from Preflight \(name\.preflight-draft\.json\)\.$/,
        })
        .waitFor()

      // Simplified Chinese: the same list and history, dates in Chinese
      await p.getByTestId('language').selectOption('zh-CN')
      const zhRow = p.locator('tr[data-testid^="draft-"]').filter({ hasText: 'Web server release' })
      expect(await zhRow.getByTestId('draft-readiness').textContent()).toBe('可以提交')
      expect(await zhRow.getByTestId('draft-verdict').textContent()).toBe('未扫描')
      expect(await zhRow.locator('td').nth(1).textContent()).toBe('Samsung Cloud Platform 镜像')
      const zhUpdated = await zhRow.locator('time').getAttribute('datetime')
      expect(await zhRow.locator('time').textContent()).toBe(await inPage('zh-CN', zhUpdated!))
      expect(await zhRow.locator('time').textContent()).toMatch(/年/)
      await zhRow.getByRole('button', { name: '历史' }).click()
      await p.getByTestId('draft-history').waitFor()
      const zhTexts = await p.getByTestId('draft-history').locator('> li').allInnerTexts()
      expect(zhTexts[0]).toMatch(/^修订 6 · .+恢复\s+可见性：— → 私有$/s)
      expect(zhTexts.join('\n')).toMatch(/镜像名称：web-server → web server/)
      expect(zhTexts.join('\n')).toMatch(/标题：web-server\.qcow2 · Samsung Cloud Platform image → Web server release/)
      await b.shot('drafts-history-zh')
      expect(await seriousAxeViolations(p)).toEqual([])
    } finally {
      await b.close()
    }
  })
  it('zh-CN: a field made invalid shows its Chinese error next to it; a draft renamed from the list stays renamed', async () => {
    const b = await openBrowser('drafts-rename', ui.url, { width: 1024, height: 700 })
    const p = b.page
    const savedZh = () =>
      p
        .getByTestId('save-status')
        .filter({ hasText: /已保存/ })
        .waitFor()
    try {
      await p.getByTestId('language').selectOption('zh-CN')
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-swr-image').click()
      await p.getByTestId('step-package').waitFor()
      await p.getByTestId('step-repository').click()
      const org = p.locator('[data-field="attrs.organization"]')
      await org.fill('Acme')
      // the error is the field's own (aria-describedby), in Chinese
      const describedBy = p.locator('[data-field="attrs.organization"][aria-invalid="true"]')
      await describedBy.waitFor()
      const errorId = (await describedBy.getAttribute('aria-describedby'))!.split(' ')[0]
      await expect
        .poll(() => p.locator(`[id="${errorId}"]`).textContent())
        .toBe(
          'SWR 不接受组织“Acme”：请输入 1–64 个小写字母、数字和单个分隔符（_、__ 或 -），以小写字母开头，以字母或数字结尾，如 acme-tools。',
        )
      await savedZh()
      // the review's table names the same problem in Chinese, with a translated severity
      await p.getByTestId('step-review').click()
      const finding = p.getByTestId('review-findings').locator('tr').filter({ hasText: 'swr.name-invalid' })
      await finding.waitFor()
      expect(await finding.locator('td').first().textContent()).toBe('阻断 swr.name-invalid')
      expect(await finding.getByTestId('finding-message').textContent()).toMatch(/^SWR 不接受组织“Acme”：/)
      await b.shot('wizard-error-zh')

      await p.getByTestId('nav-drafts').click()
      // the row by its draft id: while its title is edited, its text no longer holds the title
      const rowId = await p
        .locator('tr[data-testid^="draft-"]')
        .filter({ hasText: 'SWR 容器镜像草稿' })
        .getAttribute('data-testid')
      const row = p.getByTestId(rowId!)
      await row.getByTestId('draft-rename').click()
      const input = row.getByTestId('draft-title-input')
      // an empty title is refused with a sentence saying what to do; Escape keeps the old one
      await input.fill('  ')
      await input.press('Enter')
      expect(await row.getByTestId('draft-title-error').textContent()).toBe(
        '请输入标题：草稿需要一个名称（按 Esc 可保留“SWR 容器镜像草稿”）。',
      )
      expect(await input.getAttribute('aria-invalid')).toBe('true')
      expect(await seriousAxeViolations(p)).toEqual([])
      await input.press('Escape')
      await expect.poll(() => row.getByTestId('draft-title').textContent()).toBe('SWR 容器镜像草稿')
      expect(await p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('draft-rename')

      await row.getByTestId('draft-rename').click()
      await row.getByTestId('draft-title-input').fill('Web 应用发布')
      await row.getByTestId('draft-title-input').press('Enter')
      await p.getByRole('status').filter({ hasText: '已将“SWR 容器镜像草稿”重命名为“Web 应用发布”。' }).waitFor()
      const renamed = p.locator('tr[data-testid^="draft-"]').filter({ hasText: 'Web 应用发布' })
      await renamed.waitFor()
      await b.shot('drafts-renamed-zh')

      // persisted: after a reload the list, the wizard and the draft's history have the new title
      await p.reload()
      await p.getByTestId('nav-drafts').click()
      const again = p.locator('tr[data-testid^="draft-"]').filter({ hasText: 'Web 应用发布' })
      expect(await again.getByTestId('draft-title').textContent()).toBe('Web 应用发布')
      await again.getByRole('button', { name: '历史' }).click()
      await p.getByTestId('draft-history').waitFor()
      await expect
        .poll(() => p.getByTestId('draft-history').locator('> li').first().innerText())
        .toMatch(/标题：SWR 容器镜像草稿 → Web 应用发布$/)
      await again.getByRole('button', { name: /^继续/ }).click()
      await expect.poll(() => p.locator('#wizard-title').textContent()).toMatch(/ — Web 应用发布$/)
    } finally {
      await b.close()
    }
  })
})
