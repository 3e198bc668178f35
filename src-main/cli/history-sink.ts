// The CLI's side of the work history: each command that does an operation (scan, repack, convert, compare)
// records exactly one event of it in PREFLIGHT_HOME's history, its outcome or its error.
import { defaultHome, ensureHome } from '../home'
import { HistoryStore, type HistoryEventInput, type HistoryResult } from '../history/history'
import { openHomeDatabase } from '../store/db'
import type { CliIO } from './io'

export function cliHistory(io: CliIO): HistoryStore {
  return new HistoryStore(openHomeDatabase(ensureHome(defaultHome(io.env))))
}

/** Run an operation and record one event: `outcome` of its result, or `error` (cancelled on abort) if it throws. */
export async function recorded<T>(
  io: CliIO,
  event: Omit<HistoryEventInput, 'result'>,
  run: () => Promise<T>,
  outcome: (r: T) => Partial<Omit<HistoryEventInput, 'kind'>> & { result: HistoryResult },
): Promise<T> {
  let r: T
  try {
    r = await run()
  } catch (err) {
    cliHistory(io).record({ ...event, result: io.signal.aborted ? 'cancelled' : 'error', details: { ...event.details, error: (err as Error).message } })
    throw err
  }
  const o = outcome(r)
  cliHistory(io).record({ ...event, ...o, details: { ...event.details, ...o.details } })
  return r
}
