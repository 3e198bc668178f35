// Chinese renders on a machine with no CJK font (this one: only DejaVu): the app ships Noto Sans SC, every text of
// the zh-CN UI resolves to it, all its subsets are loaded before the first render (so no glyph is waited for, which
// Chromium would leave as boxes), and they come from the app itself. In English the subsets are loaded on demand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBrowser, startUi, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

describe('the Chinese UI font', () => {
  it('renders the zh-CN screens in the shipped Noto Sans SC with every subset loaded first', async () => {
    const b = await openBrowser('fonts', ui.url)
    try {
      const { page } = b
      await page.evaluate(() => localStorage.setItem('preflight.lang', 'zh-CN'))
      await page.reload()
      await page.locator('h1').first().waitFor()
      const state = await page.evaluate(() => {
        const faces: Array<{ status: string; weight: string }> = []
        document.fonts.forEach((f) => {
          if (f.family.replace(/["']/g, '') === 'Noto Sans SC') faces.push({ status: f.status, weight: f.weight })
        })
        const h1 = document.querySelector('h1')!
        return {
          faces,
          heading: h1.textContent,
          family: getComputedStyle(h1).fontFamily,
          checks: ['400', '700'].map((w) => document.fonts.check(`${w} 16px "Noto Sans SC"`, h1.textContent ?? '')),
        }
      })
      expect(state.heading).toMatch(/[\u4e00-\u9fff]/)
      expect(state.family).toContain('Noto Sans SC')
      expect(state.faces.length).toBeGreaterThan(150)
      expect(state.faces.filter((f) => f.status !== 'loaded')).toEqual([])
      expect(state.checks).toEqual([true, true])
      await b.shot('home-zh')
      expect(b.foreignRequests).toEqual([])

      await page.evaluate(() => localStorage.setItem('preflight.lang', 'en'))
      await page.reload()
      await page.locator('h1').first().waitFor()
      const loadedInEnglish = await page.evaluate(() => {
        let n = 0
        document.fonts.forEach((f) => {
          if (f.family.replace(/["']/g, '') === 'Noto Sans SC' && f.status === 'loaded') n++
        })
        return n
      })
      expect(loadedInEnglish).toBeLessThan(20)
    } finally {
      await b.close()
    }
  })
})
