// Drafts: every release draft on this machine — search, continue, rename, duplicate, delete, import/export, each draft's
// own readiness (its release findings left to fix, apart from the package's scan verdict), its revision history
// (one entry per meaningful change, each field by its label with its value before → after, and restore) and its work
// history (components/history). Dates are shown with Intl in the chosen language.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { DraftRevisionDto, DraftSummaryDto } from '../../src-preload/contract'
import type { Worded } from '../../src-preload/text'
import { api } from '../api'
import { HistoryPanel } from '../components/history/HistoryTable'
import { Tabs } from '../components/Tabs'
import { download, fileNameOf } from '../download'
import { defineMessages, useFormat, useLang, useT, useText } from '../i18n'
import { useNav } from '../stores/nav'
import { placeOf, shownValue } from './wizard/labels'
import { PROFILES } from './wizard/spec'

const messages = defineMessages({
  en: {
    title: 'Drafts',
    search: 'Search drafts',
    empty: 'No drafts yet. Start one with “New release”.',
    noMatch: 'No draft matches “{q}”.',
    newRelease: 'New release',
    import: 'Import draft…',
    open: 'Continue',
    duplicate: 'Duplicate',
    delete: 'Delete',
    export: 'Export',
    rename: 'Rename',
    renameOf: 'Rename “{title}”',
    newTitle: 'New title of “{title}”',
    saveTitle: 'Save title',
    cancel: 'Cancel',
    renameHint: 'Enter saves, Escape cancels.',
    titleEmpty: 'Enter a title: a draft needs a name (or press Escape to keep “{title}”).',
    titleLong: 'A title is at most {max} characters: shorten it ({n} now).',
    renamed: 'Renamed “{before}” to “{after}”.',
    confirmDelete: 'Delete “{title}”? This cannot be undone.',
    history: 'History',
    hideHistory: 'Hide history',
    revision: 'Revision {n}',
    restore: 'Restore',
    profile: 'Profile',
    updated: 'Updated',
    name: 'Title',
    actions: 'Actions',
    restored: 'Restored revision {n} as a new revision.',
    imported: 'Imported “{title}”.',
    release: 'Release',
    ready: 'Ready',
    toFix: '{n} to fix',
    packageScan: 'Package scan',
    pass: 'Pass',
    fail: 'Fail',
    notScanned: 'Not scanned',
    titleField: 'Title',
    created: 'Draft created',
    noChange: 'No field changed',
    historyOf: 'Revision history of “{title}”',
    restoreRevision: 'Restore revision {n}',
    actionFailed: '{error} Try again; if it keeps failing, export the draft to keep a copy.',
    labelled: '{label}: ',
    importFailed:
      'The draft was not imported: {error} Choose a file exported from Preflight (name.preflight-draft.json).',
    revisions: 'Revisions',
    workHistory: 'Work history',
    draftHistory: 'History of “{title}”',
  },
  'zh-CN': {
    title: '草稿',
    search: '搜索草稿',
    empty: '还没有草稿。点击“新建发布”开始。',
    noMatch: '没有与“{q}”匹配的草稿。',
    newRelease: '新建发布',
    import: '导入草稿…',
    open: '继续',
    duplicate: '复制',
    delete: '删除',
    export: '导出',
    rename: '重命名',
    renameOf: '重命名“{title}”',
    newTitle: '“{title}”的新标题',
    saveTitle: '保存标题',
    cancel: '取消',
    renameHint: '按 Enter 保存，按 Esc 取消。',
    titleEmpty: '请输入标题：草稿需要一个名称（按 Esc 可保留“{title}”）。',
    titleLong: '标题最多 {max} 个字符：请缩短（当前 {n} 个）。',
    renamed: '已将“{before}”重命名为“{after}”。',
    confirmDelete: '删除“{title}”？此操作无法撤销。',
    history: '历史',
    hideHistory: '隐藏历史',
    revision: '修订 {n}',
    restore: '恢复',
    profile: '配置',
    updated: '更新时间',
    name: '标题',
    actions: '操作',
    restored: '已将修订 {n} 恢复为新修订。',
    imported: '已导入“{title}”。',
    release: '发布',
    ready: '可以提交',
    toFix: '{n} 项待修复',
    packageScan: '软件包扫描',
    pass: '通过',
    fail: '未通过',
    notScanned: '未扫描',
    titleField: '标题',
    created: '创建草稿',
    noChange: '没有字段更改',
    historyOf: '“{title}”的修订历史',
    restoreRevision: '恢复修订 {n}',
    actionFailed: '{error} 请重试；如果仍然失败，请导出草稿以保留副本。',
    labelled: '{label}：',
    importFailed: '未导入草稿：{error} 请选择从 Preflight 导出的文件（名称.preflight-draft.json）。',
    revisions: '修订',
    workHistory: '操作记录',
    draftHistory: '“{title}”的历史',
  },
})

