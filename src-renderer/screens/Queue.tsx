// The upload queue: the jobs first (progress, a live speed chart, ETA, state; pause, resume, retry, cancel;
// "Clear finished" removes done, failed and cancelled ones), a "New upload" panel on demand (file + target),
// and the global bandwidth limit in MiB/s with presets, changeable while uploads run. A folder target (file://) is
// chosen in the desktop app's native folder dialog (the services copy only to a folder chosen there); browser mode
// copies to no folder on this computer and says so. A pushed image is synced to more registries, organisations or
// regions with "Sync to…" on its row (one sync job per target; a different image under the tag is replaced only when
// asked, else kept and reported on its row). Every error is a sentence with what to do next.
import { useEffect, useRef, useState } from 'react'
import type { ProgressRecordDto, UploadJobDto } from '../../src-preload/contract'
import { formatEta, progressPercent } from '../../src-preload/format'
import { api } from '../api'
import { LineChart } from '../components/Chart'
import { DropZone } from '../components/DropZone'
import type { Worded } from '../../src-preload/text'
import { defineMessages, useFormat, useT, useText } from '../i18n'
import { useNav } from '../stores/nav'
import { clearFinished, loadQueue, setBandwidth, useQueue } from '../stores/queue'
import { startTask, useTask } from '../stores/tasks'

const MiB = 1024 * 1024
/** Bandwidth presets in MiB/s (0: no limit). */
const PRESETS = [0, 5, 20, 50, 100]

