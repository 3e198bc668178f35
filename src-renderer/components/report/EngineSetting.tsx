// Settings for delegating to an installed ClamAV engine (clamscan, or clamdscan with a running clamd) after
// Preflight's own signature pass: stored under the 'malware.engine' setting that scans read
// (src-main/malware/engine.ts). Named options only (engine, database, size limit): no free-form arguments reach the
// engine. Self-contained so the Databases/Settings screens can include it.
import { useEffect, useState } from 'react'
import { api } from '../../api'
import { defineMessages, useT } from '../../i18n'

const messages = defineMessages({
  en: {
    title: 'ClamAV engine',
    engine: 'Also scan with',
    off: 'Off (Preflight signatures only)',
    database: 'ClamAV database (file or folder, optional)',
    maxFileSize: "Largest file and scan size for clamscan (MiB, 1–4096; empty: clamscan's own limits)",
    save: 'Save',
    saved: 'Saved.',
    note: 'Engine hits become malware.detected; limit hits become malware.engine-limited. A missing engine is reported, never skipped.',
  },
  'zh-CN': {
    title: 'ClamAV 引擎',
    engine: '同时使用',
    off: '关闭（仅使用 Preflight 特征库）',
    database: 'ClamAV 特征库（文件或目录，可选）',
    maxFileSize: 'clamscan 的最大文件与扫描大小（MiB，1–4096；留空则使用 clamscan 自身的限制）',
    save: '保存',
    saved: '已保存。',
    note: '引擎命中记为 malware.detected；超出限制记为 malware.engine-limited。引擎缺失会被报告，不会静默跳过。',
  },
})

type EngineSettingValue = { engine: 'off' | 'clamscan' | 'clamdscan'; database?: string; maxFileSizeMiB?: number }

export function EngineSetting() {
  const t = useT(messages)
  const [value, setValue] = useState<EngineSettingValue>({ engine: 'off' })
  const [saved, setSaved] = useState(false)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    void api.invoke('settings.get', { key: 'malware.engine' }).then((r) => {
      const v = r.value as Partial<EngineSettingValue> | null
      if (v && (v.engine === 'clamscan' || v.engine === 'clamdscan'))
        setValue({ engine: v.engine, database: v.database, maxFileSizeMiB: v.maxFileSizeMiB })
    })
  }, [])
  const save = async () => {
    setError(null)
    try {
      // clamdscan takes its limits from clamd.conf: only clamscan's are sent
      await api.invoke('settings.set', {
        key: 'malware.engine',
        value: value.engine === 'clamscan' ? value : { engine: value.engine },
      })
      setSaved(true)
    } catch (err) {
      setError((err as Error).message)
    }
  }
  const edit = (change: Partial<EngineSettingValue>) => {
    setSaved(false)
    setValue({ ...value, ...change })
  }
  return (
    <div className="card" data-testid="engine-setting">
      <h2>{t('title')}</h2>
      <label>
        {t('engine')}{' '}
        <select
          data-testid="engine-select"
          value={value.engine}
          onChange={(e) => edit({ engine: e.target.value as EngineSettingValue['engine'] })}
        >
          <option value="off">{t('off')}</option>
          <option value="clamscan">clamscan</option>
          <option value="clamdscan">clamdscan (clamd)</option>
        </select>
      </label>
      {value.engine === 'clamscan' && (
        <>
          <label>
            {t('database')}{' '}
            <input
              type="text"
              value={value.database ?? ''}
              onChange={(e) => edit({ database: e.target.value || undefined })}
              data-testid="engine-database"
            />
          </label>
          <label>
            {t('maxFileSize')}{' '}
            <input
              type="number"
              min={1}
              max={4096}
              step={1}
              value={value.maxFileSizeMiB ?? ''}
              data-testid="engine-max-size"
              onChange={(e) => edit({ maxFileSizeMiB: e.target.value === '' ? undefined : Number(e.target.value) })}
            />
          </label>
        </>
      )}
      <p className="muted">{t('note')}</p>
      <button type="button" className="btn" onClick={() => void save()}>
        {t('save')}
      </button>
      {saved && <span role="status"> {t('saved')}</span>}
      {error && (
        <p className="error" role="alert" data-testid="engine-error">
          {error}
        </p>
      )}
    </div>
  )
}