/** The longest title a draft can have (the contract's drafts.save). */
const TITLE_MAX = 200

export function Drafts() {
  const t = useT(messages)
  const text = useText()
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

  const act =
    (fn: () => Promise<unknown>, failed: 'actionFailed' | 'importFailed' = 'actionFailed') =>
    async () => {
      setError(null)
      try {
        await fn()
        await refresh()
      } catch (err) {
        setError(t(failed, { error: text(err as Worded) }))
      }
    }

  /** A new title, saved through the draft's save path (a revision of the title, recorded as any other change). */
  async function rename(d: DraftSummaryDto, title: string): Promise<void> {
    const draft = await api.invoke('drafts.get', { id: d.id })
    const r = await api.invoke('drafts.save', { id: d.id, values: draft.values, title })
    setNotice(t('renamed', { before: d.title, after: r.title }))
    await refresh()
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
        <input
          type="search"
          placeholder={t('search')}
          aria-label={t('search')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          data-testid="drafts-search"
        />
        <button type="button" className="btn" onClick={() => go('wizard', { draftId: undefined })}>
          {t('newRelease')}
        </button>
        <label className="btn btn-secondary">
          {t('import')}
          <input
            type="file"
            accept=".json"
            hidden
            onChange={(e) => void act(() => importFile(e.target.files?.[0]), 'importFailed')()}
            data-testid="drafts-import"
          />
        </label>
      </div>
      {notice && <p role="status">{notice}</p>}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {drafts && drafts.length === 0 && <p className="empty">{query ? t('noMatch', { q: query }) : t('empty')}</p>}
      {drafts && drafts.length > 0 && (
        <table data-testid="drafts-table">
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('profile')}</th>
              <th scope="col">{t('updated')}</th>
              <th scope="col">{t('release')}</th>
              <th scope="col">{t('packageScan')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {drafts.map((d) => (
              <DraftRow
                key={d.id}
                d={d}
                t={t}
                open={history === d.id}
                onOpen={() => go('wizard', { draftId: d.id })}
                onRename={(title) => rename(d, title)}
                onToggle={() => setHistory(history === d.id ? null : d.id)}
                onDuplicate={act(() => api.invoke('drafts.duplicate', { id: d.id }))}
                onDelete={act(async () => {
                  if (window.confirm(t('confirmDelete', { title: d.title })))
                    await api.invoke('drafts.delete', { id: d.id })
                })}
                onExport={act(async () =>
                  download(
                    `${fileNameOf(d.title)}.preflight-draft.json`,
                    (await api.invoke('drafts.export', { id: d.id })).content,
                    'application/json',
                  ),
                )}
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

function DraftRow(props: {
  d: DraftSummaryDto
  t: T
  open: boolean
  onOpen(): void
  onRename(title: string): Promise<void>
  onToggle(): void
  onDuplicate(): void
  onDelete(): void
  onExport(): void
  onRestored(n: number): void
}) {
  const fmt = useFormat()
  const { d, t } = props
  const lang = useLang((s) => s.lang)
  const profile = PROFILES.find((p) => p.id === d.profile)
  const [renaming, setRenaming] = useState(false)
  const renameButton = useRef<HTMLButtonElement>(null)
  const stopRenaming = () => {
    setRenaming(false)
    // back to the control that opened the editor (enabled again on the next render)
    requestAnimationFrame(() => renameButton.current?.focus())
  }
  return (
    <>
      <tr data-testid={`draft-${d.id}`}>
        {renaming ? (
          <td>
            <TitleEditor d={d} t={t} onSave={props.onRename} onClose={stopRenaming} />
          </td>
        ) : (
          <td data-testid="draft-title">{d.title}</td>
        )}
        <td>{profile ? profile.title[lang] : <code>{d.profile}</code>}</td>
        <td>
          <time dateTime={d.updatedAt}>{fmt.date(d.updatedAt)}</time>
        </td>
        <td data-testid="draft-readiness">
          {d.toFix === 0 ? (
            <span className="sev-info">{t('ready')}</span>
          ) : (
            <span className="sev-blocker">{t('toFix', { n: d.toFix })}</span>
          )}
        </td>
        <td data-testid="draft-verdict">
          {d.verdict ? (
            <span className={d.verdict === 'pass' ? 'sev-info' : 'sev-blocker'}>{t(d.verdict)}</span>
          ) : (
            <span className="muted">{t('notScanned')}</span>
          )}
        </td>
        <td className="actions">
          <button type="button" className="btn" onClick={props.onOpen} aria-label={`${t('open')}: ${d.title}`}>
            {t('open')}
          </button>
          <button
            ref={renameButton}
            type="button"
            className="btn btn-secondary"
            onClick={() => setRenaming(true)}
            disabled={renaming}
            aria-label={t('renameOf', { title: d.title })}
            data-testid="draft-rename"
          >
            {t('rename')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={props.onToggle} aria-expanded={props.open}>
            {props.open ? t('hideHistory') : t('history')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={props.onDuplicate}>
            {t('duplicate')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={props.onExport}>
            {t('export')}
          </button>
          <button type="button" className="btn btn-danger" onClick={props.onDelete}>
            {t('delete')}
          </button>
        </td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={6}>
            <Tabs
              label={t('draftHistory', { title: d.title })}
              tabs={[
                {
                  id: 'revisions',
                  label: t('revisions'),
                  content: () => (
                    <History id={d.id} title={d.title} profile={d.profile} t={t} onRestored={props.onRestored} />
                  ),
                },
                {
                  id: 'work-history',
                  label: t('workHistory'),
                  content: () => <HistoryPanel subject={d.id} testId="draft-history" />,
                },
              ]}
            />
          </td>
        </tr>
      )}
    </>
  )
}

/** The title being renamed in place: Enter (or Save) saves it, Escape (or Cancel) leaves it as it was. */
function TitleEditor({
  d,
  t,
  onSave,
  onClose,
}: {
  d: DraftSummaryDto
  t: T
  onSave(title: string): Promise<void>
  onClose(): void
}) {
  const text = useText()
  const [value, setValue] = useState(d.title)
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => {
    input.current?.focus()
    input.current?.select()
  }, [])
  async function save() {
    const title = value.trim()
    if (!title) return setProblem(t('titleEmpty', { title: d.title }))
    if (title.length > TITLE_MAX) return setProblem(t('titleLong', { max: TITLE_MAX, n: title.length }))
    if (title === d.title) return onClose()
    setBusy(true)
    try {
      await onSave(title)
      onClose()
    } catch (err) {
      setProblem(t('actionFailed', { error: text(err as Worded) }))
      setBusy(false)
    }
  }
  const hint = `rename-hint-${d.id}`
  const error = `rename-error-${d.id}`
  return (
    <div className="stack" data-testid="draft-title-editor">
      <input
        ref={input}
        type="text"
        value={value}
        disabled={busy}
        aria-label={t('newTitle', { title: d.title })}
        aria-invalid={problem !== null}
        aria-describedby={problem ? `${error} ${hint}` : hint}
        onChange={(e) => {
          setValue(e.target.value)
          setProblem(null)
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault()
            void save()
          } else if (e.key === 'Escape') {
            e.preventDefault()
            onClose()
          }
        }}
        data-testid="draft-title-input"
      />
      <span id={hint} className="muted">
        {t('renameHint')}
      </span>
      {problem && (
        <div id={error} className="error" role="alert" data-testid="draft-title-error">
          {problem}
        </div>
      )}
      <div className="actions">
        <button type="button" className="btn" onClick={() => void save()} disabled={busy}>
          {t('saveTitle')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose} disabled={busy}>
          {t('cancel')}
        </button>
      </div>
    </div>
  )
}

/** A revision's changes as the seller reads them: each field's label, its value before → after. */
function Changes({ rev, profile, first, t }: { rev: DraftRevisionDto; profile: string; first: boolean; t: T }) {
  const lang = useLang((s) => s.lang)
  const lines: Array<{ key: string; label: string; before: string; after: string }> = []
  if (rev.retitled)
    lines.push({ key: 'title', label: t('titleField'), before: rev.retitled.before, after: rev.retitled.after })
  for (const c of rev.changes) {
    const place = placeOf(profile, c.path)
    // package facts other than those the history names (path, hash, sizes) change with the package file itself
    if (!place && c.path.startsWith('package.')) continue
    lines.push({
      key: c.path,
      label: place?.label[lang] ?? c.path,
      before: shownValue(place?.spec, c.before, lang),
      after: shownValue(place?.spec, c.after, lang),
    })
  }
  if (lines.length === 0) return <span className="muted">{first ? t('created') : t('noChange')}</span>
  return (
    <ul className="changes" data-testid="revision-changes">
      {lines.map((l) => (
        <li key={l.key}>
          {t('labelled', { label: l.label })}
          {first && !rev.retitled ? (
            <ins>{l.after}</ins>
          ) : (
            <>
              <del>{l.before}</del> → <ins>{l.after}</ins>
            </>
          )}
        </li>
      ))}
    </ul>
  )
}

function History({
  id,
  title,
  profile,
  t,
  onRestored,
}: {
  id: string
  title: string
  profile: string
  t: T
  onRestored(n: number): void
}) {
  const fmt = useFormat()
  const text = useText()
  const [revs, setRevs] = useState<DraftRevisionDto[]>([])
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    api.invoke('drafts.revisions', { id }).then(
      (r) => setRevs(r.revisions),
      (err) => setError(t('actionFailed', { error: text(err as Worded) })),
    )
  }, [id])
  const oldest = revs.at(-1)?.revision
  return (
    <>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <ol className="history" aria-label={t('historyOf', { title })} data-testid="draft-history">
        {revs.map((r) => (
          <li key={r.revision} data-testid={`revision-${r.revision}`}>
            <strong>{t('revision', { n: r.revision })}</strong> ·{' '}
            <time dateTime={r.savedAt}>{fmt.date(r.savedAt)}</time>{' '}
            <button
              type="button"
              className="btn btn-secondary"
              aria-label={t('restoreRevision', { n: r.revision })}
              onClick={async () => {
                try {
                  await api.invoke('drafts.restore', { id, revision: r.revision })
                  onRestored(r.revision)
                  setRevs((await api.invoke('drafts.revisions', { id })).revisions)
                } catch (err) {
                  setError(t('actionFailed', { error: text(err as Worded) }))
                }
              }}
            >
              {t('restore')}
            </button>
            <Changes rev={r} profile={profile} first={r.revision === oldest} t={t} />
          </li>
        ))}
      </ol>
    </>
  )
}
