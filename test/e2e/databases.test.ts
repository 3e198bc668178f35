// Databases in the real UI: import an OSV all.zip, then a package with a vulnerable lockfile shows the
// blocker, its score and fix, and the component in the components table. The ClamAV engine card takes named
// options only (a database by absolute path, a size limit), refuses a bad value on screen, and keeps what it saved.
import { execFileSync } from 'node:child_process'
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import yazl from 'yazl'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, openBrowser, seriousAxeViolations, startUi, tmp, type UiServer } from './harness'

let ui: UiServer
beforeAll(async () => {
  ui = await startUi()
})
afterAll(async () => {
  await ui?.stop()
})

describe('databases and vulnerabilities', () => {
  it('imports OSV and gates a package on CVSS >= 7.0', async () => {
    const d = tmp('db-')
    const zip = new yazl.ZipFile()
    zip.addBuffer(
      Buffer.from(
        JSON.stringify({
          id: 'GHSA-test-0001',
          modified: '2026-11-01T00:00:00Z',
          severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
          affected: [
            {
              package: { ecosystem: 'npm', name: 'lodash' },
              ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }],
            },
          ],
        }),
      ),
      'GHSA-test-0001.json',
    )
    zip.end()
    await new Promise<void>((r) => zip.outputStream.pipe(createWriteStream(join(d, 'all.zip'))).on('close', () => r()))
    mkdirSync(join(d, 'src'))
    writeFileSync(
      join(d, 'src/package-lock.json'),
      JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/lodash': { version: '4.17.20' } } }),
    )
    execFileSync('tar', ['-czf', join(d, 'web-1_0.tar.gz'), '-C', join(d, 'src'), 'package-lock.json'])
    const b = await openBrowser('databases', ui.url)
    try {
      await b.page.getByTestId('nav-databases').click()
      await b.page.getByTestId('vulndb-none').waitFor()
      // each zone says what it takes, not the package formats of Home
      expect(await b.page.getByTestId('vulndb-dropzone-hint').textContent()).toContain('all.zip')
      expect(await b.page.getByTestId('signatures-dropzone-hint').textContent()).toContain('.cvd')
      expect(await b.page.getByTestId('vulndb-dropzone').textContent()).not.toContain('qcow2')
      await dropFiles(b.page, '[data-testid=vulndb-dropzone]', [join(d, 'all.zip')])
      await b.page.getByTestId('vulndb-status').waitFor({ timeout: 60_000 })
      expect(await b.page.getByTestId('vulndb-status').textContent()).toMatch(/^1 advisories/)
      await b.shot('imported')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.getByTestId('nav-home').click()
      await dropFiles(b.page, '[data-testid=dropzone]', [join(d, 'web-1_0.tar.gz')])
      await b.page.locator('[data-rule="vuln.cvss-high"]').waitFor({ timeout: 60_000 })
      expect(await b.page.locator('[data-rule="vuln.cvss-high"]').textContent()).toMatch(
        /lodash 4\.17\.20.*GHSA-test-0001.*score 9\.8.*Fixed in 4\.17\.21/,
      )
      expect(await b.page.getByTestId('components-table').textContent()).toMatch(
        /lodash.*4\.17\.20.*npm.*GHSA-test-0001/,
      )
      await b.shot('vulnerable')
    } finally {
      await b.close()
    }
  })

  it('the ClamAV engine card saves named options and refuses a bad one', async () => {
    const b = await openBrowser('databases', ui.url)
    try {
      await b.page.getByTestId('nav-databases').click()
      const card = b.page.getByTestId('engine-setting')
      await card.getByTestId('engine-select').selectOption('clamscan')
      await card.getByTestId('engine-database').fill('relative/clamav')
      await card.getByRole('button', { name: 'Save' }).click()
      await expect(card.getByTestId('engine-error').textContent()).resolves.toMatch(/malware\.engine.*absolute path/)
      await card.getByTestId('engine-database').fill('/var/lib/clamav')
      await card.getByTestId('engine-max-size').fill('512')
      await card.getByRole('button', { name: 'Save' }).click()
      await card.getByRole('status').waitFor()
      expect(await card.getByTestId('engine-error').count()).toBe(0)
      await b.shot('engine-saved')
      expect(await seriousAxeViolations(b.page)).toEqual([])
      await b.page.reload()
      await b.page.getByTestId('nav-databases').click()
      await expect.poll(() => b.page.getByTestId('engine-max-size').inputValue()).toBe('512')
      expect(await b.page.getByTestId('engine-select').inputValue()).toBe('clamscan')
      expect(await b.page.getByTestId('engine-database').inputValue()).toBe('/var/lib/clamav')
    } finally {
      await b.close()
    }
  })
})
