// Drop files here, or pick them with the native dialog (desktop) or the page's file picker (browser mode).
// Hands back absolute paths resolved through window.api.pathForFile. A zone for one file refuses a drop of
// several, saying so (it never keeps one of them silently).
import { useRef, useState, type DragEvent } from 'react'
import { api } from '../api'
import type { Worded } from '../../src-preload/text'
import { defineMessages, useT, useText } from '../i18n'

const messages = defineMessages({
  en: {
    drop: 'Drop a package here',
    or: 'or',
    open: 'Open package…',
    hint: 'zip, tar, tar.gz, qcow2, vmdk, vhd, vhdx, vdi, qed, image tars',
    staging: 'Preparing {name}…',
    oneOnly: 'Drop one file here: {n} files were dropped, none was taken.',
  },
  'zh-CN': {
    drop: '将软件包拖放到此处',
    or: '或',
    open: '打开软件包…',
    hint: 'zip、tar、tar.gz、qcow2、vmdk、vhd、vhdx、vdi、qed、镜像 tar',
    staging: '正在准备 {name}…',
    oneOnly: '此处只能拖放一个文件：拖入了 {n} 个文件，均未接收。',
  },
})

/** `hint` says what this zone takes (default: the package formats), `openLabel` names its file-picker button. */
export function DropZone({
  onFiles,
  multiple = false,
  label,
  hint,
  openLabel,
  testId = 'dropzone',
}: {
  onFiles: (paths: string[]) => void
  multiple?: boolean
  label?: string
  hint?: string
  openLabel?: string
  testId?: string
}) {
  const t = useT(messages)
  const text = useText()
  const [over, setOver] = useState(false)
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<Worded | null>(null)
  const input = useRef<HTMLInputElement>(null)

  async function accept(files: File[]) {
    setError(null)
    if (!multiple && files.length > 1) return setError({ message: t('oneOnly', { n: files.length }) })
    try {
      const paths: string[] = []
      for (const f of files) {
        setBusy(f.name)
        paths.push(await api.pathForFile(f))
      }
      if (paths.length) onFiles(paths)
    } catch (err) {
      setError(err as Worded)
    } finally {
      setBusy(null)
    }
  }

  async function openDialog() {
    const info = await api.invoke('app.info', {})
    if (info.nativeDialogs) {
      const { path } = await api.invoke('dialog.openPackage', {})
      if (path) onFiles([path])
    } else input.current?.click()
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault()
    setOver(false)
    void accept([...e.dataTransfer.files])
  }

  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid={testId}
      role="region"
      aria-label={label ?? t('drop')}
      onDragOver={(e) => {
        e.preventDefault()
        setOver(true)
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <div className="dropzone-title">{label ?? t('drop')}</div>
      <div className="muted" data-testid={`${testId}-hint`}>
        {hint ?? t('hint')}
      </div>
      <div className="dropzone-or muted">{t('or')}</div>
      <button
        type="button"
        className="btn"
        onClick={(e) => {
          e.stopPropagation()
          void openDialog()
        }}
        data-testid="open-package"
      >
        {openLabel ?? t('open')}
      </button>
      <input
        ref={input}
        type="file"
        multiple={multiple}
        hidden
        data-testid="file-input"
        aria-label={t('open')}
        onChange={(e) => {
          void accept([...(e.target.files ?? [])])
          e.target.value = ''
        }}
      />
      {busy && (
        <div className="muted" role="status">
          {t('staging', { name: busy })}
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {text(error)}
        </div>
      )}
    </div>
  )
}
