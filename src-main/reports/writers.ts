// Report writers by --format name. Each turns the one report model into bytes; text formats return a
// string, binary ones a Buffer. One import and one entry per format; the formats built on big libraries
// (exceljs, cyclonedx-library) load on use, since loading them costs every CLI start most of a second.
import { csvReport } from './csv'
import { htmlReport } from './html'
import { jsonReport } from './json'
import type { Report, WriterOptions } from './model'
import { sarifReport } from './sarif'
import { tableReport } from './table'

export type ReportWriter = (report: Report, opts: WriterOptions) => string | Buffer | Promise<string | Buffer>

export const REPORT_WRITERS: Record<string, ReportWriter> = {
  json: jsonReport,
  table: tableReport,
  html: htmlReport,
  sarif: sarifReport,
  csv: csvReport,
  xlsx: async (report, opts) => (await import('./xlsx')).xlsxReport(report, opts),
  cyclonedx: async (report) => (await import('./cyclonedx')).cyclonedxReport(report),
}
