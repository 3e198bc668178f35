// The upload queue as the renderer sees it: the job list from queue.list, kept current by queue.job and
// queue.progress events, and each job's recent speeds (for its speed chart).
import { create } from 'zustand'
import type { ProgressRecordDto, UploadJobDto } from '../../src-preload/contract'
import type { ErrorData } from '../../src-preload/errors'
import { api } from '../api'

interface QueueStore {
  jobs: Record<string, UploadJobDto>
  progress: Record<string, ProgressRecordDto>
  bandwidth: number
  /** Per job, its last SPEED_SAMPLES speeds (bytes per second), oldest first. */
  speeds: Record<string, number[]>
}

/** Speeds kept per job: the progress records come at most 5 per second, so about the last 12 seconds. */
export const SPEED_SAMPLES = 60

export const useQueue = create<QueueStore>(() => ({ jobs: {}, progress: {}, bandwidth: 0, speeds: {} }))

let subscribed = false
export async function loadQueue(): Promise<void> {
  if (!subscribed) {
    subscribed = true
    api.on('queue.job', ({ job }) => {
      const prev = useQueue.getState().jobs[job.id]
      useQueue.setState((s) => ({ jobs: { ...s.jobs, [job.id]: job } }))
      if (prev && prev.state !== job.state && (job.state === 'done' || job.state === 'failed')) notify(job)
    })
    api.on('queue.progress', ({ jobId, record }) =>
      useQueue.setState((s) => ({
        progress: { ...s.progress, [jobId]: record },
        speeds: { ...s.speeds, [jobId]: [...(s.speeds[jobId] ?? []), record.bytesPerSecond].slice(-SPEED_SAMPLES) },
      })),
    )
  }
  const { jobs, bandwidth } = await api.invoke('queue.list', {})
  useQueue.setState({ jobs: Object.fromEntries(jobs.map((j) => [j.id, j])), bandwidth })
}

/** The limit as the services hold it (bytes per second, 0: none). */
export async function setBandwidth(bytesPerSecond: number): Promise<void> {
  const r = await api.invoke('queue.bandwidth', { bytesPerSecond })
  useQueue.setState({ bandwidth: r.bytesPerSecond })
}

/** Remove done, failed and cancelled jobs from the queue (the services keep running and waiting ones). */
export async function clearFinished(): Promise<{ removed: number; problems: ErrorData[] }> {
  const { removed, problems } = await api.invoke('queue.clearFinished', {})
  const gone = new Set(removed)
  useQueue.setState((s) => ({
    jobs: Object.fromEntries(Object.entries(s.jobs).filter(([id]) => !gone.has(id))),
    progress: Object.fromEntries(Object.entries(s.progress).filter(([id]) => !gone.has(id))),
    speeds: Object.fromEntries(Object.entries(s.speeds).filter(([id]) => !gone.has(id))),
  }))
  return { removed: removed.length, problems }
}

function notify(job: UploadJobDto): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  const sync = job.options?.syncSource
  const name = sync ? job.target.slice('docker://'.length) : job.filePath.split(/[\\/]/).pop()
  const title = sync
    ? job.state === 'done'
      ? `Synced ${name}`
      : `Sync to ${name} stopped`
    : job.state === 'done'
      ? `Uploaded ${name}`
      : `Upload of ${name} failed`
  new Notification(title, { body: job.state === 'done' ? (job.result ?? job.target) : (job.error ?? '') })
}
