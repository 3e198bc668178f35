// Findings grouped blocker → warning → info, each with rule id, location, message and the fix hint from the
// rule catalogue in the current language. Scanners write their one-line messages in both languages (text.ts); one
// that has only English is marked lang="en". Fix advice that is an action in the app (the rule catalogue's
// ruleAction) is a button: a screen opens, or the package view's own control (rename a copy, pick the profile)
// when the view hands its handler over in `fixes`.
import type { FindingDto } from '../../../src-preload/contract'
import { ruleAction, ruleText } from '../../../src-preload/catalogue'
import { textIn } from '../../../src-preload/text'
import { defineMessages, useLang, useT } from '../../i18n'
import { useNav } from '../../stores/nav'

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
    rename: 'Rename a copy…',
    pickProfile: 'Choose the profile',
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
    rename: '重命名副本…',
    pickProfile: '选择配置',
  },
})

/** The package view's own fix controls, by the catalogue's action kind (absent: that fix shows no button). */
export interface FixHandlers {
  rename?: (f: FindingDto) => void
  'pick-profile'?: (f: FindingDto) => void
}

export function FindingList({
  findings,
  actions,
  packagePath,
  fixes,
}: {
  findings: FindingDto[]
  actions?: (f: FindingDto) => import('react').ReactNode
  packagePath?: string
  fixes?: FixHandlers
}) {
  const t = useT(messages)
  const lang = useLang((s) => s.lang)
  const go = useNav((s) => s.go)
  const fixAction = (f: FindingDto) => {
    const a = ruleAction(f.rule)
    if (!a) return null
    const button = (label: string, onClick: () => void) => (
      <button type="button" className="btn btn-secondary" data-testid={`fix-${f.rule}`} onClick={onClick}>
        {label}
      </button>
    )
    if (a.kind === 'screen') {
      if (a.withPackage && !packagePath) return null
      return button(t(a.label), () => go(a.screen, a.withPackage ? { paths: [packagePath] } : {}))
    }
    const handler = fixes?.[a.kind]
    if (!handler) return null
    return button(t(a.kind === 'rename' ? 'rename' : 'pickProfile'), () => handler(f))
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
