// The marketplace's report against Preflight's, for a real package (two EICAR files, a symlink out of the package,
// a config file, a library): the marketplace's report as an XLSX with Chinese headings, as SARIF and as CSV, each
// with 3 findings Preflight also has (paired by kind of problem, by rule id, by kind), 2 it does not (a rule gap at
// a file Preflight read, a CVE: a database gap), and Preflight's one of its own (vulndb.missing): exactly that
// diff, in JSON and in HTML, through `preflight compare`; a report of another package is refused.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import { MARKETPLACE_FINDINGS, marketplaceCase } from '../../fixtures/marketplace-report'
import { scanPackage } from '../../../src-main/inspect/scan'
import { compareReports, importReport, type Comparison } from '../../../src-main/reports/compare'
import type { Report } from '../../../src-main/reports/model'

const BIN = resolve(__dirname, '../../../bin/preflight.cjs')
let dir: string
let pkg: string
let report: Report
/** The marketplace's report as CSV, written by the fixture with the package. */
let csvReport: string

async function xlsx(out: string, sha256: string): Promise<string> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('扫描报告')
  ws.addRow(['序号', '风险项', '级别', '文件路径', '描述'])
  MARKETPLACE_FINDINGS.forEach((f, i) => ws.addRow([i + 1, f.title, f.severity, f.location, f.message]))
  const info = wb.addWorksheet('Package')
  info.addRows([
    ['File', 'shop.tar.gz'],
    ['SHA-256', sha256],
  ])
  await wb.xlsx.writeFile(out)
  return out
}

function sarif(out: string): string {
  const results = MARKETPLACE_FINDINGS.map((f) => ({
    ...(f.title === 'malware.detected' ? { ruleId: 'malware.detected' } : {}),
    level: 'error',
    message: { text: `${f.title}: ${f.message}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: f.location.replace(/!/g, '/') } } }],
  }))
  writeFileSync(
    out,
    JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'marketplace' } }, results }] }),
  )
  return out
}

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'compare-'))
  const made = marketplaceCase(dir)
  pkg = made.pkg
  csvReport = made.report
  report = await scanPackage(pkg, { profile: 'koogallery-app' })
})

function expectDiff(c: Comparison): void {
  expect(c.both.map((p) => `${p.preflight.rule} ${p.by}`).sort()).toEqual([
    'archive.link-escape kind',
    'malware.detected kind',
    'malware.detected rule',
  ])
  expect(c.onlyMarketplace.map((f) => `${f.location} ${f.gap}`)).toEqual([
    'app/config.ini rule',
    'app/lib/libssl.so.3 database',
  ])
  expect(c.onlyMarketplace[1].suggestion).toMatch(/CVE-2023-0286.*preflight vulndb import/)
  // what to do, in Simplified Chinese too: the same CVE and command, Chinese punctuation
  expect(c.onlyMarketplace[1].suggestionZh).toMatch(
    /^Preflight 未报告的漏洞（CVE-2023-0286）：.*preflight vulndb import.*。$/,
  )
  expect(c.onlyMarketplace[0].suggestionZh).toMatch(
    /^Preflight 已读取 app\/config\.ini，但没有针对“Hard-coded password.*”的规则：请反馈此差距，以便补充规则。$/,
  )
  expect(c.onlyPreflight.map((f) => f.rule)).toEqual(['vulndb.missing'])
  expect(c.agreement).toBeCloseTo(3 / 6)
}

describe('compare with the marketplace report', () => {
  it('Preflight has the findings the test expects of it', () => {
    expect(
      report.findings
        .filter((f) => f.severity !== 'info')
        .map((f) => f.rule)
        .sort(),
    ).toEqual(['archive.link-escape', 'malware.detected', 'malware.detected', 'vulndb.missing'])
  })

  it.each(['xlsx', 'sarif', 'csv'])(
    'pairs a %s report: 3 in common, 2 only in the marketplace, 1 only in Preflight',
    async (format) => {
      const file =
        format === 'xlsx'
          ? await xlsx(join(dir, 'market.xlsx'), report.package.sha256)
          : format === 'sarif'
            ? sarif(join(dir, 'market.sarif'))
            : csvReport
      const imported = await importReport(file)
      expect(imported.findings).toHaveLength(5)
      const read = new Set((report.facts.entries as Array<{ path: string }>).map((e) => e.path.toLowerCase()))
      expectDiff(compareReports(report, imported, read))
    },
  )

  it('preflight compare writes the same diff as JSON and as HTML', async () => {
    const market = await xlsx(join(dir, 'cli.xlsx'), report.package.sha256)
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BIN, 'compare', market, '--package', pkg, '--profile', 'koogallery-app', ...args], {
        encoding: 'utf8',
        env: { ...process.env, PREFLIGHT_HOME: join(dir, 'home') },
      })
    const json = run(['--format', 'json'])
    expect(json.status, json.stderr).toBe(0)
    expectDiff(JSON.parse(json.stdout) as Comparison)
    const html = run(['--format', 'html', '--output', join(dir, 'compare.html')])
    expect(html.status, html.stderr).toBe(0)
    const page = readFileSync(join(dir, 'compare.html'), 'utf8')
    expect(page).toMatch(/Agreement: 50% — 3 found by both, 2 only by the marketplace, 1 only by Preflight/)
    expect(page).toMatch(/<h2>Found by both \(3\)<\/h2>/)
    expect(page).toMatch(/<h2>Only in the marketplace report \(Preflight missed these\) \(2\)<\/h2>/)
    expect(page).toMatch(/<h2>Only in Preflight.s report \(1\)<\/h2>/)
    expect(page).not.toMatch(/<script/)
  })

  it('refuses the report of another package, and a file that is no report', async () => {
    const other = await xlsx(join(dir, 'other.xlsx'), 'a'.repeat(64))
    expect(() =>
      compareReports(report, {
        format: 'xlsx',
        source: 'other.xlsx',
        packageName: 'shop.tar.gz',
        sha256: 'a'.repeat(64),
        findings: [],
      }),
    ).toThrow(/sha256 a{64}, not shop\.tar\.gz/)
    const r = spawnSync(process.execPath, [BIN, 'compare', other, '--package', pkg], {
      encoding: 'utf8',
      env: { ...process.env, PREFLIGHT_HOME: join(dir, 'home') },
    })
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    writeFileSync(join(dir, 'notes.txt'), 'nothing here')
    await expect(importReport(join(dir, 'notes.txt'))).rejects.toThrow(/not a report Preflight can read/)
  })
})
