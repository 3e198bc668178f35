// Settings for delegating to an installed ClamAV engine (clamscan, or clamdscan with a running clamd) after
// Preflight's own signature pass: stored under the 'malware.engine' setting that scans read
// (src-main/malware/engine.ts). Self-contained so the Databases/Settings screens can include it.
import { useEffect, useState } from 'react'
import { api } from '../../api'
import { defineMessages, useT } from '../../i18n'

const messages = defineMessages({
  en: {
    title: 'ClamAV engine', engine: 'Also scan with', off: 'Off (Preflight signatures only)', database: 'ClamAV database (file or folder, optional)',
    save: 'Save', saved: 'Saved.', note: 'Engine hits become malware.detected; limit hits become malware.engine-limited. A missing engine is reported, never skipped.',
  },
  'zh-CN': {
    title: 'ClamAV 引擎', engine: '同时使用', off: '关闭（仅使用 Preflight 特征库）', database: 'ClamAV 特征库（文件或目录，可选）',
    save: '保存', saved: '已保存。', note: '引擎命中记为 malware.detected；超出限制记为 malware.engine-limited。引擎缺失会被报告，不会静默跳过。',
  },
})

type EngineSettingValue = { engine: 'off' | 'clamscan' | 'clamdscan'; database?: string }

export function EngineSetting() {
  const t = useT(messages)
  const [value, setValue] = useState<EngineSettingValue>({ engine: 'off' })
  const [saved, setSaved] = useState(false)
  useEffect(() => {
    void api.invoke('settings.get', { key: 'malware.engine' }).then((r) => {
      const v = r.value as Partial<EngineSettingValue> | null
      if (v && (v.engine === 'clamscan' || v.engine === 'clamdscan')) setValue({ engine: v.engine, database: v.database })
    })
  }, [])
  const save = async () => {
    await api.invoke('settings.set', { key: 'malware.engine', value })
    setSaved(true)
  }
  return (
    <div className="card" data-testid="engine-setting">
      <h2>{t('title')}</h2>
      <label>
        {t('engine')}{' '}
        <select data-testid="engine-select" value={value.engine} onChange={(e) => { setSaved(false); setValue({ ...value, engine: e.target.value as EngineSettingValue['engine'] }) }}>
          <option value="off">{t('off')}</option>
          <option value="clamscan">clamscan</option>
          <option value="clamdscan">clamdscan (clamd)</option>
        </select>
      </label>
      {value.engine === 'clamscan' && (
        <label>
          {t('database')}{' '}
          <input type="text" value={value.database ?? ''} onChange={(e) => { setSaved(false); setValue({ ...value, database: e.target.value || undefined }) }} />
        </label>
      )}
      <p className="muted">{t('note')}</p>
      <button type="button" onClick={() => void save()}>{t('save')}</button>
      {saved && <span role="status"> {t('saved')}</span>}
    </div>
  )
}
