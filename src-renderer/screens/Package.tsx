// The package view: shows the stored report of a file scanned before while the file is unchanged (Recent
// scans; "Check the file again" also compares its SHA-256), else pre-scans it at once — identify and scan in one
// task (progress, ETA, Cancel) — then shows the verdict, the package summary, the findings with their fixes,
// the package's entry tree, and its work history and the marketplace's report set against Preflight's
// (components/history/PackageWork). Fixes the app does itself: "Rename a copy…" (components/report/RenameCopy: the
// copy is then opened here and scanned, and in browser mode saved from here) and the profile picker (the profiles
// that fit the content; choosing one scans the package again under it, and Recent scans keeps that scan).
import { useEffect, useMemo, useRef, useState } from 'react'
import type { FindingDto, RecentScanDto, RenameCopyDto } from '../../src-preload/contract'
import { api } from '../api'
import { ProgressBar } from '../components/ProgressBar'
import { ComponentsTable, type ComponentDto } from '../components/report/ComponentsTable'
import { LayerCharts, type LayerImage } from '../components/report/ImageCharts'
import { ReportView } from '../components/report/ReportView'
import { RenameCopy } from '../components/report/RenameCopy'
import { ImportMarketReport, PackageWork } from '../components/history/PackageWork'
import { checkLine, verdictLine } from '../../src-preload/verdict'
import type { Worded } from '../../src-preload/text'
import { defineMessages, useFormat, useLang, useT, useText } from '../i18n'
import { useNav } from '../stores/nav'
import { cancelTask, startTask, useTask, useTasks } from '../stores/tasks'
import { hasScreen } from './registry'
import { PROFILES } from './wizard/spec'

const messages = defineMessages({
  en: {
    title: 'Package pre-scan',
    scanning: 'Identifying and pre-scanning',
    pass: 'PASS — no blocker: the marketplace scan should accept this package.',
    fail: 'FAIL — {n} blocker(s) to fix before upload.',
    kind: 'Kind',
    size: 'Size',
    sha256: 'SHA-256',
    profile: 'Profile',
    entries: 'Entries',
    auto: '(picked from the content)',
    findings: 'Findings',
    tree: 'Entries in the package',
    rescan: 'Scan again',
    exportJson: 'Export report (JSON)',
    cancelled: 'The scan was cancelled.',
    failed: 'The scan could not run',
    noPackage: 'Choose a package on the Home screen first.',
    checks: 'Checks',
    more: '… and {n} more',
    vm: 'Open VM image view',
    stored: 'Report of the scan on {when}: the file has not changed since (same size and modification time).',
    storedVerified:
      'Report of the scan on {when}: the file has not changed since (same size, modification time and SHA-256).',
    recheck: 'Check the file again',
    rechecking: 'Reading the file to compare its SHA-256…',
    changed: 'The file changed since the scan on {when} ({why}): scanning it again.',
    whySize: 'other size',
    whyMtime: 'modified',
    whySha256: 'other content',
    whyMissing: 'not found',
    storedUnusable: 'The stored report could not be used ({error}): scanning the file again.',
    fromBuild: 'This is the scan made when the bundle was built; “Scan again” runs a new one.',
    chooseProfile: 'Profile to scan under',
    copied:
      'A copy of {from} was written as {name} and verified (SHA-256); this is its scan. The original is unchanged.',
    saveCopy: 'Save the copy',
  },
  'zh-CN': {
    title: '软件包预扫描',
    scanning: '正在识别并预扫描',
    pass: '通过 — 没有阻断项：市场扫描应会接受此软件包。',
    fail: '未通过 — 上传前需修复 {n} 个阻断项。',
    kind: '类型',
    size: '大小',
    sha256: 'SHA-256',
    profile: '配置',
    entries: '条目',
    auto: '（根据内容选择）',
    findings: '检查结果',
    tree: '软件包中的条目',
    rescan: '重新扫描',
    exportJson: '导出报告（JSON）',
    cancelled: '扫描已取消。',
    failed: '扫描无法运行',
    noPackage: '请先在首页选择软件包。',
    checks: '检查项',
    more: '… 另有 {n} 项',
    vm: '打开虚拟机镜像视图',
    stored: '{when} 扫描的报告：此后文件未改变（大小和修改时间相同）。',
    storedVerified: '{when} 扫描的报告：此后文件未改变（大小、修改时间和 SHA-256 均相同）。',
    recheck: '重新检查文件',
    rechecking: '正在读取文件以比较 SHA-256…',
    changed: '自 {when} 扫描以来文件已改变（{why}）：正在重新扫描。',
    whySize: '大小不同',
    whyMtime: '已修改',
    whySha256: '内容不同',
    whyMissing: '找不到文件',
    storedUnusable: '无法使用已保存的报告（{error}）：正在重新扫描文件。',
    fromBuild: '这是生成包时所做的扫描；“重新扫描”会重新运行一次。',
    chooseProfile: '扫描所用的配置',
    copied: '已将 {from} 复制为 {name} 并完成校验（SHA-256）；以下是副本的扫描结果。原文件未改变。',
    saveCopy: '保存副本',
  },
})

