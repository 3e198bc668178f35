// The components found in a package (SBOM): search, ecosystem filter, and for each its vulnerabilities
// (advisory, score, vector, fixed versions) from the report's findings.
import { useMemo, useState } from 'react'
import type { FindingDto } from '../../../src-preload/contract'
import { defineMessages, useT } from '../../i18n'

const messages = defineMessages({
  en: {
    title: 'Components ({n})',
    search: 'Search components',
    all: 'All ecosystems',
    name: 'Name',
    version: 'Version',
    ecosystem: 'Ecosystem',
    location: 'Found in',
    vulns: 'Vulnerabilities',
    none: 'No components found.',
  },
  'zh-CN': {
    title: '组件（{n}）',
    search: '搜索组件',
    all: '全部生态',
    name: '名称',
    version: '版本',
    ecosystem: '生态',
    location: '位置',
    vulns: '漏洞',
    none: '未发现组件。',
  },
})

export interface ComponentDto {
  ecosystem: string
  name: string
  version: string
  location: string
}

export function ComponentsTable({ components, findings }: { components: ComponentDto[]; findings: FindingDto[] }) {
  const t = useT(messages)
  const [q, setQ] = useState('')
  const [eco, setEco] = useState('')
  const ecosystems = useMemo(() => [...new Set(components.map((c) => c.ecosystem))].sort(), [components])
  const vulns = useMemo(() => {
    const m = new Map<string, FindingDto[]>()
    for (const f of findings) {
      if (!f.rule.startsWith('vuln.')) continue
      const d = f.details as { component?: string; version?: string } | undefined
      const key = `${f.location}\0${d?.component}\0${d?.version}`
      m.set(key, [...(m.get(key) ?? []), f])
    }
    return m
  }, [findings])
  const shown = components.filter(
    (c) => (!eco || c.ecosystem === eco) && (!q || `${c.name} ${c.version}`.toLowerCase().includes(q.toLowerCase())),
  )
  return (
    <details className="card" open={components.length > 0 && components.length < 200}>
      <summary>{t('title', { n: components.length })}</summary>
      {components.length === 0 ? (
        <p className="muted">{t('none')}</p>
      ) : (
        <>
          <div className="actions">
            <input
              type="search"
              aria-label={t('search')}
              placeholder={t('search')}
              value={q}
              onChange={(e) => setQ(e.target.value)}
              data-testid="components-search"
            />
            <select aria-label={t('ecosystem')} value={eco} onChange={(e) => setEco(e.target.value)}>
              <option value="">{t('all')}</option>
              {ecosystems.map((e) => (
                <option key={e}>{e}</option>
              ))}
            </select>
          </div>
          <table data-testid="components-table">
            <thead>
              <tr>
                <th scope="col">{t('name')}</th>
                <th scope="col">{t('version')}</th>
                <th scope="col">{t('ecosystem')}</th>
                <th scope="col">{t('vulns')}</th>
                <th scope="col">{t('location')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, 2000).map((c, i) => {
                const vs = vulns.get(`${c.location}\0${c.name}\0${c.version}`) ?? []
                return (
                  <tr key={i}>
                    <td>{c.name}</td>
                    <td>{c.version}</td>
                    <td>{c.ecosystem}</td>
                    <td>
                      {vs.map((f) => {
                        const d = f.details as {
                          advisory?: string
                          score?: number | null
                          vector?: string | null
                          fixed?: string[]
                        }
                        return (
                          <div key={d.advisory} className={`sev-${f.severity}`}>
                            {d.advisory} · {d.score ?? 'n/a'}
                            {d.vector ? ` · ${d.vector}` : ''}
                            {d.fixed?.length ? ` · fix ${d.fixed.join(', ')}` : ''}
                          </div>
                        )
                      })}
                    </td>
                    <td className="mono">{c.location}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </>
      )}
    </details>
  )
}
