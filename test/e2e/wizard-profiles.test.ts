// Every profile's release wizard end to end on the real services: pick the profile, drop a real package,
// run the pre-scan, fill every step (one field first flagged by the shared validation, then fixed), reach the
// review, reload the app, find the draft and continue. Axe on every step; screenshots of every step.
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
  dir = tmp('wizp-')
})
afterAll(async () => {
  await ui?.stop()
})

function appPackage(): string {
  mkdirSync(join(dir, 'app'), { recursive: true })
  writeFileSync(join(dir, 'app/run.sh'), '#!/bin/sh\necho hi\n')
  execFileSync('tar', ['-czf', join(dir, 'shop-app.tar.gz'), '-C', join(dir, 'app'), '.'])
  return join(dir, 'shop-app.tar.gz')
}
function ociImage(): string {
  const layout = join(dir, 'img-layout')
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(dir, 'app'), '/app'])
  execFileSync('tar', ['-cf', join(dir, 'web-oci.tar'), '-C', layout, '.'])
  mkdirSync(join(dir, 'bundle'), { recursive: true })
  execFileSync('cp', [join(dir, 'web-oci.tar'), join(dir, 'bundle/web.tar')])
  execFileSync('tar', ['-cf', join(dir, 'shop-images.tar'), '-C', join(dir, 'bundle'), 'web.tar'])
  return join(dir, 'shop-images.tar')
}
function disk(): string {
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'shop-disk.qcow2'), '2G'])
  return join(dir, 'shop-disk.qcow2')
}

type Fill = Record<string, string | boolean>
interface Case {
  profile: string
  pkg: () => string
  /** step id → fields to fill (select values by option value, checkboxes true) */
  steps: Record<string, Fill>
  /** a field to set to a bad value first, the message it must raise, then its good value */
  flagged: { step: string; field: string; bad: string; message: RegExp; good: string }
}

const CASES: Case[] = [
  {
    profile: 'koogallery-app',
    pkg: appPackage,
    steps: { asset: { 'asset.name': 'Shop App', 'asset.category': 'Web' } },
    flagged: { step: 'asset', field: 'versions.0.name', bad: '1.0', message: /not of the form V1\.0/, good: 'V1.0' },
  },
  {
    profile: 'koogallery-container',
    pkg: ociImage,
    steps: { asset: { 'asset.name': 'Shop Images', 'asset.category': 'Web' } },
    flagged: {
      step: 'asset',
      field: 'versions.0.name',
      bad: 'version one',
      message: /not of the form V1\.0/,
      good: 'V2.1',
    },
  },
  {
    profile: 'koogallery-image',
    pkg: disk,
    steps: {
      asset: {
        'asset.name': 'Shop Image',
        'asset.category': 'OS',
        'attrs.osType': 'Linux',
        'attrs.osVersion': 'Ubuntu 22.04',
        'attrs.architecture': 'x86',
        'attrs.virtualEnvType': 'FusionCompute',
      },
      product: {
        'product.name': 'Shop Server',
        'product.salesType': 'Standard',
        'product.pricingMode': 'free',
        'product.template': 'simple',
        'product.version': 'V1.0',
        'product.serviceEmail': 'help@example.com',
      },
      regions: { 'image.regions': 'cn-north-4', 'image.iamAgency': 'ims-admin' },
    },
    flagged: {
      step: 'product',
      field: 'product.name',
      bad: 'Huawei Cloud Shop',
      message: /is not allowed: it names/,
      good: 'Shop Server',
    },
  },
  {
    profile: 'scp-image',
    pkg: disk,
    steps: { image: { 'attrs.osType': 'Ubuntu' }, sharing: { 'attrs.visibility': 'Private' } },
    flagged: { step: 'image', field: 'attrs.name', bad: 'bad/name', message: /Image name: 1–255/, good: 'shop disk' },
  },
  {
    profile: 'swr-image',
    pkg: () => join(dir, 'web-oci.tar'),
    steps: {
      repository: {
        'attrs.organization': 'acme',
        'attrs.tag': 'v1',
        'swr.registry': 'swr.example.com',
        'swr.sharing': 'Private',
      },
    },
    flagged: {
      step: 'repository',
      field: 'attrs.repository',
      bad: 'Web_App',
      message: /not allowed by SWR/,
      good: 'web-app',
    },
  },
]

async function fill(page: Page, fields: Fill) {
  for (const [field, value] of Object.entries(fields)) {
    const el = page.locator(`[data-field="${field}"]`).first()
    const tag = await el.evaluate((n) => n.tagName)
    if (tag === 'SELECT') await el.selectOption(String(value))
    else await el.fill(String(value))
  }
}

describe('release wizard, every profile', () => {
  it.each(CASES.map((c) => [c.profile, c]))('%s', async (_name, c) => {
    const pkg = c.pkg()
    const b = await openBrowser(`wizard-${c.profile}`, ui.url, { width: 1024, height: 700 })
    const p = b.page
    try {
      await p.getByTestId('nav-wizard').click()
      await p.getByTestId(`profile-${c.profile}`).click()
      await p.getByTestId('step-package').waitFor()
      await dropFiles(p, '[data-testid=dropzone]', [pkg])
      await p.getByTestId('wizard-package').waitFor({ timeout: 60_000 })
      await b.shot('package')
      expect(await seriousAxeViolations(p)).toEqual([])
      await p.getByTestId('step-prescan').click()
      await p.getByTestId('run-scan').click()
      await p.getByTestId('wizard-verdict').waitFor({ timeout: 120_000 })
      await b.shot('prescan')
      expect(await seriousAxeViolations(p)).toEqual([])
      for (const [step, fields] of Object.entries(c.steps)) {
        await p.getByTestId(`step-${step}`).click()
        if (step === 'asset' && c.profile.startsWith('koogallery')) await p.getByTestId('add-versions').click()
        await fill(p, fields)
        if (step === c.flagged.step) {
          await fill(p, { [c.flagged.field]: c.flagged.bad })
          await p.getByText(c.flagged.message).first().waitFor()
          await b.shot(`${step}-flagged`)
          expect(await p.locator(`[data-field="${c.flagged.field}"]`).getAttribute('aria-invalid')).toBe('true')
          await fill(p, { [c.flagged.field]: c.flagged.good })
          await p.getByText(c.flagged.message).first().waitFor({ state: 'detached' })
        }
        await b.shot(step)
        expect(await seriousAxeViolations(p)).toEqual([])
      }
      await p.getByTestId('save-status').filter({ hasText: /Saved/ }).waitFor()
      await p.waitForTimeout(600)
      await p.reload()
      await p.getByTestId('nav-drafts').click()
      await p
        .getByRole('button', { name: /^Continue/ })
        .first()
        .click()
      await p.getByTestId('step-review').click()
      await p.getByTestId('review-fields').waitFor()
      await b.shot('review')
      expect(await seriousAxeViolations(p)).toEqual([])
      expect(await p.getByTestId('review-fields').textContent()).toContain(String(c.flagged.good))
      expect(await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false)
    } finally {
      await b.close()
    }
  })
})
