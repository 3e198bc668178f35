// "Package container images": drop image tars (docker-archive or OCI), see each one's validation state,
// platform, tags and size, reorder or remove them, name the bundle (checked live against the marketplace's
// file-name rule) and build one compliant container package, whose scan then opens in the package view. Home
// hands over the image tars of a multi-file drop (params.paths). A row
// that is no image tar, cannot be read or holds a damaged image says why in a sentence and blocks Build until
// it is removed.
import { useEffect, useRef, useState } from 'react'
import type { FindingDto } from '../../src-preload/contract'
import { DropZone } from '../components/DropZone'
import { ProgressBar } from '../components/ProgressBar'
import { hasRule, ruleText } from '../../src-preload/catalogue'
import { textIn } from '../../src-preload/text'
import { defineMessages, type Lang, useFormat, useLang, useT, useText } from '../i18n'
import { useNav } from '../stores/nav'
import { cancelTask, startTask, useTask, useTasks, type TaskState } from '../stores/tasks'

const messages = defineMessages({
  en: {
    title: 'Package container images',
    lead: 'KooGallery wants one OCI-format .tar per image, bundled in one .tar, .tar.gz or .zip. Drop docker-archive or OCI image tars; Preflight converts and bundles them.',
    drop: 'Drop image tars here',
    dropHint: 'docker save or OCI image tars (.tar), one image each',
    choose: 'Choose image tars…',
    checking: 'checking…',
    image: 'Image',
    state: 'State',
    platform: 'Platform',
    tags: 'Tags',
    size: 'Size',
    actions: 'Order',
    up: 'Move up',
    down: 'Move down',
    remove: 'Remove',
    name: 'Bundle file name',
    format: 'Form',
    oci: 'OCI (KooGallery)',
    docker: 'docker-archive (SWR console)',
    build: 'Build bundle',
    building: 'Building the bundle',
    badName: 'Only letters, digits, -, _, ( and ) before the extension; it must end in .tar, .tar.gz or .zip.',
    empty: 'No image yet.',
    ok: 'valid',
    legacy: 'docker-archive (will be converted)',
    invalid: '{n} blocker(s)',
    open: 'Open the bundle',
    built: 'Built {name}: {verdict}.',
    layers: '{n} layer(s): {compressed} stored, {uncompressed} unpacked',
    unknown: 'unknown',
    notImage: 'This is not a container image tar: Preflight found no docker-archive (docker save) or OCI image in it.',
    unreadable: 'Preflight could not read this file ({reason}).',
    damaged: 'The image has {n} blocker(s); the first: {message}',
    removeIt: 'Remove it to build the bundle.',
    blockedInvalid: 'Build is blocked: remove the {n} row(s) marked invalid first.',
    blockedChecking: 'Build waits until every image is checked.',
    invalidRow: 'invalid',
    failedBuild: 'The bundle could not be built: {reason}',
  },
  'zh-CN': {
    title: '打包容器镜像',
    lead: 'KooGallery 要求每个镜像一个 OCI 格式的 .tar，并打包为一个 .tar、.tar.gz 或 .zip。拖入 docker-archive 或 OCI 镜像 tar，Preflight 会转换并打包。',
    drop: '将镜像 tar 拖放到此处',
    dropHint: 'docker save 或 OCI 镜像 tar（.tar），每个文件一个镜像',
    choose: '选择镜像 tar…',
    checking: '检查中…',
    image: '镜像',
    state: '状态',
    platform: '平台',
    tags: '标签',
    size: '大小',
    actions: '顺序',
    up: '上移',
    down: '下移',
    remove: '移除',
    name: '包文件名',
    format: '格式',
    oci: 'OCI（KooGallery）',
    docker: 'docker-archive（SWR 控制台）',
    build: '生成包',
    building: '正在生成包',
    badName: '扩展名前只能使用字母、数字、-、_、( 和 )，且以 .tar、.tar.gz 或 .zip 结尾。',
    empty: '还没有镜像。',
    ok: '有效',
    legacy: 'docker-archive（将转换）',
    invalid: '{n} 个阻断项',
    open: '打开生成的包',
    built: '已生成 {name}：{verdict}。',
    layers: '{n} 层：存储 {compressed}，解压后 {uncompressed}',
    unknown: '未知',
    notImage: '这不是容器镜像 tar：Preflight 在其中没有找到 docker-archive（docker save）或 OCI 镜像。',
    unreadable: 'Preflight 无法读取此文件（{reason}）。',
    damaged: '该镜像有 {n} 个阻断项；第一个：{message}',
    removeIt: '移除它后才能生成包。',
    blockedInvalid: '无法生成：请先移除 {n} 个标记为无效的行。',
    blockedChecking: '等所有镜像检查完毕后才能生成。',
    invalidRow: '无效',
    failedBuild: '无法生成包：{reason}',
  },
})

