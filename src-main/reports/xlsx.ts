// The XLSX appeal sheet, after the marketplace's scan report: one row per finding with its facts in
// columns A–E, and columns F, G, H for the false-positive conclusion, explanation and evidence, filled from
// the waivers (a waived finding is the seller's false-positive claim).
import ExcelJS from 'exceljs'
import { ruleText } from '../../src-preload/catalogue'
import { verdictLine } from '../../src-preload/verdict'
import type { Report, WriterOptions } from './model'
import { textIn } from '../../src-preload/text'

export const XLSX_HEADERS = [
  'No.',
  'Risk item (rule)',
  'Severity',
  'File location',
  'Description and fix',
  'False-positive conclusion',
  'Explanation',
  'Evidence',
]

export async function xlsxReport(report: Report, opts: WriterOptions = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = `Preflight ${report.tool.version}`
  wb.created = new Date()
  const ws = wb.addWorksheet('Scan report')
  ws.columns = [
    { width: 6 },
    { width: 30 },
    { width: 10 },
    { width: 60 },
    { width: 70 },
    { width: 22 },
    { width: 50 },
    { width: 40 },
  ]
  ws.addRow(XLSX_HEADERS).font = { bold: true }
  report.findings.forEach((f, i) => {
    const text = ruleText(f.rule, opts.lang)
    ws.addRow([
      i + 1,
      `${f.rule} — ${text.title}`,
      f.severity,
      f.location,
      `${textIn(f, opts.lang)} Fix: ${text.fix}`,
      f.waived ? 'False positive' : '',
      f.waived ? (f.waiverReason ?? '') : '',
      f.waived
        ? `Waiver for ${f.rule}${f.details?.signature ? `; signature ${String(f.details.signature)}` : ''}; package sha256 ${report.package.sha256}`
        : '',
    ])
  })
  ws.getColumn(5).alignment = { wrapText: true, vertical: 'top' }
  ws.getColumn(7).alignment = { wrapText: true, vertical: 'top' }
  const info = wb.addWorksheet('Package')
  info.addRows([
    ['File', report.package.name],
    ['SHA-256', report.package.sha256],
    ['Size', report.package.size],
    ['Kind', report.package.kind],
    ['Profile', report.profile],
    ['Verdict', verdictLine(report, opts.lang)],
    ...Object.entries(report.checks).map(([k, c]) => [`Check: ${k}`, `${c.state}${c.note ? ` — ${c.note}` : ''}`]),
    ['Tool', `preflight ${report.tool.version}`],
  ])
  return Buffer.from(await wb.xlsx.writeBuffer())
}
