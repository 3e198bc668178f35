// Tasks as the renderer sees them: fed by the contract's task.progress / task.finished events.
// Screens start work with startTask(channel, input) and read the task with useTask(taskId).
import { create } from 'zustand'
import type { Channel, InputOf, ProgressRecordDto } from '../../src-preload/contract'
import type { ErrorData } from '../../src-preload/errors'
import { api } from '../api'

export interface TaskState {
  taskId: string
  kind: string
  status: 'running' | 'done' | 'failed' | 'cancelled'
  /** Its progress carries `cancelling` once Cancel was asked for, until the task has stopped. */
  progress: ProgressRecordDto | null
  result?: unknown
  error?: ErrorData
  startedAt: number
}

interface TasksStore {
  tasks: Record<string, TaskState>
}

export const useTasks = create<TasksStore>(() => ({ tasks: {} }))

function patch(taskId: string, change: Partial<TaskState> & { kind?: string }): void {
  useTasks.setState((s) => {
    const prev = s.tasks[taskId] ?? {
      taskId,
      kind: change.kind ?? '',
      status: 'running' as const,
      progress: null,
      startedAt: Date.now(),
    }
    return { tasks: { ...s.tasks, [taskId]: { ...prev, ...change } } }
  })
}

let subscribed = false
export function subscribeTaskEvents(): void {
  if (subscribed) return
  subscribed = true
  api.on('task.progress', ({ taskId, kind, record }) => {
    const cur = useTasks.getState().tasks[taskId]
    if (cur && cur.status !== 'running') return
    patch(taskId, { kind, progress: cur?.progress?.cancelling ? { ...record, cancelling: true } : record })
  })
  api.on('task.finished', (e) => {
    if (e.ok) patch(e.taskId, { kind: e.kind, status: 'done', result: e.result })
    else
      patch(e.taskId, { kind: e.kind, status: e.error.code === 'cancelled' ? 'cancelled' : 'failed', error: e.error })
  })
}

type TaskChannel = Extract<Channel, 'inspect.identify'> | Channel

/** Start a task through a channel whose result is { taskId }. */
export async function startTask<C extends TaskChannel>(channel: C, input: InputOf<C>): Promise<string> {
  subscribeTaskEvents()
  const { taskId } = (await api.invoke(channel, input)) as unknown as { taskId: string }
  const existing = useTasks.getState().tasks[taskId]
  if (!existing) patch(taskId, { kind: channel, status: 'running', progress: null, startedAt: Date.now() })
  return taskId
}

/** The record shown from Cancel until the task's finished event (the main process sends the same). */
function cancellingRecord(prev: ProgressRecordDto | null): ProgressRecordDto {
  return {
    ...(prev ?? { phase: '', bytesDone: 0, bytesTotal: null, bytesPerSecond: 0, etaSeconds: null }),
    cancelling: true,
  }
}

export async function cancelTask(taskId: string): Promise<void> {
  const cur = useTasks.getState().tasks[taskId]
  if (cur?.status === 'running') patch(taskId, { progress: cancellingRecord(cur.progress) })
  await api.invoke('task.cancel', { taskId })
}

export function useTask(taskId: string | null): TaskState | null {
  return useTasks((s) => (taskId ? (s.tasks[taskId] ?? null) : null))
}
