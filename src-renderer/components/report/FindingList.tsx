// Findings grouped blocker → warning → info, each with rule id, location, message and the fix hint from the
// rule catalogue in the current language. Scanners write their one-line messages in both languages (text.ts); one
// that has only English is marked lang="en".
import type { FindingDto } from '../../../src-preload/contract'
import { ruleText } from '../../../src-preload/catalogue'
import { textIn } from '../../../src-preload/text'
import { defineMessages, useLang, useT } from '../../i18n'
import { useNav } from '../../stores/nav'

/** Fix advice that is an action in the app: the screen that does it (and what it is handed). */
const FIX_ACTIONS: Record<
  string,
  { label: 'importVulnDb' | 'openDatabases' | 'repack'; screen: string; withPackage?: boolean }
> = {
  'vulndb.missing': { label: 'importVulnDb', screen: 'databases' },
  'malware.database-unverified': { label: 'openDatabases', screen: 'databases' },
  'oci.not-oci': { label: 'repack', screen: 'containers', withPackage: true },
}

const messages = defineMessages({
  en: {
    blocker: 'Blockers',
    warning: 'Warnings',
    info: 'Information',
    fix: 'Fix',
    none: 'No findings.',
    waived: 'waived',
    importVulnDb: 'Import a vulnerability database',
    openDatabases: 'Open Databases',
    repack: 'Repack as OCI',
  },
  'zh-CN': {
    blocker: '阻断项',
    warning: '警告',
    info: '信息',
    fix: '修复',
    none: '没有检查结果。',
    waived: '已豁免',
    importVulnDb: '导入漏洞库',
    openDatabases: '打开数据库',
    repack: '重新打包为 OCI',
  },
})

export function FindingList({
  findings,
  actions,
  packagePath,
}: {
  findings: FindingDto[]
  actions?: (f: FindingDto) => import('react').ReactNode
  packagePath?: string
}) {
  const t = useT(messages)
  const lang = useLang((s) => s.lang)
  const go = useNav((s) => s.go)
  const fixAction = (f: FindingDto) => {
    const a = FIX_ACTIONS[f.rule]
    if (!a || (a.withPackage && !packagePath)) return null
    return (
      <button
        type="button"
        className="btn btn-secondary"
        data-testid={`fix-${f.rule}`}
        onClick={() => go(a.screen, a.withPackage ? { paths: [packagePath] } : {})}
      >
        {t(a.label)}
      </button>
    )
  }
  if (findings.length === 0) return <p className="muted">{t('none')}</p>
  return (
    <div className="findings" data-testid="findings">
      {(['blocker', 'warning', 'info'] as const).map((sev) => {
        const group = findings.filter((f) => f.severity === sev)
        if (!group.length) return null
        return (
          <section key={sev} aria-label={t(sev)}>
            <h3 className={`sev-${sev}`}>
              {t(sev)} ({group.filter((f) => !f.waived).length}
              {group.some((f) => f.waived) ? `, ${group.filter((f) => f.waived).length} ${t('waived')}` : ''})
            </h3>
            <ul className="finding-list">
              {group.map((f, i) => {
                let text: { title: string; fix: string } | null
                try {
                  text = ruleText(f.rule, lang)
                } catch {
                  text = null
                }
                return (
                  <li key={i} className="finding" data-rule={f.rule}>
                    <div className="finding-head">
                      <code className={`sev-${sev}`}>{f.rule}</code>
                      {text && <span className="finding-title">{text.title}</span>}
                      {f.waived && <span className="badge">{t('waived')}</span>}
                    </div>
                    <div className="mono finding-loc">{f.location}</div>
                    <div lang={lang !== 'en' && !f.messageZh ? 'en' : undefined}>{textIn(f, lang)}</div>
                    {text && sev !== 'info' && (
                      <div className="muted">
                        {t('fix')}: {text.fix}
                      </div>
                    )}
                    {fixAction(f)}
                    {f.waived && f.waiverReason && (
                      <div className="muted">
                        {t('waived')}: {f.waiverReason}
                      </div>
                    )}
                    {actions && <div>{actions(f)}</div>}
                  </li>
                )
              })}
            </ul>
          </section>
        )
      })}
    </div>
  )
}
