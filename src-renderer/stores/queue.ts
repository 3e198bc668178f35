// The upload queue as the renderer sees it: the job list from queue.list, kept current by queue.job and
// queue.progress events.
import { create } from 'zustand'
import type { ProgressRecordDto, UploadJobDto } from '../../src-preload/contract'
import { api } from '../api'

interface QueueStore {
  jobs: Record<string, UploadJobDto>
  progress: Record<string, ProgressRecordDto>
  bandwidth: number
}

export const useQueue = create<QueueStore>(() => ({ jobs: {}, progress: {}, bandwidth: 0 }))

let subscribed = false
export async function loadQueue(): Promise<void> {
  if (!subscribed) {
    subscribed = true
    api.on('queue.job', ({ job }) => {
      const prev = useQueue.getState().jobs[job.id]
      useQueue.setState((s) => ({ jobs: { ...s.jobs, [job.id]: job } }))
      if (prev && prev.state !== job.state && (job.state === 'done' || job.state === 'failed')) notify(job)
    })
    api.on('queue.progress', ({ jobId, record }) => useQueue.setState((s) => ({ progress: { ...s.progress, [jobId]: record } })))
  }
  const { jobs, bandwidth } = await api.invoke('queue.list', {})
  useQueue.setState({ jobs: Object.fromEntries(jobs.map((j) => [j.id, j])), bandwidth })
}

function notify(job: UploadJobDto): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  const sync = job.options?.syncSource
  const name = sync ? job.target.slice('docker://'.length) : job.filePath.split(/[\\/]/).pop()
  const title = sync ? (job.state === 'done' ? `Synced ${name}` : `Sync to ${name} stopped`) : job.state === 'done' ? `Uploaded ${name}` : `Upload of ${name} failed`
  new Notification(title, { body: job.state === 'done' ? (job.result ?? job.target) : (job.error ?? '') })
}
