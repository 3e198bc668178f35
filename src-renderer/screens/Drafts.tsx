// Drafts: every release draft on this machine — search, continue, duplicate, delete, import/export, and each
// draft's revision history with the changes of each revision and restore, and its work history (components/history).
import { useCallback, useEffect, useState } from 'react'
import type { DraftSummaryDto } from '../../src-preload/contract'
import { api } from '../api'
import { HistoryPanel } from '../components/history/HistoryTable'
import { Tabs } from '../components/Tabs'
import { download } from '../download'
import { defineMessages, useFormat, useT } from '../i18n'
import { useNav } from '../stores/nav'

const messages = defineMessages({
  en: {
    title: 'Drafts', search: 'Search drafts', empty: 'No drafts yet. Start one with “New release”.', noMatch: 'No draft matches “{q}”.',
    newRelease: 'New release', import: 'Import draft…', open: 'Continue', duplicate: 'Duplicate', delete: 'Delete', export: 'Export',
    confirmDelete: 'Delete “{title}”? This cannot be undone.', history: 'History', hideHistory: 'Hide history', revision: 'Revision {n}',
    restore: 'Restore', changes: 'Changed: {paths}', profile: 'Profile', updated: 'Updated', verdict: 'Verdict', name: 'Title', actions: 'Actions',
    restored: 'Restored revision {n} as a new revision.', imported: 'Imported “{title}”.',
    revisions: 'Revisions', workHistory: 'Work history', historyOf: 'History of “{title}”',
  },
  'zh-CN': {
    title: '草稿', search: '搜索草稿', empty: '还没有草稿。点击“新建发布”开始。', noMatch: '没有与“{q}”匹配的草稿。',
    newRelease: '新建发布', import: '导入草稿…', open: '继续', duplicate: '复制', delete: '删除', export: '导出',
    confirmDelete: '删除“{title}”？此操作无法撤销。', history: '历史', hideHistory: '隐藏历史', revision: '修订 {n}',
    restore: '恢复', changes: '更改：{paths}', profile: '配置', updated: '更新时间', verdict: '结论', name: '标题', actions: '操作',
    restored: '已将修订 {n} 恢复为新修订。', imported: '已导入“{title}”。',
    revisions: '修订', workHistory: '操作记录', historyOf: '“{title}”的历史',
  },
})

