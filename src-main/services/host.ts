// The service host: opens the store, owns the task runner, validates every invoke against the contract's
// zod schema and returns results or errors as data. Used in-process by tests and inside the services
// worker thread by the Electron shell and browser mode. Knows nothing of Electron, IPC or WebSockets.
import { channels, isChannel, type EventName, type Events, type Wire } from '../../src-preload/contract'
import { PreflightError, toErrorData } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
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
 * A refused input as a sentence a user can act on, in both languages: which field, what is wrong with it, what to do
 * (the channel and every issue stay in the details for a bug report).
 */
function inputError(channel: string, issues: ReadonlyArray<ZodIssueLike>): PreflightError {
  const fields = issues.map((i) => i.path.map(String).join('.'))
  const first = issues[0]
  const why = first ? issueWords(first) : bi('invalid', '无效')
  const n = issues.length - 1
  return new PreflightError(
    'invalid-input',
    bi(
      `${fields[0] ? `The value of "${fields[0]}"` : 'The request'} is not accepted (${why.en}): correct it and try again.${n > 0 ? ` ${n} more value(s) are not accepted either.` : ''}`,
      `${fields[0] ? `“${fields[0]}”的值` : '该请求'}不被接受（${why.zh}）：请更正后重试。${n > 0 ? `另有 ${n} 个值也不被接受。` : ''}`,
    ),
    {
      details: { channel, issues: issues.map((i, k) => `${fields[k] || '(input)'}: ${i.message}`) },
    },
  )
}

/** The parts of a zod issue a sentence is made from. */
interface ZodIssueLike {
  path: PropertyKey[]
  message: string
  code?: string
  origin?: string
  minimum?: unknown
  maximum?: unknown
  expected?: unknown
  values?: unknown[]
  keys?: string[]
  /** A contract refinement's own Chinese words (refine(fn, { message, params: { zh } })). */
  params?: { zh?: unknown }
}

const TYPE_ZH: Record<string, string> = {
  string: '文本',
  number: '数字',
  int: '整数',
  boolean: '是或否',
  array: '列表',
  object: '对象',
  date: '日期',
}

/**
 * What is wrong with one value: the English is zod's (or the contract's own) message; the Chinese is made from the
 * issue's code and limits, since zod's messages are English only.
 */
function issueWords(i: ZodIssueLike): { en: string; zh: string } {
  const en = i.message.replace(/\.$/, '')
  const n = (v: unknown) => (typeof v === 'bigint' || typeof v === 'number' ? String(v) : '')
  switch (i.code) {
    case 'invalid_type':
      return { en, zh: `应为${TYPE_ZH[String(i.expected)] ?? String(i.expected)}` }
    case 'too_small':
      if (i.origin === 'string') return { en, zh: Number(i.minimum) <= 1 ? '不能为空' : `至少 ${n(i.minimum)} 个字符` }
      if (i.origin === 'array' || i.origin === 'set') return { en, zh: `至少 ${n(i.minimum)} 项` }
      return { en, zh: `不能小于 ${n(i.minimum)}` }
    case 'too_big':
      if (i.origin === 'string') return { en, zh: `最多 ${n(i.maximum)} 个字符` }
      if (i.origin === 'array' || i.origin === 'set') return { en, zh: `最多 ${n(i.maximum)} 项` }
      return { en, zh: `不能大于 ${n(i.maximum)}` }
    case 'invalid_value':
      return {
        en,
        zh: i.values?.length ? `应为以下之一：${i.values.map(String).join('、')}` : '取值不在允许范围内',
      }
    case 'unrecognized_keys':
      return { en, zh: `包含无法识别的字段：${(i.keys ?? []).join('、')}` }
    case 'invalid_format':
      return { en, zh: '格式不正确' }
    default:
      return { en, zh: typeof i.params?.zh === 'string' ? i.params.zh : '取值无效' }
  }
}
