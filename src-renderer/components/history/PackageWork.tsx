// The package view's History and Marketplace report tabs: the work history of the package (by its sha256), and
// "Import the marketplace's report…", which reads the marketplace's own scan report of the package (XLSX, CSV,
// SARIF or Preflight JSON) and shows it side by side with Preflight's: found by both, only by the marketplace
// (with what to do), only by Preflight, and the agreement figure.
import { useEffect, useMemo, useRef, useState } from 'react'
import type { ComparisonDto, FindingDto } from '../../../src-preload/contract'
import { api } from '../../api'
import type { Worded } from '../../../src-preload/text'
import { defineMessages, useLang, useT, useText } from '../../i18n'
import { Tabs } from '../Tabs'
import { HistoryPanel } from './HistoryTable'

const messages = defineMessages({
  en: {
    label: 'Package history and the marketplace report',
    history: 'History',
    compare: 'Marketplace report',
    import: 'Import the marketplace’s report…',
    importLabel: 'The marketplace’s scan report (XLSX, CSV, SARIF or JSON)',
    lead: 'Import the scan report the marketplace gave for this package to see which findings both found, which only the marketplace found (and why Preflight missed them) and which only Preflight found.',
    reading: 'Reading the report…',
    failed: 'The report could not be compared',
    agreement: 'Agreement: {pct}% — {both} found by both, {market} only by the marketplace, {ours} only by Preflight',
    source: 'Marketplace report: {source} ({format})',
    both: 'Found by both ({n})',
    onlyMarket: 'Only in the marketplace report ({n})',
    onlyOurs: 'Only in Preflight’s report ({n})',
    location: 'Location',
    preflight: 'Preflight',
    marketplace: 'Marketplace',
    pairedBy: 'Paired by',
    severity: 'Severity',
    gap: 'Gap',
    todo: 'What to do',
    rule: 'Rule',
    message: 'Message',
    none: 'None.',
    'by.rule': 'same rule',
    'by.cve': 'same CVE',
    'by.kind': 'same kind of problem',
    'gap.rule': 'no rule',
    'gap.database': 'database',
    'gap.not-read': 'not read',
    'gap.waiver': 'waived',
    'sev.blocker': 'blocker',
    'sev.warning': 'warning',
    'sev.info': 'info',
  },
  'zh-CN': {
    label: '软件包操作记录与市场报告',
    history: '操作记录',
    compare: '市场报告',
    import: '导入市场的扫描报告…',
    importLabel: '市场的扫描报告（XLSX、CSV、SARIF 或 JSON）',
    lead: '导入市场为此软件包给出的扫描报告，查看双方都发现的问题、仅市场发现的问题（以及 Preflight 漏报的原因）和仅 Preflight 发现的问题。',
    reading: '正在读取报告…',
    failed: '无法对比该报告',
    agreement: '一致率：{pct}% — 双方都发现 {both} 项，仅市场发现 {market} 项，仅 Preflight 发现 {ours} 项',
    source: '市场报告：{source}（{format}）',
    both: '双方都发现（{n}）',
    onlyMarket: '仅市场报告中有（{n}）',
    onlyOurs: '仅 Preflight 报告中有（{n}）',
    location: '位置',
    preflight: 'Preflight',
    marketplace: '市场',
    pairedBy: '匹配依据',
    severity: '级别',
    gap: '差距',
    todo: '处理建议',
    rule: '规则',
    message: '说明',
    none: '无。',
    'by.rule': '相同规则',
    'by.cve': '相同 CVE',
    'by.kind': '同类问题',
    'gap.rule': '缺少规则',
    'gap.database': '数据库',
    'gap.not-read': '未读取',
    'gap.waiver': '已豁免',
    'sev.blocker': '阻断',
    'sev.warning': '警告',
    'sev.info': '信息',
  },
})

type Key = keyof (typeof messages)['en']

export interface PackageReportLike {
  schema?: string
  package: { name: string; sha256: string }
  findings: FindingDto[]
}

/** "Import the marketplace's report…" for the package view's actions row: hands the chosen file to PackageWork. */
export function ImportMarketReport({ onFile }: { onFile(file: File): void }) {
  const t = useT(messages)
  const input = useRef<HTMLInputElement>(null)
  return (
    <>
      <button
        type="button"
        className="btn btn-secondary"
        onClick={() => input.current?.click()}
        data-testid="compare-import"
      >
        {t('import')}
      </button>
      <input
        ref={input}
        type="file"
        accept=".xlsx,.csv,.sarif,.json"
        hidden
        aria-label={t('importLabel')}
        data-testid="compare-file"
        onChange={(e) => {
          const file = e.target.files?.[0]
          e.target.value = ''
          if (file) onFile(file)
        }}
      />
    </>
  )
}

/**
 * The History and Marketplace report tabs; a new `file` is compared at once, its tab opened and brought into view.
 * `ownImport`: the import action is in the Marketplace report tab (for a view with no actions row of its own).
 */
