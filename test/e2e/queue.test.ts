// The upload queue in the real UI (browser mode): a folder target (file://) is refused, on screen and by the services
// when a page sends one anyway (browser mode writes to no folder a page names; the desktop app's folder dialog and the
// CLI do). An S3 upload without credentials waits for them; entering them in Settings (reached from the job) resumes
// it to done. The job list comes first, "New upload" opens its panel; the bandwidth limit is set in MiB/s (presets
// or typed), an upload under it shows a live speed chart that never reads above it, and finished jobs are cleared.
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'
import { startS3rver, type TestS3 } from '../fixtures/s3rver'

let ui: UiServer
let s3: TestS3
let endpoint: string
beforeAll(async () => {
  ui = await startUi()
  s3 = await startS3rver(tmp('s3-'))
  endpoint = s3.endpoint
})
afterAll(async () => {
  await ui?.stop()
  await s3?.close()
})

describe('upload queue screen', () => {
  it('a folder target is refused: the screen says so, and the services refuse one sent anyway', async () => {
    const d = tmp('q-')
    const file = join(d, 'release-2_0.bin')
    writeFileSync(file, randomBytes(1024 * 1024))
    const b = await openBrowser('queue', ui.url)
    try {
      await b.page.getByTestId('nav-queue').click()
      await b.page.getByTestId('queue-new').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      await b.page.getByTestId('queue-target').fill(`file://${d}/usb/`)
      await expect(b.page.getByTestId('queue-folder-browser').textContent()).resolves.toMatch(
        /Browser mode does not copy to folders.*preflight upload/,
      )
      expect(await b.page.getByTestId('queue-start').isDisabled()).toBe(true)
      expect(await b.page.getByTestId('queue-choose-folder').count()).toBe(0) // no native dialog here
      await b.shot('folder-refused')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      // a page sending the upload itself, over the session's own connection
      const refused = await b.page.evaluate(async (target) => {
        try {
          await window.api.invoke('queue.enqueue', { path: '/etc/hostname', target })
          return 'accepted'
        } catch (err) {
          return (err as Error).message
        }
      }, `file://${d}/usb/`)
      expect(refused).toMatch(/Browser mode does not write to folders/)
      await new Promise((r) => setTimeout(r, 500))
      expect(existsSync(join(d, 'usb'))).toBe(false)
    } finally {
      await b.close()
    }
  })

  it('in zh-CN a refused upload says why in Chinese, and in English again once the language is switched back', async () => {
    const d = tmp('q-')
    const file = join(d, 'release-2_1.bin')
    writeFileSync(file, randomBytes(64 * 1024))
    const b = await openBrowser('queue-zh', ui.url)
    try {
      await b.page.getByTestId('language').selectOption('zh-CN')
      await b.page.getByTestId('nav-queue').click()
      await b.page.getByTestId('queue-new').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      // the shape of an s3:// target, a bucket name the object storage refuses: the services say which rule
      await b.page.getByTestId('queue-target').fill('s3://Release_Bucket/release-2_1.bin')
      await b.page.getByTestId('queue-start').click()
      const refused = b.page.getByTestId('queue-enqueue-error')
      await refused.waitFor({ timeout: 30_000 })
      const zh = await refused.textContent()
      expect(zh).toContain(
        '存储桶“Release_Bucket”只能包含小写字母、数字、- 和 .（OBS/S3 存储桶命名规则）：请更正存储桶名称。',
      )
      expect(zh).not.toMatch(/bucket naming|may contain|could not be queued/)
      await b.shot('refused-zh')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      // the same refusal, no new request: its English travelled with it
      await b.page.getByTestId('language').selectOption('en')
      await expect(refused.textContent()).resolves.toContain(
        'Bucket "Release_Bucket" may contain only lowercase letters, digits, - and . (OBS/S3 bucket naming rules): correct the bucket name.',
      )
    } finally {
      await b.close()
    }
  })

  it('an S3 upload without credentials waits; credentials entered in Settings resume it to done', async () => {
    const d = tmp('q-')
    const file = join(d, 'release-3_0.bin')
    writeFileSync(file, randomBytes(2 * 1024 * 1024))
    const secret = 'e2e-secret-never-shown-0123456789'
    const b = await openBrowser('queue', ui.url)
    try {
      await b.page.getByTestId('nav-queue').click()
      await b.page.getByTestId('queue-new').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      await b.page.getByTestId('queue-target').fill('s3://releases/release-3_0.bin')
      await b.page.getByLabel('Endpoint (S3/OBS, optional)').fill(endpoint)
      await b.page.getByTestId('queue-start').click()
      const row = b.page.getByTestId('job-needs-credentials')
      await row.waitFor({ timeout: 60_000 })
      await b.shot('needs-credentials')
      await row.getByRole('button', { name: 'Enter credentials' }).click()
      expect(await b.page.getByTestId('creds-endpoint').inputValue()).toBe(endpoint)
      // browser mode has no safeStorage: the screen says the keys last for this session only
      await expect(b.page.getByTestId('creds-storage').textContent()).resolves.toMatch(/this session only/)
      await b.page.getByTestId('creds-key').fill('S3RVER')
      await b.page.getByTestId('creds-secret').fill(secret)
      await b.page.getByTestId('creds-save').click()
      await expect(b.page.getByTestId('creds-message').textContent()).resolves.toMatch(/1 waiting upload\(s\) resumed/)
      expect(await b.page.getByTestId('creds-table').textContent()).toContain('••••••') // a 6-character key id is masked whole
      expect(await b.page.content()).not.toContain(secret)
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.shot('credentials-saved')
      await b.page.getByTestId('nav-queue').click()
      await b.page.getByTestId('job-done').first().waitFor({ timeout: 60_000 })
      await b.shot('resumed-done')
    } finally {
      await b.close()
    }
  })

  it('limits uploads in MiB/s from the first second, charts the speed, and clears finished jobs', async () => {
    const d = tmp('q-')
    const file = join(d, 'limited-1_0.bin')
    writeFileSync(file, randomBytes(12 * 1024 * 1024))
    const b = await openBrowser('queue-limit', ui.url)
    try {
      await b.page.getByTestId('nav-queue').click()
      // the job list first; the new upload panel only on demand
      await b.page.getByTestId('queue-bandwidth').waitFor()
      expect(await b.page.getByTestId('queue-new-panel').count()).toBe(0)
      expect(await b.page.getByTestId('queue-new').getAttribute('aria-expanded')).toBe('false')
      // a limit that is not a number of MiB/s says so in a sentence
      await b.page.getByTestId('queue-limit').fill('-3')
      await b.page.getByTestId('queue-limit-apply').click()
      await b.page
        .getByText('Enter the limit as a number of MiB/s, 0 or more (0 means no limit), for example 20.')
        .waitFor()
      // a preset applies at once; a typed value too
      await b.page.getByTestId('queue-preset-20').click()
      await expect
        .poll(() => b.page.getByTestId('queue-limit-now').textContent())
        .toBe('Now: 20.0 MiB/s, shared by every running upload.')
      expect(await b.page.getByTestId('queue-preset-20').getAttribute('aria-pressed')).toBe('true')
      await b.page.getByTestId('queue-limit').fill('4')
      await b.page.getByTestId('queue-limit-apply').click()
      await expect
        .poll(() => b.page.getByTestId('queue-limit-now').textContent())
        .toBe('Now: 4.0 MiB/s, shared by every running upload.')
      expect(await b.page.getByTestId('queue-status').textContent()).toBe('Bandwidth limit set to 4.0 MiB/s.')
      await b.page.evaluate(
        (ep) =>
          window.api.invoke('credentials.save', {
            endpoint: ep,
            accessKeyId: 'S3RVER',
            secretAccessKey: 'e2e-limit-secret-0123456789',
          }),
        endpoint,
      )
      await b.page.getByTestId('queue-new').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      // a target the services would refuse is named on screen first, with an example
      await b.page.getByTestId('queue-target').fill('ftp://releases/limited.bin')
      await expect(b.page.getByTestId('queue-target-error').textContent()).resolves.toMatch(
        /^The target must start with s3:\/\/, docker:\/\/ or file:\/\/, for example/,
      )
      expect(await b.page.getByTestId('queue-start').isDisabled()).toBe(true)
      // one the services refuse: the reason comes back as a sentence naming the rule
      await b.page.getByTestId('queue-target').fill('s3://Bad_Bucket/limited-1_0.bin')
      await b.page.getByTestId('queue-endpoint').fill(endpoint)
      await b.page.getByTestId('queue-start').click()
      await expect.poll(() => b.page.getByTestId('queue-new-panel').count()).toBe(0) // queued: back to the list
      await expect
        .poll(() =>
          b.page
            .getByTestId('queue-enqueue-error')
            .textContent()
            .catch(() => ''),
        )
        .toBe(
          'The upload could not be queued: Bucket "Bad_Bucket" may contain only lowercase letters, digits, - and . (OBS/S3 bucket naming rules): correct the bucket name.',
        )
      await b.page.getByTestId('queue-new').click()
      await dropFiles(b.page, '[data-testid=queue-dropzone]', [file])
      await b.page.getByTestId('queue-file').waitFor()
      await b.page.getByTestId('queue-target').fill('s3://releases/limited-1_0.bin')
      const started = Date.now()
      await b.page.getByTestId('queue-start').click()
      // the speed chart while it runs: its words give the numbers, and the peak never exceeds the limit
      const labels: string[] = []
      let checkedAxe = false
      while ((await b.page.getByTestId('job-done').filter({ hasText: 'limited-1_0.bin' }).count()) < 1) {
        const chart = b.page.getByTestId('speed-chart')
        if (await chart.count()) {
          const label = await chart
            .first()
            .getAttribute('aria-label')
            .catch(() => null)
          if (label) labels.push(label)
          if (label && !checkedAxe) {
            checkedAxe = true
            await b.shot('speed-chart')
            expect(await seriousAxeViolations(b.page)).toEqual([])
          }
        }
        expect(Date.now() - started).toBeLessThan(60_000)
        await new Promise((r) => setTimeout(r, 100))
      }
      const seconds = (Date.now() - started) / 1000
      expect(seconds).toBeGreaterThan(12 / 4 - 0.5) // 12 MiB under 4 MiB/s cannot be done sooner
      expect(labels.length).toBeGreaterThan(0)
      for (const label of labels) {
        const m = /^Upload speed: now ([\d.,]+) (B|KiB|MiB)\/s, peak ([\d.,]+) (B|KiB|MiB)\/s, limit 4\.0 MiB\/s$/.exec(
          label,
        )
        expect(m, label).not.toBeNull()
        const unit = { B: 1, KiB: 1024, MiB: 1024 * 1024 }[m![4] as 'B']
        expect(Number(m![3].replace(/,/g, '')) * unit, label).toBeLessThanOrEqual(4 * 1024 * 1024 * 1.02)
      }
      // finished jobs go; the rest stay
      const finished = await b.page
        .locator('[data-testid=job-done], [data-testid=job-failed], [data-testid=job-cancelled]')
        .count()
      expect(finished).toBeGreaterThan(0)
      await expect(b.page.getByTestId('queue-clear').textContent()).resolves.toBe(`Clear finished (${finished})`)
      const others = (await b.page.locator('[data-testid=queue-table] tbody tr').count()) - finished
      await b.page.getByTestId('queue-clear').click()
      await expect
        .poll(() => b.page.getByTestId('queue-status').textContent())
        .toBe(`${finished} finished upload(s) removed from the list.`)
      expect(await b.page.getByTestId('job-done').count()).toBe(0)
      expect(await b.page.locator('[data-testid=queue-table] tbody tr').count()).toBe(others)
      expect(await b.page.getByTestId('queue-clear').isDisabled()).toBe(true)
      const listed = await b.page.evaluate(() => window.api.invoke('queue.list', {}))
      expect(listed.jobs.filter((j) => ['done', 'failed', 'cancelled'].includes(j.state))).toEqual([])
      await b.shot('cleared')
      // the same screen in Simplified Chinese, numbers through Intl
      await b.page.evaluate(() => localStorage.setItem('preflight.lang', 'zh-CN'))
      await b.page.reload()
      await b.page.getByTestId('nav-queue').click()
      await expect
        .poll(() => b.page.getByTestId('queue-limit-now').textContent())
        .toBe('当前：4.0 MiB/s，由所有正在运行的上传共享。')
      expect(await b.page.getByTestId('queue-preset-0').textContent()).toBe('不限')
      expect(await b.page.getByTestId('queue-clear').textContent()).toBe('清除已结束')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.shot('zh-CN')
    } finally {
      await b.close()
    }
  })
})
