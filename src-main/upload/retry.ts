// Retries with exponential backoff and full jitter; fatal errors (the server said no for good) stop at once.
import { CANCELLED, PreflightError } from '../../src-preload/errors'

export interface RetryPolicy {
  attempts: number
  baseMs: number
  maxMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 300, maxMs: 20_000 }

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'ECONNABORTED',
])

export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; status?: number; statusCode?: number }
  return e?.$metadata?.httpStatusCode ?? e?.statusCode ?? e?.status
}

export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; cause?: { code?: string } }
  return (
    NETWORK_CODES.has(e?.code ?? '') ||
    NETWORK_CODES.has(e?.cause?.code ?? '') ||
    e?.name === 'TimeoutError' ||
    /socket hang up|ECONNRESET|network/i.test(String((err as Error)?.message))
  )
}

const CREDENTIAL_CODES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidSecurity',
  'AccessDenied',
  'UNAUTHORIZED',
  'DENIED',
])

/** The server refused who we are (expired, wrong or missing keys): new credentials fix it, a retry does not. */
export function isCredentialError(err: unknown): boolean {
  if (err instanceof PreflightError) return err.code === 'forbidden'
  const e = err as { name?: string; Code?: string; code?: string }
  return CREDENTIAL_CODES.has(e?.name ?? '') || CREDENTIAL_CODES.has(e?.Code ?? '') || httpStatusOf(err) === 401
}

/** Errors that no retry can fix: bad credentials, missing bucket, method refused, conflicting state. */
export function isFatal(err: unknown): boolean {
  if (err instanceof PreflightError) return err.code !== 'network'
  const status = httpStatusOf(err)
  return status !== undefined && [400, 401, 403, 404, 405, 409, 411, 413].includes(status)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new PreflightError('cancelled', CANCELLED))
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(new PreflightError('cancelled', CANCELLED))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export async function withRetry<T>(
  what: string,
  fn: (attempt: number) => Promise<T>,
  opts: {
    signal?: AbortSignal
    policy?: RetryPolicy
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void
  } = {},
): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (opts.signal?.aborted) throw new PreflightError('cancelled', CANCELLED)
      if (isFatal(err) || attempt >= policy.attempts) throw err
      const delay = Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1))
      opts.onRetry?.(err, attempt, delay)
      await sleep(delay, opts.signal)
      void what
    }
  }
}
