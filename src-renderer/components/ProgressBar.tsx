// A task's progress: phase, percentage bar, bytes, windowed speed, ETA, and Cancel; "Cancelling…" from Cancel
// until the task has stopped.
import type { ProgressRecordDto } from '../../src-preload/contract'
import { formatEta, progressPercent } from '../../src-preload/format'
import { defineMessages, useFormat, useT } from '../i18n'

const messages = defineMessages({
  en: { cancel: 'Cancel', cancelling: 'Cancelling…', eta: 'ETA {eta}', starting: 'Starting…', progress: 'Progress' },
  'zh-CN': { cancel: '取消', cancelling: '正在取消…', eta: '剩余 {eta}', starting: '正在开始…', progress: '进度' },
})

export function ProgressBar({
  progress,
  onCancel,
  label,
}: {
  progress: ProgressRecordDto | null
  onCancel?: () => void
  label?: string
}) {
  const t = useT(messages)
  const fmt = useFormat()
  const pct = progress ? progressPercent(progress) : null
  const cancelling = progress?.cancelling === true
  return (
    <div className="progress" data-testid="progress">
      <div className="progress-head">
        <span className="progress-phase">{label ?? progress?.phase ?? t('starting')}</span>
        {cancelling && (
          <span className="progress-cancelling" role="status" data-testid="cancelling">
            {t('cancelling')}
          </span>
        )}
        {progress && !cancelling && (
          <span className="progress-numbers muted">
            {fmt.bytes(progress.bytesDone)}
            {progress.bytesTotal !== null && ` / ${fmt.bytes(progress.bytesTotal)}`} ·{' '}
            {fmt.rate(progress.bytesPerSecond)} · {t('eta', { eta: formatEta(progress.etaSeconds) })}
          </span>
        )}
        {onCancel && (
          <button
            type="button"
            className="btn btn-secondary"
            onClick={onCancel}
            disabled={cancelling}
            data-testid="cancel"
          >
            {t('cancel')}
          </button>
        )}
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label ?? t('progress')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct === null ? undefined : Math.round(pct)}
      >
        <div
          className={`progress-fill${pct === null ? ' indeterminate' : ''}`}
          style={{ width: pct === null ? '30%' : `${pct}%` }}
        />
      </div>
      {progress?.detail && <div className="progress-detail muted">{progress.detail}</div>}
    </div>
  )
}
