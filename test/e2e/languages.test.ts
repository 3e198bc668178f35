// Every screen in both languages and both themes: a screenshot of each (test-output/e2e/languages/<theme>-<lang>/),
// axe clean in each, and in zh-CN no Latin-script word a user reads outside an allow-list of what stays Latin in a
// Chinese UI (latin.ts: rule ids, file names, units, product and format names), and the Chinese of the navigation,
// the language choice, headings and table headers drawn in the shipped Noto Sans SC (cjk-fonts.ts) in both themes.
// As a user does, the app is walked in English, then switched to Chinese at run time. One browser walks both
// languages; each screen is looked at in both themes (the OS setting, emulated) without walking it twice.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cjkFontProblems, FONT_CHECKED } from './cjk-fonts'
import {
  dropFiles,
  openBrowser,
  ROOT,
  seriousAxeViolations,
  startUi,
  traversalPackage,
  type Browser,
  type UiServer,
} from './harness'
import { describeStray, latinTexts } from './latin'

/**
 * TEMPORARY — English made in src-main that other branches are turning into bilingual text right now, tolerated
 * per screen until they are merged; the lead empties this list after merging them. Nothing renderer-only here.
 */
const KNOWN_ENGLISH_UNTIL_MERGED: Record<string, RegExp[]> = {}

let ui: UiServer
let pkg: string
let b: Browser
beforeAll(async () => {
  const starting = startUi()
  pkg = traversalPackage('release-1_0.tar.gz')
  ui = await starting
  b = await openBrowser('languages', ui.url)
})
afterAll(async () => {
  await b?.close()
  await ui?.stop()
})

const THEMES = ['light', 'dark'] as const

describe('every screen, light and dark theme', () => {
  it.each(['en', 'zh-CN'] as const)(
    '%s: screenshots, axe clean, and in zh-CN no stray Latin word and Noto Sans SC',
    async (lang) => {
      const page = b.page
      const stray: string[] = []
      const axe: Record<string, string[]> = {}
      const fonts: string[] = []
      const counters: Record<string, number> = {}
      const look = async (name: string) => {
        if (lang === 'zh-CN') {
          await page.waitForFunction(() => document.fonts.status === 'loaded')
          // the fonts as the screen was first drawn, before a theme switch restyles (and so reshapes) it
          const f = await cjkFontProblems(page, FONT_CHECKED)
          fonts.push(...f.problems.map((x) => `${name} › ${x}`))
          if (f.checked === 0) fonts.push(`${name}: no Chinese text was checked`)
          stray.push(...describeStray(name, (await latinTexts(page, KNOWN_ENGLISH_UNTIL_MERGED[name])).stray))
        }
        for (const colorScheme of THEMES) {
          await page.emulateMedia({ colorScheme })
          const dir = join(ROOT, 'test-output', 'e2e', 'languages', `${colorScheme}-${lang}`)
          mkdirSync(dir, { recursive: true })
          const n = (counters[colorScheme] = (counters[colorScheme] ?? 0) + 1)
          await page.screenshot({ path: join(dir, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: true })
          const v = await seriousAxeViolations(page)
          if (v.length) axe[`${name} (${colorScheme})`] = v
        }
      }
      await page.getByTestId('nav-home').click()
      await page.getByTestId('language').selectOption(lang)
      // every screen in the navigation (a new screen is walked without touching this test)
      const screens = await page
        .locator('[data-testid^="nav-"]')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.testid!.slice(4)))
      expect(screens).toEqual(
        expect.arrayContaining(['home', 'wizard', 'containers', 'drafts', 'queue', 'databases', 'settings', 'history']),
      )
      for (const id of screens) {
        await page.getByTestId(`nav-${id}`).click()
        await page.waitForLoadState('networkidle')
        await page.waitForTimeout(300)
        await look(id)
      }
      await page.getByTestId('nav-home').click()
      await dropFiles(page, '[data-testid=dropzone]', [pkg])
      await page.getByTestId('verdict').waitFor({ timeout: 60_000 })
      await look('package')
      // one failure names everything: stray words (screen › element: words — text), axe violations, font problems
      expect({ stray, axe, fonts }).toEqual({ stray: [], axe: {}, fonts: [] })
    },
  )
})
