// Every report format from one report: waivers applied (glob, advisory, expiry), SARIF 2.1.0 structure,
// validated with ajv against the official SARIF 2.1.0 schema, CSV escaping, the XLSX appeal columns F–H read back with exceljs, and a self-contained HTML file.
import Ajv04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import ExcelJS from 'exceljs'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import type { Report } from '../../../src-main/reports/model'
import { applyWaivers, globToRegExp, parseWaivers } from '../../../src-main/reports/waivers'
import { REPORT_WRITERS } from '../../../src-main/reports/writers'
import { csvReport } from '../../../src-main/reports/csv'
import { htmlReport } from '../../../src-main/reports/html'
import { sarifReport } from '../../../src-main/reports/sarif'
import { xlsxReport } from '../../../src-main/reports/xlsx'
import { exportReport } from '../../../src-main/reports/render'
import { readdirSync, readFileSync } from 'node:fs'

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
let report: Report
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'rep-'))
  writeFileSync(join(dir, 'eicar.com'), EICAR)
  writeFileSync(join(dir, 'note, "quoted".txt'), 'x')
  execFileSync('tar', [
    '-cf',
    join(dir, 'app.tar'),
    '-C',
    dir,
    'eicar.com',
    'note, "quoted".txt',
    '--transform',
    's,^note,../note,',
  ])
  const waivers = parseWaivers(
    `waivers:\n  - rule: malware.detected\n    location: "app.tar!*.com"\n    reason: "EICAR is our test fixture"\n  - rule: archive.path-traversal\n    reason: expired\n    expires: 2001-01-01\n`,
    'w.yaml',
  )
  report = await scanPackage(join(dir, 'app.tar'), { postProcess: [(f) => applyWaivers(f, waivers)] })
})

describe('waivers', () => {
  it('waive by glob; expired waivers do not apply; the verdict counts unwaived blockers only', () => {
    const mw = report.findings.find((f) => f.rule === 'malware.detected')!
    expect(mw).toMatchObject({ waived: true, waiverReason: 'EICAR is our test fixture', location: 'app.tar!eicar.com' })
    expect(report.findings.find((f) => f.rule === 'archive.path-traversal')!.waived).toBeFalsy()
    expect(report.verdict).toBe('fail')
    expect(globToRegExp('a.tar!**').test('a.tar!x!y/z')).toBe(true)
    expect(globToRegExp('a.tar!*').test('a.tar!x!y')).toBe(false)
    expect(() => parseWaivers('{"waivers":[{"rule":"nope","reason":"x"}]}', 'w.json')).toThrow(/unknown rule id/)
    expect(() => parseWaivers('{"waivers":[{"rule":"malware.detected"}]}', 'w.json')).toThrow(/reason/)
  })
})

describe('report writers', () => {
  it('registers every format of the CLI surface', () => {
    expect(Object.keys(REPORT_WRITERS).sort()).toEqual(
      expect.arrayContaining(['csv', 'html', 'json', 'sarif', 'table', 'xlsx']),
    )
  })

  it('SARIF 2.1.0: rules, levels, logical locations and suppressions', () => {
    const s = JSON.parse(sarifReport(report))
    expect(s.version).toBe('2.1.0')
    const run = s.runs[0]
    expect(run.tool.driver.name).toBe('Preflight')
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId)
      expect(['error', 'warning', 'note']).toContain(r.level)
      expect(typeof r.message.text).toBe('string')
      expect(r.locations[0].logicalLocations[0].fullyQualifiedName).toBeTruthy()
    }
    const mw = run.results.find((r: { ruleId: string }) => r.ruleId === 'malware.detected')
    expect(mw.suppressions[0]).toEqual({
      kind: 'external',
      status: 'accepted',
      justification: 'EICAR is our test fixture',
    })
  })

  it('SARIF validates against the official SARIF 2.1.0 JSON schema (as shipped by @microsoft/jest-sarif)', () => {
    const schema = createRequire(import.meta.url)('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json')
    const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false }) // the schema's language pattern is not a valid unicode RegExp
    addFormats(ajv)
    const validate = ajv.compile(schema)
    const log = JSON.parse(sarifReport(report))
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)
    // the validator does reject a broken log (the test can fail)
    expect(validate({ ...log, runs: [{ ...log.runs[0], results: [{ level: 'fatal' }] }] })).toBe(false)
  })

  it('CSV escapes quotes and commas', () => {
    const csv = csvReport(report)
    expect(csv.split('\r\n')[0]).toBe('severity,rule,location,message,fix,waived,waiver_reason,package,sha256,verdict')
    expect(csv).toContain('"app.tar!../note, ""quoted"".txt"')
  })

  it('XLSX: one row per finding, appeal columns F–H filled from waivers', async () => {
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load((await xlsxReport(report)) as never)
    const ws = wb.getWorksheet('Scan report')!
    expect(ws.getRow(1).getCell(6).value).toBe('False-positive conclusion')
    expect(ws.getRow(1).getCell(8).value).toBe('Evidence')
    expect(ws.rowCount).toBe(report.findings.length + 1)
    const row = [...Array(ws.rowCount).keys()]
      .map((i) => ws.getRow(i + 1))
      .find((r) => String(r.getCell(2).value).startsWith('malware.detected'))!
    expect(row.getCell(4).value).toBe('app.tar!eicar.com')
    expect(row.getCell(6).value).toBe('False positive')
    expect(row.getCell(7).value).toBe('EICAR is our test fixture')
  })

  it('HTML is self-contained: no script, no external reference', () => {
    const html = htmlReport(report)
    expect(html).toContain('app.tar!eicar.com')
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//)
    expect(htmlReport(report, { lang: 'zh-CN' })).toContain('未通过')
  })

  it('report.export writes each format to the chosen path (no partial file left), waivers applied', async () => {
    const out = join(dir, 'export')
    execFileSync('mkdir', ['-p', out])
    for (const format of ['json', 'html', 'sarif', 'csv', 'xlsx'] as const) {
      const r = await exportReport(report, format, join(out, `r.${format}`), {
        waivers: [{ rule: 'profile.auto-picked', reason: 'we pick later' }],
      })
      expect(r.bytes).toBeGreaterThan(100)
    }
    expect(readdirSync(out).sort()).toEqual(['r.csv', 'r.html', 'r.json', 'r.sarif', 'r.xlsx'])
    expect(readFileSync(join(out, 'r.xlsx')).subarray(0, 2).toString()).toBe('PK')
    const json = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8'))
    expect(json.findings.find((f: { rule: string }) => f.rule === 'profile.auto-picked').waiverReason).toBe(
      'we pick later',
    )
    await expect(exportReport(report, 'csv', join(out, 'missing-dir', 'r.csv'))).rejects.toMatchObject({
      code: 'not-found',
    })
    expect(readdirSync(out)).toHaveLength(5)
  })
})
