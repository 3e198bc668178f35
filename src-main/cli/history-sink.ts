// The CLI's side of the work history: each command that does an operation (scan, repack, convert, compare)
// records exactly one event of it in PREFLIGHT_HOME's history, its outcome or its error.
import { defaultHome, ensureHome } from '../home'
import { HistoryStore, recordOutcome, type EventOutcome, type HistoryEventInput } from '../history/history'
import { openHomeDatabase } from '../store/db'
import type { CliIO } from './io'

export function cliHistory(io: CliIO): HistoryStore {
  return new HistoryStore(openHomeDatabase(ensureHome(defaultHome(io.env))))
}

/** Run an operation and record one event: `outcome` of its result, or `error` (cancelled on abort) if it throws. */
export function recorded<T>(
  io: CliIO,
  event: Omit<HistoryEventInput, 'result'>,
  run: () => Promise<T>,
  outcome: (r: T) => EventOutcome,
): Promise<T> {
  // the store is opened when the event is written, not before the operation
  return recordOutcome((e) => cliHistory(io).record(e), event, run, outcome, io.signal)
}
