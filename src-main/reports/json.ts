// The JSON report (schema preflight.report/1, ../shared/spec/cli.md): the model itself, findings sorted.
import type { Report } from './model'

export function jsonReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`
}
