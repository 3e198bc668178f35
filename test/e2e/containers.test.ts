// Packaging container images in the real UI: two docker-archive image tars and a file that is no image dropped; the
// bad row says why and blocks Build until it is removed; the two images are bundled into one OCI container package,
// whose own scan (from the build, not a second one) opens in the package view with a pass verdict and its charts.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'
import { dockerArchive } from '../fixtures/umoci-image'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

describe('container packaging screen', () => {
  it('drops two image tars, builds the bundle, sees the pass verdict', async () => {
    const d = tmp('ctr-')
    const a = dockerArchive(d, 'web')
    const b = dockerArchive(d, 'api')
    const br = await openBrowser('containers', ui.url)
    try {
      await br.page.getByTestId('nav-containers').click()
      // the zone says what it takes: image tars, not the package formats of Home
      expect(await br.page.getByTestId('images-dropzone-hint').textContent()).toBe(
        'docker save or OCI image tars (.tar), one image each',
      )
      const junk = join(d, 'notes.tar')
      writeFileSync(junk, 'these are release notes, not an image\n')
      await dropFiles(br.page, '[data-testid=images-dropzone]', [a, junk, b])
      await expect
        .poll(
          async () =>
            (await br.page.getByTestId('image-state').allTextContents()).filter((s) => !/checking/.test(s)).length,
          { timeout: 60_000 },
        )
        .toBe(3)
      // the file that is no image says so in a sentence, and Build waits until it is removed
      expect(await br.page.getByTestId('image-invalid').allTextContents()).toEqual([
        'This is not a container image tar: Preflight found no docker-archive (docker save) or OCI image in it. Remove it to build the bundle.',
      ])
      expect(await br.page.getByTestId('build-bundle').isDisabled()).toBe(true)
      expect(await br.page.getByTestId('build-blocked').textContent()).toBe(
        'Build is blocked: remove the 1 row(s) marked invalid first.',
      )
      await br.shot('invalid-row')
      expect(await seriousAxeViolations(br.page)).toEqual([])
      await br.page.getByRole('button', { name: 'Remove notes.tar' }).click()
      expect(await br.page.getByTestId('build-blocked').count()).toBe(0)
      expect((await br.page.getByTestId('image-state').allTextContents()).join('|')).toBe(
        'docker-archive (will be converted)|docker-archive (will be converted)',
      )
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
      // the build's own scan, not a second one
      expect(await br.page.getByTestId('report-from-build').textContent()).toMatch(
        /scan made when the bundle was built/,
      )
      expect(
        await br.page.evaluate(() =>
          window.api.invoke('task.list', {}).then((r) => r.tasks.filter((x) => x.kind === 'scan').length),
        ),
      ).toBe(0)
      // each image's layers as a chart whose words carry the sizes
      const layerLabels = await br.page
        .getByTestId('layer-chart')
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
      expect(layerLabels).toHaveLength(2)
      for (const label of layerLabels)
        expect(label).toMatch(/^Layer sizes of .+ \(as stored\): Layer 1 · [0-9a-f]{12} [\d.,]+ (B|KiB|MiB)$/)
      expect(await br.page.getByTestId('severity-chart').getAttribute('aria-label')).toMatch(
        /^Findings by severity: blocker 0, warning \d+, info \d+$/,
      )
      expect(await seriousAxeViolations(br.page)).toEqual([])
    } finally {
      await br.close()
    }
  })
})
