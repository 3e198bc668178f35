// Findings grouped blocker → warning → info, each with rule id, location, message and the fix hint from the
// rule catalogue in the current language.
import type { FindingDto } from '../../../src-preload/contract'
import { ruleText } from '../../../src-preload/catalogue'
import { defineMessages, useLang, useT } from '../../i18n'

const messages = defineMessages({
  en: { blocker: 'Blockers', warning: 'Warnings', info: 'Information', fix: 'Fix', none: 'No findings.', waived: 'waived' },
  'zh-CN': { blocker: '阻断项', warning: '警告', info: '信息', fix: '修复', none: '没有检查结果。', waived: '已豁免' },
})

export function FindingList({ findings, actions }: { findings: FindingDto[]; actions?: (f: FindingDto) => import('react').ReactNode }) {
  const t = useT(messages)
  const lang = useLang((s) => s.lang)
  if (findings.length === 0) return <p className="muted">{t('none')}</p>
  return (
    <div className="findings" data-testid="findings">
      {(['blocker', 'warning', 'info'] as const).map((sev) => {
        const group = findings.filter((f) => f.severity === sev)
        if (!group.length) return null
        return (
          <section key={sev} aria-label={t(sev)}>
            <h3 className={`sev-${sev}`}>{t(sev)} ({group.filter((f) => !f.waived).length}{group.some((f) => f.waived) ? `, ${group.filter((f) => f.waived).length} ${t('waived')}` : ''})</h3>
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
                    <div>{f.message}</div>
                    {text && sev !== 'info' && <div className="muted">{t('fix')}: {text.fix}</div>}
                    {f.waived && f.waiverReason && <div className="muted">{t('waived')}: {f.waiverReason}</div>}
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
