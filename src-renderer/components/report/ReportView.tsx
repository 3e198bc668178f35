// The report's working view: charts of findings by severity and by rule, filters (severity, rule, path), findings with waive /
// unwaive (a waiver needs a reason; waivers persist per package sha256 in settings) and export in every
// format the CLI writes. The report itself is never rescanned: waivers are applied by the main process.
// "Waive…" opens its dialog under its own finding: focus moves into it, Escape closes it, and focus goes back to
// the finding's button (Unwaive, once saved).
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import type { FindingDto } from '../../../src-preload/contract'
import { api } from '../../api'
import { download } from '../../download'
import { defineMessages, useFormat, useLang, useT } from '../../i18n'
import { BarChart } from '../Chart'
import { FindingList, type FixHandlers } from './FindingList'
import { InlineDialog } from '../Dialog'

const messages = defineMessages({
  en: {
    chart: 'Findings by severity',
    filters: 'Filter findings',
    severity: 'Severity',
    rule: 'Rule',
    path: 'Path contains',
    allRules: 'All rules',
    blocker: 'blocker',
    warning: 'warning',
    info: 'info',
    waive: 'Waive…',
    unwaive: 'Unwaive',
    reason: 'Reason (false-positive explanation)',
    save: 'Save waiver',
    cancel: 'Cancel',
    export: 'Export report',
    shown: '{n} of {total} shown',
    needReason: 'A waiver needs a reason.',
    waiveTitle: 'Waive {rule} at {location}',
    waiveHint: 'The finding stays in the report, marked waived. Escape closes without saving.',
    ruleChart: 'Findings by rule',
    otherRules: '{n} other rule(s)',
  },
  'zh-CN': {
    chart: '按严重性统计',
    filters: '筛选检查结果',
    severity: '严重性',
    rule: '规则',
    path: '路径包含',
    allRules: '全部规则',
    blocker: '阻断',
    warning: '警告',
    info: '信息',
    waive: '豁免…',
    unwaive: '取消豁免',
    reason: '理由（误报说明）',
    save: '保存豁免',
    cancel: '取消',
    export: '导出报告',
    shown: '显示 {n} / {total}',
    needReason: '豁免需要填写理由。',
    waiveTitle: '豁免 {location} 处的 {rule}',
    waiveHint: '检查结果仍保留在报告中，并标记为已豁免。按 Esc 关闭且不保存。',
    ruleChart: '按规则统计',
    otherRules: '其他 {n} 条规则',
  },
})

export interface ReportLike {
  schema: 'preflight.report/1'
  package: { name: string; sha256: string; path?: string }
  verdict: 'pass' | 'fail'
  findings: FindingDto[]
  [k: string]: unknown
}

export interface WaiverDto {
  rule: string
  location?: string
  reason: string
}

const FORMATS = ['html', 'xlsx', 'sarif', 'csv', 'json', 'cyclonedx'] as const

export function SeverityChart({ findings, label }: { findings: FindingDto[]; label: string }) {
  const t = useT(messages)
  const num = useFormat()
  const bars = (['blocker', 'warning', 'info'] as const).map((s) => ({
    label: t(s),
    value: findings.filter((f) => f.severity === s && !f.waived).length,
    tone: `bar-${s}`,
  }))
  return <BarChart title={label} bars={bars} format={num.number} testId="severity-chart" />
}

/** The rules with the most (unwaived) findings, each bar in its worst severity's colour; the rest as one bar. */
export function RuleChart({ findings, label, top = 8 }: { findings: FindingDto[]; label: string; top?: number }) {
  const t = useT(messages)
  const num = useFormat()
  const rank = { blocker: 0, warning: 1, info: 2 }
  const byRule = new Map<string, { n: number; worst: FindingDto['severity'] }>()
  for (const f of findings) {
    if (f.waived) continue
    const cur = byRule.get(f.rule) ?? { n: 0, worst: f.severity }
    byRule.set(f.rule, { n: cur.n + 1, worst: rank[f.severity] < rank[cur.worst] ? f.severity : cur.worst })
  }
  const sorted = [...byRule].sort(
    (a, b) => b[1].n - a[1].n || rank[a[1].worst] - rank[b[1].worst] || a[0].localeCompare(b[0]),
  )
  if (!sorted.length) return null
  const bars = sorted.slice(0, top).map(([rule, v]) => ({ label: rule, value: v.n, tone: `bar-${v.worst}` }))
  const rest = sorted.slice(top)
  if (rest.length)
    bars.push({
      label: t('otherRules', { n: rest.length }),
      value: rest.reduce((n, [, v]) => n + v.n, 0),
      tone: 'bar-muted',
    })
  return <BarChart title={label} bars={bars} format={num.number} testId="rule-chart" width={560} />
}

