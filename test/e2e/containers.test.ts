// Packaging container images in the real UI: two docker-archive image tars dropped, validated, bundled
// into one OCI container package, which opens in the package view with a pass verdict.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

function dockerImage(dir: string, name: string): string {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  mkdirSync(join(dir, `${name}-c`))
  writeFileSync(join(dir, `${name}-c`, 'index.html'), name)
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(dir, `${name}-c`), '/srv'])
  const out = join(dir, `${name}.tar`)
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${out}:${name}:1.0`])
  return out
}

describe('container packaging screen', () => {
  it('drops two image tars, builds the bundle, sees the pass verdict', async () => {
    const d = tmp('ctr-')
    const a = dockerImage(d, 'web')
    const b = dockerImage(d, 'api')
    const br = await openBrowser('containers', ui.url)
    try {
      await br.page.getByTestId('nav-containers').click()
      await dropFiles(br.page, '[data-testid=images-dropzone]', [a, b])
      await expect.poll(async () => (await br.page.getByTestId('image-state').allTextContents()).join('|'), { timeout: 60_000 }).toBe('docker-archive (will be converted)|docker-archive (will be converted)')
      // each image's layers: count, stored and unpacked size (skopeo's docker-archive layers are plain tars: equal)
      for (const text of await br.page.getByTestId('image-layers').allTextContents()) {
        const m = /^1 layer\(s\): (.+) stored, (.+) unpacked$/.exec(text)
        expect(m, text).not.toBeNull()
        expect(m![1]).toBe(m![2])
      }
      await br.page.getByTestId('bundle-name').fill('my.images.tar.gz')
      await br.page.getByText(/Only letters, digits/).waitFor()
      await br.shot('name-flagged')
      expect(await seriousAxeViolations(br.page)).toEqual([])
      await br.page.getByTestId('bundle-name').fill('shop-images.tar.gz')
      await br.page.getByTestId('build-bundle').click()
      await br.page.getByTestId('verdict').waitFor({ timeout: 120_000 })
      await br.shot('bundle')
      expect(await br.page.getByTestId('verdict').textContent()).toMatch(/PASS/)
      expect(await br.page.getByTestId('summary').textContent()).toContain('koogallery-container')
    } finally {
      await br.close()
    }
  })
})
