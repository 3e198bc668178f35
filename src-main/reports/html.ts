// The HTML report: one self-contained file (inline CSS and SVG, no script, no external request; its CSP
// forbids any) with the verdict, a severity chart, findings with fixes, components and scan facts.
import { ruleText, type Lang } from '../../src-preload/catalogue'
import { findingCounts, verdictLine } from '../../src-preload/verdict'
import type { Report, WriterOptions } from './model'
import { textIn } from '../../src-preload/text'

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
const T = {
  en: {
    title: 'Preflight report',
    pass: 'PASS',
    fail: 'FAIL',
    blockers: 'blockers',
    findings: 'Findings',
    components: 'Components',
    facts: 'Scan facts',
    fix: 'Fix',
    waived: 'waived',
    none: 'No findings.',
    sev: 'Severity',
    rule: 'Rule',
    loc: 'Location',
    msg: 'Message',
  },
  'zh-CN': {
    title: 'Preflight 报告',
    pass: '通过',
    fail: '未通过',
    blockers: '阻断项',
    findings: '检查结果',
    components: '组件',
    facts: '扫描信息',
    fix: '修复',
    waived: '已豁免',
    none: '没有检查结果。',
    sev: '严重性',
    rule: '规则',
    loc: '位置',
    msg: '说明',
  },
}

function chart(report: Report): string {
  // the same counts as the verdict and the app: waived findings apart, never under their severity
  const found = findingCounts(report.findings)
  const counts = (['blocker', 'warning', 'info', 'waived'] as const).map((s) => ({ s, n: found[s] }))
  const max = Math.max(1, ...counts.map((c) => c.n))
  const colors = { blocker: '#b42318', warning: '#9a6700', info: '#175cd3', waived: '#667085' }
  const bars = counts
    .map(
      (c, i) =>
        `<g transform="translate(0,${i * 28})"><text x="0" y="16" font-size="13">${c.s}</text><rect x="80" y="4" height="16" width="${Math.round((c.n / max) * 300)}" fill="${colors[c.s]}"/><text x="${86 + Math.round((c.n / max) * 300)}" y="16" font-size="13">${c.n}</text></g>`,
    )
    .join('')
  return `<svg role="img" aria-label="Findings by severity: ${counts.map((c) => `${c.n} ${c.s}`).join(', ')}" width="440" height="114">${bars}</svg>`
}

export function htmlReport(report: Report, opts: WriterOptions = {}): string {
  const lang: Lang = opts.lang ?? 'en'
  const t = T[lang]
  const rows = report.findings
    .map(
      (f) =>
        `<tr class="${f.severity}${f.waived ? ' waived' : ''}"><td>${esc(f.severity)}${f.waived ? ` (${t.waived})` : ''}</td><td><code>${esc(f.rule)}</code><br>${esc(ruleText(f.rule, lang).title)}</td><td class="mono">${esc(f.location)}</td><td>${esc(textIn(f, lang))}${f.waived && f.waiverReason ? `<br><em>${esc(f.waiverReason)}</em>` : ''}</td><td>${esc(ruleText(f.rule, lang).fix)}</td></tr>`,
    )
    .join('\n')
  const comps = report.components
    .map(
      (c) =>
        `<tr><td>${esc(c.ecosystem)}</td><td>${esc(c.name)}</td><td>${esc(c.version)}</td><td class="mono">${esc(c.location)}</td></tr>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(t.title)} — ${esc(report.package.name)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}h1{font-size:20px}h2{font-size:16px;margin-top:24px}
.verdict{padding:12px 16px;border-radius:8px;font-weight:700;font-size:16px}.pass{background:#e7f6ec;color:#067647}.fail{background:#fdecea;color:#b42318}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #dde;padding:6px 8px;text-align:left;vertical-align:top}th{background:#f4f6f9}
.mono{font-family:ui-monospace,monospace;word-break:break-all}tr.blocker td:first-child{color:#b42318;font-weight:600}tr.warning td:first-child{color:#9a6700}tr.waived{opacity:.6}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{color:#5a6472}dd{margin:0}
@media (prefers-color-scheme:dark){body{background:#15181d;color:#e7eaee}th{background:#1e232a}th,td{border-color:#343b46}}
</style></head><body>
<h1>${esc(t.title)}: ${esc(report.package.name)}</h1>
<div class="verdict ${report.verdict}" data-verdict="${report.verdict}">${esc(verdictLine(report, lang))}</div>
<h2>${esc(t.facts)}</h2>
<dl><dt>kind</dt><dd>${esc(report.package.kind)}</dd><dt>size</dt><dd>${report.package.size.toLocaleString('en')} bytes</dd><dt>sha256</dt><dd class="mono">${esc(report.package.sha256)}</dd>
<dt>profile</dt><dd>${esc(report.profile)}${report.profileAutoPicked ? ' (auto)' : ''}</dd><dt>entries</dt><dd>${report.stats.entries.toLocaleString('en')}</dd><dt>duration</dt><dd>${report.stats.durationMs} ms</dd>
${Object.entries(report.checks)
  .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v.state)}${v.note ? ` — ${esc(v.note)}` : ''}</dd>`)
  .join('')}
<dt>tool</dt><dd>preflight ${esc(report.tool.version)}</dd></dl>
<h2>${esc(t.findings)} (${report.findings.length})</h2>
${chart(report)}
${report.findings.length ? `<table><thead><tr><th>${t.sev}</th><th>${t.rule}</th><th>${t.loc}</th><th>${t.msg}</th><th>${t.fix}</th></tr></thead><tbody>${rows}</tbody></table>` : `<p>${t.none}</p>`}
${report.components.length ? `<h2>${esc(t.components)} (${report.components.length})</h2><table><thead><tr><th>ecosystem</th><th>name</th><th>version</th><th>location</th></tr></thead><tbody>${comps}</tbody></table>` : ''}
</body></html>
`
}
