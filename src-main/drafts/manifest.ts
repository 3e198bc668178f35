// The release manifest: everything the seller will paste into the marketplace console — every field, the
// package and its verdict, the validation findings, and the upload destination (object URL or registry pull
// address), and the work history of its package (what was scanned, with which database versions, when, by whom) —
// as JSON and as a printable, self-contained HTML page.
import type { HistoryEvent } from '../history/history'
import type { Finding } from '../reports/model'
import { ruleText } from '../../src-preload/catalogue'
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

/** A value path as the manifest names it: its field's label, or the path where no field shows it. */
export function labelOfPath(path: string): string {
  return fieldLabel(path)?.en ?? path
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
function databasesLine(d: unknown): string {
  const dbs = (d ?? {}) as {
    osv?: { lastImport: string | null; advisories: number }
    signatures?: Array<{ source: string; version: string | null; verified: boolean }>
  }
  const osv = dbs.osv
    ? dbs.osv.lastImport
      ? `OSV imported ${dbs.osv.lastImport} (${dbs.osv.advisories} advisories)`
      : 'no OSV database'
    : ''
  const sigs = (dbs.signatures ?? []).map(
    (s) => `${s.source}${s.version ? ` v${s.version}` : ''}${s.verified ? '' : ' (unverified)'}`,
  )
  return (
    [osv, sigs.length ? `signatures: ${sigs.join(', ')}` : dbs.signatures ? 'built-in signatures only' : '']
      .filter(Boolean)
      .join('; ') || '—'
  )
}

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/** A package path as a person reads it: a browser-mode drop is named as such, not by its staging folder. */
function shownPath(path: string | undefined): string {
  if (!path) return '—'
  return /[\\/]staged[\\/][0-9a-f]{64}[\\/][^\\/]+$/.test(path)
    ? `${path.split(/[\\/]/).pop()} (dropped in the browser)`
    : path
}

export function manifestHtml(m: ReleaseManifest): string {
  const fmt = (v: unknown) => (Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v))
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Release manifest — ${esc(m.draft.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:32px;color:#1b1f24}h1{font-size:20px}table{border-collapse:collapse;width:100%;margin:12px 0}
th,td{border:1px solid #ccd;padding:6px 8px;text-align:left;vertical-align:top}th{background:#f3f5f8}.mono{font-family:monospace;word-break:break-all}
.ready{color:#067647;font-weight:700}.notready{color:#b42318;font-weight:700}@media print{body{margin:12mm}}</style></head><body>
<h1>Release manifest: ${esc(m.draft.title)}</h1>
<p>Profile <b>${esc(m.profile)}</b> · draft revision ${m.draft.revision} · generated ${esc(m.generatedAt)}</p>
<p class="${m.ready ? 'ready' : 'notready'}">${m.ready ? 'Ready to submit' : 'Not ready: see the findings below'}</p>
<h2>Package</h2><table>
<tr><th>File</th><td>${esc(m.package.name ?? '—')}</td></tr><tr><th>Path</th><td class="mono">${esc(shownPath(m.package.path))}</td></tr>
<tr><th>SHA-256</th><td class="mono">${esc(m.package.sha256 ?? '—')}</td></tr><tr><th>Pre-scan verdict</th><td>${esc(m.package.verdict ?? 'not scanned')}</td></tr>
<tr><th>Destination</th><td class="mono">${esc(m.destination.address ?? '—')} (${esc(m.destination.kind)})</td></tr></table>
<h2>Fields</h2><table><tr><th>Field</th><th>Value</th></tr>
${m.fields.map((f) => `<tr><td data-path="${esc(f.path)}">${esc(f.label)}</td><td>${esc(fmt(f.value))}</td></tr>`).join('\n')}</table>
<h2>Findings</h2>${
    m.findings.length === 0
      ? '<p>None.</p>'
      : `<table><tr><th>Severity</th><th>Rule</th><th>Field</th><th>Message</th><th>Fix</th></tr>
${m.findings.map((f) => `<tr><td>${esc(f.severity)}</td><td class="mono">${esc(f.rule)}</td><td data-path="${esc(f.location)}">${esc(labelOfPath(f.location))}</td><td>${esc(f.message)}</td><td>${esc(ruleText(f.rule).fix)}</td></tr>`).join('\n')}</table>`
  }
<h2>Package history</h2>${
    m.history.length === 0
      ? '<p>No recorded operations on this package.</p>'
      : `<table><tr><th>Time</th><th>Operation</th><th>Result</th><th>By</th><th>Databases</th></tr>
${m.history.map((e) => `<tr><td>${esc(e.at)}</td><td>${esc(e.kind)}</td><td>${esc(e.result)}</td><td>${esc(e.actor)}</td><td>${esc(e.kind === 'scan' ? databasesLine(e.databases) : '')}</td></tr>`).join('\n')}</table>`
  }
<p>Release requests today: ${m.requestsToday}${m.requestsToday >= 10 ? ' — review may take longer than 3 working days.' : ''}</p>
</body></html>
`
}
