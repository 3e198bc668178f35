// Home: drop or open a package; Preflight identifies it by magic bytes and hashes it (a main-process task
// with progress and Cancel), then offers the next step for its kind.
import { useEffect, useState } from 'react'
import type { PackageFactsDto } from '../../src-preload/contract'
import { formatBytes } from '../../src-preload/format'
import { DropZone } from '../components/DropZone'
import { ProgressBar } from '../components/ProgressBar'
import { defineMessages, useT } from '../i18n'
import { useNav } from '../stores/nav'
import { cancelTask, startTask, useTask } from '../stores/tasks'
import { hasScreen } from './registry'

const messages = defineMessages({
  en: {
    title: 'Prepare a release',
    lead: 'Drop a package to inspect it, pre-scan it against the marketplace rules and queue it for upload. Everything stays on this machine.',
    identifying: 'Identifying and hashing',
    file: 'File', kind: 'Kind', size: 'Size', sha256: 'SHA-256',
    scan: 'Pre-scan package', vm: 'Open VM image view', another: 'Choose another file',
    failed: 'Could not read the file', cancelled: 'Cancelled.',
  },
  'zh-CN': {
    title: '准备发布',
    lead: '拖入软件包即可检查、按市场规则预扫描并加入上传队列。所有数据都保留在本机。',
    identifying: '正在识别并计算哈希',
    file: '文件', kind: '类型', size: '大小', sha256: 'SHA-256',
    scan: '预扫描软件包', vm: '打开虚拟机镜像视图', another: '选择其他文件',
    failed: '无法读取文件', cancelled: '已取消。',
  },
})

const VM_KINDS = new Set(['qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'qed', 'raw', 'iso'])

export function Home() {
  const t = useT(messages)
  const go = useNav((s) => s.go)
  const [taskId, setTaskId] = useState<string | null>(null)
  const [startError, setStartError] = useState<string | null>(null)
  const task = useTask(taskId)
  const facts = task?.status === 'done' ? (task.result as PackageFactsDto) : null

  useEffect(() => {
    document.title = 'Preflight'
  }, [])

  async function identify(paths: string[]) {
    setStartError(null)
    try {
      setTaskId(await startTask('inspect.identify', { path: paths[0] }))
    } catch (err) {
      setStartError((err as Error).message)
    }
  }

  return (
    <section className="screen" aria-labelledby="home-title">
      <h1 id="home-title">{t('title')}</h1>
      <p className="muted">{t('lead')}</p>
      {(!task || task.status !== 'running') && <DropZone onFiles={identify} />}
      {task?.status === 'running' && <ProgressBar label={t('identifying')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />}
      {startError && <div className="error" role="alert">{startError}</div>}
      {task?.status === 'failed' && <div className="error" role="alert">{t('failed')}: {task.error?.message}</div>}
      {task?.status === 'cancelled' && <div className="muted" role="status">{t('cancelled')}</div>}
      {facts && (
        <div className="card" data-testid="package-facts">
          <dl className="facts">
            <dt>{t('file')}</dt>
            <dd data-testid="fact-name">{facts.name}</dd>
            <dt>{t('kind')}</dt>
            <dd data-testid="fact-kind">{facts.kind}</dd>
            <dt>{t('size')}</dt>
            <dd data-testid="fact-size">{formatBytes(facts.size)} ({facts.size.toLocaleString()} B)</dd>
            <dt>{t('sha256')}</dt>
            <dd className="mono" data-testid="fact-sha256">{facts.sha256}</dd>
          </dl>
          <div className="actions">
            {VM_KINDS.has(facts.kind) && hasScreen('vm') ? (
              <button type="button" className="btn" data-testid="open-vm" onClick={() => go('vm', { path: facts.path })}>{t('vm')}</button>
            ) : (
              hasScreen('package') && <button type="button" className="btn" onClick={() => go('package', { path: facts.path })} data-testid="scan-package">{t('scan')}</button>
            )}
          </div>
        </div>
      )}
    </section>
  )
}
