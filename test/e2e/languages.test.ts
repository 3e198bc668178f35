// Every screen in both languages and both themes: a screenshot of each (test-output/e2e/languages/), axe clean in
// each, and in zh-CN no Latin-script word a user reads (visible text, labels, placeholders, titles) outside an
// allow-list of what stays Latin in a Chinese UI: rule ids, file names, units, product and format names.
import { userInfo } from 'node:os'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, traversalPackage, type UiServer } from './harness'

let ui: UiServer
let pkg: string
beforeAll(async () => {
  ui = await startUi()
  pkg = traversalPackage('release-1_0.tar.gz')
})
afterAll(async () => {
  await ui?.stop()
})

/** Words that stay Latin in the Chinese UI: product, format and standard names, units. */
const ALLOWED = new Set(
  [
    'Preflight',
    'English',
    'KooGallery',
    'Huawei',
    'Cloud',
    'Samsung',
    'Platform',
    'SCP',
    'SWR',
    'OCI',
    'Docker',
    'ClamAV',
    'OSV',
    'CVSS',
    'CVE',
    'SBOM',
    'CycloneDX',
    'SARIF',
    'JSON',
    'CSV',
    'HTML',
    'XLSX',
    'PDF',
    'SHA',
    'sha256',
    'SHA-256',
    'MD5',
    'URL',
    'S3',
    'OBS',
    'VM',
    'qcow2',
    'vmdk',
    'vhd',
    'vhdx',
    'vdi',
    'qed',
    'raw',
    'iso',
    'zip',
    'tar',
    'gz',
    'tgz',
    'zst',
    'cvd',
    'cld',
    'hdb',
    'hsb',
    'ndb',
    'ldb',
    'all',
    'B',
    'KB',
    'KiB',
    'MB',
    'MiB',
    'GB',
    'GiB',
    'TB',
    'TiB',
    's',
    'ms',
    'vCPU',
    'CPU',
    'RAM',
    'x86',
    'x64',
    'Arm',
    'Arm64',
    'amd64',
    'arm64',
    'Linux',
    'Windows',
    'Ubuntu',
    'Debian',
    'CentOS',
    'RHEL',
    'Rocky',
    'Alma',
    'Oracle',
    'SLES',
    'KVM',
    'Xen',
    'UEFI',
    'BIOS',
    'ID',
    'API',
    'AK',
    'SK',
    'CI',
    'CLI',
    'npx',
    'preflight',
    'docker',
    'file',
    'https',
    'http',
    'PASS',
    'FAIL',
    'EICAR',
    'clamd',
    'clamscan',
    'clamdscan',
    'AWS',
    'Harbor',
    'MinIO',
    'Podman',
    'skopeo',
    'umoci',
    // the CLI's commands and options, quoted in fix hints as they are typed
    'scan',
    'vulndb',
    'signatures',
    'import',
    'repack',
    'convert',
    'upload',
    'profile',
    'format',
    'unsigned',
  ].map((w) => w.toLowerCase()),
)

// the OS account is data (the History's operator and the Settings' default name), not a word of the UI
ALLOWED.add(userInfo().username.toLowerCase())

/** Latin-script words a user reads in the page, minus rule ids, file names, paths, digests and the allow-list. */
async function latinWords(page: Page): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const out: string[] = [document.body.innerText]
    for (const el of Array.from(document.querySelectorAll('[aria-label],[placeholder],[title],[alt]'))) {
      for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
        const v = el.getAttribute(a)
        if (v) out.push(v)
      }
    }
    for (const el of Array.from(document.querySelectorAll('option'))) if (el.textContent) out.push(el.textContent)
    return out
  })
  const words = new Set<string>()
  for (const text of texts)
    for (const token of text.split(/[\s,;:()（），；：、。"“”'‘’[\]{}<>«»|]+/)) {
      // rule ids (a.b-c), file names and paths, digests, versions, URLs and names with digits are data, not words
      if (!token || (/[./\\@=!#_\d]/.test(token) && !/^[A-Za-z]+[.!?]$/.test(token))) continue
      for (const w of token.match(/[A-Za-z][A-Za-z'-]*/g) ?? [])
        if (!ALLOWED.has(w.toLowerCase()) && !ALLOWED.has(w.replace(/-.*$/, '').toLowerCase())) words.add(w)
    }
  return [...words].sort()
}

for (const colorScheme of ['light', 'dark'] as const)
  describe(`every screen, ${colorScheme} theme`, () => {
    it.each(['en', 'zh-CN'] as const)('%s: screenshots, axe clean, and no stray Latin word in zh-CN', async (lang) => {
      const b = await openBrowser(`languages/${colorScheme}-${lang}`, ui.url, undefined, { colorScheme })
      const stray: Record<string, string[]> = {}
      const axe: Record<string, string[]> = {}
      const look = async (name: string) => {
        await b.shot(name)
        const v = await seriousAxeViolations(b.page)
        if (v.length) axe[name] = v
        if (lang === 'zh-CN') {
          const w = await latinWords(b.page)
          if (w.length) stray[name] = w
        }
      }
      try {
        await b.page.getByTestId('language').selectOption(lang)
        // every screen in the navigation (a new screen is walked without touching this test)
        const screens = await b.page
          .locator('[data-testid^="nav-"]')
          .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.testid!.slice(4)))
        expect(screens).toEqual(
          expect.arrayContaining([
            'home',
            'wizard',
            'containers',
            'drafts',
            'queue',
            'databases',
            'settings',
            'history',
          ]),
        )
        for (const id of screens) {
          await b.page.getByTestId(`nav-${id}`).click()
          await b.page.waitForLoadState('networkidle')
          await b.page.waitForTimeout(300)
          await look(id)
        }
        await b.page.getByTestId('nav-home').click()
        await dropFiles(b.page, '[data-testid=dropzone]', [pkg])
        await b.page.getByTestId('verdict').waitFor({ timeout: 60_000 })
        await look('package')
        expect(axe).toEqual({})
        expect(stray).toEqual({})
      } finally {
        await b.close()
      }
    })
  })
