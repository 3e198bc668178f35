// The release wizard: one draft, walked through the console's steps for its profile. Every change autosaves
// (useDraft) and is validated live by the same schemas as the CLI's --attrs and the release manifest. A missing
// required value is shown at its field once the field was touched, its step left with Next, or the review seen;
// a value a later choice hides is dropped (src-preload/release-fields.ts). The review lists every field by its
// label, and each of its findings takes the seller to its field.
import { useEffect, useRef, useState, type SyntheticEvent } from 'react'
import type { DraftDto, FindingDto, PackageFactsDto } from '../../../src-preload/contract'
import { api } from '../../api'
import { download, fileNameOf } from '../../download'
import { DropZone } from '../../components/DropZone'
import { Field, type FieldErrors } from '../../components/form/Field'
import { getPath, setPath, type Values } from '../../components/form/paths'
import { ProgressBar } from '../../components/ProgressBar'
import { defineMessages, useFormat, useLang, useT, useText } from '../../i18n'
import { useNav } from '../../stores/nav'
import { cancelTask, startTask, useTask } from '../../stores/tasks'
import { dropHidden } from '../../../src-preload/release-fields'
import type { Worded } from '../../../src-preload/text'
import { hasScreen } from '../registry'
import { prefill } from './derive'
import { placeOf, reviewRows, UPLOAD_FIELDS } from './labels'
import { PROFILES, STEPS, type ProfileId, type StepSpec } from './spec'
import { useDraft } from './useDraft'

const messages = defineMessages({
  en: {
    title: 'Release wizard',
    steps: 'Wizard steps',
    back: 'Back',
    next: 'Next',
    choose: 'Choose what you are preparing',
    saved: 'Saved · revision {rev}',
    saving: 'Saving…',
    pending: 'Unsaved changes',
    saveFailed: 'Not saved: {error}',
    errorsInStep: '{n} to fix',
    draftTitle: 'Draft title',
    identifying: 'Identifying and hashing',
    packageChosen: 'Package',
    buildFromImages: 'Build from image tars…',
    replace: 'Choose another file',
    scan: 'Run pre-scan',
    rescan: 'Scan again',
    scanning: 'Pre-scanning',
    verdictPass: 'Pass: no blocker found',
    verdictFail: 'Fail: {n} blocker(s) to fix before upload',
    noPackage: 'Choose the package first (previous step).',
    scanUnavailable: 'The pre-scan could not run: {error}',
    findings: 'Findings',
    rule: 'Rule',
    location: 'Location',
    message: 'Message',
    blocker: 'Blocker',
    warning: 'Warning',
    info: 'Info',
    review: 'Everything the console will ask for',
    destination: 'Upload destination',
    exportJson: 'Export manifest (JSON)',
    exportHtml: 'Printable manifest (HTML)',
    exportDraft: 'Export draft',
    submit: 'Submit: record the release request',
    submitted: 'Release request recorded ({n} today).',
    busyDay: '10 or more requests today: review may take longer than 3 working days.',
    ready: 'Ready to submit',
    notReady: 'Not ready: fix the findings first',
    submitBlocked: 'Submit is available once the release is ready: {why}.',
    whyScan: 'scan the package (it must pass)',
    whyFail: 'the package does not pass its pre-scan',
    whyFields: '{n} field problem(s) to fix',
    none: 'No findings.',
    field: 'Field',
    value: 'Value',
    verdict: 'Package verdict',
    notScanned: 'not scanned',
    queue: 'Add upload to the queue',
    queuedUpload: 'The package is in the upload queue.',
    verdictWordPass: 'pass',
    verdictWordFail: 'fail',
    identifyFailed: 'The file could not be read: {error} Choose another file, or check that this one is complete.',
    titleHint: 'Shown in Drafts. Until you change it, it follows the package and the asset type.',
    releaseFindings: 'Fields to fix',
    goToField: 'Go to the field “{field}”',
    submitError: 'The release request was not recorded: {error}',
  },
  'zh-CN': {
    title: '发布向导',
    steps: '向导步骤',
    back: '上一步',
    next: '下一步',
    choose: '选择要准备的内容',
    saved: '已保存 · 修订 {rev}',
    saving: '正在保存…',
    pending: '有未保存的更改',
    saveFailed: '未保存：{error}',
    errorsInStep: '{n} 项待修复',
    draftTitle: '草稿标题',
    identifying: '正在识别并计算哈希',
    packageChosen: '软件包',
    buildFromImages: '从镜像 tar 构建…',
    replace: '选择其他文件',
    scan: '运行预扫描',
    rescan: '重新扫描',
    scanning: '正在预扫描',
    verdictPass: '通过：未发现阻断项',
    verdictFail: '未通过：上传前需修复 {n} 个阻断项',
    noPackage: '请先选择软件包（上一步）。',
    scanUnavailable: '预扫描无法运行：{error}',
    findings: '检查结果',
    rule: '规则',
    location: '位置',
    message: '说明',
    blocker: '阻断',
    warning: '警告',
    info: '信息',
    review: '控制台需要填写的全部内容',
    destination: '上传目标',
    exportJson: '导出清单（JSON）',
    exportHtml: '可打印清单（HTML）',
    exportDraft: '导出草稿',
    submit: '提交：记录发布申请',
    submitted: '已记录发布申请（今日 {n} 次）。',
    busyDay: '今日申请已达 10 次及以上：审核可能超过 3 个工作日。',
    ready: '可以提交',
    notReady: '尚不可提交：请先修复检查结果',
    submitBlocked: '发布就绪后才能提交：{why}。',
    whyScan: '扫描软件包（须通过）',
    whyFail: '软件包未通过预扫描',
    whyFields: '有 {n} 个字段问题需要修复',
    none: '没有检查结果。',
    field: '字段',
    value: '值',
    verdict: '软件包结论',
    notScanned: '未扫描',
    queue: '加入上传队列',
    queuedUpload: '软件包已加入上传队列。',
    verdictWordPass: '通过',
    verdictWordFail: '未通过',
    identifyFailed: '无法读取该文件：{error} 请选择其他文件，或检查此文件是否完整。',
    titleHint: '显示在草稿列表中。在你修改之前，它随软件包和资产类型变化。',
    releaseFindings: '需要修复的字段',
    goToField: '转到字段“{field}”',
    submitError: '未记录发布申请：{error}',
  },
})

