// The terminal report: verdict, package facts, findings grouped blocker → warning → info with rule id,
// location and the fix from the catalogue, and the checks that did not run.
import { ruleText } from '../../src-preload/catalogue'
import { findingCounts, uncheckedChecks, verdictLine } from '../../src-preload/verdict'
import type { Report, WriterOptions } from './model'
import { textIn } from '../../src-preload/text'

const COLORS = {
  blocker: '\x1b[31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  pass: '\x1b[32m',
  reset: '\x1b[0m',
  dim: '\x1b[2m',
}

export function tableReport(report: Report, opts: WriterOptions = {}): string {
  const c = (k: keyof typeof COLORS, s: string) => (opts.color ? `${COLORS[k]}${s}${COLORS.reset}` : s)
  const lines: string[] = []
  const counts = findingCounts(report.findings)
  const { notRun, partial } = uncheckedChecks(report)
  // the verdict says what was not checked: "PASS, 2 checks not run" (src-preload/verdict.ts, as every surface does)
  lines.push(
    c(
      report.verdict === 'pass' ? (notRun.length || partial.length ? 'warning' : 'pass') : 'blocker',
      `${verdictLine(report, opts.lang)}  ${report.package.name}`,
    ),
  )
  for (const k of [...notRun, ...partial])
    lines.push(
      c('warning', `  ${k}: ${report.checks[k].state}${report.checks[k].note ? ` — ${report.checks[k].note}` : ''}`),
    )
  lines.push(
    c(
      'dim',
      `profile ${report.profile}${report.profileAutoPicked ? ' (auto)' : ''} · ${report.package.kind} · ${report.package.size.toLocaleString('en')} bytes · sha256 ${report.package.sha256}`,
    ),
  )
  lines.push(c('dim', `${report.stats.entries.toLocaleString('en')} entries · ${report.stats.durationMs} ms`))
  for (const sev of ['blocker', 'warning', 'info'] as const) {
    const group = report.findings.filter((f) => f.severity === sev)
    if (!group.length) continue
    const waived = group.length - counts[sev]
    lines.push('', c(sev, `${sev.toUpperCase()} (${counts[sev]}${waived ? `, ${waived} waived` : ''})`))
    for (const f of group) {
      const text = ruleText(f.rule, opts.lang)
      lines.push(`  ${c(sev, f.rule)}${f.waived ? c('dim', ' [waived]') : ''}  ${f.location}`)
      lines.push(`    ${textIn(f, opts.lang)}`)
      if (sev !== 'info') lines.push(c('dim', `    fix: ${text.fix}`))
      if (f.waived && f.waiverReason) lines.push(c('dim', `    waived: ${f.waiverReason}`))
    }
  }
  if (report.components.length) lines.push('', `${report.components.length} components found`)
  return `${lines.join('\n')}\n`
}
