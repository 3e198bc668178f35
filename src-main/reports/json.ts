// The JSON report (schema preflight.report/1, ../shared/spec/cli.md): the model itself, findings sorted.
import { findingCounts, uncheckedChecks, verdictLine } from '../../src-preload/verdict'
import type { Report } from './model'

/** The model, plus `summary`: the verdict line every surface shows, the counts (waived apart) and the checks not run or partial. */
export function jsonReport(report: Report): string {
  const { notRun, partial } = uncheckedChecks(report)
  const summary = {
    verdictLine: verdictLine(report),
    counts: findingCounts(report.findings),
    checksNotRun: notRun,
    checksPartial: partial,
  }
  return `${JSON.stringify({ ...report, summary }, null, 2)}\n`
}
