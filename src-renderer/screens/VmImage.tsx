// The VM image view: pre-scan of a disk image for KooGallery or Samsung Cloud Platform — header facts
// (format, virtual size, cluster size, encryption, backing file, snapshots), findings, and the profile's image
// attributes pre-filled from the image and validated live; "Start a release" carries them into a draft; the image's
// work history and the marketplace's report of it (components/history/PackageWork).
import { useEffect, useState } from 'react'
import type { FindingDto, PackageFactsDto } from '../../src-preload/contract'
import { api } from '../api'
import { Field } from '../components/form/Field'
import type { Values } from '../components/form/paths'
import { DiskUsageChart } from '../components/report/ImageCharts'
import { ProgressBar } from '../components/ProgressBar'
import { ReportView, type ReportLike } from '../components/report/ReportView'
import { PackageWork } from '../components/history/PackageWork'
import { verdictLine } from '../../src-preload/verdict'
import { defineMessages, useFormat, useLang, useT, useText } from '../i18n'
import { useNav } from '../stores/nav'
import { cancelTask, startTask, useTask } from '../stores/tasks'
import { prefill } from './wizard/derive'
import { STEPS } from './wizard/spec'

const messages = defineMessages({
  en: {
    title: 'VM image',
    profile: 'Prepare for',
    koogalleryImage: 'KooGallery image asset',
    scpImage: 'Samsung Cloud Platform image',
    scanning: 'Reading the image',
    pass: 'PASS — no blocker for this marketplace.',
    fail: 'FAIL — {n} blocker(s).',
    facts: 'Image facts',
    format: 'Format',
    virtual: 'Virtual size',
    file: 'File size',
    cluster: 'Cluster size',
    encryption: 'Encryption',
    backing: 'Backing file',
    snapshots: 'Internal snapshots',
    bitmaps: 'Bitmaps',
    version: 'qcow2 version',
    none: 'none',
    guest: 'Guest',
    os: 'Operating system',
    unknownOs: 'not detected',
    ptype: 'Type',
    start: 'Start',
    psize: 'Size',
    fs: 'Filesystem',
    unreadFs: 'not read (unsupported)',
    hygieneHint: 'Hygiene findings (hygiene.*) below name the exact guest file and how to clean it.',
    convertTitle: 'Convert / compact',
    convertHint: 'Writes a compact qcow2 v3 (zero clusters dropped), verified against the source before it is kept.',
    compress: 'Compress clusters (deflate)',
    convert: 'Convert to compact qcow2',
    converting: 'Converting',
    converted: 'Written {path} ({size}).',
    openConverted: 'Open it',
    attrs: 'Image attributes',
    release: 'Start a release with these attributes',
    noPath: 'Choose an image on the Home screen first.',
  },
  'zh-CN': {
    title: '虚拟机镜像',
    profile: '发布到',
    koogalleryImage: 'KooGallery 镜像资产',
    scpImage: 'Samsung Cloud Platform 镜像',
    scanning: '正在读取镜像',
    pass: '通过 — 对该市场没有阻断项。',
    fail: '未通过 — {n} 个阻断项。',
    facts: '镜像信息',
    format: '格式',
    virtual: '虚拟大小',
    file: '文件大小',
    cluster: '簇大小',
    encryption: '加密',
    backing: '后备文件',
    snapshots: '内部快照',
    bitmaps: '位图',
    version: 'qcow2 版本',
    none: '无',
    guest: '客户机',
    os: '操作系统',
    unknownOs: '未识别',
    ptype: '类型',
    start: '起始',
    psize: '大小',
    fs: '文件系统',
    unreadFs: '未读取（不支持）',
    hygieneHint: '下方的清理检查结果（hygiene.*）给出具体的客户机文件和清理方法。',
    convertTitle: '转换 / 压缩',
    convertHint: '写出紧凑的 qcow2 v3（去除全零簇），与源镜像校验一致后才保留。',
    compress: '压缩簇（deflate）',
    convert: '转换为紧凑 qcow2',
    converting: '正在转换',
    converted: '已写出 {path}（{size}）。',
    openConverted: '打开',
    attrs: '镜像属性',
    release: '用这些属性开始发布',
    noPath: '请先在首页选择镜像。',
  },
})

