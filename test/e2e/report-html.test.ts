// The HTML report is one self-contained file: opened from disk in Chromium it renders the verdict, the
// severity chart and the findings, and makes no request besides the file itself.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { scanPackage } from '../../src-main/inspect/scan'
import { htmlReport } from '../../src-main/reports/html'
import { applyWaivers, parseWaivers } from '../../src-main/reports/waivers'
import { openBrowser, tmp } from './harness'

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

describe('HTML report', () => {
  it('loads in Chromium with no network request and shows verdict, chart and findings', async () => {
    const d = tmp('html-')
    writeFileSync(join(d, 'eicar.com'), EICAR)
    writeFileSync(join(d, 'readme.txt'), 'hello')
    execFileSync('tar', ['-cf', join(d, 'app.tar'), '-C', d, 'eicar.com', 'readme.txt'])
    const waivers = parseWaivers(
      '{"waivers":[{"rule":"scan.not-run","reason":"no vulnerability database on this machine"}]}',
      'w.json',
    )
    const report = await scanPackage(join(d, 'app.tar'), { postProcess: [(f) => applyWaivers(f, waivers)] })
    const file = join(d, 'report.html')
    writeFileSync(file, htmlReport(report))
    const url = pathToFileURL(file).href

    const b = await openBrowser('report-html', 'about:blank')
    try {
      const requests: string[] = []
      b.page.on('request', (r) => requests.push(r.url()))
      await b.page.goto(url)
      await b.page.waitForLoadState('load')
      expect(requests).toEqual([url])
      const text = (await b.page.locator('body').textContent()) ?? ''
      expect(text).toContain('app.tar!eicar.com')
      expect(text).toMatch(/fail/i)
      expect(await b.page.locator('svg').count()).toBeGreaterThan(0)
      expect(text).not.toContain('guest filesystem') // a tar has no guest: the malware check note must not say so
      await b.shot('report')
    } finally {
      await b.close()
    }
  })
})
