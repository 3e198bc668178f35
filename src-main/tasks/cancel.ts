// Cancellation: every long operation takes an AbortSignal and checks it between chunks.
import { CANCELLED, PreflightError } from '../../src-preload/errors'

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new PreflightError('cancelled', CANCELLED)
}
