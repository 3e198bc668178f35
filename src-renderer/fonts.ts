// The Chinese UI font: Noto Sans SC (OFL-1.1, from @fontsource), so Simplified Chinese renders on machines with no
// CJK font. It comes as ~100 unicode-range subsets per weight. Chromium does not shape text again when a subset it
// was waiting for arrives (seen in Chromium 156: such text stays as missing-glyph boxes until its style changes),
// so in Chinese every subset is loaded before the first render (about 7 MB read from the app's own files, no
// network), and after any later font load the page is made to shape its text again.
import '@fontsource/noto-sans-sc/400.css'
import '@fontsource/noto-sans-sc/700.css'

const FAMILY = 'Noto Sans SC'
let allLoaded: Promise<void> | null = null

/** Flips text-rendering between two values that render alike here, so Chromium shapes the page's text again. */
function shapeAgain(): void {
  const root = document.documentElement
  root.style.textRendering =
    root.style.textRendering === 'optimizeLegibility' ? 'geometricPrecision' : 'optimizeLegibility'
}

/** Loads every subset of the Chinese font (at most `timeoutMs`), then shapes the page again. */
export function loadChineseFont(timeoutMs = 5000): Promise<void> {
  allLoaded ??= (async () => {
    const faces: FontFace[] = []
    document.fonts.forEach((f) => {
      if (f.family.replace(/["']/g, '') === FAMILY) faces.push(f)
    })
    await Promise.race([Promise.allSettled(faces.map((f) => f.load())), new Promise((r) => setTimeout(r, timeoutMs))])
    shapeAgain()
  })()
  return allLoaded
}

export function watchFontLoads(): void {
  document.fonts?.addEventListener('loadingdone', () => setTimeout(shapeAgain, 0))
}