const messages = defineMessages({
  en: {
    title: 'Upload queue',
    lead: 'Uploads resume after a restart and only send what is missing; uploads that lost the network resume by themselves when it is back. Object-storage credentials are set in Settings (or come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the environment Preflight runs in).',
    jobs: 'Uploads',
    add: 'New upload',
    closeAdd: 'Close the new upload panel',
    file: 'File',
    target: 'Target (s3://bucket/key, docker://registry/repo:tag or file:///folder/)',
    endpoint: 'Endpoint (S3/OBS, optional)',
    start: 'Queue and upload',
    empty: 'No uploads yet. Choose “New upload” to send a package to object storage, a registry or a folder.',
    pause: 'Pause',
    resume: 'Resume',
    retry: 'Retry',
    cancel: 'Cancel',
    clear: 'Clear finished',
    cleared: '{n} finished upload(s) removed from the list.',
    nothingToClear: 'No finished uploads to clear.',
    bandwidth: 'Bandwidth limit',
    bandwidthUnit: 'MiB/s (0: no limit)',
    apply: 'Apply',
    presets: 'Presets',
    unlimited: 'No limit',
    preset: '{n} MiB/s',
    limitNow: 'Now: {limit}, shared by every running upload.',
    limitNone: 'Now: no limit.',
    limitSet: 'Bandwidth limit set to {limit}.',
    limitLifted: 'Bandwidth limit lifted.',
    badLimit: 'Enter the limit as a number of MiB/s, 0 or more (0 means no limit), for example 20.',
    state: 'State',
    progress: 'Progress',
    actions: 'Actions',
    job: 'Upload',
    chosen: 'Chosen: {name}',
    runAll: 'Run queued uploads',
    credentials: 'Enter credentials',
    'state.queued': 'queued',
    'state.running': 'uploading',
    'state.paused': 'paused',
    'state.waiting-network': 'waiting for the network',
    'state.needs-credentials': 'needs credentials',
    'state.done': 'done',
    'state.failed': 'failed',
    'state.cancelled': 'cancelled',
    insecure: 'Plain-HTTP registry (local or test registries only)',
    overwrite: 'Replace an existing file of the same name',
    chooseFolder: 'Choose folder…',
    folderDialog: 'Copies go only to a folder chosen with “Choose folder…”, never to one typed here.',
    folderBrowser:
      'Browser mode does not copy to folders on this computer: use the desktop app, or the CLI (preflight upload <file> --to file:///folder/).',
    syncTo: 'Sync to…',
    syncTitle: 'Sync image',
    syncSource: 'Image: {source}',
    syncTargets: "Targets, one per line (docker://registry/organisation/repository[:tag]; without a tag, the image's)",
    syncOverwrite: 'Replace a different image under the same tag (otherwise it is kept and reported)',
    syncInsecure: 'Plain-HTTP registries (local or test registries only)',
    syncStart: 'Queue and sync',
    close: 'Close',
    syncAuto: 'Also sync later pushes of {repository} to these targets (automatic sync)',
    'sync.manual': 'Sync',
    'sync.automatic': 'Automatic sync',
    speed: 'Upload speed',
    speedNow: 'now {now}, peak {peak}',
    speedLimit: ', limit {limit}',
    eta: 'ETA {eta}',
    badScheme: 'The target must start with s3://, docker:// or file://, for example s3://my-bucket/releases/app.zip.',
    badS3: 'An s3:// target names a bucket and an object key, for example s3://my-bucket/releases/app.zip.',
    badDocker:
      'A docker:// target names a registry and a repository, for example docker://swr.cn-north-4.myhuaweicloud.com/shop/web:1.0.',
    badEndpoint:
      'The endpoint must be a web address such as https://obs.cn-north-4.myhuaweicloud.com; leave it empty for AWS.',
    queueFailed: 'The upload could not be queued: {reason}',
  },
  'zh-CN': {
    title: '上传队列',
    lead: '上传在重启后继续，只发送缺少的部分；断网的上传在网络恢复后自动继续。对象存储凭据在“设置”中配置（或来自 Preflight 运行环境中的 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY）。',
    jobs: '上传',
    add: '新建上传',
    closeAdd: '关闭新建上传面板',
    file: '文件',
    target: '目标（s3://桶/对象键、docker://仓库/镜像:标签 或 file:///文件夹/）',
    endpoint: '终端节点（S3/OBS，可选）',
    start: '加入队列并上传',
    empty: '还没有上传。选择“新建上传”，把软件包发送到对象存储、镜像仓库或文件夹。',
    pause: '暂停',
    resume: '继续',
    retry: '重试',
    cancel: '取消',
    clear: '清除已结束',
    cleared: '已从列表中移除 {n} 个已结束的上传。',
    nothingToClear: '没有可清除的已结束上传。',
    bandwidth: '带宽限制',
    bandwidthUnit: 'MiB/s（0 为不限）',
    apply: '应用',
    presets: '预设',
    unlimited: '不限',
    preset: '{n} MiB/s',
    limitNow: '当前：{limit}，由所有正在运行的上传共享。',
    limitNone: '当前：不限。',
    limitSet: '带宽限制已设为 {limit}。',
    limitLifted: '已取消带宽限制。',
    badLimit: '请输入以 MiB/s 为单位的数字，0 或更大（0 为不限），例如 20。',
    state: '状态',
    progress: '进度',
    actions: '操作',
    job: '上传',
    chosen: '已选择：{name}',
    runAll: '运行排队的上传',
    credentials: '输入凭据',
    'state.queued': '排队中',
    'state.running': '上传中',
    'state.paused': '已暂停',
    'state.waiting-network': '等待网络',
    'state.needs-credentials': '需要凭据',
    'state.done': '完成',
    'state.failed': '失败',
    'state.cancelled': '已取消',
    insecure: '明文 HTTP 镜像仓库（仅限本地或测试仓库）',
    overwrite: '替换同名的已有文件',
    chooseFolder: '选择文件夹…',
    folderDialog: '只复制到用“选择文件夹…”选定的文件夹，不会写入在此处输入的文件夹。',
    folderBrowser:
      '浏览器模式不会复制到本机的文件夹：请使用桌面应用或命令行（preflight upload <文件> --to file:///文件夹/）。',
    syncTo: '同步到…',
    syncTitle: '同步镜像',
    syncSource: '镜像：{source}',
    syncTargets: '目标，每行一个（docker://仓库地址/组织/镜像[:标签]；不写标签则沿用原镜像的标签）',
    syncOverwrite: '覆盖同一标签下的不同镜像（否则保留并提示）',
    syncInsecure: '明文 HTTP 镜像仓库（仅限本地或测试仓库）',
    syncStart: '加入队列并同步',
    close: '关闭',
    syncAuto: '以后推送 {repository} 时也自动同步到这些目标（自动同步）',
    'sync.manual': '同步',
    'sync.automatic': '自动同步',
    speed: '上传速度',
    speedNow: '当前 {now}，峰值 {peak}',
    speedLimit: '，限制 {limit}',
    eta: '剩余 {eta}',
    badScheme: '目标必须以 s3://、docker:// 或 file:// 开头，例如 s3://my-bucket/releases/app.zip。',
    badS3: 's3:// 目标需要写明桶和对象键，例如 s3://my-bucket/releases/app.zip。',
    badDocker: 'docker:// 目标需要写明镜像仓库和仓库名，例如 docker://swr.cn-north-4.myhuaweicloud.com/shop/web:1.0。',
    badEndpoint: '终端节点必须是网址，例如 https://obs.cn-north-4.myhuaweicloud.com；使用 AWS 时留空。',
    queueFailed: '无法加入上传队列：{reason}',
  },
})