const VM_KINDS = new Set(['qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'qed', 'raw', 'iso'])
type ProfileParam = 'koogallery-app' | 'koogallery-container' | 'koogallery-image' | 'scp-image' | 'swr-image'
const WHY = { size: 'whySize', mtime: 'whyMtime', sha256: 'whySha256', missing: 'whyMissing' } as const
/** path + profile → its scan task: coming back to a package whose scan still runs follows that scan. */
const scanTasks = new Map<string, string>()
/** path + profile chosen in the profile picker: opened with a new scan, not with a stored report. */
const freshScans = new Set<string>()

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
  const fmt = useFormat()
  const text = useText()
  const lang = useLang((s) => s.lang)
  const go = useNav((s) => s.go)
  const {
    path,
    profile,
    report: given,
    autoProfile,
    copiedFrom,
  } = useNav((s) => s.params) as {
    path?: string
    profile?: ProfileParam
    report?: ReportDto
    /** The profile the content picked when this one was chosen instead (marked in the picker). */
    autoProfile?: string
    /** This package is a renamed copy just written: its original's name, and in browser mode where to save it. */
    copiedFrom?: { name: string; download: string | null }
  }
  const [taskId, setTaskId] = useState<string | null>(null)
  // a service's refusal as it came (both languages), shown in the language chosen now
  const [error, setError] = useState<Worded | null>(null)
  const [stored, setStored] = useState<{ report: ReportDto; scan: RecentScanDto; verified: boolean } | null>(null)
  const [changed, setChanged] = useState<{ scan: RecentScanDto; why: keyof typeof WHY } | null>(null)
  const [rechecking, setRechecking] = useState(false)
  const [storedError, setStoredError] = useState<Worded | null>(null)
  const task = useTask(taskId)
  // a report handed over with the path (a bundle's scan, run when it was built) is shown until "Scan again"
  const handed = !taskId && given?.package?.path === path ? given : null
  const scanned =
    handed ?? (task?.status === 'done' ? (task.result as ReportDto) : taskId ? null : (stored?.report ?? null))
  const [waived, setWaived] = useState<ReportDto | null>(null)
  const report = scanned && waived && waived.package.sha256 === scanned.package.sha256 ? waived : scanned
  const [marketReport, setMarketReport] = useState<File | null>(null)
  const [renaming, setRenaming] = useState(false)
  const [browserMode, setBrowserMode] = useState(false)
  const [fitting, setFitting] = useState<{ path: string; profiles: string[] } | null>(null)
  const picker = useRef<HTMLSelectElement>(null)
  useEffect(() => {
    void api.invoke('app.info', {}).then((i) => setBrowserMode(i.mode === 'browser'))
  }, [])
  const reportPath = report?.package.path
  useEffect(() => {
    if (!reportPath) return
    let live = true
    api.invoke('package.profiles', { path: reportPath }).then(
      (r) => live && setFitting({ path: reportPath, profiles: r.profiles }),
      () => live && setFitting(null), // no picker: the profile is shown as text
    )
    return () => {
      live = false
    }
  }, [reportPath])

  async function run() {
    if (!path) return
    setError(null)
    setStored(null)
    setMarketReport(null) // a new scan: a report imported for the last one is not compared again
    try {
      const id = await startTask('scan.start', { path, profile })
      scanTasks.set(`${path}\n${profile ?? ''}`, id)
      setTaskId(id)
    } catch (err) {
      setError(err as Worded)
    }
  }
  /** The stored report while the file is unchanged (verify: its SHA-256 too), else a new scan. */
  async function reopen(verify: boolean) {
    if (!path) return
    setError(null)
    setStoredError(null)
    setRechecking(verify)
    try {
      const r = await api.invoke('recent.open', { path, profile, verify })
      if (r.status === 'unchanged') {
        setTaskId(null)
        setChanged(null)
        setStored({ report: r.report as ReportDto, scan: r.scan, verified: r.verified })
        return
      }
      setChanged(r.status === 'changed' ? { scan: r.scan, why: r.why } : null)
    } catch (err) {
      // the stored report cannot be used: say why, and scan the file
      setChanged(null)
      setStoredError(err as Worded)
    } finally {
      setRechecking(false)
    }
    await run()
  }
  useEffect(() => {
    setRenaming(false)
    const running = path ? scanTasks.get(`${path}\n${profile ?? ''}`) : undefined
    if (running && useTasks.getState().tasks[running]?.status === 'running') setTaskId(running)
    else if (given?.package?.path === path) setTaskId(null)
    else if (freshScans.delete(`${path}\n${profile ?? ''}`)) void run()
    else void reopen(false)
    // once per chosen package
  }, [path, profile, given])

  /** The profile picker: scan the package again under the chosen profile (a new view, so Back shows the last one). */
  function chooseProfile(next: string) {
    if (!path || !report || next === report.profile) return
    freshScans.add(`${path}\n${next}`)
    const auto = report.profileAutoPicked ? report.profile : autoProfile
    // a renamed copy keeps its notice and its Save button
    go('package', {
      path,
      profile: next,
      ...(auto ? { autoProfile: auto } : {}),
      ...(copiedFrom ? { copiedFrom } : {}),
    })
  }
  /** A renamed copy was written: open it here and scan it (under the profile the original was scanned with). */
  function openCopy(copy: RenameCopyDto) {
    setRenaming(false)
    const chosen = report && !report.profileAutoPicked ? report.profile : undefined
    go('package', {
      path: copy.path,
      ...(chosen ? { profile: chosen } : {}),
      copiedFrom: { name: report?.package.name ?? '', download: copy.download },
    })
  }
  const autoPicked = report?.profileAutoPicked ? report.profile : autoProfile
  const profileOptions = report
    ? [...new Set([...(fitting?.path === report.package.path ? fitting.profiles : []), report.profile])]
    : []
  /** The picker is shown for a package the view scans (not a report handed over from a build) once its profiles are known. */
  const pickable = !!report && !handed && fitting?.path === report.package.path
  const profileTitle = (id: string) => PROFILES.find((p) => p.id === id)?.title[lang] ?? id

  if (!path)
    return (
      <section className="screen">
        <h1>{t('title')}</h1>
        <p className="empty">{t('noPackage')}</p>
      </section>
    )
  return (
    <section className="screen" aria-labelledby="package-title">
      <h1 id="package-title">{t('title')}</h1>
      {changed && (
        <p role="status" data-testid="package-changed">
          {t('changed', { when: fmt.date(changed.scan.scannedAt), why: t(WHY[changed.why]) })}
        </p>
      )}
      {storedError && (
        <p role="status" className="muted" data-testid="stored-unusable">
          {t('storedUnusable', { error: text(storedError) })}
        </p>
      )}
      {task?.status === 'running' && (
        <ProgressBar label={t('scanning')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />
      )}
      {stored && !taskId && (
        <div className="card row" data-testid="stored-report">
          <span role="status">
            {rechecking
              ? t('rechecking')
              : t(stored.verified ? 'storedVerified' : 'stored', { when: fmt.date(stored.scan.scannedAt) })}
          </span>
          <button
            type="button"
            className="btn btn-secondary"
            disabled={rechecking}
            onClick={() => void reopen(true)}
            data-testid="recheck"
          >
            {t('recheck')}
          </button>
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {t('failed')}: {text(error)}
        </div>
      )}
      {task?.status === 'failed' && (
        <div className="error" role="alert">
          {t('failed')}: {text(task.error)}
        </div>
      )}
      {task?.status === 'cancelled' && <p role="status">{t('cancelled')}</p>}
      {report && (
        <>
          {copiedFrom && report.package.path === path && (
            <p role="status" className="card row" data-testid="renamed-copy">
              <span>{t('copied', { from: copiedFrom.name, name: report.package.name })}</span>
              {copiedFrom.download && (
                <a
                  className="btn btn-secondary"
                  href={copiedFrom.download}
                  download={report.package.name}
                  data-testid="save-copy"
                >
                  {t('saveCopy')}
                </a>
              )}
            </p>
          )}
          <div className={`verdict ${report.verdict}`} data-testid="verdict" role="status">
            {verdictLine(report, lang)}
          </div>
          {handed && (
            <p className="muted" data-testid="report-from-build">
              {t('fromBuild')}
            </p>
          )}
          <div className="card">
            <dl className="facts" data-testid="summary">
              <dt>{t('kind')}</dt>
              <dd>
                {report.package.name} · {report.package.kind}
              </dd>
              <dt>{t('size')}</dt>
              <dd>{fmt.bytes(report.package.size)}</dd>
              <dt>{t('sha256')}</dt>
              <dd className="mono" data-testid="report-sha256">
                {report.package.sha256}
              </dd>
              <dt>{t('profile')}</dt>
              <dd>
                {pickable ? (
                  <select
                    ref={picker}
                    value={report.profile}
                    aria-label={t('chooseProfile')}
                    disabled={task?.status === 'running'}
                    onChange={(e) => chooseProfile(e.target.value)}
                    data-testid="profile-picker"
                  >
                    {profileOptions.map((p) => (
                      <option key={p} value={p}>
                        {profileTitle(p)} ({p}){p === autoPicked ? ` ${t('auto')}` : ''}
                      </option>
                    ))}
                  </select>
                ) : (
                  <>
                    <code>{report.profile}</code> {report.profileAutoPicked ? t('auto') : ''}
                  </>
                )}
              </dd>
              <dt>{t('entries')}</dt>
              <dd>{fmt.number(report.stats.entries)}</dd>
              <dt>{t('checks')}</dt>
              <dd>
                {Object.entries(report.checks)
                  .map(([k, v]) => checkLine(k, v.state, lang))
                  .join(' · ')}
              </dd>
            </dl>
            <div className="actions">
              <button type="button" className="btn btn-secondary" onClick={() => void run()} data-testid="rescan">
                {t('rescan')}
              </button>
              <ImportMarketReport onFile={setMarketReport} />
              {VM_KINDS.has(report.package.kind) && hasScreen('vm') && (
                <button
                  type="button"
                  className="btn"
                  data-testid="open-vm"
                  onClick={() => go('vm', { path: report.package.path })}
                >
                  {t('vm')}
                </button>
              )}
            </div>
          </div>
          <LayerCharts images={(report.facts.containers as { images?: LayerImage[] } | undefined)?.images} />
          <h2>{t('findings')}</h2>
          {renaming && (
            <RenameCopy report={report} browser={browserMode} onDone={openCopy} onClose={() => setRenaming(false)} />
          )}
          <ReportView
            report={scanned as never}
            onReport={(r) => setWaived(r as unknown as ReportDto)}
            fixes={{
              rename: () => setRenaming(true),
              ...(pickable ? { 'pick-profile': () => picker.current?.focus() } : {}),
            }}
          />
          <ComponentsTable
            components={(report as unknown as { components: ComponentDto[] }).components ?? []}
            findings={report.findings}
          />
          <details className="card">
            <summary>
              {t('tree')} ({report.facts.entries?.length ?? 0})
            </summary>
            <EntryTree entries={report.facts.entries ?? []} more={(n) => t('more', { n })} />
          </details>
          <PackageWork key={report.package.sha256} report={report} file={marketReport} />
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

function EntryTree({
  entries,
  more,
}: {
  entries: Array<{ path: string; type: string; size: number }>
  more: (n: number) => string
}) {
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
  const fmt = useFormat()
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
          <li key={k.name}>
            {k.name} <span className="muted">{k.type === 'file' ? fmt.bytes(k.size) : k.type}</span>
          </li>
        ),
      )}
      {kids.length > shown.length && <li className="muted">{more(kids.length - shown.length)}</li>}
    </ul>
  )
}
