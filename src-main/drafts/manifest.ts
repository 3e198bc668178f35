// The release manifest: everything the seller will paste into the marketplace console — every field, the
// package and its verdict, the validation findings, and the upload destination (object URL or registry pull
// address), and the work history of its package (what was scanned, with which database versions, when, by whom) —
// as JSON and as a printable, self-contained HTML page.
import type { HistoryEvent } from '../history/history'
import type { Finding } from '../reports/model'
import { ruleText, type Lang } from '../../src-preload/catalogue'
import { textIn } from '../../src-preload/text'
import { fieldLabel } from '../../src-preload/release-labels'
import type { Draft } from './drafts'

export const MANIFEST_SCHEMA = 'preflight.release-manifest/1'

export interface ReleaseManifest {
  schema: typeof MANIFEST_SCHEMA
  generatedAt: string
  draft: { id: string; title: string; revision: number }
  profile: string
  package: {
    path?: string
    name?: string
    size?: number
    sha256?: string
    kind?: string
    verdict: 'pass' | 'fail' | null
  }
  destination: { kind: 'object-storage' | 'registry' | 'folder' | 'none'; address: string | null }
  /** Every filled field by its wizard label (English and Chinese; the value path where no field shows it), with its value path as the secondary key. */
  fields: ManifestField[]
  findings: Finding[]
  ready: boolean
  requestsToday: number
  /** The package's work history (events whose subject is its sha256), oldest first. */
  history: ManifestHistoryEntry[]
}

export interface ManifestField {
  label: string
  labelZh: string
  path: string
  value: unknown
}

export interface ManifestHistoryEntry {
  at: string
  kind: string
  result: string
  actor: string
  link: string | null
  /** Scans: the vulnerability and signature databases used. */
  databases?: unknown
  details: Record<string, unknown>
}

type Values = Record<string, unknown>

function flatten(v: unknown, prefix: string, out: ManifestField[]): void {
  if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.every((x) => typeof x !== 'object'))) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out)
  } else if (v !== undefined && v !== '') {
    const label = fieldLabel(prefix)
    out.push({ label: label?.en ?? prefix, labelZh: label?.['zh-CN'] ?? prefix, path: prefix, value: v })
  }
}

