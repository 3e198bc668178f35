// The report's working view: charts of findings by severity and by rule, filters (severity, rule, path), findings with waive /
// unwaive (a waiver needs a reason; waivers persist per package sha256 in settings) and export in every
// format the CLI writes. The report itself is never rescanned: waivers are applied by the main process.
import { useEffect, useMemo, useState } from 'react'
import type { FindingDto } from '../../../src-preload/contract'
import { api } from '../../api'
import { download } from '../../download'
import { defineMessages, useLang, useT } from '../../i18n'
import { BarChart, useNumbers } from '../Chart'
import { FindingList } from './FindingList'

const messages = defineMessages({
  en: {
    chart: 'Findings by severity', filters: 'Filter findings', severity: 'Severity', rule: 'Rule', path: 'Path contains', allRules: 'All rules',
    blocker: 'blocker', warning: 'warning', info: 'info', waive: 'Waive…', unwaive: 'Unwaive', reason: 'Reason (false-positive explanation)', save: 'Save waiver',
    cancel: 'Cancel', export: 'Export report', shown: '{n} of {total} shown', needReason: 'A waiver needs a reason.',
    ruleChart: 'Findings by rule', otherRules: '{n} other rule(s)',
  },
  'zh-CN': {
    chart: '按严重性统计', filters: '筛选检查结果', severity: '严重性', rule: '规则', path: '路径包含', allRules: '全部规则',
    blocker: '阻断', warning: '警告', info: '信息', waive: '豁免…', unwaive: '取消豁免', reason: '理由（误报说明）', save: '保存豁免',
    cancel: '取消', export: '导出报告', shown: '显示 {n} / {total}', needReason: '豁免需要填写理由。',
    ruleChart: '按规则统计', otherRules: '其他 {n} 条规则',
  },
})

export interface ReportLike {
  schema: 'preflight.report/1'
  package: { name: string; sha256: string }
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
  const num = useNumbers()
  const bars = (['blocker', 'warning', 'info'] as const).map((s) => ({ label: t(s), value: findings.filter((f) => f.severity === s && !f.waived).length, tone: `bar-${s}` }))
  return <BarChart title={label} bars={bars} format={num.number} testId="severity-chart" />
}

/** The rules with the most (unwaived) findings, each bar in its worst severity's colour; the rest as one bar. */
export function RuleChart({ findings, label, top = 8 }: { findings: FindingDto[]; label: string; top?: number }) {
  const t = useT(messages)
  const num = useNumbers()
  const rank = { blocker: 0, warning: 1, info: 2 }
  const byRule = new Map<string, { n: number; worst: FindingDto['severity'] }>()
  for (const f of findings) {
    if (f.waived) continue
    const cur = byRule.get(f.rule) ?? { n: 0, worst: f.severity }
    byRule.set(f.rule, { n: cur.n + 1, worst: rank[f.severity] < rank[cur.worst] ? f.severity : cur.worst })
  }
  const sorted = [...byRule].sort((a, b) => b[1].n - a[1].n || rank[a[1].worst] - rank[b[1].worst] || a[0].localeCompare(b[0]))
  if (!sorted.length) return null
  const bars = sorted.slice(0, top).map(([rule, v]) => ({ label: rule, value: v.n, tone: `bar-${v.worst}` }))
  const rest = sorted.slice(top)
  if (rest.length) bars.push({ label: t('otherRules', { n: rest.length }), value: rest.reduce((n, [, v]) => n + v.n, 0), tone: 'bar-muted' })
  return <BarChart title={label} bars={bars} format={num.number} testId="rule-chart" width={560} />
}

