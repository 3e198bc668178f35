// The package view: runs the pre-scan of the package chosen on Home (progress, ETA, Cancel), then shows the
// verdict, the package summary, the findings with their fixes, and the package's entry tree.
import { useEffect, useMemo, useState } from 'react'
import type { FindingDto } from '../../src-preload/contract'
import { formatBytes } from '../../src-preload/format'
import { ProgressBar } from '../components/ProgressBar'
import { ComponentsTable, type ComponentDto } from '../components/report/ComponentsTable'
import { LayerCharts, type LayerImage } from '../components/report/ImageCharts'
import { ReportView } from '../components/report/ReportView'
import { verdictLine } from '../../src-preload/verdict'
import { defineMessages, useLang, useT } from '../i18n'
import { useNav } from '../stores/nav'
import { cancelTask, startTask, useTask } from '../stores/tasks'

const messages = defineMessages({
  en: {
    title: 'Package pre-scan', scanning: 'Pre-scanning', pass: 'PASS — no blocker: the marketplace scan should accept this package.',
    fail: 'FAIL — {n} blocker(s) to fix before upload.', kind: 'Kind', size: 'Size', sha256: 'SHA-256', profile: 'Profile', entries: 'Entries',
    auto: '(picked from the content)', findings: 'Findings', tree: 'Entries in the package', rescan: 'Scan again', exportJson: 'Export report (JSON)',
    cancelled: 'The scan was cancelled.', failed: 'The scan could not run', noPackage: 'Choose a package on the Home screen first.', checks: 'Checks',
    more: '… and {n} more', fromBuild: 'This is the scan made when the bundle was built; “Scan again” runs a new one.',
  },
  'zh-CN': {
    title: '软件包预扫描', scanning: '正在预扫描', pass: '通过 — 没有阻断项：市场扫描应会接受此软件包。',
    fail: '未通过 — 上传前需修复 {n} 个阻断项。', kind: '类型', size: '大小', sha256: 'SHA-256', profile: '配置', entries: '条目',
    auto: '（根据内容选择）', findings: '检查结果', tree: '软件包中的条目', rescan: '重新扫描', exportJson: '导出报告（JSON）',
    cancelled: '扫描已取消。', failed: '扫描无法运行', noPackage: '请先在首页选择软件包。', checks: '检查项',
    more: '… 另有 {n} 项', fromBuild: '这是生成包时所做的扫描；“重新扫描”会重新运行一次。',
  },
})

export interface ReportDto {
  package: { path: string; name: string; size: number; sha256: string; kind: string }
  profile: string
  profileAutoPicked: boolean
  verdict: 'pass' | 'fail'
  findings: FindingDto[]
  checks: Record<string, { state: string; note?: string }>
  stats: { entries: number; bytesRead: number; durationMs: number }
  facts: { entries?: Array<{ path: string; type: string; size: number }>; [k: string]: unknown }
}

