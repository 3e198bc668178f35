// The zh-CN check shared by languages.test.ts and languages-content.test.ts: the Latin-script words a Chinese user
// reads in the page (visible text, SVG text, every <option>, aria-label, placeholder, title, alt) outside an
// allow-list of what stays Latin in a Chinese UI (rule ids, file names, paths, units, product and format names),
// each with the element it is in, so one failure names every offending word, its screen and its element. Text
// inside an element marked lang="en" is meant as English and is not a stray word; it is returned apart.
import { userInfo } from 'node:os'
import type { Page } from 'playwright-core'

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
    'ZipCrypto',
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
    // names of systems, formats and algorithms, kept as they are in Chinese text
    'SSH',
    'setuid',
    'setgid',
    'zvhd',
    'FusionCompute',
    'Ironic',
    // programming languages the classification names
    'JavaScript',
    'TypeScript',
    'Python',
    'Java',
    'Go',
    'Rust',
    'PHP',
    'Ruby',
    'Node.js',
    'sshd',
    'Shell',
    'LTS',
    'ext',
    'deflate',
    'IAM',
    'npm',
    // the fixtures' data: a component's name, an image name made from a file name
    'lodash',
    'web-server',
  ].map((w) => w.toLowerCase()),
)

/**
 * Commands, options and settings quoted in fix hints, and names of roles, exactly as they are typed or shown in the
 * console: data, not words (taken out before the words are read, so "no" or "history" elsewhere still count).
 */
const TYPED = [
  'docker save',
  'chmod u-s,g-s',
  'passwd -l',
  'qemu-img snapshot -d',
  'rm ~/.bash_history',
  'history -c',
  'PasswordAuthentication no',
  'PasswordAuthentication yes',
  'PermitRootLogin prohibit-password',
  'PermitRootLogin yes',
  'IMS Administrator',
]

// the OS account is data (the History's operator and the Settings' default name), not a word of the UI
ALLOWED.add(userInfo().username.toLowerCase())

/** One text a user reads, and where: the element (tag.class) and the nearest data-testid around it. */
interface Read {
  text: string
  where: string
  english: boolean
}

/** Every text a user reads in the page, with its element; `english` when it sits in an element marked lang="en". */
async function readTexts(page: Page): Promise<Read[]> {
  return page.evaluate(() => {
    const where = (el: Element) => {
      const cls = (el.getAttribute('class') ?? '').trim().split(/\s+/)[0]
      const tid = el.closest('[data-testid]')?.getAttribute('data-testid')
      return `<${el.tagName.toLowerCase()}${cls ? `.${cls}` : ''}>${tid ? ` in [data-testid=${tid}]` : ''}`
    }
    const english = (el: Element) => /^en\b/i.test(el.closest('[lang]')?.getAttribute('lang') ?? '')
    const shown = (el: Element) => el.checkVisibility({ visibilityProperty: true })
    const out: Array<{ text: string; where: string; english: boolean }> = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement
      const text = n.textContent?.trim()
      // a <select>'s text is its options, read below whether it is open or not
      if (!el || !text || el.closest('script,style,select') || !shown(el)) continue
      out.push({ text, where: where(el), english: english(el) })
    }
    for (const el of Array.from(document.querySelectorAll('option'))) {
      const select = el.closest('select')
      if (el.textContent?.trim() && (!select || shown(select)))
        out.push({ text: el.textContent.trim(), where: where(el), english: english(el) })
    }
    for (const el of Array.from(document.querySelectorAll('[aria-label],[placeholder],[title],[alt]'))) {
      if (!shown(el)) continue
      for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
        const v = el.getAttribute(a)?.trim()
        if (v) out.push({ text: v, where: `${where(el)} @${a}`, english: english(el) })
      }
    }
    return out
  })
}

/** The Latin-script words of one text outside rule ids, file names, paths, digests and the allow-list. */
export function strayWordsOf(text: string): string[] {
  const words = new Set<string>()
  for (const typed of TYPED) text = text.split(typed).join(' ')
  for (const token of text.split(/[\s,;:()（），；：、。"“”'‘’[\]{}<>«»|]+/)) {
    // rule ids (a.b-c), file names and paths, digests, versions, URLs and names with digits are data, not words
    // and so are a command's options (-l, --format)
    if (!token || /^--?[A-Za-z]/.test(token) || (/[./\\@=!#_\d]/.test(token) && !/^[A-Za-z]+[.!?]$/.test(token)))
      continue
    for (const w of token.match(/[A-Za-z][A-Za-z'-]*/g) ?? [])
      if (!ALLOWED.has(w.toLowerCase()) && !ALLOWED.has(w.replace(/-.*$/, '').toLowerCase())) words.add(w)
  }
  return [...words]
}

export interface StrayText {
  /** The element: <tag.class> in [data-testid=…], @attribute for an attribute. */
  where: string
  words: string[]
  text: string
}

/**
 * The page's texts that hold stray Latin words (one entry per element and text), minus texts matching `tolerated`;
 * `marked`: those inside lang="en" elements, meant as English and so not stray (returned for a note, not a failure).
 */
export async function latinTexts(
  page: Page,
  tolerated: readonly RegExp[] = [],
): Promise<{ stray: StrayText[]; marked: StrayText[] }> {
  const stray: StrayText[] = []
  const marked: StrayText[] = []
  const seen = new Set<string>()
  for (const r of await readTexts(page)) {
    const words = strayWordsOf(r.text)
    const key = `${r.where}\u0000${r.text}`
    if (!words.length || seen.has(key) || tolerated.some((t) => t.test(r.text))) continue
    seen.add(key)
    ;(r.english ? marked : stray).push({
      where: r.where,
      words,
      text: r.text.length > 160 ? `${r.text.slice(0, 157)}…` : r.text,
    })
  }
  return { stray, marked }
}

/** One line per offending element, for a failure message that names every word, its screen and its element. */
export function describeStray(screen: string, found: StrayText[]): string[] {
  return found.map((s) => `${screen} › ${s.where}: ${s.words.join(', ')} — “${s.text}”`)
}