interface Item {
  path: string
  taskId: string
}

interface ImageFacts {
  format: string
  platform: string | null
  tags: string[]
  layers: number
  compressedSize: number
  uncompressedSize: number | null
}

type ScanResult = {
  package: { size: number; kind: string }
  findings: FindingDto[]
  facts: { containers?: { images: ImageFacts[] } }
}

/** A row's state: still being checked, usable, or invalid with the reason as a sentence. */
type RowCheck =
  | { state: 'checking' }
  | { state: 'valid'; result: ScanResult; image: ImageFacts }
  | { state: 'invalid'; reason: string; result?: ScanResult }

function checkRow(
  task: TaskState | null | undefined,
  t: ReturnType<typeof useT<keyof (typeof messages)['en']>>,
  lang: Lang,
): RowCheck {
  if (!task || task.status === 'running') return { state: 'checking' }
  if (task.status !== 'done')
    return {
      state: 'invalid',
      reason: t('unreadable', {
        reason: (task.error ? textIn(task.error, lang) : task.status).replace(/[.。]$/, ''),
      }),
    }
  const result = task.result as ScanResult
  const image = result.facts.containers?.images?.[0]
  if (!image) return { state: 'invalid', reason: t('notImage'), result }
  const blockers = result.findings.filter((f) => f.severity === 'blocker' && !f.rule.startsWith('package.'))
  // the scanner's own sentence in English; in Chinese the rule's title from the catalogue
  const first = blockers[0]
  const message = first && lang !== 'en' && hasRule(first.rule) ? ruleText(first.rule, lang).title : first?.message
  if (blockers.length) return { state: 'invalid', reason: t('damaged', { n: blockers.length, message }), result }
  return { state: 'valid', result, image }
}

function Row({
  item,
  index,
  count,
  move,
  remove,
  t,
}: {
  item: Item
  index: number
  count: number
  move: (d: number) => void
  remove: () => void
  t: ReturnType<typeof useT<keyof (typeof messages)['en']>>
}) {
  const num = useFormat()
  const lang = useLang((s) => s.lang)
  const task = useTask(item.taskId)
  const check = checkRow(task, t, lang)
  const r = check.state === 'checking' ? null : (check.result ?? null)
  const img = check.state === 'valid' ? check.image : null
  const name = item.path.split(/[\\/]/).pop()
  return (
    <tr data-testid="image-row" className={check.state === 'invalid' ? 'row-invalid' : undefined}>
      <td className="mono image-name">{name}</td>
      {check.state === 'invalid' ? (
        <td className="sev-blocker" data-testid="image-state">
          <strong>{t('invalidRow')}</strong>
          <div data-testid="image-invalid">
            {check.reason} {t('removeIt')}
          </div>
        </td>
      ) : (
        <td data-testid="image-state">
          {check.state === 'checking' ? t('checking') : img?.format === 'docker-archive' ? t('legacy') : t('ok')}
        </td>
      )}
      <td>{img?.platform ?? '—'}</td>
      <td>{img?.tags.join(', ') || '—'}</td>
      <td>
        {r ? num.bytes(r.package.size) : '—'}
        {img && (
          <div className="muted" data-testid="image-layers">
            {t('layers', {
              n: num.number(img.layers),
              compressed: num.bytes(img.compressedSize),
              uncompressed: img.uncompressedSize === null ? t('unknown') : num.bytes(img.uncompressedSize),
            })}
          </div>
        )}
      </td>
      <td className="actions">
        <button
          type="button"
          className="btn btn-secondary"
          disabled={index === 0}
          onClick={() => move(-1)}
          aria-label={`${t('up')} ${index + 1}`}
        >
          ↑
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={index === count - 1}
          onClick={() => move(1)}
          aria-label={`${t('down')} ${index + 1}`}
        >
          ↓
        </button>
        <button
          type="button"
          className={check.state === 'invalid' ? 'btn btn-danger' : 'btn btn-secondary'}
          onClick={remove}
          aria-label={`${t('remove')} ${name}`}
          data-testid="image-remove"
        >
          {t('remove')}
        </button>
      </td>
    </tr>
  )
}

