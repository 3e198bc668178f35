// The upload queue: every job with its progress, speed, ETA and state; pause, resume, retry, cancel; a new
// upload (file + target); and the global bandwidth limit, changeable while uploads run. A folder target (file://) is
// chosen in the desktop app's native folder dialog (the services copy only to a folder chosen there); browser mode
// copies to no folder on this computer and says so. A pushed image is synced to more registries, organisations or
// regions with "Sync to…" on its row (one sync job per target; a different image under the tag is replaced only when
// asked, else kept and reported on its row).
import { useEffect, useRef, useState } from 'react'
import type { UploadJobDto } from '../../src-preload/contract'
import { formatBytes, formatEta, progressPercent } from '../../src-preload/format'
import { api } from '../api'
import { DropZone } from '../components/DropZone'
import { defineMessages, useT } from '../i18n'
import { useNav } from '../stores/nav'
import { loadQueue, useQueue } from '../stores/queue'
import { startTask } from '../stores/tasks'

const messages = defineMessages({
  en: {
    title: 'Upload queue', lead: 'Uploads resume after a restart and only send what is missing; uploads that lost the network resume by themselves when it is back. Object-storage credentials are set in Settings (or come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the environment Preflight runs in).',
    add: 'New upload', file: 'File', target: 'Target (s3://bucket/key, docker://registry/repo:tag or file:///folder/)', endpoint: 'Endpoint (S3/OBS, optional)', start: 'Queue and upload',
    empty: 'No uploads yet.', pause: 'Pause', resume: 'Resume', retry: 'Retry', cancel: 'Cancel', bandwidth: 'Bandwidth limit (KiB/s, 0 = unlimited)', apply: 'Apply',
    state: 'State', progress: 'Progress', actions: 'Actions', job: 'Upload', chosen: 'Chosen: {name}', runAll: 'Run queued uploads', credentials: 'Enter credentials',
    'state.queued': 'queued', 'state.running': 'uploading', 'state.paused': 'paused', 'state.waiting-network': 'waiting for the network', 'state.needs-credentials': 'needs credentials', 'state.done': 'done', 'state.failed': 'failed', 'state.cancelled': 'cancelled', insecure: 'Plain-HTTP registry (local or test registries only)', overwrite: 'Replace an existing file of the same name',
    chooseFolder: 'Choose folder…', folderDialog: 'Copies go only to a folder chosen with “Choose folder…”, never to one typed here.',
    folderBrowser: 'Browser mode does not copy to folders on this computer: use the desktop app, or the CLI (preflight upload <file> --to file:///folder/).',
    syncTo: 'Sync to…', syncTitle: 'Sync image', syncSource: 'Image: {source}', syncTargets: 'Targets, one per line (docker://registry/organisation/repository[:tag]; without a tag, the image\'s)',
    syncOverwrite: 'Replace a different image under the same tag (otherwise it is kept and reported)', syncInsecure: 'Plain-HTTP registries (local or test registries only)', syncStart: 'Queue and sync', close: 'Close',
    syncAuto: 'Also sync later pushes of {repository} to these targets (automatic sync)',
    'sync.manual': 'Sync', 'sync.automatic': 'Automatic sync',
  },
  'zh-CN': {
    title: '上传队列', lead: '上传在重启后继续，只发送缺少的部分；断网的上传在网络恢复后自动继续。对象存储凭据在“设置”中配置（或来自 Preflight 运行环境中的 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY）。',
    add: '新建上传', file: '文件', target: '目标（s3://桶/对象键、docker://仓库/镜像:标签 或 file:///文件夹/）', endpoint: '终端节点（S3/OBS，可选）', start: '加入队列并上传',
    empty: '还没有上传。', pause: '暂停', resume: '继续', retry: '重试', cancel: '取消', bandwidth: '带宽限制（KiB/s，0 为不限）', apply: '应用',
    state: '状态', progress: '进度', actions: '操作', job: '上传', chosen: '已选择：{name}', runAll: '运行排队的上传', credentials: '输入凭据',
    'state.queued': '排队中', 'state.running': '上传中', 'state.paused': '已暂停', 'state.waiting-network': '等待网络', 'state.needs-credentials': '需要凭据', 'state.done': '完成', 'state.failed': '失败', 'state.cancelled': '已取消', insecure: '明文 HTTP 镜像仓库（仅限本地或测试仓库）', overwrite: '替换同名的已有文件',
    chooseFolder: '选择文件夹…', folderDialog: '只复制到用“选择文件夹…”选定的文件夹，不会写入在此处输入的文件夹。',
    folderBrowser: '浏览器模式不会复制到本机的文件夹：请使用桌面应用或命令行（preflight upload <文件> --to file:///文件夹/）。',
    syncTo: '同步到…', syncTitle: '同步镜像', syncSource: '镜像：{source}', syncTargets: '目标，每行一个（docker://仓库地址/组织/镜像[:标签]；不写标签则沿用原镜像的标签）',
    syncOverwrite: '覆盖同一标签下的不同镜像（否则保留并提示）', syncInsecure: '明文 HTTP 镜像仓库（仅限本地或测试仓库）', syncStart: '加入队列并同步', close: '关闭',
    syncAuto: '以后推送 {repository} 时也自动同步到这些目标（自动同步）',
    'sync.manual': '同步', 'sync.automatic': '自动同步',
  },
})