type T = ReturnType<typeof useT<keyof (typeof messages)['en']>>

/** What is wrong with a typed target or endpoint, as a sentence key; null when it can be sent. */
function targetProblem(target: string): 'badScheme' | 'badS3' | 'badDocker' | null {
  if (!/^(s3|docker|file):\/\//.test(target)) return 'badScheme'
  if (target.startsWith('s3://') && !/^s3:\/\/[^/]+\/.+/.test(target)) return 'badS3'
  if (target.startsWith('docker://') && !/^docker:\/\/[^/]+\/.+/.test(target)) return 'badDocker'
  return null
}

function endpointProblem(endpoint: string): 'badEndpoint' | null {
  if (!endpoint) return null
  try {
    const u = new URL(endpoint)
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'badEndpoint'
  } catch {
    return 'badEndpoint'
  }
}

/** The limit typed in MiB/s as bytes per second; null when it is not a number of 0 or more. */
function parseLimit(text: string): number | null {
  const n = Number(text.trim().replace(',', '.'))
  return text.trim() !== '' && Number.isFinite(n) && n >= 0 ? Math.round(n * MiB) : null
}

export function Queue() {
  const t = useT(messages)
  const text = useText()
  const num = useFormat()
  const { jobs, progress, bandwidth, speeds } = useQueue()
  const [adding, setAdding] = useState(false)
  const [path, setPath] = useState<string | null>(null)
  const [target, setTarget] = useState('')
  const [endpoint, setEndpoint] = useState('')
  const [insecure, setInsecure] = useState(false)
  const [overwrite, setOverwrite] = useState(false)
  const [nativeDialogs, setNativeDialogs] = useState(false)
  const [limit, setLimit] = useState('')
  const [limitError, setLimitError] = useState(false)
  // a service's refusal as it came (both languages): shown in the language chosen now
  const [error, setError] = useState<Worded | null>(null)
  const [sync, setSync] = useState<{
    source: string
    targets: string
    overwrite: boolean
    insecure: boolean
    auto: boolean
  } | null>(null)
  const syncForm = useRef<HTMLTextAreaElement>(null)
  // the form opens above the list: brought into view with its targets field focused
  useEffect(() => {
    syncForm.current?.scrollIntoView?.({ block: 'center' })
    syncForm.current?.focus()
  }, [sync?.source])
  const [status, setStatus] = useState<string | null>(null)
  const [enqueueId, setEnqueueId] = useState<string | null>(null)
  const enqueue = useTask(enqueueId)

  useEffect(() => {
    void loadQueue()
    void api.invoke('app.info', {}).then((info) => setNativeDialogs(info.nativeDialogs))
  }, [])
  const toFolder = target.startsWith('file://')
  useEffect(() => setLimit(String(Math.round((bandwidth / MiB) * 10) / 10)), [bandwidth])

  const act = (fn: () => Promise<unknown>) => async () => {
    setError(null)
    setStatus(null)
    try {
      await fn()
      await loadQueue()
    } catch (err) {
      setError(err as Worded)
    }
  }
  const applyLimit = (bytesPerSecond: number) =>
    act(async () => {
      setLimitError(false)
      await setBandwidth(bytesPerSecond)
      setStatus(bytesPerSecond ? t('limitSet', { limit: num.rate(bytesPerSecond) }) : t('limitLifted'))
    })
  const list = Object.values(jobs).sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  const finished = list.filter((j) => j.state === 'done' || j.state === 'failed' || j.state === 'cancelled').length
  const typedProblem = target ? targetProblem(target) : null
  const typedEndpointProblem = endpointProblem(endpoint)

  return (
    <section className="screen" aria-labelledby="queue-title">
      <h1 id="queue-title">{t('title')}</h1>
      <p className="muted">{t('lead')}</p>
      <div className="queue-head">
        <h2>{t('jobs')}</h2>
        <div className="actions">
          <button
            type="button"
            className="btn"
            aria-expanded={adding}
            aria-controls="queue-new"
            data-testid="queue-new"
            onClick={() => setAdding(!adding)}
          >
            {t('add')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={act(() => startTask('queue.run', {}))}>
            {t('runAll')}
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="queue-clear"
            disabled={!finished}
            onClick={act(async () => {
              const { removed: n, problems } = await clearFinished()
              setStatus(n ? t('cleared', { n: num.number(n) }) : t('nothingToClear'))
              // an S3 upload the storage would not abort: its parts may be billed, so the user is told
              if (problems.length)
                setError({
                  message: problems.map((p) => p.message).join(' '),
                  messageZh: problems.map((p) => p.messageZh ?? p.message).join(''),
                })
            })}
          >
            {t('clear')}
            {finished ? ` (${num.number(finished)})` : ''}
          </button>
        </div>
      </div>
      {sync && (
        <div className="card" data-testid="sync-form">
          <h2>{t('syncTitle')}</h2>
          <div className="mono">{t('syncSource', { source: sync.source })}</div>
          <label className="field">
            {t('syncTargets')}
            <textarea
              rows={3}
              value={sync.targets}
              onChange={(e) => setSync({ ...sync, targets: e.target.value })}
              data-testid="sync-targets"
              ref={syncForm}
            />
          </label>
          <label className="row">
            <input
              type="checkbox"
              checked={sync.overwrite}
              onChange={(e) => setSync({ ...sync, overwrite: e.target.checked })}
              data-testid="sync-overwrite"
            />{' '}
            {t('syncOverwrite')}
          </label>
          <label className="row">
            <input
              type="checkbox"
              checked={sync.insecure}
              onChange={(e) => setSync({ ...sync, insecure: e.target.checked })}
              data-testid="sync-insecure"
            />{' '}
            {t('syncInsecure')}
          </label>
          <label className="row">
            <input
              type="checkbox"
              checked={sync.auto}
              onChange={(e) => setSync({ ...sync, auto: e.target.checked })}
              data-testid="sync-auto"
            />{' '}
            {t('syncAuto', { repository: repositoryOf(sync.source) })}
          </label>
          <div className="actions">
            <button
              type="button"
              className="btn"
              disabled={!syncTargets(sync.targets).length}
              data-testid="sync-start"
              onClick={act(async () => {
                const targets = syncTargets(sync.targets)
                await startTask('queue.sync', {
                  source: sync.source,
                  targets,
                  overwrite: sync.overwrite || undefined,
                  insecure: sync.insecure || undefined,
                })
                if (sync.auto)
                  await saveAutoSync({
                    repository: repositoryOf(sync.source),
                    targets,
                    overwrite: sync.overwrite,
                    insecure: sync.insecure,
                  })
                setSync(null)
              })}
            >
              {t('syncStart')}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => setSync(null)}>
              {t('close')}
            </button>
          </div>
        </div>
      )}
      {error && (
        <div className="error" role="alert" data-testid="queue-error">
          {text(error)}
        </div>
      )}
      {status && (
        <p role="status" data-testid="queue-status">
          {status}
        </p>
      )}
      {enqueue?.status === 'failed' && (
        <div className="error" role="alert" data-testid="queue-enqueue-error">
          {t('queueFailed', { reason: text(enqueue.error) })}
        </div>
      )}
      {adding && (
        <div className="card" id="queue-new" role="region" aria-label={t('add')} data-testid="queue-new-panel">
          <div className="queue-head">
            <h2>{t('add')}</h2>
            <button
              type="button"
              className="btn btn-secondary"
              aria-label={t('closeAdd')}
              onClick={() => setAdding(false)}
            >
              ×
            </button>
          </div>
          <DropZone onFiles={(p) => setPath(p[0])} testId="queue-dropzone" />
          {path && (
            <div className="mono" data-testid="queue-file">
              {t('chosen', { name: path.split(/[\\/]/).pop() ?? path })}
            </div>
          )}
          <div className="form-grid">
            <label className="field">
              {t('target')}
              <input
                value={target}
                onChange={(e) => setTarget(e.target.value)}
                aria-invalid={!!typedProblem}
                aria-describedby={typedProblem ? 'queue-target-err' : undefined}
                data-testid="queue-target"
              />
              {typedProblem && (
                <span id="queue-target-err" className="field-error" data-testid="queue-target-error">
                  {t(typedProblem)}
                </span>
              )}
            </label>
            {nativeDialogs && (
              <div className="field">
                <button
                  type="button"
                  className="btn btn-secondary"
                  data-testid="queue-choose-folder"
                  onClick={act(async () => {
                    const { path: folder } = await api.invoke('dialog.chooseFolder', {})
                    if (folder) setTarget(folderTarget(folder))
                  })}
                >
                  {t('chooseFolder')}
                </button>
              </div>
            )}
            <label className="field">
              {t('endpoint')}
              <input
                value={endpoint}
                onChange={(e) => setEndpoint(e.target.value.trim())}
                aria-invalid={!!typedEndpointProblem}
                aria-describedby={typedEndpointProblem ? 'queue-endpoint-err' : undefined}
                data-testid="queue-endpoint"
              />
              {typedEndpointProblem && (
                <span id="queue-endpoint-err" className="field-error">
                  {t(typedEndpointProblem)}
                </span>
              )}
            </label>
          </div>
          {target.startsWith('docker://') && (
            <label className="row">
              <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} />{' '}
              {t('insecure')}
            </label>
          )}
          {toFolder && nativeDialogs && <p className="muted">{t('folderDialog')}</p>}
          {toFolder && nativeDialogs && (
            <label className="row">
              <input
                type="checkbox"
                checked={overwrite}
                onChange={(e) => setOverwrite(e.target.checked)}
                data-testid="queue-overwrite"
              />{' '}
              {t('overwrite')}
            </label>
          )}
          {toFolder && !nativeDialogs && (
            <p className="error" role="note" data-testid="queue-folder-browser">
              {t('folderBrowser')}
            </p>
          )}
          <div className="actions">
            <button
              type="button"
              className="btn"
              disabled={!path || !target || !!typedProblem || !!typedEndpointProblem || (toFolder && !nativeDialogs)}
              data-testid="queue-start"
              onClick={act(async () => {
                if (typeof Notification !== 'undefined' && Notification.permission === 'default')
                  void Notification.requestPermission()
                setEnqueueId(
                  await startTask('queue.enqueue', {
                    path: path!,
                    target,
                    endpoint: endpoint || undefined,
                    insecure: insecure || undefined,
                    overwrite: (toFolder && overwrite) || undefined,
                  }),
                )
                // queued: back to the list (the target and endpoint stay filled for the next upload)
                setPath(null)
                setAdding(false)
              })}
            >
              {t('start')}
            </button>
          </div>
        </div>
      )}
      {list.length === 0 ? (
        <p className="empty">{t('empty')}</p>
      ) : (
        <table data-testid="queue-table">
          <thead>
            <tr>
              <th scope="col">{t('job')}</th>
              <th scope="col">{t('progress')}</th>
              <th scope="col" className="nowrap">
                {t('state')}
              </th>
              <th scope="col" className="nowrap">
                {t('actions')}
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((j) => (
              <JobRow
                key={j.id}
                job={j}
                rec={progress[j.id]}
                speeds={speeds[j.id] ?? []}
                limit={bandwidth}
                t={t}
                act={act}
                onSync={() =>
                  setSync({
                    source: j.target,
                    targets: '',
                    overwrite: false,
                    insecure: Boolean(j.options?.insecure),
                    auto: false,
                  })
                }
              />
            ))}
          </tbody>
        </table>
      )}
      <div className="card" data-testid="queue-bandwidth">
        <h2 id="bandwidth-title">{t('bandwidth')}</h2>
        <form
          className="row"
          noValidate
          onSubmit={(e) => {
            e.preventDefault()
            const bytes = parseLimit(limit)
            if (bytes === null) return setLimitError(true)
            void applyLimit(bytes)()
          }}
        >
          <label className="row">
            <span id="bandwidth-unit">{t('bandwidthUnit')}</span>
            <input
              aria-labelledby="bandwidth-title bandwidth-unit"
              type="number"
              min={0}
              step="any"
              inputMode="decimal"
              value={limit}
              onChange={(e) => {
                setLimit(e.target.value)
                setLimitError(false)
              }}
              aria-invalid={limitError}
              aria-describedby={limitError ? 'bandwidth-err' : undefined}
              style={{ width: 120 }}
              data-testid="queue-limit"
            />
          </label>
          <button type="submit" className="btn btn-secondary" data-testid="queue-limit-apply">
            {t('apply')}
          </button>
        </form>
        {limitError && (
          <span id="bandwidth-err" className="field-error" role="alert">
            {t('badLimit')}
          </span>
        )}
        <div className="presets" role="group" aria-label={t('presets')}>
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              className="btn-chip"
              aria-pressed={bandwidth === p * MiB}
              data-testid={`queue-preset-${p}`}
              onClick={applyLimit(p * MiB)}
            >
              {p ? t('preset', { n: num.number(p) }) : t('unlimited')}
            </button>
          ))}
        </div>
        <p className="muted" data-testid="queue-limit-now">
          {bandwidth ? t('limitNow', { limit: num.rate(bandwidth) }) : t('limitNone')}
        </p>
      </div>
    </section>
  )
}