export function Containers() {
  const t = useT(messages)
  const text = useText()
  const go = useNav((s) => s.go)
  // image tars handed over by Home's "Bundle these images"
  const { paths: handedOver } = useNav((s) => s.params) as { paths?: string[] }
  const [items, setItems] = useState<Item[]>([])
  const [name, setName] = useState('images.tar.gz')
  const [format, setFormat] = useState<'oci' | 'docker-archive'>('oci')
  const [buildId, setBuildId] = useState<string | null>(null)
  const build = useTask(buildId)
  const nameOk = /^[A-Za-z0-9_()-]+\.(tar|tar\.gz|zip)$/.test(name)
  const result =
    build?.status === 'done' ? (build.result as { output: string; verdict: string; report: unknown }) : null
  const tasks = useTasks((s) => s.tasks)
  const lang = useLang((s) => s.lang)
  const checks = items.map((it) => checkRow(tasks[it.taskId], t, lang))
  const invalid = checks.filter((c) => c.state === 'invalid').length
  const checking = checks.some((c) => c.state === 'checking')

  useEffect(() => {
    // the bundle's own scan (run by the build) opens: no second scan
    if (result) setTimeout(() => go('package', { path: result.output, report: result.report }), 0)
  }, [result?.output, go])

  const handedOverAdded = useRef<string[] | null>(null)
  useEffect(() => {
    if (!handedOver?.length || handedOverAdded.current === handedOver) return
    handedOverAdded.current = handedOver
    void add(handedOver)
  }, [handedOver])

  async function add(paths: string[]) {
    const added: Item[] = []
    for (const p of paths)
      added.push({ path: p, taskId: await startTask('scan.start', { path: p, profile: 'swr-image' }) })
    setItems((cur) => [...cur, ...added])
  }
  const move = (i: number, d: number) =>
    setItems((cur) => {
      const next = [...cur]
      const [it] = next.splice(i, 1)
      next.splice(i + d, 0, it)
      return next
    })

  return (
    <section className="screen" aria-labelledby="containers-title">
      <h1 id="containers-title">{t('title')}</h1>
      <p className="muted">{t('lead')}</p>
      <DropZone
        onFiles={(p) => void add(p)}
        multiple
        label={t('drop')}
        hint={t('dropHint')}
        openLabel={t('choose')}
        testId="images-dropzone"
      />
      {items.length === 0 ? (
        <p className="empty">{t('empty')}</p>
      ) : (
        <table data-testid="images-table">
          <thead>
            <tr>
              <th scope="col">{t('image')}</th>
              <th scope="col">{t('state')}</th>
              <th scope="col">{t('platform')}</th>
              <th scope="col">{t('tags')}</th>
              <th scope="col">{t('size')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((it, i) => (
              <Row
                key={it.taskId}
                item={it}
                index={i}
                count={items.length}
                move={(d) => move(i, d)}
                remove={() => setItems(items.filter((x) => x !== it))}
                t={t}
              />
            ))}
          </tbody>
        </table>
      )}
      <div className="card">
        <div className="form-grid">
          <label className="field">
            {t('name')}
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={!nameOk}
              aria-describedby="bundle-name-err"
              data-testid="bundle-name"
            />
            {!nameOk && (
              <span id="bundle-name-err" className="field-error" role="alert">
                {t('badName')}
              </span>
            )}
          </label>
          <label className="field">
            {t('format')}
            <select value={format} onChange={(e) => setFormat(e.target.value as 'oci' | 'docker-archive')}>
              <option value="oci">{t('oci')}</option>
              <option value="docker-archive">{t('docker')}</option>
            </select>
          </label>
        </div>
        {build?.status === 'running' ? (
          <ProgressBar label={t('building')} progress={build.progress} onCancel={() => void cancelTask(build.taskId)} />
        ) : (
          <div className="actions">
            <button
              type="button"
              className="btn"
              disabled={!items.length || !nameOk || invalid > 0 || checking}
              aria-describedby={invalid || checking ? 'build-blocked' : undefined}
              data-testid="build-bundle"
              onClick={async () =>
                setBuildId(await startTask('containers.repack', { inputs: items.map((i) => i.path), name, format }))
              }
            >
              {t('build')}
            </button>
            {(invalid > 0 || checking) && items.length > 0 && (
              <span id="build-blocked" className={invalid ? 'error' : 'muted'} data-testid="build-blocked">
                {invalid ? t('blockedInvalid', { n: invalid }) : t('blockedChecking')}
              </span>
            )}
          </div>
        )}
        {build?.status === 'failed' && (
          <div className="error" role="alert">
            {t('failedBuild', { reason: text(build.error) })}
          </div>
        )}
        {result && (
          <p role="status">{t('built', { name: result.output.split(/[\\/]/).pop()!, verdict: result.verdict })}</p>
        )}
      </div>
    </section>
  )
}