export function Queue() {
  const t = useT(messages)
  const { jobs, progress, bandwidth } = useQueue()
  const [path, setPath] = useState<string | null>(null)
  const [target, setTarget] = useState('')
  const [endpoint, setEndpoint] = useState('')
  const [insecure, setInsecure] = useState(false)
  const [overwrite, setOverwrite] = useState(false)
  const [nativeDialogs, setNativeDialogs] = useState(false)
  const [limit, setLimit] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [sync, setSync] = useState<{ source: string; targets: string; overwrite: boolean; insecure: boolean; auto: boolean } | null>(null)
  const syncForm = useRef<HTMLTextAreaElement>(null)
  // the form opens above the list: brought into view with its targets field focused
  useEffect(() => {
    syncForm.current?.scrollIntoView?.({ block: 'center' })
    syncForm.current?.focus()
  }, [sync?.source])

  useEffect(() => {
    void loadQueue()
    void api.invoke('app.info', {}).then((info) => setNativeDialogs(info.nativeDialogs))
  }, [])
  const toFolder = target.startsWith('file://')
  useEffect(() => setLimit(String(Math.round(bandwidth / 1024))), [bandwidth])

  const act = (fn: () => Promise<unknown>) => async () => {
    setError(null)
    try {
      await fn()
      await loadQueue()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const list = Object.values(jobs).sort((a, b) => b.createdAt.localeCompare(a.createdAt))

  return (
    <section className="screen" aria-labelledby="queue-title">
      <h1 id="queue-title">{t('title')}</h1>
      <p className="muted">{t('lead')}</p>
      <div className="card">
        <h2>{t('add')}</h2>
        <DropZone onFiles={(p) => setPath(p[0])} testId="queue-dropzone" />
        {path && <div className="mono" data-testid="queue-file">{t('chosen', { name: path.split(/[\\/]/).pop() ?? path })}</div>}
        <div className="form-grid">
          <label className="field">{t('target')}<input value={target} onChange={(e) => setTarget(e.target.value)} data-testid="queue-target" /></label>
          {nativeDialogs && <div className="field"><button type="button" className="btn btn-secondary" data-testid="queue-choose-folder" onClick={act(async () => {
            const { path: folder } = await api.invoke('dialog.chooseFolder', {})
            if (folder) setTarget(folderTarget(folder))
          })}>{t('chooseFolder')}</button></div>}
          <label className="field">{t('endpoint')}<input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} /></label>
        </div>
        {target.startsWith('docker://') && <label className="row"><input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> {t('insecure')}</label>}
        {toFolder && nativeDialogs && <p className="muted">{t('folderDialog')}</p>}
        {toFolder && nativeDialogs && <label className="row"><input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="queue-overwrite" /> {t('overwrite')}</label>}
        {toFolder && !nativeDialogs && <p className="error" role="note" data-testid="queue-folder-browser">{t('folderBrowser')}</p>}
        <div className="actions">
          <button type="button" className="btn" disabled={!path || !target || (toFolder && !nativeDialogs)} data-testid="queue-start" onClick={act(async () => {
            if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission()
            await startTask('queue.enqueue', { path: path!, target, endpoint: endpoint || undefined, insecure: insecure || undefined, overwrite: (toFolder && overwrite) || undefined })
          })}>{t('start')}</button>
          <button type="button" className="btn btn-secondary" onClick={act(() => startTask('queue.run', {}))}>{t('runAll')}</button>
        </div>
      </div>
      <div className="card">
        <label className="row">{t('bandwidth')}
          <input type="number" min={0} value={limit} onChange={(e) => setLimit(e.target.value)} style={{ width: 120 }} />
          <button type="button" className="btn btn-secondary" onClick={act(() => api.invoke('queue.bandwidth', { bytesPerSecond: Math.max(0, Math.round(Number(limit) || 0) * 1024) }))}>{t('apply')}</button>
        </label>
      </div>
      {sync && (
        <div className="card" data-testid="sync-form">
          <h2>{t('syncTitle')}</h2>
          <div className="mono">{t('syncSource', { source: sync.source })}</div>
          <label className="field">{t('syncTargets')}<textarea rows={3} value={sync.targets} onChange={(e) => setSync({ ...sync, targets: e.target.value })} data-testid="sync-targets" ref={syncForm} /></label>
          <label className="row"><input type="checkbox" checked={sync.overwrite} onChange={(e) => setSync({ ...sync, overwrite: e.target.checked })} data-testid="sync-overwrite" /> {t('syncOverwrite')}</label>
          <label className="row"><input type="checkbox" checked={sync.insecure} onChange={(e) => setSync({ ...sync, insecure: e.target.checked })} data-testid="sync-insecure" /> {t('syncInsecure')}</label>
          <label className="row"><input type="checkbox" checked={sync.auto} onChange={(e) => setSync({ ...sync, auto: e.target.checked })} data-testid="sync-auto" /> {t('syncAuto', { repository: repositoryOf(sync.source) })}</label>
          <div className="actions">
            <button type="button" className="btn" disabled={!syncTargets(sync.targets).length} data-testid="sync-start" onClick={act(async () => {
              const targets = syncTargets(sync.targets)
              await startTask('queue.sync', { source: sync.source, targets, overwrite: sync.overwrite || undefined, insecure: sync.insecure || undefined })
              if (sync.auto) await saveAutoSync({ repository: repositoryOf(sync.source), targets, overwrite: sync.overwrite, insecure: sync.insecure })
              setSync(null)
            })}>{t('syncStart')}</button>
            <button type="button" className="btn btn-secondary" onClick={() => setSync(null)}>{t('close')}</button>
          </div>
        </div>
      )}
      {error && <div className="error" role="alert">{error}</div>}
      {list.length === 0 ? <p className="empty">{t('empty')}</p> : (
        <table data-testid="queue-table">
          <thead><tr><th scope="col">{t('job')}</th><th scope="col">{t('progress')}</th><th scope="col">{t('state')}</th><th scope="col">{t('actions')}</th></tr></thead>
          <tbody>
            {list.map((j) => <JobRow key={j.id} job={j} rec={progress[j.id]} t={t} act={act} onSync={() => setSync({ source: j.target, targets: '', overwrite: false, insecure: Boolean(j.options?.insecure), auto: false })} />)}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** The targets typed in the sync form: one per line, blank lines ignored. */
function syncTargets(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean)
}

/** registry/repository of a docker:// reference (its tag dropped): what setting sync.targets is keyed by. */
function repositoryOf(ref: string): string {
  const rest = ref.replace(/^docker:\/\//, '')
  const slash = rest.indexOf('/')
  const colon = rest.lastIndexOf(':')
  return colon > slash ? rest.slice(0, colon) : rest
}

/** Setting sync.targets with this repository's rule replaced (the services check it against the setting's schema). */
async function saveAutoSync(rule: { repository: string; targets: string[]; overwrite: boolean; insecure: boolean }): Promise<void> {
  const { value } = await api.invoke('settings.get', { key: 'sync.targets' })
  const rules = Array.isArray(value) ? (value as Array<{ repository: string }>).filter((r) => r.repository !== rule.repository) : []
  await api.invoke('settings.set', { key: 'sync.targets', value: [...rules, rule] })
}

/** The file:// target of a chosen folder (each part URL-encoded; the services decode it). */
function folderTarget(folder: string): string {
  return `file://${folder.replace(/\/+$/, '').split('/').map(encodeURIComponent).join('/')}/`
}

type JobRowKey = 'pause' | 'resume' | 'retry' | 'cancel' | 'credentials' | 'syncTo' | 'sync.manual' | 'sync.automatic' | `state.${UploadJobDto['state']}`

function JobRow({ job, rec, t, act, onSync }: { job: UploadJobDto; rec?: { bytesDone: number; bytesTotal: number | null; bytesPerSecond: number; etaSeconds: number | null; phase: string }; t: (k: JobRowKey) => string; act: (fn: () => Promise<unknown>) => () => Promise<void>; onSync: () => void }) {
  const done = job.state === 'running' && rec ? rec.bytesDone : job.bytesDone
  const pct = job.state === 'done' ? 100 : rec && job.state === 'running' ? (progressPercent(rec) ?? 0) : (100 * job.bytesDone) / Math.max(1, job.fileSize)
  const syncSource = job.options?.syncSource
  const name = syncSource ? `${t(job.options.syncType === 'automatic' ? 'sync.automatic' : 'sync.manual')}: ${syncSource}` : job.filePath.split(/[\\/]/).pop()
  const go = useNav((s) => s.go)
  return (
    <tr data-testid={`job-${job.state}`}>
      <td><div>{name}</div><div className="mono muted">{job.target}</div>{job.result && <div className="mono">{job.result}</div>}{job.error && <div className="error">{job.error}</div>}</td>
      <td style={{ minWidth: 220 }}>
        <div className="progress-track" role="progressbar" aria-label={`${name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}><div className="progress-fill" style={{ width: `${pct}%` }} /></div>
        <div className="muted">{formatBytes(done)} / {formatBytes(job.fileSize)}{job.state === 'running' && rec ? ` · ${formatBytes(rec.bytesPerSecond)}/s · ETA ${formatEta(rec.etaSeconds)}` : ''}</div>
      </td>
      <td>{t(`state.${job.state}`)}</td>
      <td className="actions">
        {(job.state === 'running' || job.state === 'queued') && <button type="button" className="btn btn-secondary" onClick={act(() => api.invoke('queue.pause', { id: job.id }))}>{t('pause')}</button>}
        {job.state === 'paused' && <button type="button" className="btn btn-secondary" onClick={act(async () => { await api.invoke('queue.resume', { id: job.id }); await startTask('queue.run', { id: job.id }) })}>{t('resume')}</button>}
        {(job.state === 'failed' || job.state === 'waiting-network' || job.state === 'needs-credentials') && <button type="button" className="btn btn-secondary" onClick={act(async () => { await api.invoke('queue.resume', { id: job.id }); await startTask('queue.run', { id: job.id }) })}>{t('retry')}</button>}
        {job.state === 'needs-credentials' && <button type="button" className="btn" onClick={() => go('settings', { endpoint: job.options?.endpoint ?? '' })}>{t('credentials')}</button>}
        {job.state === 'done' && job.target.startsWith('docker://') && <button type="button" className="btn btn-secondary" data-testid="job-sync" onClick={onSync}>{t('syncTo')}</button>}
        {job.state !== 'done' && job.state !== 'cancelled' && <button type="button" className="btn btn-danger" onClick={act(() => api.invoke('queue.cancel', { id: job.id }))}>{t('cancel')}</button>}
      </td>
    </tr>
  )
}
