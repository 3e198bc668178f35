// The release wizard's field behaviour end to end on the real services (issue 19): a missing required value is
// shown only once its field was touched or its step left with Next; a value a later choice hides (the price after
// switching to vCPU pricing) is dropped from the draft and the manifest; the review lists fields by label and each
// finding takes the seller to its field; the SWR registry address is validated with a sentence saying what to type;
// Submit stays disabled, saying why, until the release is ready, and again when it stops being ready. Axe on
// every state shown.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
let dir: string
beforeAll(async () => {
  ui = await startUi()
  dir = tmp('wizr-')
})
afterAll(async () => {
  await ui?.stop()
})

const field = (p: Page, path: string) => p.locator(`[data-field="${path}"]`).first()
const focusedField = (p: Page) => p.evaluate(() => document.activeElement?.getAttribute('data-field') ?? null)
const errorsShown = (p: Page) => p.locator('.field-error').allTextContents()
/** The draft as the main process holds it, through the page's own API (browser mode's bridge). */
async function invoke<T>(p: Page, channel: string, input: object): Promise<T> {
  return p.evaluate(
    ([c, i]) => (window as unknown as { api: { invoke(c: string, i: object): Promise<unknown> } }).api.invoke(c, i),
    [channel, input] as const,
  ) as Promise<T>
}
async function currentDraftId(p: Page): Promise<string> {
  const { drafts } = await invoke<{ drafts: Array<{ id: string; updatedAt: string }> }>(p, 'drafts.list', {})
  return drafts[0].id
}
async function saved(p: Page) {
  await p.getByTestId('save-status').filter({ hasText: /Saved/ }).waitFor()
}

