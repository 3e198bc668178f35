// Settings → Work history: the name operations are recorded under (history.actor); left empty: the OS account.
import { useEffect, useState } from 'react'
import { api } from '../../api'
import type { Worded } from '../../../src-preload/text'
import { defineMessages, useT, useText } from '../../i18n'

const messages = defineMessages({
  en: {
    title: 'Work history',
    name: 'Name recorded in the work history',
    lead: 'Each operation is recorded under this name. Left empty, it is your account on this computer ({account}).',
    save: 'Save name',
    saved: 'Operations are now recorded as {actor}.',
  },
  'zh-CN': {
    title: '操作记录',
    name: '操作记录中的操作人名称',
    lead: '每项操作都以此名称记录。留空时使用本机账户（{account}）。',
    save: '保存名称',
    saved: '操作现在记录为 {actor}。',
  },
})

export function ActorSetting() {
  const t = useT(messages)
  const text = useText()
  const [name, setName] = useState('')
  const [account, setAccount] = useState('')
  // the field is read-only until the saved name is in it (a name typed before would be replaced)
  const [loaded, setLoaded] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const [error, setError] = useState<Worded | null>(null)
  useEffect(() => {
    void Promise.all([
      api.invoke('settings.get', { key: 'history.actor' }),
      api.invoke('history.list', { limit: 1 }),
    ]).then(
      ([s, h]) => {
        setName(typeof s.value === 'string' ? s.value : '')
        setAccount(h.account)
        setLoaded(true)
      },
      (err: Worded) => setError(err),
    )
  }, [])
  const save = async () => {
    setError(null)
    setMessage(null)
    try {
      // an empty name: back to the OS account
      await api.invoke('settings.set', { key: 'history.actor', value: name.trim() || null })
      const actor = (await api.invoke('history.list', { limit: 1 })).actor
      setMessage(t('saved', { actor }))
    } catch (err) {
      setError(err as Worded)
    }
  }
  return (
    <div className="card">
      <h2>{t('title')}</h2>
      <p className="muted">{t('lead', { account })}</p>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <label className="field">
          {t('name')}
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            readOnly={!loaded}
            maxLength={100}
            placeholder={account}
            data-testid="history-actor"
          />
        </label>
        <div className="actions">
          <button type="submit" className="btn" disabled={!loaded} data-testid="history-actor-save">
            {t('save')}
          </button>
        </div>
      </form>
      {message && (
        <p role="status" data-testid="history-actor-message">
          {message}
        </p>
      )}
      {error && (
        <div className="error" role="alert">
          {text(error)}
        </div>
      )}
    </div>
  )
}
