// Home: drop or open packages. One file opens the package view, which pre-scans it at once (identify and scan
// are one task); several files are each pre-scanned in turn here, and image tars among them are offered as a
// bundle (Container images). Recent scans lists the files scanned before, reopened without reading them again.
import { useEffect, useState } from 'react'
import { create } from 'zustand'
import type { RecentScanDto } from '../../src-preload/contract'
import { verdictLine } from '../../src-preload/verdict'
import { api } from '../api'
import { DropZone } from '../components/DropZone'
import { ProgressBar } from '../components/ProgressBar'
import type { Worded } from '../../src-preload/text'
import { defineMessages, useFormat, useLang, useT, useText } from '../i18n'
import { useNav } from '../stores/nav'
import { cancelTask, startTask, useTask, useTasks } from '../stores/tasks'
import { hasScreen } from './registry'

const messages = defineMessages({
  en: {
    title: 'Prepare a release',
    lead: 'Drop a package to inspect it, pre-scan it against the marketplace rules and queue it for upload. Everything stays on this machine.',
    batch: 'Pre-scanning {n} files',
    waiting: 'Waiting',
    scanning: 'Identifying and pre-scanning',
    failed: 'Could not scan: {error}',
    cancelled: 'Cancelled.',
    open: 'Open',
    openName: 'Open {name}',
    file: 'File',
    state: 'Result',
    size: 'Size',
    profile: 'Profile',
    when: 'Scanned',
    bundleLead: '{n} of these files are container image tars: bundle them into one container package.',
    bundle: 'Bundle these images',
    recent: 'Recent scans',
    recentEmpty: 'No scan yet: drop a package above.',
    pass: 'PASS',
    fail: 'FAIL',
  },
  'zh-CN': {
    title: '准备发布',
    lead: '拖入软件包即可检查、按市场规则预扫描并加入上传队列。所有数据都保留在本机。',
    batch: '正在预扫描 {n} 个文件',
    waiting: '等待中',
    scanning: '正在识别并预扫描',
    failed: '无法扫描：{error}',
    cancelled: '已取消。',
    open: '打开',
    openName: '打开 {name}',
    file: '文件',
    state: '结果',
    size: '大小',
    profile: '配置',
    when: '扫描时间',
    bundleLead: '其中 {n} 个文件是容器镜像 tar：可将它们打包为一个容器软件包。',
    bundle: '打包这些镜像',
    recent: '最近扫描',
    recentEmpty: '还没有扫描：请在上方拖入软件包。',
    pass: '通过',
    fail: '未通过',
  },
})

interface BatchItem {
  path: string
  name: string
  taskId: string | null
  /** Why the scan could not start, as the service said it (both languages). */
  error?: Worded
}

interface ScannedReport {
  package: { name: string }
  verdict: 'pass' | 'fail'
  findings: Array<{ severity: string; waived?: boolean }>
  checks?: Record<string, { state: string }>
  facts: { containers?: { images?: Array<{ location: string }> } }
}

/** The files of the last multi-file drop; kept while the app runs, so leaving Home does not lose them. */
const useBatch = create<{ items: BatchItem[] }>(() => ({ items: [] }))

function finishedTask(taskId: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => useTasks.getState().tasks[taskId]?.status !== 'running'
    if (done()) return resolve()
    const stop = useTasks.subscribe(() => {
      if (done()) {
        stop()
        resolve()
      }
    })
  })
}

let batchRun = 0

/** Pre-scan every file in turn (one scan at a time: the machine's cores go to one package's read). */
async function scanEach(paths: string[]): Promise<void> {
  const run = ++batchRun
  useBatch.setState({ items: paths.map((path) => ({ path, name: path.split(/[\\/]/).pop() ?? path, taskId: null })) })
  for (const path of paths) {
    if (run !== batchRun) return // a newer drop replaced this list
    const set = (change: Partial<BatchItem>) =>
      useBatch.setState((s) => ({ items: s.items.map((it) => (it.path === path ? { ...it, ...change } : it)) }))
    try {
      const taskId = await startTask('scan.start', { path })
      set({ taskId })
      await finishedTask(taskId)
    } catch (err) {
      set({ error: err as Worded })
    }
  }
}

/** A report of a file that is itself a container image tar (not a package holding some). */
function isImageTar(r: ScannedReport): boolean {
  return (r.facts.containers?.images ?? []).some((i) => i.location === r.package.name)
}