export function Drafts() {
  const t = useT(messages)
  const go = useNav((s) => s.go)
  const [query, setQuery] = useState('')
  const [drafts, setDrafts] = useState<DraftSummaryDto[] | null>(null)
  const [history, setHistory] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  const refresh = useCallback(async () => {
    setDrafts((await api.invoke('drafts.list', { query })).drafts)
  }, [query])
  useEffect(() => {
    void refresh()
  }, [refresh])

  const act = (fn: () => Promise<unknown>) => async () => {
    setError(null)
    try {
      await fn()
      await refresh()
    } catch (err) {
      setError((err as Error).message)
    }
  }

  async function importFile(file: File | undefined) {
    if (!file) return
    const path = await api.pathForFile(file)
    const d = await api.invoke('drafts.import', { path })
    setNotice(t('imported', { title: d.title }))
  }

  return (
    <section className="screen" aria-labelledby="drafts-title">
      <h1 id="drafts-title">{t('title')}</h1>
      <div className="actions">
        <input type="search" placeholder={t('search')} aria-label={t('search')} value={query} onChange={(e) => setQuery(e.target.value)} data-testid="drafts-search" />
        <button type="button" className="btn" onClick={() => go('wizard', { draftId: undefined })}>{t('newRelease')}</button>
        <label className="btn btn-secondary">
          {t('import')}
          <input type="file" accept=".json" hidden onChange={(e) => void act(() => importFile(e.target.files?.[0]))()} data-testid="drafts-import" />
        </label>
      </div>
      {notice && <p role="status">{notice}</p>}
      {error && <div className="error" role="alert">{error}</div>}
      {drafts && drafts.length === 0 && <p className="empty">{query ? t('noMatch', { q: query }) : t('empty')}</p>}
      {drafts && drafts.length > 0 && (
        <table data-testid="drafts-table">
          <thead>
            <tr><th scope="col">{t('name')}</th><th scope="col">{t('profile')}</th><th scope="col">{t('updated')}</th><th scope="col">{t('verdict')}</th><th scope="col">{t('actions')}</th></tr>
          </thead>
          <tbody>
            {drafts.map((d) => (
              <DraftRow key={d.id} d={d} t={t} open={history === d.id}
                onOpen={() => go('wizard', { draftId: d.id })}
                onToggle={() => setHistory(history === d.id ? null : d.id)}
                onDuplicate={act(() => api.invoke('drafts.duplicate', { id: d.id }))}
                onDelete={act(async () => {
                  if (window.confirm(t('confirmDelete', { title: d.title }))) await api.invoke('drafts.delete', { id: d.id })
                })}
                onExport={act(async () => download(`${d.title.replace(/[^A-Za-z0-9_-]+/g, '_')}.preflight-draft.json`, (await api.invoke('drafts.export', { id: d.id })).content, 'application/json'))}
                onRestored={(n) => {
                  setNotice(t('restored', { n }))
                  void refresh()
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

type T = ReturnType<typeof useT<keyof (typeof messages)['en']>>

function DraftRow(props: { d: DraftSummaryDto; t: T; open: boolean; onOpen(): void; onToggle(): void; onDuplicate(): void; onDelete(): void; onExport(): void; onRestored(n: number): void }) {
  const fmt = useFormat()
  const { d, t } = props
  return (
    <>
      <tr data-testid={`draft-${d.id}`}>
        <td>{d.title}</td>
        <td><code>{d.profile}</code></td>
        <td>{fmt.date(d.updatedAt)}</td>
        <td>{d.verdict ? <span className={d.verdict === 'pass' ? 'sev-info' : 'sev-blocker'}>{d.verdict}</span> : '—'}</td>
        <td className="actions">
          <button type="button" className="btn" onClick={props.onOpen} aria-label={`${t('open')}: ${d.title}`}>{t('open')}</button>
          <button type="button" className="btn btn-secondary" onClick={props.onToggle} aria-expanded={props.open}>{props.open ? t('hideHistory') : t('history')}</button>
          <button type="button" className="btn btn-secondary" onClick={props.onDuplicate}>{t('duplicate')}</button>
          <button type="button" className="btn btn-secondary" onClick={props.onExport}>{t('export')}</button>
          <button type="button" className="btn btn-danger" onClick={props.onDelete}>{t('delete')}</button>
        </td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={5}>
            <Tabs label={t('historyOf', { title: d.title })} tabs={[
              { id: 'revisions', label: t('revisions'), content: () => <History id={d.id} t={t} onRestored={props.onRestored} /> },
              { id: 'work-history', label: t('workHistory'), content: () => <HistoryPanel subject={d.id} testId="draft-history" /> },
            ]} />
          </td>
        </tr>
      )}
    </>
  )
}

function History({ id, t, onRestored }: { id: string; t: T; onRestored(n: number): void }) {
  const fmt = useFormat()
  const [revs, setRevs] = useState<Array<{ revision: number; savedAt: string; changedPaths: string[] }>>([])
  useEffect(() => {
    void api.invoke('drafts.revisions', { id }).then((r) => setRevs(r.revisions))
  }, [id])
  return (
    <ol className="history">
      {revs.map((r) => (
        <li key={r.revision}>
          <strong>{t('revision', { n: r.revision })}</strong> · {fmt.date(r.savedAt)} · <span className="muted">{t('changes', { paths: r.changedPaths.slice(0, 6).join(', ') + (r.changedPaths.length > 6 ? ' …' : '') })}</span>{' '}
          <button type="button" className="btn btn-secondary" onClick={async () => {
            await api.invoke('drafts.restore', { id, revision: r.revision })
            onRestored(r.revision)
            setRevs((await api.invoke('drafts.revisions', { id })).revisions)
          }}>{t('restore')} {r.revision}</button>
        </li>
      ))}
    </ol>
  )
}
