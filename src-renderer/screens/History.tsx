// Work history: every scan, repack, convert, waiver change, draft revision, export, upload, submit and compare
// recorded on this computer, newest first, filtered by operation, result and date range, and exported as CSV or
// JSON (the content comes back from the services and is saved as a download).
import { useCallback, useEffect, useState } from 'react'
import {
  HISTORY_KIND_NAMES,
  HISTORY_RESULT_NAMES,
  type HistoryEventDto,
  type InputOf,
} from '../../src-preload/contract'
import { api } from '../api'
import { HistoryTable, historyMessages } from '../components/history/HistoryTable'
import { download } from '../download'
import type { Worded } from '../../src-preload/text'
import { defineMessages, useT, useText } from '../i18n'

const messages = defineMessages({
  en: {
    title: 'Work history',
    lead: 'Every operation on this computer, newest first: what was done, to what, with which result, by whom.',
    actor: 'Recorded as {actor} (change the name in Settings).',
    filters: 'Filters',
    kind: 'Operation',
    result: 'Result',
    all: 'All',
    from: 'From',
    to: 'To',
    exportCsv: 'Export CSV',
    exportJson: 'Export JSON',
    shown: '{n} event(s)',
    failed: 'The history could not be read',
    exported: 'Exported {n} event(s).',
  },
  'zh-CN': {
    title: '操作记录',
    lead: '本机上的每一项操作，最新的在前：做了什么、对象是什么、结果如何、由谁操作。',
    actor: '记录为 {actor}（可在设置中修改名称）。',
    filters: '筛选',
    kind: '操作',
    result: '结果',
    all: '全部',
    from: '从',
    to: '到',
    exportCsv: '导出 CSV',
    exportJson: '导出 JSON',
    shown: '{n} 条记录',
    failed: '无法读取操作记录',
    exported: '已导出 {n} 条记录。',
  },
})

type Filter = InputOf<'history.list'>
type HistoryKey = keyof (typeof historyMessages)['en']

/** The filter as the services take it: dates are local days, `to` up to the end of its day. */
function toFilter(kind: string, result: string, from: string, to: string): Filter {
  const f: Filter = {}
  if (kind) f.kinds = [kind as (typeof HISTORY_KIND_NAMES)[number]]
  if (result) f.results = [result as (typeof HISTORY_RESULT_NAMES)[number]]
  if (from) f.since = new Date(`${from}T00:00:00`).toISOString()
  if (to) f.until = new Date(`${to}T23:59:59.999`).toISOString()
  return f
}

export function History() {
  const t = useT(messages)
  const th = useT(historyMessages)
  const text = useText()
  const [kind, setKind] = useState('')
  const [result, setResult] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [data, setData] = useState<{ events: HistoryEventDto[]; actor: string; account: string } | null>(null)
  const [exported, setExported] = useState<number | null>(null)
  const [error, setError] = useState<Worded | null>(null)

  const refresh = useCallback(async () => {
    try {
      setData(await api.invoke('history.list', toFilter(kind, result, from, to)))
      setError(null)
    } catch (err) {
      setError(err as Worded)
    }
  }, [kind, result, from, to])
  useEffect(() => {
    void refresh()
  }, [refresh])

  async function exportAs(format: 'csv' | 'json') {
    try {
      const r = await api.invoke('history.export', { ...toFilter(kind, result, from, to), format })
      download(`preflight-history.${r.extension}`, r.content, r.mime)
      setExported(r.count)
      await refresh()
    } catch (err) {
      setError(err as Worded)
    }
  }

  return (
    <section className="screen" aria-labelledby="history-title">
      <h1 id="history-title">{t('title')}</h1>
      <p className="muted">
        {t('lead')}
        {data ? ` ${t('actor', { actor: data.actor })}` : ''}
      </p>
      <fieldset className="filters">
        <legend>{t('filters')}</legend>
        <label>
          {t('kind')}{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="history-kind">
            <option value="">{t('all')}</option>
            {HISTORY_KIND_NAMES.map((k) => (
              <option key={k} value={k}>
                {th(`kind.${k}` as HistoryKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('result')}{' '}
          <select value={result} onChange={(e) => setResult(e.target.value)} data-testid="history-result">
            <option value="">{t('all')}</option>
            {HISTORY_RESULT_NAMES.map((r) => (
              <option key={r} value={r}>
                {th(`result.${r}` as HistoryKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('from')}{' '}
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="history-from" />
        </label>
        <label>
          {t('to')} <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="history-to" />
        </label>
        {data && (
          <span className="muted" data-testid="history-count">
            {t('shown', { n: data.events.length })}
          </span>
        )}
      </fieldset>
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void exportAs('csv')}
          data-testid="history-export-csv"
        >
          {t('exportCsv')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void exportAs('json')}
          data-testid="history-export-json"
        >
          {t('exportJson')}
        </button>
      </div>
      {exported !== null && <p role="status">{t('exported', { n: exported })}</p>}
      {error && (
        <div className="error" role="alert">
          {t('failed')}: {text(error)}
        </div>
      )}
      {data && <HistoryTable events={data.events} />}
    </section>
  )
}
