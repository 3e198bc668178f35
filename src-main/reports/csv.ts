// CSV report (RFC 4180): one row per finding with its rule, fix and waiver columns; and the RFC 4180 field
// quoting and parsing the other CSV readers and writers (history, compare) use.
import { ruleText } from '../../src-preload/catalogue'
import { verdictLine } from '../../src-preload/verdict'
import type { Report, WriterOptions } from './model'
import { textIn } from '../../src-preload/text'

/** One CSV field: quoted when it holds a quote, a comma or a line break. */
export const cell = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** Rows of an RFC 4180 text (quoted fields with doubled quotes and line breaks; CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field || row.length) rows.push([...row, field])
  return rows
}

export function csvReport(report: Report, opts: WriterOptions = {}): string {
  const line = verdictLine(report, opts.lang)
  const rows = [
    ['severity', 'rule', 'location', 'message', 'fix', 'waived', 'waiver_reason', 'package', 'sha256', 'verdict'],
  ]
  for (const f of report.findings)
    rows.push([
      f.severity,
      f.rule,
      f.location,
      textIn(f, opts.lang),
      ruleText(f.rule, opts.lang).fix,
      f.waived ? 'yes' : 'no',
      f.waiverReason ?? '',
      report.package.name,
      report.package.sha256,
      line,
    ])
  // with no finding, one row still carries the package and its verdict line
  if (!report.findings.length) rows.push(['', '', '', '', '', '', '', report.package.name, report.package.sha256, line])
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`
}
