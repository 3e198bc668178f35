// CSV report (RFC 4180): one row per finding with its rule, fix and waiver columns.
import { ruleText } from '../rules/catalogue'
import type { Report } from './model'
import type { WriterOptions } from './writers'

const cell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvReport(report: Report, opts: WriterOptions = {}): string {
  const rows = [['severity', 'rule', 'location', 'message', 'fix', 'waived', 'waiver_reason', 'package', 'sha256']]
  for (const f of report.findings) rows.push([f.severity, f.rule, f.location, f.message, ruleText(f.rule, opts.lang).fix, f.waived ? 'yes' : 'no', f.waiverReason ?? '', report.package.name, report.package.sha256])
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`
}