/** Where the package will be: the object URL to paste into the console, or the registry pull address. */
export function destinationOf(profile: string, values: Values): ReleaseManifest['destination'] {
  const attrs = (values.attrs ?? {}) as Values
  const swr = (values.swr ?? {}) as Values
  if (profile === 'swr-image' && attrs.organization && attrs.repository) {
    const reg = String(swr.registry ?? '')
      .replace(/^https?:\/\//, '')
      .replace(/\/$/, '')
    return {
      kind: 'registry',
      address: `${reg ? `${reg}/` : ''}${attrs.organization}/${attrs.repository}:${attrs.tag ?? 'latest'}`,
    }
  }
  const upload = (values.upload ?? {}) as Values
  const target = typeof upload.target === 'string' ? upload.target : ''
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(target)
  if (s3) {
    const endpoint = typeof upload.endpoint === 'string' && upload.endpoint ? upload.endpoint.replace(/\/$/, '') : ''
    return {
      kind: 'object-storage',
      address: endpoint
        ? `${endpoint}/${s3[1]}/${s3[2]}`
        : `https://${s3[1]}.obs.${upload.region ?? 'cn-north-4'}.myhuaweicloud.com/${s3[2]}`,
    }
  }
  if (target.startsWith('docker://')) return { kind: 'registry', address: target.slice('docker://'.length) }
  if (target.startsWith('file://'))
    return { kind: 'folder', address: decodeURIComponent(target.slice('file://'.length)) }
  return { kind: 'none', address: null }
}

/** The draft's last scan when it was of the package the draft now holds (a scan of another package tells nothing). */
export function scanOfPackage(draft: Pick<Draft, 'values' | 'lastReport'>): { verdict?: 'pass' | 'fail' } | null {
  const report = draft.lastReport as { verdict?: 'pass' | 'fail'; package?: { sha256?: unknown } } | null
  const held = (draft.values.package as { sha256?: unknown } | undefined)?.sha256
  const scanned = report?.package?.sha256
  return report && typeof held === 'string' && typeof scanned === 'string' && held !== scanned ? null : report
}

export function buildManifest(
  draft: Draft,
  findings: Finding[],
  requestsToday: number,
  history: HistoryEvent[] = [],
): ReleaseManifest {
  const pkg = (draft.values.package ?? {}) as ReleaseManifest['package']
  const report = scanOfPackage(draft)
  const fields: ReleaseManifest['fields'] = []
  const { package: _p, released: _r, wizard: _w, ...rest } = draft.values
  flatten(rest, '', fields)
  const verdict = report?.verdict ?? null
  return {
    schema: MANIFEST_SCHEMA,
    generatedAt: new Date().toISOString(),
    draft: { id: draft.id, title: draft.title, revision: draft.revision },
    profile: draft.profile,
    package: { path: pkg.path, name: pkg.name, size: pkg.size, sha256: pkg.sha256, kind: pkg.kind, verdict },
    destination: destinationOf(draft.profile, draft.values),
    fields,
    findings,
    ready: verdict === 'pass' && !findings.some((f) => f.severity === 'blocker' && !f.waived),
    requestsToday,
    history: history.map((e) => {
      const { databases, ...details } = e.details
      return {
        at: e.at,
        kind: e.kind,
        result: e.result,
        actor: e.actor,
        link: e.link,
        ...(databases !== undefined ? { databases } : {}),
        details,
      }
    }),
  }
}

/** The databases a scan used, as one line: "OSV imported 2026-12-01 (1,234 advisories); main.cvd v62". */
function databasesLine(d: unknown, lang: Lang = 'en'): string {
  const dbs = (d ?? {}) as {
    osv?: { lastImport: string | null; advisories: number }
    signatures?: Array<{ source: string; version: string | null; verified: boolean }>
  }
  const zh = lang === 'zh-CN'
  const osv = dbs.osv
    ? dbs.osv.lastImport
      ? zh
        ? `OSV 导入于 ${dbs.osv.lastImport}（${dbs.osv.advisories} 条公告）`
        : `OSV imported ${dbs.osv.lastImport} (${dbs.osv.advisories} advisories)`
      : zh
        ? '无 OSV 漏洞库'
        : 'no OSV database'
    : ''
  const sigs = (dbs.signatures ?? []).map(
    (s) => `${s.source}${s.version ? ` v${s.version}` : ''}${s.verified ? '' : zh ? '（未验证）' : ' (unverified)'}`,
  )
  const sigLine = sigs.length
    ? `${zh ? '特征库：' : 'signatures: '}${sigs.join(', ')}`
    : dbs.signatures
      ? zh
        ? '仅内置特征'
        : 'built-in signatures only'
      : ''
  return [osv, sigLine].filter(Boolean).join(zh ? '；' : '; ') || '—'
}

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/** The manifest's own words, in the language it is written in. */
const WORDS = {
  en: {
    title: 'Release manifest',
    profile: 'Profile',
    revision: 'draft revision',
    generated: 'generated',
    ready: 'Ready to submit',
    notReady: 'Not ready: see the findings below',
    package: 'Package',
    file: 'File',
    path: 'Path',
    verdict: 'Pre-scan verdict',
    notScanned: 'not scanned',
    destination: 'Destination',
    fields: 'Fields',
    field: 'Field',
    value: 'Value',
    findings: 'Findings',
    none: 'None.',
    severity: 'Severity',
    rule: 'Rule',
    message: 'Message',
    fix: 'Fix',
    history: 'Package history',
    noHistory: 'No recorded operations on this package.',
    time: 'Time',
    operation: 'Operation',
    result: 'Result',
    by: 'By',
    databases: 'Databases',
    requests: 'Release requests today',
    busy: ' — review may take longer than 3 working days.',
    dropped: 'dropped in the browser',
    colon: ': ',
  },
  'zh-CN': {
    title: '发布清单',
    profile: '配置',
    revision: '草稿修订',
    generated: '生成于',
    ready: '可以提交',
    notReady: '尚不可提交：请查看下方的检查结果',
    package: '软件包',
    file: '文件',
    path: '路径',
    verdict: '预扫描结论',
    notScanned: '未扫描',
    destination: '目标位置',
    fields: '字段',
    field: '字段',
    value: '值',
    findings: '检查结果',
    none: '无。',
    severity: '严重性',
    rule: '规则',
    message: '说明',
    fix: '修复',
    history: '软件包操作记录',
    noHistory: '此软件包没有操作记录。',
    time: '时间',
    operation: '操作',
    result: '结果',
    by: '操作人',
    databases: '数据库',
    requests: '今日发布申请',
    busy: '——审核可能超过 3 个工作日。',
    dropped: '在浏览器中拖入',
    colon: '：',
  },
} as const satisfies Record<Lang, Record<string, string>>

const SEVERITY: Record<Lang, Record<string, string>> = {
  en: { blocker: 'blocker', warning: 'warning', info: 'info' },
  'zh-CN': { blocker: '阻断', warning: '警告', info: '信息' },
}
const KIND_ZH: Record<string, string> = {
  scan: '扫描',
  repack: '重新打包',
  convert: '转换',
  waiver: '豁免',
  'draft-revision': '草稿修订',
  export: '导出',
  upload: '上传',
  submit: '提交',
  sync: '同步',
  compare: '对比',
  rename: '重命名副本',
}
const RESULT_ZH: Record<string, string> = {
  pass: '通过',
  fail: '未通过',
  done: '完成',
  error: '出错',
  cancelled: '已取消',
}

/** A package path as a person reads it: a browser-mode drop is named as such, not by its staging folder. */
function shownPath(path: string | undefined, lang: Lang): string {
  if (!path) return '—'
  return /[\\/]staged[\\/][0-9a-f]{64}[\\/][^\\/]+$/.test(path)
    ? `${path.split(/[\\/]/).pop()} (${WORDS[lang].dropped})`
    : path
}

/** The manifest as a page to print or hand on, in English or Simplified Chinese. */
export function manifestHtml(m: ReleaseManifest, lang: Lang = 'en'): string {
  const w = WORDS[lang]
  const zh = lang === 'zh-CN'
  const fmt = (v: unknown) => (Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v))
  const label = (path: string) => fieldLabel(path)?.[lang] ?? path
  const verdict = m.package.verdict ? (zh ? RESULT_ZH[m.package.verdict] : m.package.verdict) : w.notScanned
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${w.title} — ${esc(m.draft.title)}</title>
<style>body{font:14px system-ui,'Noto Sans SC','Noto Sans CJK SC',sans-serif;margin:32px;color:#1b1f24}h1{font-size:20px}table{border-collapse:collapse;width:100%;margin:12px 0}
th,td{border:1px solid #ccd;padding:6px 8px;text-align:left;vertical-align:top}th{background:#f3f5f8}.mono{font-family:monospace;word-break:break-all}
.ready{color:#067647;font-weight:700}.notready{color:#b42318;font-weight:700}@media print{body{margin:12mm}}</style></head><body>
<h1>${w.title}${w.colon}${esc(m.draft.title)}</h1>
<p>${w.profile} <b>${esc(m.profile)}</b> · ${w.revision} ${m.draft.revision} · ${w.generated} ${esc(m.generatedAt)}</p>
<p class="${m.ready ? 'ready' : 'notready'}">${m.ready ? w.ready : w.notReady}</p>
<h2>${w.package}</h2><table>
<tr><th>${w.file}</th><td>${esc(m.package.name ?? '—')}</td></tr><tr><th>${w.path}</th><td class="mono">${esc(shownPath(m.package.path, lang))}</td></tr>
<tr><th>SHA-256</th><td class="mono">${esc(m.package.sha256 ?? '—')}</td></tr><tr><th>${w.verdict}</th><td>${esc(verdict)}</td></tr>
<tr><th>${w.destination}</th><td class="mono">${esc(m.destination.address ?? '—')} (${esc(m.destination.kind)})</td></tr></table>
<h2>${w.fields}</h2><table><tr><th>${w.field}</th><th>${w.value}</th></tr>
${m.fields.map((f) => `<tr><td data-path="${esc(f.path)}">${esc(zh ? f.labelZh : f.label)}</td><td>${esc(fmt(f.value))}</td></tr>`).join('\n')}</table>
<h2>${w.findings}</h2>${
    m.findings.length === 0
      ? `<p>${w.none}</p>`
      : `<table><tr><th>${w.severity}</th><th>${w.rule}</th><th>${w.field}</th><th>${w.message}</th><th>${w.fix}</th></tr>
${m.findings.map((f) => `<tr><td>${esc(SEVERITY[lang][f.severity] ?? f.severity)}</td><td class="mono">${esc(f.rule)}</td><td data-path="${esc(f.location)}">${esc(label(f.location))}</td><td>${esc(textIn(f, lang))}</td><td>${esc(ruleText(f.rule, lang).fix)}</td></tr>`).join('\n')}</table>`
  }
<h2>${w.history}</h2>${
    m.history.length === 0
      ? `<p>${w.noHistory}</p>`
      : `<table><tr><th>${w.time}</th><th>${w.operation}</th><th>${w.result}</th><th>${w.by}</th><th>${w.databases}</th></tr>
${m.history.map((e) => `<tr><td>${esc(e.at)}</td><td>${esc(zh ? (KIND_ZH[e.kind] ?? e.kind) : e.kind)}</td><td>${esc(zh ? (RESULT_ZH[e.result] ?? e.result) : e.result)}</td><td>${esc(e.actor)}</td><td>${esc(e.kind === 'scan' ? databasesLine(e.databases, lang) : '')}</td></tr>`).join('\n')}</table>`
  }
<p>${w.requests}${w.colon}${m.requestsToday}${m.requestsToday >= 10 ? w.busy : ''}</p>
</body></html>
`
}
