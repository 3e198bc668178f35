// `preflight history [--since DATE] [--until DATE] [--kind K,K] [--result R,R] [--subject S] [--format table|json|csv]
// [--output FILE]`: the work history (history/history.ts) the app and the CLI record, newest first. --subject takes a
// package's sha256, a draft id or an upload job id; a package's sha256 also finds the uploads of it.
import { rename, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultHome, ensureHome } from '../../home'
import {
  HISTORY_KINDS,
  HISTORY_RESULTS,
  historyCsv,
  HistoryStore,
  type HistoryKind,
  type HistoryResult,
} from '../../history/history'
import { openHomeDatabase } from '../../store/db'
import { usageError, type CliCommand } from '../io'

const RESULTS: readonly HistoryResult[] = HISTORY_RESULTS

function dateArg(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined
  const t = Date.parse(v)
  if (Number.isNaN(t))
    throw usageError(`--${name} must be a date or time (e.g. 2026-12-01 or 2026-12-01T08:00:00Z), got ${v}`)
  return new Date(t).toISOString()
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'the work history: scans, repacks, converts, waivers, drafts, exports, uploads, submits',
  usage: `preflight history [--since DATE] [--until DATE] [--kind ${HISTORY_KINDS.join('|')}[,...]] [--result ${RESULTS.join('|')}[,...]] [--subject S] [--format table|json|csv] [--output FILE]`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        kind: { type: 'string' },
        result: { type: 'string' },
        subject: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
    })
    const kinds = values.kind?.split(',').map((k) => k.trim()) as HistoryKind[] | undefined
    for (const k of kinds ?? [])
      if (!HISTORY_KINDS.includes(k)) throw usageError(`unknown --kind ${k} (one of: ${HISTORY_KINDS.join(', ')})`)
    const results = values.result?.split(',').map((k) => k.trim()) as HistoryResult[] | undefined
    for (const r of results ?? [])
      if (!RESULTS.includes(r)) throw usageError(`unknown --result ${r} (one of: ${RESULTS.join(', ')})`)
    const format = values.format ?? (io.stdout.isTTY && !values.output ? 'table' : 'json')
    if (!['table', 'json', 'csv'].includes(format)) throw usageError(`unknown --format ${format} (table, json or csv)`)
    const store = new HistoryStore(openHomeDatabase(ensureHome(defaultHome(io.env))))
    const events = store.list({
      since: dateArg(values.since, 'since'),
      until: dateArg(values.until, 'until'),
      kinds,
      results,
      subject: values.subject,
    })
    const text =
      format === 'csv'
        ? historyCsv(events)
        : format === 'json'
          ? `${JSON.stringify({ schema: 'preflight.history/1', events }, null, 2)}\n`
          : events.length
            ? `${events.map((e) => `${e.at}  ${e.kind.padEnd(14)} ${e.result.padEnd(9)} ${e.subjectName}  (${e.actor})${e.link ? `  ${e.link}` : ''}`).join('\n')}\n`
            : 'No events.\n'
    if (values.output) {
      const target = resolve(io.cwd, values.output)
      await writeFile(`${target}.partial-${process.pid}`, text)
      await rename(`${target}.partial-${process.pid}`, target)
    } else io.stdout.write(text)
    return 0
  },
}
