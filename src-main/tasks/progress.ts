// Progress as a record — phase, bytes done/total, windowed speed, ETA — throttled to at most a few records
// per second (after etcher-sdk's multi-write). Services receive a ProgressSink; they never know who listens.

export interface ProgressRecord {
  phase: string
  bytesDone: number
  bytesTotal: number | null
  /** Bytes per second over the last few seconds. */
  bytesPerSecond: number
  /** Seconds left at the windowed speed; null when unknown. */
  etaSeconds: number | null
  /** Optional human detail, e.g. the entry being read. */
  detail?: string
  /** Cancel was asked for: the task is stopping (its finished event follows). */
  cancelling?: true
}

export type ProgressSink = (record: ProgressRecord) => void

export const noProgress: ProgressSink = () => {}

export interface MeterOptions {
  /** Minimum time between two emitted records (default 100 ms: at most 10 per second). */
  intervalMs?: number
  /** Speed window (default 3 s). */
  windowMs?: number
  now?: () => number
}

export class ProgressMeter {
  private readonly intervalMs: number
  private readonly windowMs: number
  private readonly now: () => number
  private samples: Array<{ t: number; bytes: number }> = []
  private lastEmit = -Infinity
  private phase = ''
  private detail: string | undefined
  private stopping = false
  private last: { bytesDone: number; bytesTotal: number | null } = { bytesDone: 0, bytesTotal: null }

  constructor(
    private readonly sink: ProgressSink,
    opts: MeterOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 100
    this.windowMs = opts.windowMs ?? 3000
    this.now = opts.now ?? (() => performance.now())
  }

  /** Record progress; emits only when the throttle interval has passed, the phase changed, or force is set. */
  update(
    phase: string,
    bytesDone: number,
    bytesTotal: number | null,
    opts: { force?: boolean; detail?: string } = {},
  ): void {
    const t = this.now()
    if (phase !== this.phase) {
      this.phase = phase
      this.samples = []
      opts = { ...opts, force: true }
    }
    if (opts.detail !== undefined) this.detail = opts.detail
    this.last = { bytesDone, bytesTotal }
    this.samples.push({ t, bytes: bytesDone })
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift()
    if (!opts.force && t - this.lastEmit < this.intervalMs) return
    this.lastEmit = t
    this.sink(this.record(bytesDone, bytesTotal, t))
  }

  /** Cancel was asked for: emit at once, and mark every later record, until the task has stopped. */
  cancelling(): void {
    if (this.stopping) return
    this.stopping = true
    const t = this.now()
    if (!this.samples.length) this.samples.push({ t, bytes: this.last.bytesDone })
    this.lastEmit = t
    this.sink(this.record(this.last.bytesDone, this.last.bytesTotal, t))
  }

  private record(bytesDone: number, bytesTotal: number | null, t: number): ProgressRecord {
    const first = this.samples[0]
    const dt = (t - first.t) / 1000
    const speed = dt > 0 ? Math.max(0, (bytesDone - first.bytes) / dt) : 0
    const eta =
      bytesTotal !== null && speed > 0
        ? Math.max(0, (bytesTotal - bytesDone) / speed)
        : bytesTotal !== null && bytesDone >= bytesTotal
          ? 0
          : null
    const rec: ProgressRecord = { phase: this.phase, bytesDone, bytesTotal, bytesPerSecond: speed, etaSeconds: eta }
    if (this.detail !== undefined) rec.detail = this.detail
    if (this.stopping) rec.cancelling = true
    return rec
  }
}
