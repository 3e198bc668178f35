// The VM image view in the real UI: a qcow2 made by qemu-img is read (facts equal qemu-img info), its
// internal snapshot is a warning, and the attributes are pre-filled from the image and validated live; an OS
// picked against the guest's (found by the scan) is named next to the field (image.os-mismatch).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ext4GuestImage } from '../fixtures/guest-disk'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

describe('VM image view', () => {
  it('shows facts, the snapshot warning and pre-filled attributes', async () => {
    const d = tmp('vm-')
    const img = join(d, 'web-server.qcow2')
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '3G'])
    execFileSync('qemu-img', ['snapshot', '-c', 'base', img])
    const b = await openBrowser('vm', ui.url)
    try {
      await dropFiles(b.page, '[data-testid=dropzone]', [img])
      // the drop pre-scans the image at once; its report offers the VM image view
      await b.page.getByTestId('open-vm').click({ timeout: 60_000 })
      await b.page.getByTestId('vm-facts').waitFor({ timeout: 60_000 })
      expect(await b.page.getByTestId('vm-facts').textContent()).toContain('3,221,225,472 B')
      // disk usage as a picture whose words carry the numbers: 3 GiB virtual, the small file a new image is
      expect(await b.page.getByTestId('disk-chart').getAttribute('aria-label')).toMatch(
        /^Disk usage: Virtual size 3\.0 GiB, File on disk [\d.]+ KiB$/,
      )
      expect(await b.page.locator('[data-rule="qcow2.internal-snapshots"]').count()).toBe(1)
      await b.page.getByTestId('vm-profile').selectOption('scp-image')
      await b.page.locator('[data-field="attrs.minDiskGB"]').waitFor()
      await expect.poll(() => b.page.locator('[data-field="attrs.minDiskGB"]').inputValue()).toBe('3')
      await b.page.locator('[data-field="attrs.minDiskGB"]').fill('2')
      await b.page.getByText(/below the image's virtual size/).waitFor()
      // the scan for the new profile finishing later must not replace what was typed
      await b.page.waitForTimeout(3000)
      expect(await b.page.locator('[data-field="attrs.minDiskGB"]').inputValue()).toBe('2')
      await b.shot('vm')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.getByTestId('vm-convert').click()
      await b.page.getByTestId('vm-converted').waitFor({ timeout: 60_000 })
      expect(await b.page.getByTestId('vm-converted').textContent()).toMatch(/web-server-compact\.qcow2/)
    } finally {
      await b.close()
    }
  })

  it('names an OS type or version that disagrees with the guest the scan found', async () => {
    const d = tmp('vm-os-')
    const img = ext4GuestImage(join(d, 'ubuntu-web.qcow2'), {
      'etc/os-release': 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\n',
      'etc/hostname': 'web\n',
    })
    const b = await openBrowser('vm-os', ui.url)
    try {
      await dropFiles(b.page, '[data-testid=dropzone]', [img])
      await b.page.getByTestId('open-vm').click()
      await b.page.getByTestId('vm-facts').waitFor({ timeout: 60_000 })
      await b.page.getByTestId('vm-profile').selectOption('scp-image')
      const osType = b.page.locator('[data-field="attrs.osType"]')
      await expect.poll(() => osType.inputValue(), { timeout: 60_000 }).toBe('Ubuntu')
      expect(await b.page.getByText(/disagrees with the guest the scan found/).count()).toBe(0)
      await osType.selectOption('CentOS')
      await b.page
        .getByText(/The stated OS type "CentOS" disagrees with the guest the scan found: Ubuntu 22\.04\.4 LTS/)
        .waitFor()
      await b.page.getByTestId('vm-profile').selectOption('koogallery-image')
      const osVersion = b.page.locator('[data-field="attrs.osVersion"]')
      await osVersion.waitFor()
      await osVersion.fill('CentOS 7.9')
      await b.page
        .getByText(/The stated OS version "CentOS 7\.9" names another system than the guest the scan found/)
        .waitFor()
      await osVersion.fill('Ubuntu 22.04')
      await expect.poll(() => b.page.getByText(/names another system/).count()).toBe(0)
    } finally {
      await b.close()
    }
  })
})
