// A global bandwidth limit shared by every running upload (0 = unlimited), changeable while uploads run.
// It is a virtual clock, not a token bucket with a burst: each take() reserves the next free slot of
// bytes/rate seconds and returns when that slot ends, so by any moment t after the first take no more than
// rate × t bytes have been let through. Idle time earns no credit (a bucket that filled while nothing was sent
// let a whole second's worth out at once: 134 MiB/s shown under a 40 MiB/s limit until the 3 s speed window
// forgot it). Takes are served in order, whole (concurrent S3 parts finish one after another, so progress
// moves steadily); a new rate wakes every waiter, which reserves its bytes again at that rate.
import { CANCELLED, PreflightError } from '../../src-preload/errors'

/** The longest single sleep (timers cannot wait for weeks; a slow limit on a large part could ask for that). */
const MAX_SLEEP_MS = 60_000

export interface LimiterClock {
  now(): number
  /** Call fn after ms (take() checks the time again); returns what cancels it. */
  schedule(ms: number, fn: () => void): () => void
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  schedule: (ms, fn) => {
    const timer = setTimeout(fn, ms)
    return () => clearTimeout(timer)
  },
}

export class BandwidthLimiter {
  /** When the last reserved slot ends (ms on the clock). */
  private next = 0
  /** Bumped by setRate: waiters give up their slot and reserve again at the new rate. */
  private generation = 0
  private readonly wakers = new Set<() => void>()

  constructor(
    private bytesPerSecond = 0,
    private readonly clock: LimiterClock = realClock,
  ) {
    this.bytesPerSecond = BandwidthLimiter.valid(bytesPerSecond)
  }

  private static valid(bytesPerSecond: number): number {
    return Number.isFinite(bytesPerSecond) ? Math.max(0, Math.floor(bytesPerSecond)) : 0
  }

  get rate(): number {
    return this.bytesPerSecond
  }

  setRate(bytesPerSecond: number): void {
    this.bytesPerSecond = BandwidthLimiter.valid(bytesPerSecond)
    this.next = this.clock.now()
    this.generation++
    for (const wake of [...this.wakers]) wake()
  }

  /** Wait until `bytes` may be sent. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    let left = Math.max(0, bytes)
    while (left > 0) {
      if (signal?.aborted) throw new PreflightError('cancelled', CANCELLED)
      const rate = this.bytesPerSecond
      if (rate <= 0) return
      const now = this.clock.now()
      const start = Math.max(now, this.next)
      const end = start + (left / rate) * 1000
      this.next = end
      const generation = this.generation
      while (this.clock.now() < end && this.generation === generation)
        await this.wait(Math.min(MAX_SLEEP_MS, end - this.clock.now()), signal)
      if (this.clock.now() >= end) return
      // woken by a new rate before the slot ended: what the slot had earned counts, the rest goes at the new rate
      left -= Math.min(left, Math.floor(Math.max(0, (this.clock.now() - start) / 1000) * rate))
    }
  }

  /** Sleep up to ms; woken early by setRate; rejects when the signal aborts. */
  private wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false
      let cancelTimer = () => {}
      const finish = (err?: Error) => {
        if (settled) return
        settled = true
        cancelTimer()
        this.wakers.delete(wake)
        signal?.removeEventListener('abort', onAbort)
        if (err) reject(err)
        else resolve()
      }
      const wake = () => finish()
      const onAbort = () => finish(new PreflightError('cancelled', CANCELLED))
      if (signal?.aborted) return onAbort()
      this.wakers.add(wake)
      signal?.addEventListener('abort', onAbort, { once: true })
      cancelTimer = this.clock.schedule(Math.max(1, Math.ceil(ms)), wake)
    })
  }
}
