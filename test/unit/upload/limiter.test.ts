// The bandwidth limit holds from the first second: bytes let through by any moment stay within rate × time,
// idle time earns no burst, a new rate applies to waiting uploads at once, and the speed the queue shows
// (the progress record) never reads above the limit.
import { describe, expect, it } from 'vitest'
import { BandwidthLimiter, type LimiterClock } from '../../../src-main/upload/limiter'
import { ProgressMeter, type ProgressRecord } from '../../../src-main/tasks/progress'

const MiB = 1024 * 1024

/** A clock that moves only when the test says so; timers fire in order as it moves. */
class FakeClock implements LimiterClock {
  t = 0
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = []
  now = () => this.t
  schedule = (ms: number, fn: () => void) => {
    const timer = { at: this.t + ms, fn, live: true }
    this.timers.push(timer)
    return () => {
      timer.live = false
    }
  }

  async advanceTo(until: number): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r))
      const due = this.timers.filter((x) => x.live && x.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      due.live = false
      this.t = Math.max(this.t, due.at)
      due.fn()
    }
    this.t = until
    await new Promise((r) => setImmediate(r))
  }
}

/** Upload loops taking `chunk` bytes at a time; each records when its bytes were let through. */
function uploaders(limiter: BandwidthLimiter, clock: FakeClock, count: number, chunk: number, signal?: AbortSignal) {
  const passed: Array<{ at: number; bytes: number }> = []
  const loops = Array.from({ length: count }, async () => {
    for (;;) {
      await limiter.take(chunk, signal)
      passed.push({ at: clock.now(), bytes: chunk })
    }
  })
  for (const l of loops) l.catch(() => undefined)
  return { passed, by: (t: number) => passed.filter((p) => p.at <= t).reduce((n, p) => n + p.bytes, 0) }
}

describe('BandwidthLimiter', () => {
  it('lets no more than the limit through in the first second, even after being idle', async () => {
    const clock = new FakeClock()
    const limiter = new BandwidthLimiter(40 * MiB, clock)
    await clock.advanceTo(5000) // created long before the upload starts: a token bucket would be full by now
    const start = clock.now()
    const abort = new AbortController()
    const run = uploaders(limiter, clock, 4, 4 * MiB, abort.signal) // four S3 workers, 4 MiB chunks
    await clock.advanceTo(start + 1000)
    expect(run.by(start + 1000)).toBeLessThanOrEqual(40 * MiB)
    expect(run.by(start + 1000)).toBeGreaterThanOrEqual(36 * MiB)
    // every moment, not just the first second: never ahead of rate × elapsed
    await clock.advanceTo(start + 3000)
    for (const p of run.passed) expect(run.by(p.at)).toBeLessThanOrEqual(((p.at - start) / 1000) * 40 * MiB + 1)
    expect(run.by(start + 3000)).toBeGreaterThanOrEqual(116 * MiB)
    abort.abort()
    await clock.advanceTo(start + 3100)
  })

  it('a new rate applies to uploads already waiting; 0 lifts the limit at once', async () => {
    const clock = new FakeClock()
    const limiter = new BandwidthLimiter(1 * MiB, clock)
    let done = false
    void limiter.take(100 * MiB).then(() => (done = true)) // 100 s at 1 MiB/s
    await clock.advanceTo(500)
    expect(done).toBe(false)
    limiter.setRate(0)
    await clock.advanceTo(501)
    expect(done).toBe(true)
    // raised mid-way: the rest goes at the new rate, not the old one
    limiter.setRate(1 * MiB)
    let second = false
    void limiter.take(10 * MiB).then(() => (second = true))
    await clock.advanceTo(1501) // 1 MiB sent at the old rate
    limiter.setRate(90 * MiB)
    await clock.advanceTo(1602)
    expect(second).toBe(true)
  })

  it('cancelling stops a waiting take with the cancelled error; bad rates mean unlimited', async () => {
    const clock = new FakeClock()
    const limiter = new BandwidthLimiter(1024, clock)
    const abort = new AbortController()
    const waiting = limiter.take(10 * 1024, abort.signal)
    await clock.advanceTo(100)
    abort.abort()
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' })
    for (const bad of [-5, Number.NaN, Number.POSITIVE_INFINITY]) {
      limiter.setRate(bad)
      expect(limiter.rate).toBe(0)
      await expect(limiter.take(MiB)).resolves.toBeUndefined()
    }
  })

  it('on the real clock, the speed the queue shows stays under the limit from the first record', async () => {
    const limiter = new BandwidthLimiter(40 * MiB)
    await new Promise((r) => setTimeout(r, 300)) // idle before the upload, as in the app
    const records: ProgressRecord[] = []
    const meter = new ProgressMeter((r) => records.push(r), { intervalMs: 200 })
    const start = performance.now()
    let sent = 0
    meter.update('uploading', 0, 400 * MiB)
    let inFirstSecond = 0
    while (performance.now() - start < 1500) {
      await limiter.take(4 * MiB) // the folder target's chunk
      sent += 4 * MiB
      if (performance.now() - start <= 1000) inFirstSecond = sent
      meter.update('uploading', sent, 400 * MiB)
    }
    expect(inFirstSecond).toBeLessThanOrEqual(40 * MiB)
    expect(inFirstSecond).toBeGreaterThanOrEqual(16 * MiB) // a busy machine may be slower, never faster
    expect(records.length).toBeGreaterThan(2)
    for (const r of records) expect(r.bytesPerSecond).toBeLessThanOrEqual(40 * MiB * 1.02)
  })
})
