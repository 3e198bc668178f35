// "Rename a copy…" (the fix of package.name-invalid, package.extension-mismatch and package.format-unsupported):
// the services propose a name the scan's rules accept; the seller may edit it, each keystroke judged by the same
// rules (package.renameCheck, its sentences in both languages); "Write the copy" copies the package next to the
// original under that name (a task: hashed, read back, never over a file) and hands the copy over to be scanned.
import { useEffect, useId, useRef, useState } from 'react'
import type { RenameCheckDto, RenameCopyDto } from '../../../src-preload/contract'
import type { Worded } from '../../../src-preload/text'
import { api } from '../../api'
import { defineMessages, useText, useT } from '../../i18n'
import { cancelTask, startTask, useTask } from '../../stores/tasks'
import { ProgressBar } from '../ProgressBar'
import { InlineDialog } from '../Dialog'

const messages = defineMessages({
  en: {
    title: 'Rename a copy of {name}',
    hint: 'The copy is written next to the original under the new name and scanned; the original stays as it is.',
    hintBrowser:
      'The copy is written beside the dropped file in the staging area and scanned; save it from the package view. The original stays as it is.',
    name: 'Name of the copy',
    accepted: 'The scan rules accept this name.',
    taken: 'A file named “{name}” is already next to the original: choose another name.',
    checking: 'Checking the name…',
    write: 'Write the copy',
    cancel: 'Cancel',
    copying: 'Copying and verifying',
    failed: 'The copy could not be written',
  },
  'zh-CN': {
    title: '重命名 {name} 的副本',
    hint: '副本将以新名称写在原文件旁边并进行扫描；原文件保持不变。',
    hintBrowser: '副本将写在暂存区中拖入文件的旁边并进行扫描；请在软件包视图中保存副本。原文件保持不变。',
    name: '副本名称',
    accepted: '扫描规则接受此名称。',
    taken: '原文件旁已有名为“{name}”的文件：请换一个名称。',
    checking: '正在检查名称…',
    write: '写入副本',
    cancel: '取消',
    copying: '正在复制并校验',
    failed: '无法写入副本',
  },
})

export interface RenameTarget {
  package: { path: string; name: string; sha256: string }
  profile: string
}

type ProfileId = 'koogallery-app' | 'koogallery-container' | 'koogallery-image' | 'scp-image' | 'swr-image'

export function RenameCopy({
  report,
  browser,
  onDone,
  onClose,
}: {
  report: RenameTarget
  /** Browser mode: the copy goes to the staging area, and the page saves it. */
  browser: boolean
  onDone: (copy: RenameCopyDto) => void
  onClose: () => void
}) {
  const t = useT(messages)
  const text = useText()
  const id = useId()
  const input = useRef<HTMLInputElement>(null)
  const [name, setName] = useState('')
  const [check, setCheck] = useState<RenameCheckDto | null>(null)
  const [error, setError] = useState<Worded | null>(null)
  const [taskId, setTaskId] = useState<string | null>(null)
  const task = useTask(taskId)
  const profile = report.profile as ProfileId
  const path = report.package.path

  // the proposal first, then every edit judged by the scan's rules (the latest answer for the latest name wins)
  useEffect(() => {
    let live = true
    api.invoke('package.renameCheck', { path, profile }).then(
      (r) => {
        if (!live) return
        setName(r.proposal)
        setCheck(r)
        input.current?.focus()
        input.current?.select()
      },
      (err) => live && setError(err as Worded),
    )
    return () => {
      live = false
    }
  }, [path, profile])
  useEffect(() => {
    if (!check || check.name === name) return
    let live = true
    const timer = setTimeout(() => {
      api.invoke('package.renameCheck', { path, profile, name }).then(
        (r) => live && setCheck(r),
        (err) => live && setError(err as Worded),
      )
    }, 120)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [name])
  useEffect(() => {
    if (task?.status === 'done') onDone(task.result as RenameCopyDto)
  }, [task?.status])

  const current = check && check.name === name ? check : null
  const ok = !!current && current.problems.length === 0 && !current.taken
  async function write() {
    setError(null)
    try {
      setTaskId(await startTask('package.renameCopy', { path, profile, name, sha256: report.package.sha256 }))
    } catch (err) {
      setError(err as Worded)
    }
  }

  return (
    <InlineDialog id={id} testId="rename-dialog" onClose={onClose}>
      <h3 id={`${id}-title`}>{t('title', { name: report.package.name })}</h3>
      <p id={`${id}-hint`} className="muted">
        {t(browser ? 'hintBrowser' : 'hint')}
      </p>
      <label className="field">
        {t('name')}
        <input
          ref={input}
          className="mono"
          value={name}
          spellCheck={false}
          aria-invalid={current ? !ok : undefined}
          aria-describedby={`${id}-check`}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && ok && !taskId) void write()
          }}
          data-testid="rename-name"
        />
      </label>
      <div id={`${id}-check`} role="status" data-testid="rename-check">
        {!current ? (
          <span className="muted">{t('checking')}</span>
        ) : current.problems.length ? (
          <ul className="field-error">
            {current.problems.map((p, i) => (
              <li key={i}>{text(p)}</li>
            ))}
          </ul>
        ) : current.taken ? (
          <span className="field-error">{t('taken', { name })}</span>
        ) : (
          <span className="muted">{t('accepted')}</span>
        )}
      </div>
      {task?.status === 'running' && (
        <ProgressBar label={t('copying')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />
      )}
      {(error || task?.status === 'failed') && (
        <div className="error" role="alert" data-testid="rename-error">
          {t('failed')}: {text(error ?? task?.error)}
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          className="btn"
          disabled={!ok || task?.status === 'running'}
          onClick={() => void write()}
          data-testid="rename-write"
        >
          {t('write')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          {t('cancel')}
        </button>
      </div>
    </InlineDialog>
  )
}