describe('release wizard fields', () => {
  it('KooGallery image: errors after touch or Next, hidden values dropped, review labels linking to fields', async () => {
    const disk = join(dir, 'shop-disk.qcow2')
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '2G'])
    const b = await openBrowser('wizard-release-image', ui.url, { width: 1024, height: 700 })
    const p = b.page
    try {
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-koogallery-image').click()
      await p.getByTestId('step-package').waitFor()
      await dropFiles(p, '[data-testid=dropzone]', [disk])
      await p.getByTestId('wizard-package').waitFor({ timeout: 60_000 })
      // the title follows the package and the asset type until the seller names the draft
      await expect
        .poll(() => p.getByTestId('draft-title').inputValue())
        .toBe('shop-disk.qcow2 · KooGallery image asset')

      // nothing touched yet: no error on the step, though its required fields are empty
      await p.getByTestId('step-asset').click()
      await field(p, 'asset.name').waitFor()
      await p.waitForTimeout(500) // live validation has answered
      expect(await errorsShown(p)).toEqual([])
      expect(await field(p, 'asset.name').getAttribute('aria-invalid')).toBeNull()
      // touched and left: its own error only
      await field(p, 'asset.name').focus()
      await p.keyboard.press('Tab')
      await p.getByText('Asset name is required: enter or choose a value.').waitFor()
      expect(await errorsShown(p)).toEqual(['Asset name is required: enter or choose a value.'])
      expect(await field(p, 'asset.name').getAttribute('aria-invalid')).toBe('true')
      await b.shot('asset-touched')
      expect(await seriousAxeViolations(p)).toEqual([])
      // Next: every missing value of the step is shown when the seller comes back
      await p.getByTestId('next').click()
      await p.getByTestId('step-title').filter({ hasText: 'Product and pricing' }).waitFor()
      expect(await errorsShown(p)).toEqual([])
      await p.getByTestId('back').click()
      await p.getByText('Category is required: enter or choose a value.').waitFor()
      expect(await errorsShown(p)).toEqual(
        expect.arrayContaining([
          'Asset name is required: enter or choose a value.',
          'Category is required: enter or choose a value.',
          'Add at least one version.',
          'OS type is required: enter or choose a value.',
        ]),
      )
      await b.shot('asset-after-next')

      await field(p, 'asset.name').fill('Shop Image')
      await field(p, 'asset.category').fill('OS')
      await p.getByTestId('add-versions').click()
      await field(p, 'versions.0.name').fill('1.0')
      await field(p, 'attrs.osType').selectOption('Linux')
      await field(p, 'attrs.osVersion').fill('Ubuntu 22.04')
      await field(p, 'attrs.architecture').selectOption('x86')
      await field(p, 'attrs.virtualEnvType').selectOption('FusionCompute')
      await field(p, 'attrs.minDiskGB').fill('40')

      // product: a price, then vCPU pricing hides it and drops it
      await p.getByTestId('step-product').click()
      await field(p, 'product.name').fill('Shop Server')
      await field(p, 'product.salesType').selectOption('Standard')
      await field(p, 'product.pricingMode').selectOption('paid')
      await field(p, 'product.template').selectOption('simple')
      await field(p, 'product.price').fill('9.5')
      await p.locator('[data-field="product.billing"] input[type=checkbox]').nth(1).check()
      await saved(p)
      const id = await currentDraftId(p)
      await expect
        .poll(
          async () =>
            (await invoke<{ values: { product?: { price?: number } } }>(p, 'drafts.get', { id })).values.product?.price,
        )
        .toBe(9.5)
      await field(p, 'product.template').selectOption('vcpu')
      await field(p, 'product.price').waitFor({ state: 'detached' })
      await p.getByTestId('add-product.tiers').click()
      await field(p, 'product.tiers.0.vcpus').fill('2')
      await field(p, 'product.tiers.0.price').fill('0.1')
      await p.getByTestId('add-product.specifications').click()
      await field(p, 'product.specifications.0.imageVersion').fill('V1.0')
      await field(p, 'product.specifications.0.regions').fill('cn-north-4')
      await field(p, 'product.version').fill('V1.0')
      await field(p, 'product.serviceEmail').fill('help@example.com')
      await saved(p)
      await expect
        .poll(
          async () =>
            (await invoke<{ values: { product: Record<string, unknown> } }>(p, 'drafts.get', { id })).values.product,
        )
        .not.toHaveProperty('price')
      const manifest = JSON.parse(
        (await invoke<{ content: string }>(p, 'drafts.manifest', { id, format: 'json' })).content,
      ) as { fields: Array<{ path: string }> }
      expect(manifest.fields.map((f) => f.path)).toContain('product.tiers.0.vcpus')
      expect(manifest.fields.map((f) => f.path)).not.toContain('product.price')
      // back to the simple template: the old price is gone, not brought back
      await field(p, 'product.template').selectOption('simple')
      expect(await field(p, 'product.price').inputValue()).toBe('')
      await field(p, 'product.price').fill('12')
      await b.shot('product')
      expect(await seriousAxeViolations(p)).toEqual([])

      await p.getByTestId('step-regions').click()
      await field(p, 'image.regions').fill('cn-north-4')
      await field(p, 'image.iamAgency').fill('ims-admin')

      // the review: labels, not value paths; a finding takes the seller to its field
      await p.getByTestId('step-review').click()
      await p.getByTestId('review-fields').waitFor()
      const review = await p.getByTestId('review-fields').innerText()
      expect(review).toContain('Asset name\tShop Image')
      expect(review).toContain('Version name (1)\t1.0')
      expect(review).toContain('Pricing mode\tPaid')
      expect(review).toContain('Price\t12 USD')
      expect(review).toContain('Minimum disk\t40 GB')
      expect(review).not.toMatch(/asset\.name|versions\.0|product\./)
      expect(review).not.toContain('vCPUs')
      const link = p.getByTestId('review-findings').getByRole('button', { name: 'Go to the field “Version name (1)”' })
      await link.waitFor()
      expect(await link.textContent()).toBe('Version name (1)')
      // every field filled (the version's form is a warning): only the scan is missing
      await expect
        .poll(() => p.getByTestId('submit-why').textContent())
        .toBe('Submit is available once the release is ready: scan the package (it must pass).')
      expect(await p.getByTestId('submit').isDisabled()).toBe(true)
      await b.shot('review')
      expect(await seriousAxeViolations(p)).toEqual([])
      // the same review in Simplified Chinese
      await p.getByTestId('language').selectOption('zh-CN')
      await p.getByTestId('review-findings').getByRole('button', { name: '转到字段“版本名称（1）”' }).waitFor()
      const zhReview = await p.getByTestId('review-fields').innerText()
      expect(zhReview).toContain('资产名称\tShop Image')
      expect(zhReview).toContain('定价模式\t付费')
      expect(zhReview).toContain('最小磁盘\t40 GB')
      await b.shot('review-zh')
      expect(await seriousAxeViolations(p)).toEqual([])
      await p.getByTestId('step-package').click()
      await p.getByText('显示在草稿列表中。在你修改之前，它随软件包和资产类型变化。').waitFor()
      await p.getByTestId('language').selectOption('en')
      await p.getByTestId('step-review').click()
      await link.click()
      await p.getByTestId('step-title').filter({ hasText: 'Asset and image attributes' }).waitFor()
      await expect.poll(() => focusedField(p)).toBe('versions.0.name')
      await p.getByText(/Version "1\.0" is not of the form V1\.0/).waitFor()
      await p.keyboard.press('ControlOrMeta+a')
      await p.keyboard.type('V1.0')
      await p.getByText(/Version "1\.0" is not of the form V1\.0/).waitFor({ state: 'detached' })
      await b.shot('field-from-review')
    } finally {
      await b.close()
    }
  })

  it('SWR: registry address and names say what to type; Submit only while ready, saying why otherwise', async () => {
    mkdirSync(join(dir, 'app'), { recursive: true })
    writeFileSync(join(dir, 'app/run.sh'), '#!/bin/sh\necho hi\n')
    const layout = join(dir, 'img-layout')
    execFileSync('umoci', ['init', '--layout', layout])
    execFileSync('umoci', ['new', '--image', `${layout}:latest`])
    execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(dir, 'app'), '/app'])
    const image = join(dir, 'web-oci.tar')
    execFileSync('tar', ['-cf', image, '-C', layout, '.'])
    const b = await openBrowser('wizard-release-swr', ui.url, { width: 1024, height: 700 })
    const p = b.page
    try {
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId('profile-swr-image').click()
      await p.getByTestId('step-package').waitFor()
      await dropFiles(p, '[data-testid=dropzone]', [image])
      await p.getByTestId('wizard-package').waitFor({ timeout: 60_000 })
      await p.getByTestId('step-prescan').click()
      await p.getByTestId('run-scan').click()
      await p.getByTestId('wizard-verdict').waitFor({ timeout: 120_000 })
      expect(await p.getByTestId('wizard-verdict').textContent()).toMatch(/^Pass/)

      await p.getByTestId('step-repository').click()
      await field(p, 'attrs.organization').fill('Acme')
      await p.getByText(/^Organization "Acme" is not allowed by SWR: type 1–64 lowercase letters/).waitFor()
      await field(p, 'attrs.organization').fill('acme')
      await field(p, 'attrs.repository').fill('web-app')
      await field(p, 'attrs.tag').fill('v1')
      await field(p, 'swr.registry').fill('https://swr.example.com/acme')
      const registryError = p.getByText(
        /^Registry address "https:\/\/swr\.example\.com\/acme" starts with a scheme \(leave out https:\/\/\): type the registry's host name and, if it has one, its port, e\.g\. swr\.cn-north-4\.myhuaweicloud\.com or 127\.0\.0\.1:5000\.$/,
      )
      await registryError.waitFor()
      expect(await field(p, 'swr.registry').getAttribute('aria-invalid')).toBe('true')
      await b.shot('registry-flagged')
      expect(await seriousAxeViolations(p)).toEqual([])
      await field(p, 'swr.registry').fill('swr.example.com:5000')
      await registryError.waitFor({ state: 'detached' })
      await field(p, 'swr.sharing').selectOption('Private')
      await saved(p)

      await p.getByTestId('step-review').click()
      await p.getByTestId('review-fields').waitFor()
      await expect.poll(() => p.getByTestId('submit').isDisabled()).toBe(false)
      expect(await p.getByTestId('submit-why').count()).toBe(0)
      expect(await p.getByTestId('review-fields').innerText()).toContain('Registry address\tswr.example.com:5000')

      // a bad tag makes the release not ready again: Submit is disabled and says why; the finding leads to the tag
      await p.getByTestId('step-repository').click()
      await field(p, 'attrs.tag').fill('.v1')
      await p
        .getByText(
          /^Tag "\.v1" is not allowed by SWR: type 1–128 letters, digits, _, \. or -, not starting with \. or -, e\.g\. v1\.0\.$/,
        )
        .waitFor()
      await p.getByTestId('step-review').click()
      await expect.poll(() => p.getByTestId('submit').isDisabled()).toBe(true)
      expect(await p.getByTestId('submit-why').textContent()).toBe(
        'Submit is available once the release is ready: 1 field problem(s) to fix.',
      )
      expect(await p.getByTestId('submit').getAttribute('aria-describedby')).toBe('submit-why')
      await b.shot('review-not-ready')
      expect(await seriousAxeViolations(p)).toEqual([])
      await p.getByTestId('review-findings').getByRole('button', { name: 'Go to the field “Tag”' }).click()
      await expect.poll(() => focusedField(p)).toBe('attrs.tag')
      await field(p, 'attrs.tag').fill('v1.0')
      await saved(p)
      await p.getByTestId('step-review').click()
      await expect.poll(() => p.getByTestId('submit').isDisabled()).toBe(false)
      await p.getByTestId('submit').click()
      await p.getByTestId('submitted').waitFor()
      expect(await p.getByTestId('submitted').textContent()).toMatch(/Release request recorded \(1 today\)/)
      await b.shot('submitted')
      // another package: the passing scan was of the old one, so Submit is disabled again until this one is scanned
      const other = join(dir, 'other.tar')
      execFileSync('tar', ['-cf', other, '-C', join(dir, 'app'), '.'])
      await p.getByTestId('step-package').click()
      await dropFiles(p, '[data-testid=dropzone]', [other])
      await p.getByTestId('wizard-package').filter({ hasText: 'other.tar' }).waitFor({ timeout: 60_000 })
      await saved(p)
      await p.getByTestId('step-review').click()
      await expect.poll(() => p.getByTestId('submit').isDisabled()).toBe(true)
      expect(await p.getByTestId('submit-why').textContent()).toBe(
        'Submit is available once the release is ready: scan the package (it must pass).',
      )
    } finally {
      await b.close()
    }
  })
})
