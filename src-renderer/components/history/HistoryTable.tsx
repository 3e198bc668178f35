// The work history as a table (time, operation, subject, result, who, output), shared by the History screen and the
// History tabs of the package view and the drafts; HistoryPanel loads the events of one subject (a package's
// sha256 or a draft id) itself, again whenever `reload` changes.
import { useEffect, useState } from 'react'
import type { HistoryEventDto } from '../../../src-preload/contract'
import { api } from '../../api'
import type { Worded } from '../../../src-preload/text'
import { defineMessages, useLang, useT, useText } from '../../i18n'

export const historyMessages = defineMessages({
  en: {
    at: 'Time',
    kind: 'Operation',
    subject: 'Subject',
    result: 'Result',
    actor: 'By',
    link: 'Report or output',
    none: 'No operations recorded yet.',
    failed: 'The history could not be read',
    'kind.scan': 'Scan',
    'kind.repack': 'Repack',
    'kind.convert': 'Convert',
    'kind.waiver': 'Waiver change',
    'kind.draft-revision': 'Draft revision',
    'kind.export': 'Export',
    'kind.upload': 'Upload',
    'kind.submit': 'Submit',
    'kind.sync': 'Sync',
    'kind.compare': 'Compare',
    'kind.rename': 'Renamed copy',
    'result.pass': 'Pass',
    'result.fail': 'Fail',
    'result.done': 'Done',
    'result.error': 'Error',
    'result.cancelled': 'Cancelled',
    'word.create': 'created',
    'word.save': 'saved',
    'word.duplicate': 'duplicated',
    'word.restore': 'restored revision',
    'word.import': 'imported',
    'word.draft': 'draft',
    'word.manifest': 'release manifest',
    'word.report': 'report',
    'word.history': 'work history',
    'word.add': 'added',
    'word.remove': 'removed',
    blockers: '{n} blocker(s)',
    agreement: '{pct}% agreement',
  },
  'zh-CN': {
    at: '时间',
    kind: '操作',
    subject: '对象',
    result: '结果',
    actor: '操作人',
    link: '报告或输出',
    none: '尚无操作记录。',
    failed: '无法读取操作记录',
    'kind.scan': '扫描',
    'kind.repack': '重新打包',
    'kind.convert': '转换',
    'kind.waiver': '豁免变更',
    'kind.draft-revision': '草稿修订',
    'kind.export': '导出',
    'kind.upload': '上传',
    'kind.submit': '提交',
    'kind.sync': '同步',
    'kind.compare': '对比',
    'kind.rename': '重命名副本',
    'result.pass': '通过',
    'result.fail': '未通过',
    'result.done': '完成',
    'result.error': '出错',
    'result.cancelled': '已取消',
    'word.create': '已创建',
    'word.save': '已保存',
    'word.duplicate': '已复制',
    'word.restore': '已恢复修订',
    'word.import': '已导入',
    'word.draft': '草稿',
    'word.manifest': '发布清单',
    'word.report': '报告',
    'word.history': '操作记录',
    'word.add': '已添加',
    'word.remove': '已删除',
    blockers: '{n} 个阻断项',
    agreement: '一致率 {pct}%',
  },
})

type HistoryKey = keyof (typeof historyMessages)['en']
const RESULT_CLASS: Record<string, string> = {
  pass: 'sev-info',
  done: 'sev-info',
  fail: 'sev-blocker',
  error: 'sev-blocker',
  cancelled: 'sev-warning',
}

/**
 * A short line of what an event's details say (the error, a scan's blockers, an export's format, …), in the UI's
 * language; `english`: the line is an error recorded only in English (marked lang="en").
 */
function detailLine(
  e: HistoryEventDto,
  t: (k: HistoryKey, v?: Record<string, string | number>) => string,
  lang: string,
): { line: string; english?: boolean } {
  const d = e.details
  if (typeof d.error === 'string') {
    if (lang === 'en') return { line: d.error }
    return typeof d.errorZh === 'string' ? { line: d.errorZh } : { line: d.error, english: true }
  }
  const word = (v: unknown) => {
    const [head, ...rest] = String(v).split(' ')
    const key = `word.${head}` as HistoryKey
    return [key in historyMessages.en ? t(key) : head, ...rest].join(' ')
  }
  const parts: string[] = []
  for (const k of ['action', 'what', 'format', 'op', 'rule', 'profile', 'blockers', 'agreement', 'report']) {
    const v = d[k]
    if (v === undefined || v === null) continue
    if (k === 'blockers') parts.push(t('blockers', { n: Number(v) }))
    else if (k === 'agreement') parts.push(t('agreement', { pct: Math.round(Number(v) * 100) }))
    else if (k === 'action' || k === 'what' || k === 'op') parts.push(word(v))
    else parts.push(String(v))
  }
  return { line: parts.join(' · ') }
}

export function HistoryTable({ events, testId = 'history-table' }: { events: HistoryEventDto[]; testId?: string }) {
  const t = useT(historyMessages)
  const lang = useLang((s) => s.lang)
  if (events.length === 0) return <p className="empty">{t('none')}</p>
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t('at')}</th>
          <th scope="col">{t('kind')}</th>
          <th scope="col">{t('subject')}</th>
          <th scope="col">{t('result')}</th>
          <th scope="col">{t('actor')}</th>
          <th scope="col">{t('link')}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const detail = detailLine(e, t, lang)
          return (
            <tr key={e.id} data-kind={e.kind} data-result={e.result}>
              <td>
                <time dateTime={e.at}>{new Date(e.at).toLocaleString(lang)}</time>
              </td>
              <td>{t(`kind.${e.kind}` as HistoryKey)}</td>
              <td>
                <span title={e.subject}>{e.subjectName}</span>
                {detail.line && (
                  <div className="muted" lang={detail.english ? 'en' : undefined}>
                    {detail.line}
                  </div>
                )}
              </td>
              <td>
                <span className={RESULT_CLASS[e.result] ?? ''}>{t(`result.${e.result}` as HistoryKey)}</span>
              </td>
              <td>{e.actor}</td>
              <td className="mono">{e.link ?? '—'}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** The history of one subject, newest first. */
export function HistoryPanel({ subject, reload = 0, testId }: { subject: string; reload?: unknown; testId?: string }) {
  const t = useT(historyMessages)
  const text = useText()
  const [events, setEvents] = useState<HistoryEventDto[] | null>(null)
  const [error, setError] = useState<Worded | null>(null)
  useEffect(() => {
    let live = true
    api.invoke('history.list', { subject, limit: 500 }).then(
      (r) => live && setEvents(r.events),
      (err: Worded) => live && setError(err),
    )
    return () => {
      live = false
    }
  }, [subject, reload])
  if (error)
    return (
      <div className="error" role="alert">
        {t('failed')}: {text(error)}
      </div>
    )
  return events ? <HistoryTable events={events} testId={testId} /> : null
}