function BatchRow({ item, t }: { item: BatchItem; t: ReturnType<typeof useT<keyof (typeof messages)['en']>> }) {
  const lang = useLang((s) => s.lang)
  const text = useText()
  const go = useNav((s) => s.go)
  const task = useTask(item.taskId)
  const report = task?.status === 'done' ? (task.result as ScannedReport) : null
  return (
    <tr data-testid="batch-row">
      <td className="mono">{item.name}</td>
      <td data-testid="batch-state">
        {item.error ? (
          <span className="error">{t('failed', { error: text(item.error) })}</span>
        ) : !task ? (
          <span className="muted">{t('waiting')}</span>
        ) : task.status === 'running' ? (
          <ProgressBar label={t('scanning')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />
        ) : task.status === 'failed' ? (
          <span className="error">{t('failed', { error: text(task.error) })}</span>
        ) : task.status === 'cancelled' ? (
          <span className="muted">{t('cancelled')}</span>
        ) : (
          <span className={report!.verdict === 'pass' ? 'sev-pass' : 'sev-blocker'}>{verdictLine(report!, lang)}</span>
        )}
      </td>
      <td>
        {report && hasScreen('package') && (
          <button
            type="button"
            className="btn btn-secondary"
            aria-label={t('openName', { name: item.name })}
            onClick={() => go('package', { path: item.path })}
          >
            {t('open')}
          </button>
        )}
      </td>
    </tr>
  )
}

function Batch({ t }: { t: ReturnType<typeof useT<keyof (typeof messages)['en']>> }) {
  const items = useBatch((s) => s.items)
  const go = useNav((s) => s.go)
  const tasks = useTasks((s) => s.tasks)
  const imageTars = items.filter((it) => {
    const task = it.taskId ? tasks[it.taskId] : undefined
    return task?.status === 'done' && isImageTar(task.result as ScannedReport)
  })
  if (items.length === 0) return null
  return (
    <section className="card stack" aria-labelledby="batch-title" data-testid="batch">
      <h2 id="batch-title">{t('batch', { n: items.length })}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('file')}</th>
            <th scope="col">{t('state')}</th>
            <th scope="col">
              <span className="sr-only">{t('open')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((it) => (
            <BatchRow key={it.path} item={it} t={t} />
          ))}
        </tbody>
      </table>
      {imageTars.length >= 2 && hasScreen('containers') && (
        <div className="actions">
          <span>{t('bundleLead', { n: imageTars.length })}</span>
          <button
            type="button"
            className="btn"
            data-testid="bundle-images"
            onClick={() => go('containers', { paths: imageTars.map((it) => it.path) })}
          >
            {t('bundle')}
          </button>
        </div>
      )}
    </section>
  )
}

function RecentScans({ t }: { t: ReturnType<typeof useT<keyof (typeof messages)['en']>> }) {
  const fmt = useFormat()
  const go = useNav((s) => s.go)
  const text = useText()
  const [scans, setScans] = useState<RecentScanDto[] | null>(null)
  const [error, setError] = useState<Worded | null>(null)
  // a scan finishing while Home is shown (a multi-file drop) joins the list
  const finished = useTasks((s) => Object.values(s.tasks).filter((x) => x.status === 'done').length)
  useEffect(() => {
    api.invoke('recent.list', {}).then(
      (r) => setScans(r.scans),
      (err) => setError(err as Worded),
    )
  }, [finished])
  return (
    <section className="stack" aria-labelledby="recent-title" data-testid="recent-scans">
      <h2 id="recent-title">{t('recent')}</h2>
      {error && (
        <div className="error" role="alert">
          {text(error)}
        </div>
      )}
      {scans && scans.length === 0 && <p className="empty">{t('recentEmpty')}</p>}
      {scans && scans.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('file')}</th>
              <th scope="col">{t('profile')}</th>
              <th scope="col">{t('state')}</th>
              <th scope="col">{t('size')}</th>
              <th scope="col">{t('when')}</th>
              <th scope="col">
                <span className="sr-only">{t('open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {scans.map((s) => (
              <tr key={`${s.path}\n${s.profile}`} data-testid="recent-row">
                <td className="mono" title={s.path}>
                  {s.name}
                </td>
                <td>
                  <code>{s.profile}</code>
                </td>
                <td className={s.verdict === 'pass' ? 'sev-pass' : 'sev-blocker'}>{t(s.verdict)}</td>
                <td>{fmt.bytes(s.size)}</td>
                <td>{fmt.date(s.scannedAt)}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-secondary"
                    data-testid="recent-open"
                    aria-label={t('openName', { name: s.name })}
                    onClick={() => go('package', { path: s.path, profile: s.profile })}
                  >
                    {t('open')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

export function Home() {
  const t = useT(messages)
  const go = useNav((s) => s.go)

  useEffect(() => {
    document.title = 'Preflight'
  }, [])

  function accept(paths: string[]) {
    if (paths.length === 1) {
      batchRun++ // a list still being scanned stops at its current file
      useBatch.setState({ items: [] })
      go('package', { path: paths[0] })
    } else if (paths.length > 1) void scanEach(paths)
  }

  return (
    <section className="screen" aria-labelledby="home-title">
      <h1 id="home-title">{t('title')}</h1>
      <p className="muted">{t('lead')}</p>
      <DropZone onFiles={accept} multiple />
      <Batch t={t} />
      <RecentScans t={t} />
    </section>
  )
}