export function Package() {
  const t = useT(messages)
  const lang = useLang((s) => s.lang)
  const { path, report: given } = useNav((s) => s.params) as { path?: string; report?: ReportDto }
  const [taskId, setTaskId] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const task = useTask(taskId)
  // a report handed over with the path (a bundle's scan, run when it was built) is shown until "Scan again"
  const handed = !taskId && given?.package?.path === path ? given : null
  const scanned = handed ?? (task?.status === 'done' ? (task.result as ReportDto) : null)
  const [waived, setWaived] = useState<ReportDto | null>(null)
  const report = scanned && waived && waived.package.sha256 === scanned.package.sha256 ? waived : scanned

  async function run() {
    if (!path) return
    setError(null)
    try {
      setTaskId(await startTask('scan.start', { path }))
    } catch (err) {
      setError((err as Error).message)
    }
  }
  useEffect(() => {
    setTaskId(null)
    if (given?.package?.path !== path) void run()
    // run once per chosen package
  }, [path, given])

  if (!path) return <section className="screen"><h1>{t('title')}</h1><p className="empty">{t('noPackage')}</p></section>
  return (
    <section className="screen" aria-labelledby="package-title">
      <h1 id="package-title">{t('title')}</h1>
      {task?.status === 'running' && <ProgressBar label={t('scanning')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />}
      {error && <div className="error" role="alert">{t('failed')}: {error}</div>}
      {task?.status === 'failed' && <div className="error" role="alert">{t('failed')}: {task.error?.message}</div>}
      {task?.status === 'cancelled' && <p role="status">{t('cancelled')}</p>}
      {report && (
        <>
          <div className={`verdict ${report.verdict}`} data-testid="verdict" role="status">{verdictLine(report, lang)}</div>
          {handed && <p className="muted" data-testid="report-from-build">{t('fromBuild')}</p>}
          <div className="card">
            <dl className="facts" data-testid="summary">
              <dt>{t('kind')}</dt><dd>{report.package.name} · {report.package.kind}</dd>
              <dt>{t('size')}</dt><dd>{formatBytes(report.package.size)}</dd>
              <dt>{t('sha256')}</dt><dd className="mono" data-testid="report-sha256">{report.package.sha256}</dd>
              <dt>{t('profile')}</dt><dd><code>{report.profile}</code> {report.profileAutoPicked ? t('auto') : ''}</dd>
              <dt>{t('entries')}</dt><dd>{report.stats.entries.toLocaleString()}</dd>
              <dt>{t('checks')}</dt><dd>{Object.entries(report.checks).map(([k, v]) => `${k}: ${v.state}`).join(' · ')}</dd>
            </dl>
            <div className="actions">
              <button type="button" className="btn btn-secondary" onClick={() => void run()}>{t('rescan')}</button>
            </div>
          </div>
          <LayerCharts images={(report.facts.containers as { images?: LayerImage[] } | undefined)?.images} />
          <h2>{t('findings')}</h2>
          <ReportView report={scanned as never} onReport={(r) => setWaived(r as unknown as ReportDto)} />
          <ComponentsTable components={(report as unknown as { components: ComponentDto[] }).components ?? []} findings={report.findings} />
          <details className="card">
            <summary>{t('tree')} ({report.facts.entries?.length ?? 0})</summary>
            <EntryTree entries={report.facts.entries ?? []} more={(n) => t('more', { n })} />
          </details>
        </>
      )}
    </section>
  )
}

interface Node {
  name: string
  size: number
  type: string
  children: Map<string, Node>
}

function EntryTree({ entries, more }: { entries: Array<{ path: string; type: string; size: number }>; more: (n: number) => string }) {
  const root = useMemo(() => {
    const r: Node = { name: '', size: 0, type: 'directory', children: new Map() }
    for (const e of entries) {
      let cur = r
      const parts = e.path.split('/').filter(Boolean)
      parts.forEach((p, i) => {
        let next = cur.children.get(p)
        if (!next) {
          next = { name: p, size: 0, type: i === parts.length - 1 ? e.type : 'directory', children: new Map() }
          cur.children.set(p, next)
        }
        if (i === parts.length - 1) next.size = e.size
        cur = next
      })
    }
    return r
  }, [entries])
  return <TreeLevel node={root} more={more} />
}

function TreeLevel({ node, more }: { node: Node; more: (n: number) => string }) {
  const kids = [...node.children.values()]
  const shown = kids.slice(0, 500)
  return (
    <ul className="tree">
      {shown.map((k) =>
        k.children.size ? (
          <li key={k.name}>
            <details>
              <summary>{k.name}/</summary>
              <TreeLevel node={k} more={more} />
            </details>
          </li>
        ) : (
          <li key={k.name}>{k.name} <span className="muted">{k.type === 'file' ? formatBytes(k.size) : k.type}</span></li>
        ),
      )}
      {kids.length > shown.length && <li className="muted">{more(kids.length - shown.length)}</li>}
    </ul>
  )
}
