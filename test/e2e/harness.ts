// End-to-end harness: starts the real `preflight ui` (browser mode, the real services in their worker) as a
// child process with its own PREFLIGHT_HOME, and drives it in Debian's Chromium through playwright-core.
// Screenshots of each step go to test-output/e2e/<suite>/ (git-ignored).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { chromium, type Browser as Chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll } from 'vitest'

export const ROOT = resolve(__dirname, '..', '..')
export const CHROMIUM = process.env.PREFLIGHT_CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface UiServer {
  url: string
  origin: string
  token: string
  home: string
  process: ChildProcess
  stop(): Promise<void>
}

export function tmp(prefix: string): string {
  return mkdtempSync(join(process.env.TMPDIR!, prefix))
}

/** `launcher`: the script that runs the CLI (the checkout's, on the sources, unless a test names the bundled one). */
export async function startUi(home = tmp('home-'), launcher = join(ROOT, 'bin', 'preflight.cjs')): Promise<UiServer> {
  const child = spawn(process.execPath, [launcher, 'ui', '--no-open'], {
    env: { ...process.env, PREFLIGHT_HOME: home, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += String(d)))
  const url = await new Promise<string>((res, rej) => {
    let out = ''
    const timer = setTimeout(() => rej(new Error(`preflight ui did not start: ${stderr}`)), 60_000)
    child.stdout!.on('data', (d) => {
      out += String(d)
      const m = /Preflight UI: (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        res(m[1])
      }
    })
    child.once('exit', (code) => rej(new Error(`preflight ui exited with ${code}: ${stderr}`)))
  })
  const u = new URL(url)
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    home,
    process: child,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res()
        child.once('exit', () => res())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
      }),
  }
}

export interface Browser {
  context: BrowserContext
  page: Page
  /** Requests that left 127.0.0.1 (must stay empty). */
  foreignRequests: string[]
  shot(step: string): Promise<void>
  close(): Promise<void>
}

// One Chromium per test file, started on the first openBrowser and closed when the file's tests end; each
// openBrowser is a new context in it (its own storage, cookies, cache and downloads, like a new profile): starting
// Chromium is most of the cost of a fresh profile (about 3 s against under 1 s here).
let chromiumOnce: Promise<Chromium> | null = null
afterAll(async () => {
  const running = chromiumOnce
  chromiumOnce = null
  if (running) await (await running).close()
})

export async function openBrowser(
  suite: string,
  url: string,
  viewport = { width: 1280, height: 800 },
  look: { colorScheme?: 'light' | 'dark' } = {},
): Promise<Browser> {
  chromiumOnce ??= chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true })
  const context = await (
    await chromiumOnce
  ).newContext({
    viewport,
    colorScheme: look.colorScheme ?? 'light',
    acceptDownloads: true,
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const foreignRequests: string[] = []
  page.on('request', (r) => {
    const h = new URL(r.url()).hostname
    if (!['127.0.0.1', 'localhost'].includes(h) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
      foreignRequests.push(r.url())
  })
  const dir = join(ROOT, 'test-output', 'e2e', suite)
  mkdirSync(dir, { recursive: true })
  let n = 0
  await page.goto(url)
  return {
    context,
    page,
    foreignRequests,
    async shot(step) {
      n++
      await page.screenshot({ path: join(dir, `${String(n).padStart(2, '0')}-${step}.png`), fullPage: true })
    },
    close: () => context.close(),
  }
}

/** Drop real files on an element, as a user dragging from the file manager would (a DataTransfer with File objects). */
export async function dropFiles(page: Page, selector: string, files: string[]): Promise<void> {
  const payload = files.map((f) => ({ name: basename(f), b64: readFileSync(f).toString('base64') }))
  const dt = await page.evaluateHandle((items) => {
    const transfer = new DataTransfer()
    for (const it of items) {
      const bin = atob(it.b64)
      const bytes = new Uint8Array(bin.length)
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
      transfer.items.add(new File([bytes], it.name))
    }
    return transfer
  }, payload)
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: dt })
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt })
}

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: Array<{ target: string[] }>
}

/** Run axe-core in the page (evaluated through DevTools, so the page's CSP stays on) and return its violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
  return page.evaluate(async (src) => {
    ;(0, eval)(src)
    const axe = (
      window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }
    ).axe
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }))
  }, source)
}

/** The serious and critical ones, as readable lines (for expect(...).toEqual([])). */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  return (await axeViolations(page))
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/**
 * A package with one blocker: `name` (a .tar.gz in a new folder) holds inner.tar, whose one entry climbs out
 * (../evil.txt: archive.path-traversal at `${name}!inner.tar!../evil.txt`). Returns its path.
 */
export function traversalPackage(name: string): string {
  const d = tmp('traversal-')
  mkdirSync(join(d, 'src'))
  writeFileSync(join(d, 'src/evil.txt'), 'x')
  execFileSync('tar', [
    '-cf',
    join(d, 'inner.tar'),
    '-C',
    join(d, 'src'),
    '--transform',
    's,^evil,../evil,',
    'evil.txt',
  ])
  execFileSync('tar', ['-czf', join(d, name), '-C', d, 'inner.tar'])
  return join(d, name)
}