export function ReportView({ report: original, onReport }: { report: ReportLike; onReport?: (r: ReportLike) => void }) {
  const t = useT(messages)
  const lang = useLang((s) => s.lang)
  const [waivers, setWaivers] = useState<WaiverDto[]>([])
  const [report, setReport] = useState(original)
  const [sev, setSev] = useState<Record<string, boolean>>({ blocker: true, warning: true, info: true })
  const [rule, setRule] = useState('')
  const [path, setPath] = useState('')
  const [editing, setEditing] = useState<FindingDto | null>(null)
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string | null>(null)
  const key = `waivers:${original.package.sha256}`

  useEffect(() => {
    void api.invoke('settings.get', { key }).then((r) => setWaivers(Array.isArray(r.value) ? (r.value as WaiverDto[]) : []))
  }, [key])
  useEffect(() => {
    void api.invoke('report.waive', { report: original, waivers }).then((r) => {
      setReport(r.report as ReportLike)
      onReport?.(r.report as ReportLike)
    }, (err) => setError((err as Error).message))
  }, [original, waivers])

  async function saveWaivers(next: WaiverDto[]) {
    setWaivers(next)
    await api.invoke('settings.set', { key, value: next })
  }

  const rules = useMemo(() => [...new Set(report.findings.map((f) => f.rule))].sort(), [report])
  const shown = report.findings.filter((f) => sev[f.severity] && (!rule || f.rule === rule) && (!path || f.location.toLowerCase().includes(path.toLowerCase())))

  return (
    <div className="stack" data-testid="report-view">
      <div className="charts">
        <SeverityChart findings={report.findings} label={t('chart')} />
        <RuleChart findings={report.findings} label={t('ruleChart')} />
      </div>
      <fieldset className="filters">
        <legend>{t('filters')}</legend>
        {(['blocker', 'warning', 'info'] as const).map((s) => (
          <label key={s}><input type="checkbox" checked={sev[s]} onChange={(e) => setSev({ ...sev, [s]: e.target.checked })} /> {t(s)}</label>
        ))}
        <label>{t('rule')} <select value={rule} onChange={(e) => setRule(e.target.value)} data-testid="filter-rule"><option value="">{t('allRules')}</option>{rules.map((r) => <option key={r} value={r}>{r}</option>)}</select></label>
        <label>{t('path')} <input value={path} onChange={(e) => setPath(e.target.value)} data-testid="filter-path" /></label>
        <span className="muted">{t('shown', { n: shown.length, total: report.findings.length })}</span>
      </fieldset>
      <FindingList
        findings={shown}
        actions={(f) =>
          f.waived ? (
            <button type="button" className="btn btn-secondary" onClick={() => void saveWaivers(waivers.filter((w) => !(w.rule === f.rule && w.location === f.location)))}>{t('unwaive')}</button>
          ) : f.severity !== 'info' ? (
            <button type="button" className="btn btn-secondary" data-testid={`waive-${f.rule}`} onClick={() => { setEditing(f); setReason('') }}>{t('waive')}</button>
          ) : null
        }
      />
      {editing && (
        <div className="card" role="dialog" aria-label={t('waive')}>
          <div><code>{editing.rule}</code> <span className="mono">{editing.location}</span></div>
          <label className="field">{t('reason')}<textarea value={reason} onChange={(e) => setReason(e.target.value)} data-testid="waive-reason" /></label>
          {error && <div className="error" role="alert">{error}</div>}
          <div className="actions">
            <button type="button" className="btn" data-testid="waive-save" onClick={async () => {
              if (!reason.trim()) return setError(t('needReason'))
              setError(null)
              await saveWaivers([...waivers, { rule: editing.rule, location: editing.location, reason: reason.trim() }])
              setEditing(null)
            }}>{t('save')}</button>
            <button type="button" className="btn btn-secondary" onClick={() => setEditing(null)}>{t('cancel')}</button>
          </div>
        </div>
      )}
      <div className="actions" role="group" aria-label={t('export')}>
        <span className="muted">{t('export')}:</span>
        {FORMATS.map((fmt) => (
          <button key={fmt} type="button" className="btn btn-secondary" data-testid={`export-${fmt}`} onClick={async () => {
            const r = await api.invoke('report.render', { report: original, format: fmt, lang, waivers })
            const body = r.encoding === 'base64' ? new Blob([Uint8Array.from(atob(r.content), (c) => c.charCodeAt(0))], { type: r.mime }) : r.content
            download(`${original.package.name}.preflight.${r.extension}`, body, r.mime)
          }}>{fmt.toUpperCase()}</button>
        ))}
      </div>
    </div>
  )
}
