// The service host: opens the store, owns the task runner, validates every invoke against the contract's
// zod schema and returns results or errors as data. Used in-process by tests and inside the services
// worker thread by the Electron shell and browser mode. Knows nothing of Electron, IPC or WebSockets.
import { channels, isChannel, type EventName, type Events, type Wire } from '../../src-preload/contract'
import { PreflightError, toErrorData } from '../../src-preload/errors'
import { HistoryStore } from '../history/history'
import { ensureHome } from '../home'
import { openHomeDatabase } from '../store/db'
import { TaskRunner } from '../tasks/runner'
import type { SecretCipher } from '../upload/credentials'
import { FolderGrants } from './grants'
import { createHandlers, type Handlers } from './handlers'

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void

export interface ServiceHost {
  dispatch(channel: unknown, input: unknown): Promise<Wire<unknown>>
  /** The user chose this folder in the desktop app's native folder dialog: one file:// upload there is allowed. */
  grantFolder(path: string): void
  close(): Promise<void>
}

export function createServiceHost(opts: {
  home: string
  mode: 'electron' | 'browser'
  onEvent: EventListener
  cipher?: SecretCipher | null
}): ServiceHost {
  const home = ensureHome(opts.home)
  const db = openHomeDatabase(home)
  const runner = new TaskRunner({
    progress: (taskId, kind, record) => opts.onEvent('task.progress', { taskId, kind, record }),
    finished: (taskId, kind, outcome) => opts.onEvent('task.finished', { taskId, kind, ...outcome }),
  })
  const closers: Array<() => void> = []
  const grants = new FolderGrants()
  const handlers = createHandlers({
    home,
    db,
    runner,
    mode: opts.mode,
    emit: opts.onEvent,
    cipher: opts.cipher,
    grants,
    onClose: (fn) => closers.push(fn),
    events: new HistoryStore(db).sink(),
  })
  return {
    dispatch: (channel, input) => dispatch(handlers, channel, input),
    grantFolder: (path) => grants.add(path),
    async close() {
      for (const fn of closers) fn()
      await runner.cancelAll()
      db.close()
    },
  }
}

/** Validate and run one invoke. Never throws: every failure comes back as error data. */
export async function dispatch(handlers: Handlers, channel: unknown, input: unknown): Promise<Wire<unknown>> {
  try {
    if (!isChannel(channel))
      throw new PreflightError('invalid-input', `Unknown channel: ${String(channel).slice(0, 100)}`)
    const parsed = channels[channel].input.safeParse(input ?? {})
    if (!parsed.success) throw inputError(channel, parsed.error.issues)
    const handler = handlers[channel] as (i: unknown) => unknown
    return { ok: true, result: await handler(parsed.data) }
  } catch (err) {
    return { ok: false, error: toErrorData(err) }
  }
}

/**
 * A refused input as a sentence a user can act on: which field, what is wrong with it, what to do (the channel and
 * every issue stay in the details for a bug report).
 */
function inputError(channel: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): PreflightError {
  const fields = issues.map((i) => i.path.map(String).join('.'))
  const first = issues[0]
  const field = fields[0] ? `The value of "${fields[0]}"` : 'The request'
  const more = issues.length > 1 ? ` ${issues.length - 1} more value(s) are not accepted either.` : ''
  return new PreflightError(
    'invalid-input',
    `${field} is not accepted (${first?.message.replace(/\.$/, '') ?? 'invalid'}): correct it and try again.${more}`,
    {
      details: { channel, issues: issues.map((i, n) => `${fields[n] || '(input)'}: ${i.message}`) },
    },
  )
}
