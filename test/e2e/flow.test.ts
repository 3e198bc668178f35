// The app's flow end to end (issue 19): the SWR wizard prefilled from a real image's tags; a dropped package
// scanned at once; several files scanned each, or image tars offered as a bundle; Recent scans reopened
// without reading the file again; browser Back/Forward between screens; the waiver dialog by keyboard.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
let dir: string
beforeAll(async () => {
  ui = await startUi()
  dir = tmp('flow-')
})
afterAll(async () => {
  await ui?.stop()
})

/** A docker-archive image tar as skopeo writes it, tagged `ref`. */
function imageTar(name: string, ref: string): string {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  mkdirSync(join(dir, `${name}-c`), { recursive: true })
  writeFileSync(join(dir, `${name}-c`, 'index.html'), name)
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(dir, `${name}-c`), '/srv'])
  const out = join(dir, `${name}.tar`)
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${out}:${ref}`])
  return out
}

describe('SWR wizard', () => {
  it('prefills organization, repository and tag from the image tar\'s tag', async () => {
    const tar = imageTar('shop-web', 'swr.example.com/acme/shop-web:2.1')
    const b = await openBrowser('flow-swr', ui.url)
    const p = b.page
    try {
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-swr-image').click()
      await p.getByTestId('step-package').waitFor()
      await dropFiles(p, '[data-testid=dropzone]', [tar])
      await p.getByTestId('wizard-package').waitFor({ timeout: 60_000 })
      await p.getByTestId('step-prescan').click()
      await p.getByTestId('run-scan').click()
      await p.getByTestId('wizard-verdict').waitFor({ timeout: 120_000 })
      await p.getByTestId('step-repository').click()
      await expect.poll(() => p.locator('[data-field="attrs.repository"]').inputValue()).toBe('shop-web')
      expect(await p.locator('[data-field="attrs.organization"]').inputValue()).toBe('acme')
      expect(await p.locator('[data-field="attrs.tag"]').inputValue()).toBe('2.1')
      await b.shot('swr-prefilled')
      expect(await seriousAxeViolations(p)).toEqual([])
    } finally {
      await b.close()
    }
  })
})
