// Report writers by --format name. Each turns the one report model into bytes; text formats return a
// string, binary ones a Buffer. One import and one entry per format.
import { csvReport } from './csv'
import { cyclonedxReport } from './cyclonedx'
import { htmlReport } from './html'
import { jsonReport } from './json'
import type { Report } from './model'
import { sarifReport } from './sarif'
import { tableReport } from './table'
import { xlsxReport } from './xlsx'

export interface WriterOptions {
  lang?: 'en' | 'zh-CN'
  color?: boolean
}

export type ReportWriter = (report: Report, opts: WriterOptions) => string | Buffer | Promise<string | Buffer>

export const REPORT_WRITERS: Record<string, ReportWriter> = {
  json: jsonReport,
  table: tableReport,
  html: htmlReport,
  sarif: sarifReport,
  csv: csvReport,
  xlsx: xlsxReport,
  cyclonedx: cyclonedxReport,
}
