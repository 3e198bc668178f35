// Errors that cross process boundaries (IPC, browser-mode WebSocket, worker threads) as plain data and are
// rebuilt on the other side. No electron, no Node: imported by main, preload and renderer alike.
import { bi, WordedError, type Bilingual } from './text'

export type ErrorCode =
  | 'invalid-input' // payload failed its zod schema, bad CLI arguments
  | 'not-found' // file, draft, job ... does not exist
  | 'unreadable' // exists but cannot be read
  | 'cancelled'
  | 'forbidden' // sender or token not allowed
  | 'conflict' // state does not allow the operation
  | 'network'
  | 'internal'

/** What a cancelled operation says. */
export const CANCELLED: Bilingual = bi('Cancelled by the user.', '已由用户取消。')

export interface ErrorData {
  code: ErrorCode
  /** In English (CLI, logs). */
  message: string
  /** The same sentence in Simplified Chinese, where its maker wrote one (text.ts). */
  messageZh?: string
  rule?: string
  details?: unknown
}

export class PreflightError extends WordedError {
  readonly code: ErrorCode
  readonly rule?: string
  readonly details?: unknown

  /** `message` is English, or both languages (bi(en, zh) from text.ts) for errors a user of the app can meet. */
  constructor(
    code: ErrorCode,
    message: string | Bilingual,
    opts: { rule?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause })
    this.name = 'PreflightError'
    this.code = code
    this.rule = opts.rule
    this.details = opts.details
  }

  toData(): ErrorData {
    const d: ErrorData = { code: this.code, message: this.message }
    if (this.messageZh) d.messageZh = this.messageZh
    if (this.rule) d.rule = this.rule
    if (this.details !== undefined) d.details = this.details
    return d
  }

  static fromData(d: ErrorData): PreflightError {
    const message = d.messageZh ? { en: d.message, zh: d.messageZh } : d.message
    return new PreflightError(d.code, message, { rule: d.rule, details: d.details })
  }
}

/** Any thrown value as ErrorData; unknown errors become 'internal' with their message. */
export function toErrorData(err: unknown): ErrorData {
  if (err instanceof PreflightError) return err.toData()
  const e = err as { code?: string; message?: string; path?: string }
  if (e && (e.code === 'ENOENT' || e.code === 'ENOTDIR'))
    return {
      code: 'not-found',
      message: `No such file: ${e.path ?? ''}`.trim(),
      messageZh: `文件不存在：${e.path ?? ''}`.trim(),
    }
  if (e && (e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'EPERM'))
    return {
      code: 'unreadable',
      message: `Cannot read ${e.path ?? 'file'}: ${e.code}`,
      messageZh: `无法读取${e.path ?? '文件'}：${e.code}`,
    }
  if (e && (e as { name?: string }).name === 'AbortError')
    return { code: 'cancelled', message: CANCELLED.en, messageZh: CANCELLED.zh }
  // an error that wrote its sentence in both languages without being a PreflightError (a registry's answer)
  const zh = (e as { messageZh?: unknown })?.messageZh
  return {
    code: 'internal',
    message: e?.message ? String(e.message) : String(err),
    ...(typeof zh === 'string' && zh ? { messageZh: zh } : {}),
  }
}