export function ReportView({
  report: original,
  onReport,
  fixes,
}: {
  report: ReportLike
  onReport?: (r: ReportLike) => void
  /** The package view's own fix controls (rename a copy, pick the profile), handed to the finding list. */
  fixes?: FixHandlers
}) {
  const t = useT(messages)
  const lang = useLang((s) => s.lang)
  const [waivers, setWaivers] = useState<WaiverDto[]>([])
  const [report, setReport] = useState(original)
  const [sev, setSev] = useState<Record<string, boolean>>({ blocker: true, warning: true, info: true })
  const [rule, setRule] = useState('')
  const [path, setPath] = useState('')
  const [editing, setEditing] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  // each finding's Waive…/Unwaive button, by finding: where focus goes back when its dialog closes
  const buttons = useRef(new Map<string, HTMLButtonElement>())
  // the finding whose button takes focus back, once it shows the expected state (Unwaive after a save)
  const returnFocus = useRef<{ key: string; waived: boolean } | null>(null)
  const key = `waivers:${original.package.sha256}`

  useEffect(() => {
    void api
      .invoke('settings.get', { key })
      .then((r) => setWaivers(Array.isArray(r.value) ? (r.value as WaiverDto[]) : []))
  }, [key])
  useEffect(() => {
    void api.invoke('report.waive', { report: original, waivers }).then(
      (r) => {
        setReport(r.report as ReportLike)
        onReport?.(r.report as ReportLike)
      },
      (err) => setError((err as Error).message),
    )
  }, [original, waivers])

  async function saveWaivers(next: WaiverDto[]) {
    setWaivers(next)
    await api.invoke('settings.set', { key, value: next })
  }

  useEffect(() => {
    const target = returnFocus.current
    if (editing !== null || target === null) return
    const button = buttons.current.get(target.key)
    if (!button || button.dataset.waived !== String(target.waived)) return
    button.focus()
    returnFocus.current = null
  })
  function closeDialog() {
    returnFocus.current = editing === null ? null : { key: editing, waived: false }
    setEditing(null)
    setError(null)
  }
  const buttonRef = (f: FindingDto) => (el: HTMLButtonElement | null) => {
    if (el) buttons.current.set(findingKey(f), el)
    else buttons.current.delete(findingKey(f))
  }

  const rules = useMemo(() => [...new Set(report.findings.map((f) => f.rule))].sort(), [report])
  const shown = report.findings.filter(
    (f) =>
      sev[f.severity] && (!rule || f.rule === rule) && (!path || f.location.toLowerCase().includes(path.toLowerCase())),
  )

  return (
    <div className="stack" data-testid="report-view">
      <div className="charts">
        <SeverityChart findings={report.findings} label={t('chart')} />
        <RuleChart findings={report.findings} label={t('ruleChart')} />
      </div>
      <fieldset className="filters">
        <legend>{t('filters')}</legend>
        {(['blocker', 'warning', 'info'] as const).map((s) => (
          <label key={s}>
            <input type="checkbox" checked={sev[s]} onChange={(e) => setSev({ ...sev, [s]: e.target.checked })} />{' '}
            {t(s)}
          </label>
        ))}
        <label>
          {t('rule')}{' '}
          <select value={rule} onChange={(e) => setRule(e.target.value)} data-testid="filter-rule">
            <option value="">{t('allRules')}</option>
            {rules.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('path')} <input value={path} onChange={(e) => setPath(e.target.value)} data-testid="filter-path" />
        </label>
        <span className="muted">{t('shown', { n: shown.length, total: report.findings.length })}</span>
      </fieldset>
      <FindingList
        findings={shown}
        packagePath={report.package.path}
        fixes={fixes}
        actions={(f) =>
          f.waived ? (
            <button
              type="button"
              className="btn btn-secondary"
              ref={buttonRef(f)}
              data-waived="true"
              data-testid={`unwaive-${f.rule}`}
              onClick={() => {
                returnFocus.current = { key: findingKey(f), waived: false } // to the finding's Waive… button again
                void saveWaivers(waivers.filter((w) => !(w.rule === f.rule && w.location === f.location)))
              }}
            >
              {t('unwaive')}
            </button>
          ) : f.severity !== 'info' ? (
            <>
              <button
                type="button"
                className="btn btn-secondary"
                ref={buttonRef(f)}
                data-waived="false"
                data-testid={`waive-${f.rule}`}
                aria-haspopup="dialog"
                aria-expanded={editing === findingKey(f)}
                onClick={() => {
                  setError(null)
                  setEditing(editing === findingKey(f) ? null : findingKey(f))
                }}
              >
                {t('waive')}
              </button>
              {editing === findingKey(f) && (
                <WaiveDialog
                  finding={f}
                  t={t}
                  error={error}
                  onClose={closeDialog}
                  onSave={async (reason) => {
                    if (!reason.trim()) return setError(t('needReason'))
                    setError(null)
                    returnFocus.current = { key: findingKey(f), waived: true }
                    await saveWaivers([...waivers, { rule: f.rule, location: f.location, reason: reason.trim() }])
                    setEditing(null)
                  }}
                />
              )}
            </>
          ) : null
        }
      />
      <div className="actions" role="group" aria-label={t('export')}>
        <span className="muted">{t('export')}:</span>
        {FORMATS.map((fmt) => (
          <button
            key={fmt}
            type="button"
            className="btn btn-secondary"
            data-testid={`export-${fmt}`}
            onClick={async () => {
              const r = await api.invoke('report.render', { report: original, format: fmt, lang, waivers })
              const body =
                r.encoding === 'base64'
                  ? new Blob([Uint8Array.from(atob(r.content), (c) => c.charCodeAt(0))], { type: r.mime })
                  : r.content
              download(`${original.package.name}.preflight.${r.extension}`, body, r.mime)
            }}
          >
            {fmt.toUpperCase()}
          </button>
        ))}
      </div>
    </div>
  )
}

