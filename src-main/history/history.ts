// Work history, as Samsung Cloud Platform's console keeps it: every scan, repack, convert, waiver change, draft
// revision, export, upload and submit is one append-only event (time, kind, subject, result, who, a link to its
// report or output). Events are single INSERTs (a process killed mid-operation leaves the operation's event out,
// never half of it) and the table refuses UPDATE and DELETE. Callers record through an EventSink they are given;
// this module owns the table, the queries and the JSON/CSV forms (CSV read back for imports and round trips).
import { userInfo } from 'node:os'
import { cell, parseCsv } from '../reports/csv'
import { HISTORY_KIND_NAMES, HISTORY_RESULT_NAMES } from '../../src-preload/contract'
import type { Db } from '../store/db'

/** The kinds and results of the contract (one list: the History screen filters by them, the table stores them). */
export const HISTORY_KINDS = HISTORY_KIND_NAMES
export const HISTORY_RESULTS = HISTORY_RESULT_NAMES
export type HistoryKind = (typeof HISTORY_KIND_NAMES)[number]
export type HistoryResult = (typeof HISTORY_RESULT_NAMES)[number]

export interface HistoryEventInput {
  kind: HistoryKind
  /** What it was about: a package's sha256, a draft id, a job id, an image reference. */
  subject: string
  /** A readable name for the subject (file name, draft title, target). */
  subjectName?: string
  result: HistoryResult
  /** Where its report or output is (a path or URL), if anywhere. */
  link?: string | null
  details?: Record<string, unknown>
}

export interface HistoryEvent extends Required<Omit<HistoryEventInput, 'details'>> {
  id: number
  at: string
  actor: string
  details: Record<string, unknown>
}

/** What services are given to record with; they never see the store. */
export type EventSink = (event: HistoryEventInput) => void

/** What an operation's outcome adds to its event: the result, and a subject, link or details known only then. */
export type EventOutcome = Partial<Omit<HistoryEventInput, 'kind'>> & { result: HistoryResult }

/**
 * Run an operation and record exactly one event of it through `sink`: `outcome` of its result, or its error
 * (`cancelled` when `signal` was aborted). The event is written once the operation has ended, in one INSERT, so a
 * process killed mid-way leaves none.
 */
export async function recordOutcome<T>(
  sink: EventSink | undefined,
  event: Omit<HistoryEventInput, 'result'>,
  run: () => Promise<T>,
  outcome: (r: T) => EventOutcome,
  signal?: AbortSignal,
): Promise<T> {
  let r: T
  try {
    r = await run()
  } catch (err) {
    sink?.({
      ...event,
      result: signal?.aborted ? 'cancelled' : 'error',
      // the error's sentence, and its Chinese where its maker wrote one (src-preload/text.ts)
      details: {
        ...event.details,
        error: (err as Error).message,
        ...((err as { messageZh?: string }).messageZh ? { errorZh: (err as { messageZh: string }).messageZh } : {}),
      },
    })
    throw err
  }
  const o = outcome(r)
  sink?.({ ...event, ...o, details: { ...event.details, ...o.details } })
  return r
}

/** The name events are recorded under: the one set in Settings (history.actor), else the OS account. */
export function currentActor(db: Db): string {
  const row = db.prepare("SELECT value FROM settings WHERE key = 'history.actor'").get() as
    { value: string } | undefined
  if (row) {
    try {
      const v = JSON.parse(row.value)
      if (typeof v === 'string' && v.trim()) return v.trim()
    } catch {
      // not JSON: fall through to the OS account
    }
  }
  return osAccount()
}

/** The OS account's name (events are recorded under it unless Settings name someone). */
export function osAccount(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

export interface HistoryFilter {
  since?: string
  until?: string
  kinds?: HistoryKind[]
  results?: HistoryResult[]
  /** Events about this subject: its own, and those of the jobs that uploaded it (a package's sha256 in their details). */
  subject?: string
  limit?: number
}

export class HistoryStore {
  constructor(private readonly db: Db) {}

  /** A sink recording as `actor` (default: currentActor at the time of each event). */
  sink(actor?: string): EventSink {
    return (e) => this.record(e, actor)
  }

  record(e: HistoryEventInput, actor = currentActor(this.db)): number {
    if (!HISTORY_KINDS.includes(e.kind)) throw new Error(`unknown history kind ${e.kind}`)
    const r = this.db
      .prepare(
        'INSERT INTO history_events (kind, subject, subject_name, result, actor, link, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        e.kind,
        e.subject,
        e.subjectName ?? e.subject,
        e.result,
        actor,
        e.link ?? null,
        JSON.stringify(e.details ?? {}),
      )
    return Number(r.lastInsertRowid)
  }

  list(f: HistoryFilter = {}): HistoryEvent[] {
    const where: string[] = []
    const args: unknown[] = []
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause)
      args.push(...values)
    }
    if (f.since) add('at >= ?', f.since)
    if (f.until) add('at <= ?', f.until)
    if (f.subject)
      add("(subject = ? OR (kind = 'upload' AND json_extract(details, '$.sha256') = ?))", f.subject, f.subject)
    if (f.kinds?.length) add(`kind IN (${f.kinds.map(() => '?').join(',')})`, ...f.kinds)
    if (f.results?.length) add(`result IN (${f.results.map(() => '?').join(',')})`, ...f.results)
    const rows = this.db
      .prepare(
        `SELECT * FROM history_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      )
      .all(...args, f.limit ?? 10_000) as Array<{
      id: number
      at: string
      kind: HistoryKind
      subject: string
      subject_name: string
      result: HistoryResult
      actor: string
      link: string | null
      details: string
    }>
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      kind: r.kind,
      subject: r.subject,
      subjectName: r.subject_name,
      result: r.result,
      actor: r.actor,
      link: r.link,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }))
  }
}

const CSV_COLUMNS = ['id', 'at', 'kind', 'subject', 'subjectName', 'result', 'actor', 'link', 'details'] as const

export function historyCsv(events: HistoryEvent[]): string {
  const rows = [
    CSV_COLUMNS.join(','),
    ...events.map((e) => CSV_COLUMNS.map((c) => cell(c === 'details' ? JSON.stringify(e.details) : e[c])).join(',')),
  ]
  return `${rows.join('\r\n')}\r\n`
}

/** Read back what historyCsv wrote (RFC 4180). */
export function parseHistoryCsv(text: string): HistoryEvent[] {
  const rows = parseCsv(text)
  const [head, ...body] = rows
  if (!head || head.join(',') !== CSV_COLUMNS.join(','))
    throw new Error(`not a Preflight history CSV (expected the columns ${CSV_COLUMNS.join(', ')})`)
  return body.map((r) => ({
    id: Number(r[0]),
    at: r[1],
    kind: r[2] as HistoryKind,
    subject: r[3],
    subjectName: r[4],
    result: r[5] as HistoryResult,
    actor: r[6],
    link: r[7] || null,
    details: JSON.parse(r[8] || '{}') as Record<string, unknown>,
  }))
}
