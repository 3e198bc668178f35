// The zh-CN UI as a seller sees it with real content, not empty screens: a package report with many kinds of
// findings and the marketplace's report compared with it, Home's Recent scans, the wizard with field errors and its
// review, a draft with revisions, the queue with a failed upload, the History screen with events, the VM image view
// of a scanned guest disk, and Container images with valid and invalid rows. On each state: a screenshot in both
// themes (test-output/e2e/languages-content/), axe clean in both, no stray Latin word (latin.ts: every offending
// word is named with its state and element in one failure), and the Chinese of the navigation, the language
// choice, headings and table headers drawn in the shipped Noto Sans SC (cjk-fonts.ts).
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ext4GuestImage, writeTree } from '../fixtures/guest-disk'
import { dockerArchive } from '../fixtures/umoci-image'
import { cjkFontProblems, FONT_CHECKED } from './cjk-fonts'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'
import { describeStray, latinTexts } from './latin'

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

interface Fixtures {
  pkg: string
  report: string
  disk: string
  images: string[]
  junk: string
  notImage: string
}

/** shop.tar.gz: malware twice, a link out of the package, a traversal in a nested tar, a setuid file, a duplicate
 * entry, an encrypted zip entry, a lockfile's components (no vulnerability database: vulndb.missing); and the
 * marketplace's report of it in Chinese, as KooGallery gives a Chinese seller (3 found by both, 2 gaps). */