/** Which finding a waiver dialog or button belongs to (findings are rebuilt when waivers change). */
function findingKey(f: FindingDto): string {
  return `${f.rule}\n${f.location}\n${f.message}`
}

type T = (key: keyof (typeof messages)['en'], vars?: Record<string, string | number>) => string

/** The waiver form, shown under its finding; focus starts in the reason, Escape closes. */
function WaiveDialog({
  finding,
  t,
  error,
  onClose,
  onSave,
}: {
  finding: FindingDto
  t: T
  error: string | null
  onClose: () => void
  onSave: (reason: string) => Promise<void> | void
}) {
  const id = useId()
  const [reason, setReason] = useState('')
  const area = useRef<HTMLTextAreaElement>(null)
  useEffect(() => {
    area.current?.focus()
  }, [])
  return (
    <InlineDialog id={id} testId="waive-dialog" onClose={onClose}>
      <h4 id={`${id}-title`} className="waive-title">
        {t('waiveTitle', { rule: finding.rule, location: finding.location })}
      </h4>
      <p id={`${id}-hint`} className="muted">
        {t('waiveHint')}
      </p>
      <label className="field">
        {t('reason')}
        <textarea ref={area} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="waive-reason" />
      </label>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <div className="actions">
        <button type="button" className="btn" data-testid="waive-save" onClick={() => void onSave(reason)}>
          {t('save')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('cancel')}
        </button>
      </div>
    </InlineDialog>
  )
}
