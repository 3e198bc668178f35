// The report model: findings, components and package facts. Every writer (json, table, html, xlsx, sarif,
// csv, cyclonedx) and the UI render this one model; scanners only ever create Findings through makeFinding.
import { getRule, severityFor, type Severity } from '../../src-preload/catalogue'
import { worded, type Bilingual } from '../../src-preload/text'

export type { Severity }

export interface Finding {
  rule: string
  severity: Severity
  /** The finding in English (reports, CLI). */
  message: string
  /** The same finding in Simplified Chinese (src-preload/text.ts). */
  messageZh?: string
  /** Nesting chain joined with `!`, e.g. `outer.tar.gz!inner.zip!path/in/archive`. */
  location: string
  details?: Record<string, unknown>
  waived?: boolean
  waiverReason?: string
}

export interface Component {
  ecosystem: string
  name: string
  version: string
  location: string
  purl?: string
  /** Source package name where it differs (Debian/Ubuntu binary → source). */
  sourceName?: string
  /** Source package version where it differs from the component's own (a Debian binNMU `+b1`, a binary versioned
   *  apart from its source); advisories keyed by source package are matched on it. */
  sourceVersion?: string
}

export type PackageKind =
  | 'zip'
  | 'tar'
  | 'tar.gz'
  | 'gzip'
  | 'qcow2'
  | 'vmdk'
  | 'vhd'
  | 'vhdx'
  | 'vdi'
  | 'qed'
  | 'raw'
  | 'oci-archive'
  | 'docker-archive'
  | 'container-bundle'
  | '7z'
  | 'rar'
  | 'xz'
  | 'zstd'
  | 'bzip2'
  | 'iso'
  | 'unknown'

export interface PackageFacts {
  path: string
  name: string
  size: number
  sha256: string
  kind: PackageKind
}

export type CheckState = 'run' | 'not-run' | 'partial'

export interface Report {
  schema: 'preflight.report/1'
  tool: { name: 'preflight'; version: string }
  package: PackageFacts
  profile: string
  profileAutoPicked: boolean
  verdict: 'pass' | 'fail'
  findings: Finding[]
  components: Component[]
  checks: Record<string, { state: CheckState; note?: string }>
  stats: { entries: number; bytesRead: number; durationMs: number }
  /** Free-form facts for the summary (languages, architectures, images, qcow2 header, guest OS ...). */
  facts: Record<string, unknown>
}

export function makeFinding(
  rule: string,
  location: string,
  message: Bilingual,
  opts: { profile?: string; details?: Record<string, unknown> } = {},
): Finding {
  getRule(rule) // throws on unknown ids: a finding always cites a catalogued rule
  const f: Finding = { rule, severity: severityFor(rule, opts.profile), ...worded(message), location }
  if (opts.details) f.details = opts.details
  return f
}

const SEVERITY_ORDER: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 }

/** Sort blocker → warning → info, then by location, then rule (the CLI contract). */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.location < b.location ? -1 : a.location > b.location ? 1 : 0) ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  )
}

export function verdictOf(findings: Finding[]): 'pass' | 'fail' {
  return findings.some((f) => f.severity === 'blocker' && !f.waived) ? 'fail' : 'pass'
}

/** Options every report writer takes (reports/writers.ts). */
export interface WriterOptions {
  lang?: 'en' | 'zh-CN'
  color?: boolean
}