type T = ReturnType<typeof useT<keyof (typeof messages)['en']>>

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0)

/** Whether a value path belongs to one of a step's fields. */
function inStep(step: StepSpec, path: string): boolean {
  return (step.fields ?? []).some((f) => path === f.path || path.startsWith(`${f.path}.`))
}

/**
 * The field errors to show: a field's error about a missing value only once the field was touched, its step was
 * left with Next, or the review was seen; any other error (a value that is there but wrong) at once.
 */
export function shownErrors(
  profile: string,
  errors: FieldErrors,
  values: Values,
  touched: ReadonlySet<string>,
  revealed: ReadonlySet<string>,
): FieldErrors {
  const out: FieldErrors = {}
  for (const [path, messages] of Object.entries(errors)) {
    const place = placeOf(profile, path)
    if (
      !isBlank(getPath(values, path)) ||
      revealed.has('review') ||
      touched.has(path) ||
      (place && (touched.has(place.fieldPath) || revealed.has(place.stepId)))
    )
      out[path] = messages
  }
  return out
}

function countErrors(step: StepSpec, errors: FieldErrors): number {
  return Object.entries(errors)
    .filter(([path]) => inStep(step, path))
    .reduce((n, [, messages]) => n + messages.length, 0)
}

export function Wizard() {
  const t = useT(messages)
  const text = useText()
  const lang = useLang((s) => s.lang)
  const params = useNav((s) => s.params) as { draftId?: string }
  const [draftId, setDraftId] = useState<string | null>(params.draftId ?? null)
  const ed = useDraft(draftId)
  const heading = useRef<HTMLHeadingElement>(null)
  const profile = (ed.draft?.profile ?? null) as ProfileId | null
  const steps = profile ? STEPS[profile] : STEPS['koogallery-app'].slice(0, 1)
  const stepIndex = Math.min(Number(getPath(ed.values, 'wizard.step') ?? 0), steps.length - 1)
  const step = steps[profile ? stepIndex : 0]
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set())
  const [revealed, setRevealed] = useState<ReadonlySet<string>>(new Set())
  const [focusPath, setFocusPath] = useState<string | null>(null)
  const errors = profile ? shownErrors(profile, ed.errors, ed.values, touched, revealed) : {}

  useEffect(() => {
    heading.current?.focus()
    if (step?.kind === 'review') setRevealed((r) => (r.has('review') ? r : new Set(r).add('review')))
  }, [step?.id])
  useEffect(() => {
    setDraftId(params.draftId ?? null)
  }, [params.draftId])
  useEffect(() => {
    setTouched(new Set())
    setRevealed(new Set())
  }, [draftId])
  // a finding's link: once its step is shown, focus its field (or the nearest element showing its list)
  useEffect(() => {
    if (!focusPath) return
    const timer = setTimeout(() => {
      let path = focusPath
      let el: Element | null = null
      while (path && !(el = document.querySelector(`[data-field="${CSS.escape(path)}"]`)))
        path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : ''
      const target = (
        el?.matches('input, select, textarea') ? el : el?.querySelector('input, select, textarea, button')
      ) as HTMLElement | null | undefined
      target?.focus()
      target?.scrollIntoView?.({ block: 'center' })
      setFocusPath(null)
    }, 0)
    return () => clearTimeout(timer)
  }, [focusPath, stepIndex])

  /** Every change of the draft's values: a value a later choice hides is dropped at once. */
  const setValues = (v: Values) => ed.setValues(dropHidden(v))
  const touch = (e: SyntheticEvent) => {
    const path = (e.target as Element).closest?.('[data-field]')?.getAttribute('data-field')
    if (path && !touched.has(path)) setTouched(new Set(touched).add(path))
  }
  function openField(path: string) {
    const place = profile ? placeOf(profile, path) : null
    if (!place || place.stepIndex < 0) return
    setTouched(new Set(touched).add(path).add(place.fieldPath))
    setFocusPath(place.fieldPath)
    if (place.stepIndex !== stepIndex) go(place.stepIndex)
  }

  async function chooseProfile(p: ProfileId) {
    if (ed.draft && ed.draft.profile === p) return go(1)
    const d = await api.invoke('drafts.create', { profile: p, values: { wizard: { step: 1 } }, lang })
    setDraftId(d.id)
  }
  function go(i: number) {
    ed.setValues(setPath(ed.values, 'wizard.step', Math.max(0, Math.min(steps.length - 1, i))))
    void ed.flush()
  }
  function next() {
    setRevealed(new Set(revealed).add(step.id))
    go(stepIndex + 1)
  }

  const status =
    ed.saving === 'saving'
      ? t('saving')
      : ed.saving === 'pending'
        ? t('pending')
        : ed.saving === 'error'
          ? t('saveFailed', { error: text(ed.saveError) })
          : ed.draft
            ? t('saved', { rev: ed.revision })
            : ''

  return (
    <section className="screen wizard" aria-labelledby="wizard-title">
      <div className="wizard-head">
        <h1 id="wizard-title">
          {t('title')}
          {ed.draft ? ` — ${ed.draft.title}` : ''}
        </h1>
        <span className="muted" role="status" aria-live="polite" data-testid="save-status">
          {status}
        </span>
      </div>
      {profile && (
        <nav aria-label={t('steps')}>
          <ol className="steps">
            {steps.map((s, i) => {
              const n = countErrors(s, errors)
              return (
                <li key={s.id}>
                  <button
                    type="button"
                    className={`step${i === stepIndex ? ' current' : ''}`}
                    aria-current={i === stepIndex ? 'step' : undefined}
                    onClick={() => go(i)}
                    data-testid={`step-${s.id}`}
                  >
                    <span className="step-num">{i + 1}</span> {s.title[lang]}
                    {n > 0 && (
                      <span className="badge sev-blocker" aria-label={t('errorsInStep', { n })}>
                        {n}
                      </span>
                    )}
                  </button>
                </li>
              )
            })}
          </ol>
        </nav>
      )}
      <div className="card">
        <h2 tabIndex={-1} ref={heading} data-testid="step-title">
          {step.kind === 'profile' ? t('choose') : step.title[lang]}
        </h2>
        {step.kind === 'profile' && <ProfileStep current={profile} onChoose={chooseProfile} />}
        {step.kind === 'package' && ed.draft && (
          <div className="field">
            <label htmlFor="draft-title">{t('draftTitle')}</label>
            <input
              id="draft-title"
              type="text"
              value={ed.draft.title}
              maxLength={200}
              aria-describedby="draft-title-hint"
              onChange={(e) => ed.setTitle(e.target.value)}
              data-testid="draft-title"
            />
            <span id="draft-title-hint" className="muted">
              {t('titleHint')}
            </span>
          </div>
        )}
        {step.kind === 'package' && ed.draft && (
          <PackageStep t={t} draft={ed.draft} values={ed.values} onChange={setValues} />
        )}
        {step.kind === 'prescan' && ed.draft && (
          <PrescanStep
            t={t}
            draft={ed.draft}
            values={ed.values}
            onReport={(report, v) => ed.patch({ lastReport: report, values: dropHidden(v) })}
          />
        )}
        {step.kind === 'fields' && (
          <div className="form-grid" onBlur={touch} onChange={touch}>
            {step.fields!.map((f) => (
              <Field key={f.path} spec={f} values={ed.values} errors={errors} onChange={setValues} />
            ))}
          </div>
        )}
        {step.kind === 'review' && ed.draft && (
          <ReviewStep
            t={t}
            draft={{ ...ed.draft, values: ed.values }}
            findings={ed.findings}
            values={ed.values}
            onChange={setValues}
            flush={ed.flush}
            onOpenField={openField}
          />
        )}
      </div>
      {profile && (
        <div className="actions">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={stepIndex === 0}
            onClick={() => go(stepIndex - 1)}
            data-testid="back"
          >
            {t('back')}
          </button>
          <button
            type="button"
            className="btn"
            disabled={stepIndex >= steps.length - 1}
            onClick={next}
            data-testid="next"
          >
            {t('next')}
          </button>
        </div>
      )}
    </section>
  )
}

