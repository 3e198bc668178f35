// Settings: object-storage and registry credentials per endpoint (sealed with the system's secure storage in the desktop
// app, session-only otherwise — the screen says which), listed by masked key id, never shown back. Saving
// keys resumes the uploads that were waiting for them.
import { useCallback, useEffect, useState } from 'react'
import type { ResultOf } from '../../src-preload/contract'
import { api } from '../api'
import { ActorSetting } from '../components/history/ActorSetting'
import type { Worded } from '../../src-preload/text'
import { defineMessages, useFormat, useT, useText } from '../i18n'
import { loadQueue } from '../stores/queue'
import { useNav } from '../stores/nav'

const messages = defineMessages({
  en: {
    title: 'Settings',
    creds: 'Storage credentials',
    lead: 'Keys for S3-compatible object storage (Huawei Cloud OBS, AWS S3, others), one pair per endpoint; without an endpoint they are for AWS. For a container registry (SWR, Harbor), enter its address (e.g. https://swr.cn-north-4.myhuaweicloud.com), the user name as the access key id and the password or login key as the secret. Secrets are never shown again.',
    persistent: 'Saved with the system’s secure storage (keychain, DPAPI or the desktop keyring).',
    session:
      'No secure storage on this machine: keys are kept for this session only and must be entered again after a restart.',
    endpoint: 'Endpoint (empty: AWS)',
    keyId: 'Access key id',
    secret: 'Secret access key',
    token: 'Session token (temporary credentials, optional)',
    save: 'Save credentials',
    connection: 'Endpoint',
    hint: 'Access key',
    tokenCol: 'Session token',
    savedAt: 'Saved',
    remove: 'Remove',
    none: 'No credentials saved. The environment’s AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are used if set.',
    saved: 'Saved for {connection}.',
    resumed: '{n} waiting upload(s) resumed.',
    yes: 'yes',
    no: 'no',
    thisSession: 'this session',
  },
  'zh-CN': {
    title: '设置',
    creds: '存储凭据',
    lead: 'S3 兼容对象存储（华为云 OBS、AWS S3 等）的密钥，每个终端节点一对；不填终端节点即用于 AWS。容器镜像仓库（SWR、Harbor）请填写其地址（如 https://swr.cn-north-4.myhuaweicloud.com），用户名填入访问密钥 ID，密码或登录指令密钥填入秘密访问密钥。密钥保存后不再显示。',
    persistent: '已使用系统安全存储（钥匙串、DPAPI 或桌面密钥环）保存。',
    session: '本机没有安全存储：密钥仅在本次会话中保留，重启后需重新输入。',
    endpoint: '终端节点（留空为 AWS）',
    keyId: '访问密钥 ID',
    secret: '秘密访问密钥',
    token: '会话令牌（临时凭据，可选）',
    save: '保存凭据',
    connection: '终端节点',
    hint: '访问密钥',
    tokenCol: '会话令牌',
    savedAt: '保存时间',
    remove: '删除',
    none: '尚未保存凭据。如设置了环境变量 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY，则使用它们。',
    saved: '已为 {connection} 保存。',
    resumed: '已继续 {n} 个等待中的上传。',
    yes: '是',
    no: '否',
    thisSession: '本次会话',
  },
})

export function Settings() {
  const t = useT(messages)
  const text = useText()
  const fmt = useFormat()
  const params = useNav((s) => s.params)
  const [state, setState] = useState<ResultOf<'credentials.list'> | null>(null)
  const [endpoint, setEndpoint] = useState(typeof params.endpoint === 'string' ? params.endpoint : '')
  const [keyId, setKeyId] = useState('')
  const [secret, setSecret] = useState('')
  const [token, setToken] = useState('')
  const [message, setMessage] = useState<string | null>(null)
  // a service's refusal as it came (both languages), shown in the language chosen now
  const [error, setError] = useState<Worded | null>(null)
  const refresh = useCallback(async () => setState(await api.invoke('credentials.list', {})), [])
  useEffect(() => {
    void refresh().catch((err: Worded) => setError(err))
  }, [refresh])

  const save = async () => {
    setError(null)
    setMessage(null)
    try {
      const r = await api.invoke('credentials.save', {
        endpoint: endpoint.trim() || undefined,
        accessKeyId: keyId,
        secretAccessKey: secret,
        sessionToken: token.trim() || undefined,
      })
      setSecret('')
      setToken('')
      setMessage(
        [t('saved', { connection: r.connection.connection }), r.resumed ? t('resumed', { n: r.resumed }) : '']
          .filter(Boolean)
          .join(' '),
      )
      await refresh()
      if (r.resumed) await loadQueue()
    } catch (err) {
      setError(err as Worded)
    }
  }
  const remove = async (connection: string) => {
    setError(null)
    try {
      await api.invoke('credentials.delete', { endpoint: connection === 'aws' ? undefined : connection })
      await refresh()
    } catch (err) {
      setError(err as Worded)
    }
  }

  return (
    <section className="screen" aria-labelledby="settings-title">
      <h1 id="settings-title">{t('title')}</h1>
      <div className="card">
        <h2>{t('creds')}</h2>
        <p className="muted">{t('lead')}</p>
        {state && (
          <p data-testid="creds-storage" className={state.persistent ? '' : 'sev-warning'}>
            {state.persistent ? t('persistent') : t('session')}
          </p>
        )}
        {state &&
          (state.connections.length === 0 ? (
            <p className="empty">{t('none')}</p>
          ) : (
            <table data-testid="creds-table">
              <thead>
                <tr>
                  <th scope="col">{t('connection')}</th>
                  <th scope="col">{t('hint')}</th>
                  <th scope="col">{t('tokenCol')}</th>
                  <th scope="col">{t('savedAt')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('remove')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.connections.map((c) => (
                  <tr key={c.connection}>
                    <td className="mono">{c.connection}</td>
                    <td className="mono">{c.accessKeyHint}</td>
                    <td>{c.hasSessionToken ? t('yes') : t('no')}</td>
                    <td>{c.persisted ? fmt.date(c.savedAt) : t('thisSession')}</td>
                    <td>
                      <button type="button" className="btn btn-secondary" onClick={() => void remove(c.connection)}>
                        {t('remove')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        <form
          className="form-grid"
          onSubmit={(e) => {
            e.preventDefault()
            void save()
          }}
        >
          <label className="field">
            {t('endpoint')}
            <input
              value={endpoint}
              onChange={(e) => setEndpoint(e.target.value)}
              placeholder="https://obs.cn-north-4.myhuaweicloud.com"
              data-testid="creds-endpoint"
            />
          </label>
          <label className="field">
            {t('keyId')}
            <input
              value={keyId}
              onChange={(e) => setKeyId(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              data-testid="creds-key"
            />
          </label>
          <label className="field">
            {t('secret')}
            <input
              type="password"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              autoComplete="new-password"
              data-testid="creds-secret"
            />
          </label>
          <label className="field">
            {t('token')}
            <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
          </label>
          <div className="actions">
            <button type="submit" className="btn" disabled={!keyId.trim() || !secret.trim()} data-testid="creds-save">
              {t('save')}
            </button>
          </div>
        </form>
        {message && (
          <p role="status" data-testid="creds-message">
            {message}
          </p>
        )}
        {error && (
          <div className="error" role="alert">
            {text(error)}
          </div>
        )}
      </div>
      <ActorSetting />
    </section>
  )
}