/** The targets typed in the sync form: one per line, blank lines ignored. */
function syncTargets(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

/** registry/repository of a docker:// reference (its tag dropped): what setting sync.targets is keyed by. */
function repositoryOf(ref: string): string {
  const rest = ref.replace(/^docker:\/\//, '')
  const slash = rest.indexOf('/')
  const colon = rest.lastIndexOf(':')
  return colon > slash ? rest.slice(0, colon) : rest
}

/** Setting sync.targets with this repository's rule replaced (the services check it against the setting's schema). */
async function saveAutoSync(rule: {
  repository: string
  targets: string[]
  overwrite: boolean
  insecure: boolean
}): Promise<void> {
  const { value } = await api.invoke('settings.get', { key: 'sync.targets' })
  const rules = Array.isArray(value)
    ? (value as Array<{ repository: string }>).filter((r) => r.repository !== rule.repository)
    : []
  await api.invoke('settings.set', { key: 'sync.targets', value: [...rules, rule] })
}

/** The file:// target of a chosen folder (each part URL-encoded; the services decode it). */
function folderTarget(folder: string): string {
  return `file://${folder.replace(/\/+$/, '').split('/').map(encodeURIComponent).join('/')}/`
}

function JobRow({
  job,
  rec,
  speeds,
  limit,
  t,
  act,
  onSync,
}: {
  job: UploadJobDto
  rec?: ProgressRecordDto
  speeds: number[]
  limit: number
  t: T
  act: (fn: () => Promise<unknown>) => () => Promise<void>
  onSync: () => void
}) {
  const num = useFormat()
  const text = useText()
  const running = job.state === 'running' && rec
  const done = running ? rec.bytesDone : job.bytesDone
  const pct =
    job.state === 'done'
      ? 100
      : running
        ? (progressPercent(rec) ?? 0)
        : (100 * job.bytesDone) / Math.max(1, job.fileSize)
  const syncSource = job.options?.syncSource
  const name = syncSource
    ? `${t(job.options.syncType === 'automatic' ? 'sync.automatic' : 'sync.manual')}: ${syncSource}`
    : job.filePath.split(/[\\/]/).pop()
  const go = useNav((s) => s.go)
  const resumeAndRun = act(async () => {
    await api.invoke('queue.resume', { id: job.id })
    await startTask('queue.run', { id: job.id })
  })
  const speedWords = running
    ? t('speedNow', { now: num.rate(rec.bytesPerSecond), peak: num.rate(Math.max(0, ...speeds)) }) +
      (limit ? t('speedLimit', { limit: num.rate(limit) }) : '')
    : ''
  return (
    <tr data-testid={`job-${job.state}`}>
      <td>
        <div>{name}</div>
        <div className="mono muted">{job.target}</div>
        {job.result && <div className="mono">{job.result}</div>}
        {job.error && <div className="error">{text({ message: job.error, messageZh: job.errorZh ?? undefined })}</div>}
      </td>
      <td style={{ minWidth: 260 }}>
        <div
          className="progress-track"
          role="progressbar"
          aria-label={`${name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(pct)}
        >
          <div className="progress-fill" style={{ width: `${pct}%` }} />
        </div>
        <div className="muted">
          {num.bytes(done)} / {num.bytes(job.fileSize)}
          {running ? ` · ${num.rate(rec.bytesPerSecond)} · ${t('eta', { eta: formatEta(rec.etaSeconds) })}` : ''}
        </div>
        {running && speeds.length > 0 && (
          <LineChart
            title={t('speed')}
            values={speeds}
            limit={limit || undefined}
            summary={speedWords}
            testId="speed-chart"
          />
        )}
      </td>
      <td className="nowrap">{t(`state.${job.state}`)}</td>
      <td className="actions">
        {(job.state === 'running' || job.state === 'queued') && (
          <button
            type="button"
            className="btn btn-secondary"
            onClick={act(() => api.invoke('queue.pause', { id: job.id }))}
          >
            {t('pause')}
          </button>
        )}
        {job.state === 'paused' && (
          <button type="button" className="btn btn-secondary" onClick={resumeAndRun}>
            {t('resume')}
          </button>
        )}
        {(job.state === 'failed' || job.state === 'waiting-network' || job.state === 'needs-credentials') && (
          <button type="button" className="btn btn-secondary" onClick={resumeAndRun}>
            {t('retry')}
          </button>
        )}
        {job.state === 'needs-credentials' && (
          <button
            type="button"
            className="btn"
            onClick={() => go('settings', { endpoint: job.options?.endpoint ?? '' })}
          >
            {t('credentials')}
          </button>
        )}
        {job.state === 'done' && job.target.startsWith('docker://') && (
          <button type="button" className="btn btn-secondary" data-testid="job-sync" onClick={onSync}>
            {t('syncTo')}
          </button>
        )}
        {job.state !== 'done' && job.state !== 'cancelled' && (
          <button
            type="button"
            className="btn btn-danger"
            onClick={act(() => api.invoke('queue.cancel', { id: job.id }))}
          >
            {t('cancel')}
          </button>
        )}
      </td>
    </tr>
  )
}