export function PackageWork({
  report,
  file = null,
  ownImport = false,
}: {
  report: PackageReportLike
  file?: File | null
  ownImport?: boolean
}) {
  const t = useT(messages)
  const text = useText()
  const [ownFile, setOwnFile] = useState<File | null>(null)
  const chosen = ownImport ? ownFile : file
  const [tab, setTab] = useState('history')
  const [comparison, setComparison] = useState<ComparisonDto | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Worded | null>(null)
  const panel = useRef<HTMLDivElement>(null)
  // a new waiver list or comparison is a new event: read the history again
  const reload = useMemo(() => ({}), [report, comparison])

  useEffect(() => {
    if (!chosen) return
    let live = true
    setTab('compare')
    setBusy(true)
    setError(null)
    void (async () => {
      try {
        const path = await api.pathForFile(chosen)
        const c = await api.invoke('compare.import', { path, report: report as never })
        if (live) setComparison(c)
      } catch (err) {
        if (live) {
          setComparison(null)
          setError(err as Worded)
        }
      } finally {
        if (live) setBusy(false)
      }
    })()
    return () => {
      live = false
    }
    // compare each chosen file once, against the report shown when it was chosen
  }, [chosen])

  // the action is at the top of the view, its outcome at the bottom: bring it into view
  useEffect(() => {
    if (busy || comparison || error) panel.current?.scrollIntoView({ block: 'start' })
  }, [busy, comparison, error])

  return (
    <div className="card" ref={panel}>
      <Tabs
        label={t('label')}
        selected={tab}
        onSelect={setTab}
        tabs={[
          {
            id: 'history',
            label: t('history'),
            content: () => <HistoryPanel subject={report.package.sha256} reload={reload} testId="package-history" />,
          },
          {
            id: 'compare',
            label: t('compare'),
            content: () => (
              <div className="stack">
                {!comparison && !busy && !error && <p className="muted">{t('lead')}</p>}
                {ownImport && !busy && (
                  <div className="actions">
                    <ImportMarketReport onFile={setOwnFile} />
                  </div>
                )}
                {busy && <p role="status">{t('reading')}</p>}
                {error && (
                  <div className="error" role="alert">
                    {t('failed')}: {text(error)}
                  </div>
                )}
                {comparison && <CompareView c={comparison} t={t} />}
              </div>
            ),
          },
        ]}
      />
    </div>
  )
}

function CompareView({ c, t }: { c: ComparisonDto; t: (k: Key, v?: Record<string, string | number>) => string }) {
  const text = useText()
  const lang = useLang((s) => s.lang)
  // a finding's sentence its scanner wrote only in English is marked so (as the finding list does)
  const langOf = (f: { messageZh?: string }) => (lang !== 'en' && !f.messageZh ? 'en' : undefined)
  const none = <p className="muted">{t('none')}</p>
  return (
    <div className="stack" data-testid="compare-view">
      <p className="agreement" role="status" data-testid="compare-agreement">
        {t('agreement', {
          pct: Math.round(c.agreement * 100),
          both: c.both.length,
          market: c.onlyMarketplace.length,
          ours: c.onlyPreflight.length,
        })}
      </p>
      <p className="muted">{t('source', { source: c.marketplace.source, format: c.marketplace.format })}</p>
      <h3>{t('both', { n: c.both.length })}</h3>
      {c.both.length === 0 ? (
        none
      ) : (
        <table className="compare-table" data-testid="compare-both">
          <thead>
            <tr>
              <th scope="col">{t('location')}</th>
              <th scope="col">{t('preflight')}</th>
              <th scope="col">{t('marketplace')}</th>
              <th scope="col">{t('pairedBy')}</th>
            </tr>
          </thead>
          <tbody>
            {c.both.map((p, i) => (
              <tr key={i}>
                <td className="mono">{p.preflight.location}</td>
                <td>
                  <code>{p.preflight.rule}</code>
                  <div className="muted" lang={langOf(p.preflight)}>
                    {text(p.preflight)}
                  </div>
                </td>
                <td>
                  {p.marketplace.title}
                  <div className="muted">{p.marketplace.location}</div>
                </td>
                <td className="short">{t(`by.${p.by}` as Key)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('onlyMarket', { n: c.onlyMarketplace.length })}</h3>
      {c.onlyMarketplace.length === 0 ? (
        none
      ) : (
        <table className="compare-table" data-testid="compare-only-marketplace">
          <thead>
            <tr>
              <th scope="col">{t('location')}</th>
              <th scope="col">{t('marketplace')}</th>
              <th scope="col">{t('severity')}</th>
              <th scope="col">{t('gap')}</th>
              <th scope="col">{t('todo')}</th>
            </tr>
          </thead>
          <tbody>
            {c.onlyMarketplace.map((f, i) => (
              <tr key={i} data-gap={f.gap}>
                <td className="mono">{f.location}</td>
                <td>{f.title}</td>
                <td className="short">{f.severity}</td>
                <td className="short">{t(`gap.${f.gap}` as Key)}</td>
                <td>{lang === 'zh-CN' ? f.suggestionZh : f.suggestion}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('onlyOurs', { n: c.onlyPreflight.length })}</h3>
      {c.onlyPreflight.length === 0 ? (
        none
      ) : (
        <table className="compare-table" data-testid="compare-only-preflight">
          <thead>
            <tr>
              <th scope="col">{t('location')}</th>
              <th scope="col">{t('rule')}</th>
              <th scope="col">{t('severity')}</th>
              <th scope="col">{t('message')}</th>
            </tr>
          </thead>
          <tbody>
            {c.onlyPreflight.map((f, i) => (
              <tr key={i}>
                <td className="mono">{f.location}</td>
                <td>
                  <code>{f.rule}</code>
                </td>
                <td className="short">{t(`sev.${f.severity}` as Key)}</td>
                <td lang={langOf(f)}>{text(f)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