function ProfileStep({ current, onChoose }: { current: ProfileId | null; onChoose: (p: ProfileId) => void }) {
  const lang = useLang((s) => s.lang)
  return (
    <div className="profile-grid" role="list">
      {PROFILES.map((p) => (
        <button
          type="button"
          role="listitem"
          key={p.id}
          className={`profile-card${p.id === current ? ' selected' : ''}`}
          onClick={() => onChoose(p.id)}
          data-testid={`profile-${p.id}`}
        >
          <strong>{p.title[lang]}</strong>
          <span className="muted">{p.summary[lang]}</span>
        </button>
      ))}
    </div>
  )
}

function PackageStep({
  t,
  draft,
  values,
  onChange,
}: {
  t: T
  draft: DraftDto
  values: Values
  onChange: (v: Values) => void
}) {
  const go = useNav((s) => s.go)
  const fmt = useFormat()
  const text = useText()
  const [taskId, setTaskId] = useState<string | null>(null)
  const task = useTask(taskId)
  const pkg = values.package as PackageFactsDto | undefined
  useEffect(() => {
    if (task?.status === 'done') {
      onChange(prefill(draft.profile, setPath(values, 'package', task.result as PackageFactsDto), undefined))
      setTaskId(null)
    }
  }, [task?.status])
  return (
    <div className="stack">
      {task?.status === 'running' ? (
        <ProgressBar label={t('identifying')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />
      ) : (
        <DropZone
          onFiles={async (paths) => setTaskId(await startTask('inspect.identify', { path: paths[0] }))}
          multiple={false}
        />
      )}
      {task?.status === 'failed' && (
        <div className="error" role="alert">
          {t('identifyFailed', { error: text(task.error) })}
        </div>
      )}
      {draft.profile === 'koogallery-container' && hasScreen('containers') && (
        <div>
          <button type="button" className="btn btn-secondary" onClick={() => go('containers', { draftId: draft.id })}>
            {t('buildFromImages')}
          </button>
        </div>
      )}
      {pkg && (
        <dl className="facts" data-testid="wizard-package">
          <dt>{t('packageChosen')}</dt>
          <dd>
            {pkg.name} · {pkg.kind} · {fmt.bytes(pkg.size)}
          </dd>
          <dt>SHA-256</dt>
          <dd className="mono">{pkg.sha256}</dd>
        </dl>
      )}
    </div>
  )
}

interface ReportLike {
  verdict: 'pass' | 'fail'
  findings: FindingDto[]
  facts?: Record<string, unknown>
}

function PrescanStep({
  t,
  draft,
  values,
  onReport,
}: {
  t: T
  draft: DraftDto
  values: Values
  onReport: (r: ReportLike, v: Values) => Promise<void>
}) {
  const [taskId, setTaskId] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const text = useText()
  const task = useTask(taskId)
  const pkg = values.package as PackageFactsDto | undefined
  const report = (task?.status === 'done' ? task.result : draft.lastReport) as ReportLike | null
  useEffect(() => {
    if (task?.status === 'done') {
      const r = task.result as ReportLike
      void onReport(r, prefill(draft.profile, values, r.facts))
    }
  }, [task?.status])
  if (!pkg) return <p className="empty">{t('noPackage')}</p>
  async function run() {
    setError(null)
    try {
      setTaskId(await startTask('scan.start', { path: pkg!.path, profile: draft.profile as ProfileId }))
    } catch (err) {
      setError(t('scanUnavailable', { error: text(err as Error) }))
    }
  }
  const blockers = report?.findings.filter((f) => f.severity === 'blocker' && !f.waived).length ?? 0
  return (
    <div className="stack">
      {task?.status === 'running' ? (
        <ProgressBar label={t('scanning')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />
      ) : (
        <div>
          <button type="button" className="btn" onClick={run} data-testid="run-scan">
            {report ? t('rescan') : t('scan')}
          </button>
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {task?.status === 'failed' && (
        <div className="error" role="alert">
          {t('scanUnavailable', { error: text(task.error) })}
        </div>
      )}
      {report && (
        <>
          <div className={`verdict ${report.verdict}`} data-testid="wizard-verdict">
            {report.verdict === 'pass' ? t('verdictPass') : t('verdictFail', { n: blockers })}
          </div>
          <FindingTable t={t} findings={report.findings} />
        </>
      )}
    </div>
  )
}

function FindingTable({ t, findings }: { t: T; findings: FindingDto[] }) {
  const text = useText()
  if (findings.length === 0) return <p className="muted">{t('none')}</p>
  return (
    <table>
      <caption className="sr-only">{t('findings')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('rule')}</th>
          <th scope="col">{t('location')}</th>
          <th scope="col">{t('message')}</th>
        </tr>
      </thead>
      <tbody>
        {findings.map((f, i) => (
          <tr key={i}>
            <td>
              <span className={`sev-${f.severity}`}>{t(f.severity)}</span> <code>{f.rule}</code>
            </td>
            <td className="mono">{f.location}</td>
            <td>{text(f)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The release's findings, each naming its field by label; a field's name takes the seller to it. */
function ReleaseFindingTable({
  t,
  profile,
  findings,
  onOpenField,
}: {
  t: T
  profile: string
  findings: FindingDto[]
  onOpenField: (path: string) => void
}) {
  const lang = useLang((s) => s.lang)
  const text = useText()
  if (findings.length === 0) return <p className="muted">{t('none')}</p>
  return (
    <table data-testid="review-findings">
      <caption className="sr-only">{t('releaseFindings')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('rule')}</th>
          <th scope="col">{t('field')}</th>
          <th scope="col">{t('message')}</th>
        </tr>
      </thead>
      <tbody>
        {findings.map((f, i) => {
          const place = placeOf(profile, f.location)
          const label = place?.label[lang]
          return (
            <tr key={i}>
              <td>
                <span className={`sev-${f.severity}`}>{t(f.severity)}</span> <code>{f.rule}</code>
              </td>
              <td>
                {label && place.stepIndex >= 0 ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => onOpenField(f.location)}
                    aria-label={t('goToField', { field: label })}
                    data-testid="finding-field"
                    data-path={f.location}
                  >
                    {label}
                  </button>
                ) : (
                  <span className="mono">{label ?? f.location}</span>
                )}
              </td>
              <td data-testid="finding-message">{text(f)}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

function ReviewStep({
  t,
  draft,
  findings,
  values,
  onChange,
  flush,
  onOpenField,
}: {
  t: T
  draft: DraftDto
  findings: FindingDto[]
  values: Values
  onChange: (v: Values) => void
  flush: () => Promise<void>
  onOpenField: (path: string) => void
}) {
  const lang = useLang((s) => s.lang)
  const [submitted, setSubmitted] = useState<number | null>(null)
  const [queued, setQueued] = useState(false)
  const text = useText()
  const [error, setError] = useState<Worded | null>(null)
  // the last scan counts only when it was of the package the draft holds now (as for the manifest and submit)
  const lastScan = draft.lastReport as (ReportLike & { package?: { sha256?: string } }) | null
  const held = (values.package as PackageFactsDto | undefined)?.sha256
  const report = lastScan && !(held && lastScan.package?.sha256 && lastScan.package.sha256 !== held) ? lastScan : null
  const blockers = findings.filter((f) => f.severity === 'blocker' && !f.waived)
  const ready = report?.verdict === 'pass' && blockers.length === 0
  const safeName = fileNameOf(draft.title)
  async function exportManifest(format: 'json' | 'html') {
    await flush()
    const r = await api.invoke('drafts.manifest', { id: draft.id, format, lang })
    download(`${safeName}-manifest.${format}`, r.content, format === 'json' ? 'application/json' : 'text/html')
  }
  async function exportDraft() {
    await flush()
    const r = await api.invoke('drafts.export', { id: draft.id })
    download(`${safeName}.preflight-draft.json`, r.content, 'application/json')
  }
  async function submit() {
    setError(null)
    try {
      await flush()
      const r = await api.invoke('drafts.submit', { id: draft.id })
      setSubmitted(r.requestsToday)
      // hand the package to the upload queue when a destination is set
      const pkg = values.package as PackageFactsDto | undefined
      const target = getPath(values, 'upload.target')
      if (pkg && typeof target === 'string' && /^(s3|docker|file):\/\//.test(target)) {
        const endpoint = getPath(values, 'upload.endpoint')
        await startTask('queue.enqueue', {
          path: pkg.path,
          target,
          sha256: pkg.sha256,
          endpoint: typeof endpoint === 'string' && endpoint ? endpoint : undefined,
        })
        setQueued(true)
      }
    } catch (err) {
      setError(err as Worded)
    }
  }
  const rows = reviewRows(draft.profile, values, lang)
  return (
    <div className="stack">
      <div className={`verdict ${ready ? 'pass' : 'fail'}`} data-testid="review-ready">
        {ready ? t('ready') : t('notReady')}
      </div>
      <dl className="facts">
        <dt>{t('verdict')}</dt>
        <dd data-testid="review-verdict">
          {report ? t(report.verdict === 'pass' ? 'verdictWordPass' : 'verdictWordFail') : t('notScanned')}
        </dd>
      </dl>
      <h3>{t('review')}</h3>
      <table data-testid="review-fields">
        <thead>
          <tr>
            <th scope="col">{t('field')}</th>
            <th scope="col">{t('value')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.path} data-path={r.path}>
              <td>{r.label}</td>
              <td>{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('findings')}</h3>
      <ReleaseFindingTable t={t} profile={draft.profile} findings={findings} onOpenField={onOpenField} />
      <h3>{t('destination')}</h3>
      <div className="form-grid">
        {UPLOAD_FIELDS.map((f) => (
          <Field key={f.path} spec={f} values={values} errors={{}} onChange={onChange} />
        ))}
      </div>
      <div className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void exportManifest('json')}
          data-testid="export-manifest-json"
        >
          {t('exportJson')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void exportManifest('html')}
          data-testid="export-manifest-html"
        >
          {t('exportHtml')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => void exportDraft()}
          data-testid="export-draft"
        >
          {t('exportDraft')}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => void submit()}
          data-testid="submit"
          disabled={!ready}
          aria-describedby={ready ? undefined : 'submit-why'}
        >
          {t('submit')}
        </button>
      </div>
      {!ready && (
        <p className="muted" id="submit-why" data-testid="submit-why">
          {t('submitBlocked', {
            why: [
              report ? (report.verdict === 'pass' ? '' : t('whyFail')) : t('whyScan'),
              blockers.length ? t('whyFields', { n: blockers.length }) : '',
            ]
              .filter(Boolean)
              .join('; '),
          })}
        </p>
      )}
      {submitted !== null && (
        <p role="status" data-testid="submitted">
          {t('submitted', { n: submitted })} {submitted >= 10 ? t('busyDay') : ''} {queued ? t('queuedUpload') : ''}
        </p>
      )}
      {error && (
        <div className="error" role="alert">
          {t('submitError', { error: text(error) })}
        </div>
      )}
    </div>
  )
}
