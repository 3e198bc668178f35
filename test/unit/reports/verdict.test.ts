// The verdict line every surface shows says what was not checked, and every format counts waived findings apart:
// a package scanned with no vulnerability database is "PASS, 1 check not run" in the table, JSON, HTML, CSV, SARIF,
// XLSX and CycloneDX, never a bare PASS; a waived blocker is counted once as waived, not as a blocker, in the
// verdict, the table's group header and the HTML chart.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import { findingCounts, verdictLine } from '../../../src-preload/verdict'
import { scanPackage } from '../../../src-main/inspect/scan'
import type { Report } from '../../../src-main/reports/model'
import { applyWaivers } from '../../../src-main/reports/waivers'
import { REPORT_WRITERS } from '../../../src-main/reports/writers'

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
let clean: Report
let waived: Report

beforeAll(async () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'verdict-'))
  writeFileSync(join(dir, 'readme.txt'), 'hello')
  writeFileSync(join(dir, 'eicar.com'), EICAR)
  execFileSync('tar', ['-cf', join(dir, 'clean.tar'), '-C', dir, 'readme.txt'])
  execFileSync('tar', ['-cf', join(dir, 'waived.tar'), '-C', dir, 'readme.txt', 'eicar.com'])
  clean = await scanPackage(join(dir, 'clean.tar'), { profile: 'koogallery-app' })
  waived = await scanPackage(join(dir, 'waived.tar'), {
    profile: 'koogallery-app',
    postProcess: [(f) => applyWaivers(f, [{ rule: 'malware.detected', reason: 'our test file' }])],
  })
})

describe('the verdict line', () => {
  it('says which checks did not run', () => {
    expect(clean.verdict).toBe('pass')
    expect(clean.checks.vulnerabilities.state).toBe('not-run')
    expect(verdictLine(clean)).toBe('PASS, 1 check not run')
    expect(verdictLine(clean, 'zh-CN')).toBe('通过，1 项检查未运行')
    expect(
      verdictLine({
        verdict: 'fail',
        findings: [{ severity: 'blocker' }, { severity: 'blocker' }],
        checks: { malware: { state: 'partial' } },
      }),
    ).toBe('FAIL: 2 blockers, 1 check partial')
    expect(verdictLine({ verdict: 'pass', findings: [], checks: { malware: { state: 'run' } } })).toBe('PASS')
  })

  it('is in every report format', async () => {
    const text = async (format: string) => {
      const out = await REPORT_WRITERS[format](clean, {})
      if (typeof out === 'string') return out
      if (format === 'xlsx') {
        const wb = new ExcelJS.Workbook()
        await wb.xlsx.load(out as unknown as ArrayBuffer)
        const rows: string[] = []
        wb.eachSheet((ws) => ws.eachRow((r) => rows.push((r.values as unknown[]).join('|'))))
        return rows.join('\n')
      }
      return Buffer.from(out as Uint8Array).toString('utf8')
    }
    for (const format of Object.keys(REPORT_WRITERS))
      expect(await text(format), format).toContain('PASS, 1 check not run')
    expect(JSON.parse(await text('json')).summary).toEqual({
      verdictLine: 'PASS, 1 check not run',
      counts: findingCounts(clean.findings),
      checksNotRun: ['vulnerabilities'],
      checksPartial: [],
    })
  })

  it('counts a waived blocker once, as waived', async () => {
    const counts = findingCounts(waived.findings)
    expect(counts.waived).toBe(1)
    expect(counts.blocker).toBe(0)
    expect(waived.verdict).toBe('pass')
    const table = String(await REPORT_WRITERS.table(waived, {}))
    expect(table).toMatch(/^PASS, 1 check not run {2}waived\.tar/)
    expect(table).toMatch(/BLOCKER \(0, 1 waived\)/)
    const html = String(await REPORT_WRITERS.html(waived, {}))
    expect(html).toMatch(/aria-label="Findings by severity: 0 blocker, \d+ warning, \d+ info, 1 waived"/)
  })
})