type ImageProfile = 'koogallery-image' | 'scp-image'
interface Guest {
  os: { id: string; versionId: string; name: string; arch: string | null } | null
  partitions: Array<{ index: number; type: string; start: number; size: number; filesystem: string | null }>
}
interface Q {
  version: number
  virtualSize: number
  clusterSize: number
  encryption: string | null
  backingFile: string | null
  snapshots: number
  bitmaps: number
}

export function VmImage() {
  const lang = useLang((s) => s.lang)
  const t = useT(messages)
  const text = useText()
  const fmt = useFormat()
  const { path } = useNav((s) => s.params) as { path?: string }
  const go = useNav((s) => s.go)
  const [profile, setProfile] = useState<ImageProfile>('koogallery-image')
  const [taskId, setTaskId] = useState<string | null>(null)
  const [values, setValues] = useState<Values>({})
  // what the seller typed is never replaced by a later prefill (the scan for another profile may finish after it)
  const [edited, setEdited] = useState(false)
  const edit = (v: Values) => {
    setEdited(true)
    setValues(v)
  }
  const [findings, setFindings] = useState<FindingDto[]>([])
  const task = useTask(taskId)
  const [convertId, setConvertId] = useState<string | null>(null)
  const [compress, setCompress] = useState(true)
  const conversion = useTask(convertId)
  const converted = conversion?.status === 'done' ? (conversion.result as { output: string; fileSize: number }) : null
  const report =
    task?.status === 'done'
      ? (task.result as ReportLike & {
          package: PackageFactsDto
          facts: { qcow2?: Q; virtualSize?: number; guest?: Guest }
        })
      : null

  useEffect(() => {
    if (path) void startTask('scan.start', { path, profile }).then(setTaskId)
  }, [path, profile])
  useEffect(() => {
    if (!report) return
    const fresh = prefill(profile, { package: report.package }, report.facts as never)
    setValues((cur) =>
      edited
        ? {
            ...fresh,
            ...cur,
            attrs: { ...((fresh.attrs as Values | undefined) ?? {}), ...((cur.attrs as Values | undefined) ?? {}) },
          }
        : fresh,
    )
  }, [report, profile]) // `edited` is read here, not a reason to prefill again
  useEffect(() => {
    const timer = setTimeout(
      () =>
        void api
          .invoke('drafts.validate', { profile, values })
          .then((r) => setFindings(r.findings.filter((f) => f.location.startsWith('attrs.')))),
      150,
    )
    return () => clearTimeout(timer)
  }, [values, profile])

  if (!path)
    return (
      <section className="screen">
        <h1>{t('title')}</h1>
        <p className="empty">{t('noPath')}</p>
      </section>
    )
  const q = report?.facts.qcow2
  const attrFields = STEPS[profile].flatMap((s) => s.fields ?? []).filter((f) => f.path.startsWith('attrs.'))
  const errors: Record<string, string[]> = {}
  for (const f of findings) (errors[f.location] ??= []).push(text(f))

  return (
    <section className="screen" aria-labelledby="vm-title">
      <h1 id="vm-title">{t('title')}</h1>
      <label className="row">
        {t('profile')}
        <select value={profile} onChange={(e) => setProfile(e.target.value as ImageProfile)} data-testid="vm-profile">
          <option value="koogallery-image">{t('koogalleryImage')}</option>
          <option value="scp-image">{t('scpImage')}</option>
        </select>
      </label>
      {task?.status === 'running' && (
        <ProgressBar label={t('scanning')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />
      )}
      {task?.status === 'failed' && (
        <div className="error" role="alert">
          {task.error && text(task.error)}
        </div>
      )}
      {report && (
        <>
          <div className={`verdict ${report.verdict}`} role="status" data-testid="vm-verdict">
            {verdictLine(report, lang)}
          </div>
          <div className="card">
            <h2>{t('facts')}</h2>
            <dl className="facts" data-testid="vm-facts">
              <dt>{t('format')}</dt>
              <dd>{report.package.kind}</dd>
              <dt>{t('file')}</dt>
              <dd>{fmt.bytes(report.package.size)}</dd>
              {q && (
                <>
                  <dt>{t('virtual')}</dt>
                  <dd>
                    {fmt.bytes(q.virtualSize)} ({fmt.number(q.virtualSize)} B)
                  </dd>
                  <dt>{t('version')}</dt>
                  <dd>{q.version}</dd>
                  <dt>{t('cluster')}</dt>
                  <dd>{fmt.bytes(q.clusterSize)}</dd>
                  <dt>{t('encryption')}</dt>
                  <dd>{q.encryption ?? t('none')}</dd>
                  <dt>{t('backing')}</dt>
                  <dd className="mono">{q.backingFile ?? t('none')}</dd>
                  <dt>{t('snapshots')}</dt>
                  <dd>{q.snapshots}</dd>
                  <dt>{t('bitmaps')}</dt>
                  <dd>{q.bitmaps}</dd>
                </>
              )}
              <dt>SHA-256</dt>
              <dd className="mono">{report.package.sha256}</dd>
            </dl>
            <DiskUsageChart
              virtualSize={report.facts.virtualSize}
              allocatedSize={(report.facts as { image?: { allocatedSize: number | null } }).image?.allocatedSize}
              fileSize={report.package.size}
            />
          </div>
          {report.facts.guest && (
            <div className="card" data-testid="vm-guest">
              <h2>{t('guest')}</h2>
              <dl className="facts">
                <dt>{t('os')}</dt>
                <dd>
                  {report.facts.guest.os
                    ? `${report.facts.guest.os.name} (${report.facts.guest.os.id} ${report.facts.guest.os.versionId}${report.facts.guest.os.arch ? `, ${report.facts.guest.os.arch}` : ''})`
                    : t('unknownOs')}
                </dd>
              </dl>
              <table>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{t('ptype')}</th>
                    <th scope="col">{t('start')}</th>
                    <th scope="col">{t('psize')}</th>
                    <th scope="col">{t('fs')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.facts.guest.partitions.map((p) => (
                    <tr key={p.index}>
                      <td>{p.index}</td>
                      <td className="mono">{p.type}</td>
                      <td>{fmt.bytes(p.start)}</td>
                      <td>{fmt.bytes(p.size)}</td>
                      <td>{p.filesystem ?? t('unreadFs')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted">{t('hygieneHint')}</p>
            </div>
          )}
          <div className="card">
            <h2>{t('convertTitle')}</h2>
            <p className="muted">{t('convertHint')}</p>
            <label className="row">
              <input type="checkbox" checked={compress} onChange={(e) => setCompress(e.target.checked)} />{' '}
              {t('compress')}
            </label>
            {conversion?.status === 'running' ? (
              <ProgressBar
                label={t('converting')}
                progress={conversion.progress}
                onCancel={() => void cancelTask(conversion.taskId)}
              />
            ) : (
              <div className="actions">
                <button
                  type="button"
                  className="btn btn-secondary"
                  data-testid="vm-convert"
                  onClick={async () => setConvertId(await startTask('vm.convert', { path, compress }))}
                >
                  {t('convert')}
                </button>
              </div>
            )}
            {conversion?.status === 'failed' && (
              <div className="error" role="alert">
                {conversion.error && text(conversion.error)}
              </div>
            )}
            {converted && (
              <p role="status" data-testid="vm-converted">
                {t('converted', { path: converted.output, size: fmt.bytes(converted.fileSize) })}{' '}
                <button
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => go('vm', { path: converted.output })}
                >
                  {t('openConverted')}
                </button>
              </p>
            )}
          </div>
          <div className="card">
            <h2>{t('attrs')}</h2>
            <div className="form-grid">
              {attrFields.map((f) => (
                <Field key={f.path} spec={f} values={values} errors={errors} onChange={edit} />
              ))}
            </div>
            <div className="actions">
              <button
                type="button"
                className="btn"
                data-testid="vm-release"
                onClick={async () => {
                  const d = await api.invoke('drafts.create', {
                    profile,
                    values: { ...values, wizard: { step: 3 } },
                    lang,
                  })
                  await api.invoke('drafts.save', {
                    id: d.id,
                    values: { ...values, wizard: { step: 3 } },
                    lastReport: report,
                  })
                  go('wizard', { draftId: d.id })
                }}
              >
                {t('release')}
              </button>
            </div>
          </div>
          <ReportView report={report} />
          <PackageWork key={report.package.sha256} report={report} ownImport />
        </>
      )}
    </section>
  )
}
