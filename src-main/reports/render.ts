// Reports for the UI: apply waivers to a report already made (no rescan) and render it in any format,
// binary ones base64-encoded so they cross IPC and WebSocket as text.
import { rename, rm, writeFile } from 'node:fs/promises'
import { sortFindings, verdictOf, type Finding, type Report } from './model'
import { applyWaivers, waiverFileSchema, type Waiver } from './waivers'
import { REPORT_WRITERS } from './writers'
import { PreflightError } from '../../src-preload/errors'

const FORMATS: Record<string, { mime: string; extension: string }> = {
  json: { mime: 'application/json', extension: 'json' },
  html: { mime: 'text/html', extension: 'html' },
  sarif: { mime: 'application/sarif+json', extension: 'sarif' },
  csv: { mime: 'text/csv', extension: 'csv' },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' },
  table: { mime: 'text/plain', extension: 'txt' },
  cyclonedx: { mime: 'application/vnd.cyclonedx+json', extension: 'cdx.json' },
}

export function waiveReport(report: Report, waivers: Waiver[]): Report {
  const checked = waiverFileSchema.safeParse({ waivers })
  if (!checked.success)
    throw new PreflightError(
      'invalid-input',
      `Invalid waiver: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  const fresh = report.findings.map((f): Finding => {
    const { waived: _w, waiverReason: _r, ...rest } = f
    return rest
  })
  const findings = sortFindings(applyWaivers(fresh, checked.data.waivers))
  return { ...report, findings, verdict: verdictOf(findings) }
}

export async function renderReport(
  report: Report,
  format: string,
  opts: { lang?: 'en' | 'zh-CN'; waivers?: Waiver[] } = {},
): Promise<{ content: string; encoding: 'utf8' | 'base64'; mime: string; extension: string }> {
  const writer = REPORT_WRITERS[format]
  if (!writer) throw new PreflightError('invalid-input', `Unknown report format ${format}`)
  const r = opts.waivers ? waiveReport(report, opts.waivers) : report
  const out = await writer(r, { lang: opts.lang })
  const meta = FORMATS[format] ?? { mime: 'application/octet-stream', extension: format }
  return typeof out === 'string'
    ? { content: out, encoding: 'utf8', ...meta }
    : { content: out.toString('base64'), encoding: 'base64', ...meta }
}

/** Write a report in one format to `path` (the app's save dialog): a temp name beside it, renamed when complete. */
export async function exportReport(
  report: Report,
  format: string,
  path: string,
  opts: { lang?: 'en' | 'zh-CN'; waivers?: Waiver[] } = {},
): Promise<{ path: string; bytes: number }> {
  const { content, encoding } = await renderReport(report, format, opts)
  const data = Buffer.from(content, encoding)
  const tmp = `${path}.partial-${process.pid}`
  try {
    await writeFile(tmp, data)
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw new PreflightError(
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'forbidden',
      `Cannot write the report to ${path}: ${(err as Error).message} (choose another folder)`,
    )
  }
  return { path, bytes: data.length }
}
