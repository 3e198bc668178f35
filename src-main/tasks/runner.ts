// Long work as tasks: each has an id, a progress meter feeding the event sink, and an AbortController.
// Cancel aborts the task's signal and marks its progress records `cancelling` until it has stopped.
// The runner does not know what listens: the sink is passed in (Electron IPC, browser-mode WebSocket, a test).
import { randomUUID } from 'node:crypto'
import { CANCELLED, toErrorData, type ErrorData } from '../../src-preload/errors'
import { ProgressMeter, type ProgressRecord } from './progress'

export interface TaskContext {
  taskId: string
  signal: AbortSignal
  meter: ProgressMeter
}

export interface TaskEventSink {
  progress(taskId: string, kind: string, record: ProgressRecord): void
  finished(taskId: string, kind: string, outcome: { ok: true; result: unknown } | { ok: false; error: ErrorData }): void
}

interface Running {
  kind: string
  controller: AbortController
  meter: ProgressMeter
  promise: Promise<unknown>
}

export class TaskRunner {
  private readonly running = new Map<string, Running>()

  constructor(
    private readonly sink: TaskEventSink,
    private readonly meterIntervalMs = 100,
  ) {}

  start<T>(kind: string, work: (ctx: TaskContext) => Promise<T>): { taskId: string; done: Promise<T> } {
    const taskId = randomUUID()
    const controller = new AbortController()
    const meter = new ProgressMeter((rec) => this.sink.progress(taskId, kind, rec), {
      intervalMs: this.meterIntervalMs,
    })
    const done = (async () => work({ taskId, signal: controller.signal, meter }))()
    const tracked = done
      .then(
        (result) => this.sink.finished(taskId, kind, { ok: true, result }),
        (err) =>
          this.sink.finished(taskId, kind, {
            ok: false,
            error: controller.signal.aborted
              ? { code: 'cancelled', message: CANCELLED.en, messageZh: CANCELLED.zh }
              : toErrorData(err),
          }),
      )
      .finally(() => this.running.delete(taskId))
    this.running.set(taskId, { kind, controller, meter, promise: tracked })
    return { taskId, done }
  }

  cancel(taskId: string): boolean {
    const r = this.running.get(taskId)
    if (!r) return false
    r.controller.abort()
    // listeners show the task as cancelling until its finished event
    r.meter.cancelling()
    return true
  }

  list(): Array<{ taskId: string; kind: string }> {
    return [...this.running].map(([taskId, r]) => ({ taskId, kind: r.kind }))
  }

  async cancelAll(): Promise<void> {
    for (const r of this.running.values()) r.controller.abort()
    await Promise.allSettled([...this.running.values()].map((r) => r.promise))
  }
}
