// The offline databases the pre-scan relies on: the OSV vulnerability database (counts per ecosystem, age)
// and malware signatures (built-in EICAR, imported ClamAV databases), each importable from a file.
import { useCallback, useEffect, useState } from 'react'
import type { ResultOf } from '../../src-preload/contract'
import { api } from '../api'
import { DropZone } from '../components/DropZone'
import { ProgressBar } from '../components/ProgressBar'
import { EngineSetting } from '../components/report/EngineSetting'
import { defineMessages, useFormat, useT, useText } from '../i18n'
import { cancelTask, startTask, useTask } from '../stores/tasks'

const messages = defineMessages({
  en: {
    title: 'Databases',
    vuln: 'Vulnerability database (OSV)',
    vulnDrop: 'Drop an OSV all.zip (or pick one)',
    vulnHint: 'OSV all.zip (osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip)',
    sigHint: 'ClamAV .cvd (signed), .cld, .hdb, .hsb, .mdb, .msb',
    choose: 'Choose file…',
    vulnSnapshot:
      'An all.zip is a full snapshot of its ecosystem: advisories it no longer holds are removed, as are withdrawn ones.',
    none: 'No vulnerability database imported: scans report vulndb.missing and do not check vulnerabilities.',
    advisories: '{n} advisories, imported {when} ({days} days ago)',
    stale: 'Older than 30 days: scans report vulndb.stale.',
    ecosystem: 'Ecosystem',
    count: 'Advisories',
    sig: 'Malware signatures',
    sigDrop: 'Drop ClamAV databases (.cvd .cld .hdb .hsb .mdb .msb)',
    builtin: 'Built in: {n} (EICAR test file)',
    source: 'Database',
    signatures: 'Signatures',
    imported: 'Imported',
    importing: 'Importing',
    done: 'Imported.',
    proof: 'Proof',
    verified: "Verified (ClamAV's signature)",
    unverified: 'Unverified',
    unsigned:
      'Also import databases that cannot be verified (.cld, unsigned .cvd): they are marked unverified in every report',
  },
  'zh-CN': {
    title: '数据库',
    vuln: '漏洞库（OSV）',
    vulnDrop: '拖入 OSV all.zip（或选择文件）',
    vulnHint: 'OSV all.zip（osv-vulnerabilities.storage.googleapis.com/<生态>/all.zip）',
    sigHint: 'ClamAV .cvd（已签名）、.cld、.hdb、.hsb、.mdb、.msb',
    choose: '选择文件…',
    vulnSnapshot: 'all.zip 是其生态的完整快照：其中已不存在的公告以及已撤回的公告会被删除。',
    none: '未导入漏洞库：扫描会报告 vulndb.missing，且不检查漏洞。',
    advisories: '{n} 条公告，导入于 {when}（{days} 天前）',
    stale: '已超过 30 天：扫描会报告 vulndb.stale。',
    ecosystem: '生态',
    count: '公告数',
    sig: '恶意软件特征库',
    sigDrop: '拖入 ClamAV 特征库（.cvd .cld .hdb .hsb .mdb .msb）',
    builtin: '内置：{n}（EICAR 测试文件）',
    source: '特征库',
    signatures: '特征数',
    imported: '导入时间',
    importing: '正在导入',
    done: '已导入。',
    proof: '验证',
    verified: '已验证（ClamAV 签名）',
    unverified: '未验证',
    unsigned: '也导入无法验证的特征库（.cld、未签名的 .cvd）：它们会在每份报告中标为未验证',
  },
})

export function Databases() {
  const t = useT(messages)
  const text = useText()
  const fmt = useFormat()
  const [vuln, setVuln] = useState<ResultOf<'vulndb.status'> | null>(null)
  const [sig, setSig] = useState<ResultOf<'signatures.status'> | null>(null)
  const [taskId, setTaskId] = useState<string | null>(null)
  const [unsigned, setUnsigned] = useState(false)
  const task = useTask(taskId)
  const refresh = useCallback(async () => {
    setVuln(await api.invoke('vulndb.status', {}))
    setSig(await api.invoke('signatures.status', {}))
  }, [])
  useEffect(() => {
    void refresh()
  }, [refresh, task?.status])

  return (
    <section className="screen" aria-labelledby="db-title">
      <h1 id="db-title">{t('title')}</h1>
      {task?.status === 'running' && (
        <ProgressBar label={t('importing')} progress={task.progress} onCancel={() => void cancelTask(task.taskId)} />
      )}
      {task?.status === 'failed' && (
        <div className="error" role="alert">
          {text(task.error)}
        </div>
      )}
      {task?.status === 'done' && <p role="status">{t('done')}</p>}
      <div className="card">
        <h2>{t('vuln')}</h2>
        {vuln &&
          (vuln.advisories === 0 ? (
            <p className="muted" data-testid="vulndb-none">
              {t('none')}
            </p>
          ) : (
            <>
              <p data-testid="vulndb-status">
                {t('advisories', {
                  n: fmt.number(vuln.advisories),
                  when: vuln.lastImport ?? '',
                  days: Math.floor(vuln.ageDays ?? 0),
                })}
              </p>
              {(vuln.ageDays ?? 0) > 30 && <p className="sev-warning">{t('stale')}</p>}
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('ecosystem')}</th>
                    <th scope="col">{t('count')}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(vuln.byEcosystem).map(([e, n]) => (
                    <tr key={e}>
                      <td>{e}</td>
                      <td>{fmt.number(n)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ))}
        <p className="muted">{t('vulnSnapshot')}</p>
        <DropZone
          label={t('vulnDrop')}
          hint={t('vulnHint')}
          openLabel={t('choose')}
          testId="vulndb-dropzone"
          onFiles={async (p) => setTaskId(await startTask('vulndb.import', { path: p[0] }))}
        />
      </div>
      <div className="card">
        <h2>{t('sig')}</h2>
        {sig && (
          <>
            <p>{t('builtin', { n: sig.builtin })}</p>
            {sig.sources.length > 0 && (
              <table data-testid="signature-sources">
                <thead>
                  <tr>
                    <th scope="col">{t('source')}</th>
                    <th scope="col">{t('signatures')}</th>
                    <th scope="col">{t('imported')}</th>
                    <th scope="col">{t('proof')}</th>
                  </tr>
                </thead>
                <tbody>
                  {sig.sources.map((s) => (
                    <tr key={s.source}>
                      <td>
                        {s.source}
                        {s.version ? ` (v${s.version})` : ''}
                      </td>
                      <td>{fmt.number(s.signatures)}</td>
                      <td>{fmt.date(s.importedAt)}</td>
                      <td className={s.verified ? '' : 'sev-warning'}>
                        {s.verified ? t('verified') : t('unverified')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
        <DropZone
          label={t('sigDrop')}
          hint={t('sigHint')}
          openLabel={t('choose')}
          testId="signatures-dropzone"
          onFiles={async (p) =>
            setTaskId(await startTask('signatures.import', { path: p[0], unsigned: unsigned || undefined }))
          }
        />
        <label className="row">
          <input
            type="checkbox"
            checked={unsigned}
            onChange={(e) => setUnsigned(e.target.checked)}
            data-testid="signatures-unsigned"
          />{' '}
          {t('unsigned')}
        </label>
      </div>
      <EngineSetting />
    </section>
  )
}
