// Which font Chromium actually drew a node's Chinese text with, asked through DevTools (CSS.getPlatformFontsForNode):
// on a machine with no CJK system font (this one: only DejaVu), text the shipped Noto Sans SC does not draw comes out
// as empty boxes. document.fonts.check says a face is loaded; only the platform fonts of the node say it was used,
// including inside a <select>, whose shown option is drawn in the browser's own shadow tree.
import type { Page } from 'playwright-core'

interface CdpNode {
  nodeId: number
  nodeType: number
  nodeName: string
  nodeValue: string
  attributes?: string[]
  children?: CdpNode[]
  shadowRoots?: CdpNode[]
}

interface PlatformFont {
  familyName: string
  postScriptName?: string
  isCustomFont: boolean
  glyphCount: number
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/
const CJK_ALL = new RegExp(CJK.source, 'g')

/**
 * For every element matched by `selectors` (and each element below it, shadow trees included) whose own text holds
 * Chinese: a line saying so when not every Chinese character of it was drawn with the custom 'Noto Sans SC' font. Also returns how
 * many nodes with Chinese text were checked (so a check that found none can fail).
 */
export async function cjkFontProblems(
  page: Page,
  selectors: string[],
): Promise<{ checked: number; problems: string[] }> {
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('DOM.enable')
    await cdp.send('CSS.enable')
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: CdpNode }
    const matched = new Set<number>()
    for (const selector of selectors) {
      const { nodeIds } = (await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector })) as {
        nodeIds: number[]
      }
      for (const id of nodeIds) matched.add(id)
    }
    // the pierced tree, to reach each matched element's descendants and shadow roots
    const byId = new Map<number, CdpNode>()
    const index = (n: CdpNode) => {
      byId.set(n.nodeId, n)
      for (const c of [...(n.children ?? []), ...(n.shadowRoots ?? [])]) index(c)
    }
    index(root)
    const targets = new Map<number, { node: CdpNode; label: string; cjk: number }>()
    const collect = (n: CdpNode, label: string) => {
      if (n.nodeType === 1 || n.nodeType === 11) {
        const own = (n.children ?? [])
          .filter((c) => c.nodeType === 3)
          .map((c) => c.nodeValue)
          .join('')
        if (n.nodeType === 1 && CJK.test(own))
          targets.set(n.nodeId, { node: n, label: `${label} “${own.trim()}”`, cjk: own.match(CJK_ALL)!.length })
        for (const c of [...(n.children ?? []), ...(n.shadowRoots ?? [])]) collect(c, label)
      }
    }
    for (const id of matched) {
      const n = byId.get(id)
      if (!n) continue
      const attrs = n.attributes ?? []
      const testId = attrs[attrs.indexOf('data-testid') + 1]
      collect(n, `<${n.nodeName.toLowerCase()}>${attrs.includes('data-testid') ? `[data-testid=${testId}]` : ''}`)
    }
    const problems: string[] = []
    let checked = 0
    for (const { node, label, cjk } of targets.values()) {
      const { fonts } = (await cdp.send('CSS.getPlatformFontsForNode', { nodeId: node.nodeId })) as {
        fonts: PlatformFont[]
      }
      // a node not laid out (display: none, a closed option list) draws nothing
      if (!fonts.length) continue
      checked++
      const noto = fonts.find((f) => f.isCustomFont && /Noto Sans SC/i.test(f.familyName))
      // every Chinese character of the text is one of Noto's glyphs (its Latin may be too, as the font stack says)
      if (!noto || noto.glyphCount < cjk)
        problems.push(
          `${label}: drawn with ${fonts.map((f) => `${f.familyName}${f.isCustomFont ? ' (custom)' : ''} ×${f.glyphCount}`).join(', ')}, not the custom Noto Sans SC`,
        )
    }
    return { checked, problems }
  } finally {
    await cdp.detach()
  }
}

/** The elements whose Chinese must be drawn in Noto Sans SC: navigation, the language choice, headings, bold headers. */
export const FONT_CHECKED = ['[data-testid^="nav-"]', '[data-testid=language]', 'h1', 'h2', 'h3', 'th', 'dd', '.mono']
