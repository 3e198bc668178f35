// The verdict as every surface says it (the app's screens, every report format, the CLI table), from one
// function: the counts of findings by severity, waived ones apart, and the checks that were not run or only
// partly, so a PASS never reads as "everything was checked" when something was not ("PASS, 2 checks not run").
// Shared by main and renderer (plain data in, text out).

export type VerdictLang = 'en' | 'zh-CN'

interface Countable {
  severity: string
  waived?: boolean
}

export interface VerdictInput {
  verdict: 'pass' | 'fail'
  findings: Countable[]
  checks?: Record<string, { state: string; note?: string }>
}

export interface FindingCounts {
  blocker: number
  warning: number
  info: number
  /** Findings waived (counted here only, never under their severity). */
  waived: number
}

/** Unwaived findings by severity, and how many are waived: the one count shown everywhere. */
export function findingCounts(findings: Countable[]): FindingCounts {
  const c: FindingCounts = { blocker: 0, warning: 0, info: 0, waived: 0 }
  for (const f of findings) {
    if (f.waived) c.waived++
    else if (f.severity === 'blocker' || f.severity === 'warning' || f.severity === 'info') c[f.severity]++
  }
  return c
}

/** The checks that did not run, and those that ran on part of the package only. */
export function uncheckedChecks(r: VerdictInput): { notRun: string[]; partial: string[] } {
  const entries = Object.entries(r.checks ?? {})
  return {
    notRun: entries.filter(([, c]) => c.state === 'not-run').map(([k]) => k),
    partial: entries.filter(([, c]) => c.state === 'partial').map(([k]) => k),
  }
}

/** "PASS", "PASS, 2 checks not run", "FAIL: 3 blockers, 1 check partial" (and the zh-CN equivalents). */
export function verdictLine(r: VerdictInput, lang: VerdictLang = 'en'): string {
  const { blocker } = findingCounts(r.findings)
  const { notRun, partial } = uncheckedChecks(r)
  if (lang === 'zh-CN') {
    const gaps = [
      notRun.length ? `${notRun.length} 项检查未运行` : '',
      partial.length ? `${partial.length} 项检查仅部分完成` : '',
    ].filter(Boolean)
    return r.verdict === 'pass'
      ? ['通过', ...gaps].join('，')
      : `未通过：${[`${blocker} 个阻断项`, ...gaps].join('，')}`
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  const gaps = [
    notRun.length ? `${plural(notRun.length, 'check')} not run` : '',
    partial.length ? `${plural(partial.length, 'check')} partial` : '',
  ].filter(Boolean)
  return r.verdict === 'pass'
    ? ['PASS', ...gaps].join(', ')
    : `FAIL: ${[plural(blocker, 'blocker'), ...gaps].join(', ')}`
}

const CHECK_NAMES: Record<string, Record<VerdictLang, string>> = {
  malware: { en: 'malware', 'zh-CN': '恶意软件' },
  vulnerabilities: { en: 'vulnerabilities', 'zh-CN': '漏洞' },
}
const CHECK_STATES: Record<string, Record<VerdictLang, string>> = {
  run: { en: 'run', 'zh-CN': '已运行' },
  'not-run': { en: 'not run', 'zh-CN': '未运行' },
  partial: { en: 'partial', 'zh-CN': '部分完成' },
}

/** "malware: run" / "恶意软件：已运行": one check and its state, in the chosen language (unknown ids as they are). */
export function checkLine(id: string, state: string, lang: VerdictLang = 'en'): string {
  const name = CHECK_NAMES[id]?.[lang] ?? id
  const st = CHECK_STATES[state]?.[lang] ?? state
  return lang === 'zh-CN' ? `${name}：${st}` : `${name}: ${st}`
}