function shopPackage(d: string): { pkg: string; report: string } {
  const src = join(d, 'src')
  writeTree(src, {
    'app/eicar.com': EICAR,
    'app/tools/eicar.exe': EICAR,
    'app/config.ini': 'password=hunter2\n',
    'app/lib/libssl.so.3': Buffer.alloc(2048, 1),
    'app/bin/helper': '#!/bin/sh\necho helper\n',
    'app/package.json': JSON.stringify({ name: 'shop', version: '1.0.0', dependencies: { lodash: '4.17.20' } }),
    'app/package-lock.json': JSON.stringify({
      name: 'shop',
      version: '1.0.0',
      lockfileVersion: 3,
      packages: {
        '': { name: 'shop', version: '1.0.0', dependencies: { lodash: '4.17.20' } },
        'node_modules/lodash': { version: '4.17.20' },
      },
    }),
  })
  chmodSync(join(src, 'app/bin/helper'), 0o4755)
  symlinkSync('../../../etc/passwd', join(src, 'app/link'))
  writeTree(join(d, 'nested'), { 'evil.txt': 'x' })
  execFileSync('tar', [
    '-cf',
    join(src, 'app/inner.tar'),
    '-C',
    join(d, 'nested'),
    '--transform',
    's,^evil,../evil,',
    'evil.txt',
  ])
  writeTree(join(d, 'secret'), { 'notes.txt': 'private\n' })
  execFileSync('zip', ['-q', '-P', 'secret', join(src, 'app/secret.zip'), 'notes.txt'], { cwd: join(d, 'secret') })
  const tar = join(d, 'shop.tar')
  execFileSync('tar', ['-cf', tar, '-C', src, 'app'])
  // the same entry twice
  execFileSync('tar', ['-rf', tar, '-C', src, 'app/config.ini'])
  execFileSync('gzip', ['-n', tar])
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`
  const rows = [
    ['病毒文件 EICAR', '高危', 'shop.tar.gz/app/eicar.com', '检测到病毒'],
    ['malware.detected', '高危', 'app/tools/eicar.exe', '发现恶意文件'],
    ['软链接路径穿越', '高危', 'shop.tar.gz!app/link', '链接指向软件包之外'],
    ['硬编码密码', '中危', 'app/config.ini', '配置文件中有明文密码'],
    ['漏洞 CVE-2023-0286', '高危', 'app/lib/libssl.so.3', 'X.400 地址类型混淆'],
  ]
  const report = join(d, 'market.csv')
  writeFileSync(report, `风险项,级别,文件位置,描述\r\n${rows.map((r) => r.map(q).join(',')).join('\r\n')}\r\n`)
  return { pkg: `${tar}.gz`, report }
}

/** An Ubuntu guest with what the image rules look for (a preset password, login keys, host keys, a shell history),
 * with an internal snapshot, as qcow2. */
function guestDisk(d: string): string {
  const img = ext4GuestImage(join(d, 'web-server.qcow2'), {
    'etc/os-release': 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\n',
    'etc/hostname': 'web\n',
    'etc/shadow':
      'root:$6$salt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijkl:19000:0:99999:7:::\n',
    'etc/ssh/sshd_config': 'PasswordAuthentication yes\nPermitRootLogin yes\n',
    'etc/ssh/ssh_host_ed25519_key': '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n',
    'root/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample dev@laptop\n',
    'root/.bash_history': 'mysql -u root -psecret\n',
  })
  execFileSync('qemu-img', ['snapshot', '-c', 'base', img])
  return img
}

let ui: UiServer
let fx: Fixtures
beforeAll(async () => {
  // the fixtures are built while the services start
  const starting = startUi()
  const d = tmp('lang-content-')
  const shop = shopPackage(join(d, 'shop'))
  mkdirSync(join(d, 'vm'))
  mkdirSync(join(d, 'images'))
  const junk = join(d, 'images', 'notes.tar')
  writeFileSync(junk, 'these are release notes, not an image\n')
  const notImage = join(d, 'release-notes.txt')
  writeFileSync(notImage, 'release notes\n')
  fx = {
    ...shop,
    disk: guestDisk(join(d, 'vm')),
    images: [dockerArchive(join(d, 'images'), 'web'), dockerArchive(join(d, 'images'), 'api')],
    junk,
    notImage,
  }
  ui = await starting
})
afterAll(async () => {
  await ui?.stop()
})

describe('the Chinese UI with real content', () => {
  it('every state: screenshots in both themes, axe clean, no stray Latin word, Chinese drawn in Noto Sans SC', async () => {
    const b = await openBrowser('languages-content', ui.url, { width: 1280, height: 800 })
    const p = b.page
    const stray: string[] = []
    const marked: string[] = []
    const axe: Record<string, string[]> = {}
    const fonts: string[] = []
    const states: string[] = []
    const look = async (state: string) => {
      states.push(state)
      await p.waitForFunction(() => document.fonts.status === 'loaded')
      // the fonts as the state was first drawn, before a theme switch restyles (and so reshapes) it
      const f = await cjkFontProblems(p, FONT_CHECKED)
      fonts.push(...f.problems.map((x) => `${state} › ${x}`))
      const found = await latinTexts(p)
      stray.push(...describeStray(state, found.stray))
      for (const line of describeStray(state, found.marked))
        if (!marked.some((m) => m.slice(m.indexOf(' › ')) === line.slice(line.indexOf(' › ')))) marked.push(line)
      for (const colorScheme of ['light', 'dark'] as const) {
        await p.emulateMedia({ colorScheme })
        await b.shot(`${state}-${colorScheme}`)
        const v = await seriousAxeViolations(p)
        if (v.length) axe[`${state} (${colorScheme})`] = v
      }
      if (f.checked === 0) fonts.push(`${state}: no Chinese text was checked`)
    }
    try {
      await p.evaluate(() => localStorage.setItem('preflight.lang', 'zh-CN'))
      await p.reload()
      await p.getByTestId('nav-home').waitFor()

      // the package report: many kinds of findings
      await dropFiles(p, '[data-testid=dropzone]', [fx.pkg])
      await p.getByTestId('verdict').waitFor({ timeout: 60_000 })
      for (const rule of ['malware.detected', 'archive.link-escape', 'archive.path-traversal', 'vulndb.missing'])
        await p.locator(`[data-rule="${rule}"]`).first().waitFor()
      await look('package-report')

      // the marketplace's report beside Preflight's
      await p.getByTestId('compare-file').setInputFiles(fx.report)
      await p.getByTestId('compare-agreement').waitFor({ timeout: 30_000 })
      expect(await p.locator('[data-testid=compare-only-marketplace] tbody tr').count()).toBe(2)
      await look('compare')
      await p.getByTestId('tab-history').click()
      await p.locator('[data-testid=package-history] tbody tr').nth(1).waitFor()
      await look('package-history')

      // Home with Recent scans, and a dropped file that is no package
      await p.getByTestId('nav-home').click()
      await p.getByTestId('recent-row').first().waitFor()
      await look('home-recent')

      // the VM image view of a scanned guest disk
      await dropFiles(p, '[data-testid=dropzone]', [fx.disk])
      await p.getByTestId('open-vm').click({ timeout: 60_000 })
      await p.getByTestId('vm-facts').waitFor({ timeout: 60_000 })
      await p.getByTestId('vm-guest').waitFor({ timeout: 60_000 })
      await p.locator('[data-rule="qcow2.internal-snapshots"]').first().waitFor({ timeout: 60_000 })
      await look('vm-image')

      // the wizard: field errors after Next, then the review
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-koogallery-image').click()
      await p.getByTestId('step-package').waitFor()
      await dropFiles(p, '[data-testid=dropzone]', [fx.disk])
      await p.getByTestId('wizard-package').waitFor({ timeout: 60_000 })
      await p.getByTestId('step-asset').click()
      await p.locator('[data-field="asset.name"]').first().waitFor()
      await p.getByTestId('next').click()
      await p.getByTestId('back').click()
      await p.locator('.field-error').first().waitFor()
      await look('wizard-field-errors')
      await p.locator('[data-field="asset.name"]').first().fill('商城镜像')
      await p.getByTestId('add-versions').click()
      await p.locator('[data-field="versions.0.name"]').first().fill('1.0')
      await p.locator('[data-field="attrs.minDiskGB"]').first().fill('40')
      await p.getByTestId('step-review').click()
      await p.getByTestId('review-fields').waitFor()
      await p.getByTestId('review-findings').waitFor()
      await look('wizard-review')

      // the draft with its revisions
      await p.getByTestId('nav-drafts').click()
      const row = p.locator('tr[data-testid^="draft-"]').first()
      await row.waitFor()
      await look('drafts')
      await row.getByRole('button', { name: '历史' }).click()
      await p.getByTestId('draft-history').waitFor()
      await expect.poll(() => p.getByTestId('draft-history').locator('> li').count()).toBeGreaterThan(2)
      await look('draft-revisions')

      // the queue with a failed upload (a file that is no image pushed to a registry)
      await p.getByTestId('nav-queue').click()
      await p.getByTestId('queue-new').click()
      await dropFiles(p, '[data-testid=queue-dropzone]', [fx.notImage])
      await p.getByTestId('queue-file').waitFor()
      await p.getByTestId('queue-target').fill('docker://127.0.0.1:9/shop/web:1.0')
      await p.getByTestId('queue-start').click()
      await p.getByTestId('job-failed').waitFor({ timeout: 60_000 })
      await look('queue-failed')

      // Container images: two image tars and a file that is no image
      await p.getByTestId('nav-containers').click()
      await dropFiles(p, '[data-testid=images-dropzone]', [fx.images[0], fx.junk, fx.images[1]])
      await expect
        .poll(
          async () => (await p.getByTestId('image-layers').count()) + (await p.getByTestId('image-invalid').count()),
          {
            timeout: 60_000,
          },
        )
        .toBe(3)
      await look('containers')

      // the History screen with every event so far
      await p.getByTestId('nav-history').click()
      await p.locator('[data-testid=history-table] tbody tr').nth(3).waitFor()
      await look('history')

      expect(states).toHaveLength(12)
      if (marked.length) console.info(`English marked lang="en" (not counted):\n${marked.join('\n')}`)
      // one failure names everything: stray words (state › element: words — text), axe violations, font problems
      expect({ stray, axe, fonts }).toEqual({ stray: [], axe: {}, fonts: [] })
    } finally {
      await b.close()
    }
  })
})
