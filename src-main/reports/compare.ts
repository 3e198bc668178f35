// The marketplace's own scan result, imported and set against Preflight's report of the same package: the
// appeal spreadsheet (the XLSX Preflight writes, or the marketplace's report with its columns found by their
// English or Chinese headings), CSV, SARIF 2.1.0 from any scanner, or a Preflight JSON report. Findings are
// paired by location (the package's name and nesting removed, `!` read as `/`) and by what they are about (the
// same rule id, the same CVE, or the same kind of problem read from the text), giving three lists: found by
// both, only by the marketplace (Preflight's blind spots, each with a suggestion: a rule, waiver or database
// gap) and only by Preflight; and an agreement figure. Rendered as JSON or a self-contained HTML page.
import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import ExcelJS from 'exceljs'
import { PreflightError } from '../../src-preload/errors'
import { bi, type Bilingual } from '../../src-preload/text'
import { parseCsv } from './csv'
import type { Finding, Report } from './model'

export interface ImportedFinding {
  /** A rule id where the report gives one (SARIF ruleId, Preflight's), else null. */
  rule: string | null
  title: string
  severity: string
  location: string
  message: string
}

export interface ImportedReport {
  format: 'xlsx' | 'csv' | 'sarif' | 'preflight-json'
  source: string
  packageName: string | null
  sha256: string | null
  findings: ImportedFinding[]
}

export interface ComparedPair {
  preflight: Pick<Finding, 'rule' | 'severity' | 'location' | 'message' | 'messageZh'>
  marketplace: ImportedFinding
  /** How they were paired: same rule, same CVE, or same kind of problem at the same place. */
  by: 'rule' | 'cve' | 'kind'
}

export interface Comparison {
  schema: 'preflight.compare/1'
  package: { name: string; sha256: string }
  marketplace: { format: ImportedReport['format']; source: string; packageName: string | null; sha256: string | null }
  both: ComparedPair[]
  /** `suggestion`: what to do, in English; `suggestionZh` the same in Simplified Chinese. */
  onlyMarketplace: Array<
    ImportedFinding & { suggestion: string; suggestionZh: string; gap: 'rule' | 'database' | 'not-read' | 'waiver' }
  >
  onlyPreflight: Array<Pick<Finding, 'rule' | 'severity' | 'location' | 'message' | 'messageZh'>>
  /** Findings found by both, over all distinct findings: 1 when the two reports agree entirely. */
  agreement: number
}

const HEADINGS: Record<keyof Omit<ImportedFinding, 'rule'> | 'rule', RegExp> = {
  rule: /^(rule|rule ?id|risk item \(rule\)|规则|规则 ?id)$/i,
  title: /(risk item|risk|issue|title|风险项|风险|问题|检查项)/i,
  severity: /(severity|level|risk level|等级|级别|严重)/i,
  location: /(location|file|path|文件|位置|路径)/i,
  message: /(description|message|detail|说明|描述|详情)/i,
}

const cellText = (v: unknown): string => {
  if (v === null || v === undefined) return ''
  if (typeof v === 'object') {
    const o = v as { text?: string; richText?: Array<{ text: string }>; result?: unknown }
    if (o.richText) return o.richText.map((r) => r.text).join('')
    if (o.text !== undefined) return String(o.text)
    if (o.result !== undefined) return String(o.result)
  }
  return String(v)
}

/** Map a table's header row to the columns a finding needs; null when it is not a findings table. */
function columnsOf(header: string[]): Record<string, number> | null {
  const cols: Record<string, number> = {}
  header.forEach((h, i) => {
    const text = h.trim()
    for (const [key, re] of Object.entries(HEADINGS)) if (cols[key] === undefined && re.test(text)) cols[key] = i
  })
  // Preflight's own CSV: rule, location, message; the appeal sheet: "Risk item (rule)" holds "rule — title"
  if (cols.location === undefined || (cols.rule === undefined && cols.title === undefined)) return null
  return cols
}

function fromRows(rows: string[][], source: string): ImportedFinding[] {
  const at = rows.findIndex((r) => columnsOf(r) !== null)
  if (at < 0)
    throw new PreflightError(
      'invalid-input',
      `${source}: no table of findings found (expected columns such as "Risk item", "Severity", "File location", "Description")`,
    )
  const cols = columnsOf(rows[at])!
  const out: ImportedFinding[] = []
  for (const r of rows.slice(at + 1)) {
    const get = (k: string) => (cols[k] === undefined ? '' : (r[cols[k]] ?? '').trim())
    if (!get('location') && !get('title') && !get('rule')) continue
    let rule: string | null = get('rule') || null
    let title = get('title')
    // "malware.detected — Malware signature match" (Preflight's appeal sheet)
    const m = /^([a-z0-9-]+\.[a-z0-9.-]+)\s+[—-]\s+(.*)$/.exec(title)
    if (m) {
      rule = rule ?? m[1]
      title = m[2]
    } else if (!rule && /^[a-z0-9-]+\.[a-z0-9.-]+$/.test(title)) rule = title // a bare rule id
    out.push({
      rule,
      title: title || rule || '',
      severity: get('severity').toLowerCase(),
      location: get('location'),
      message: get('message'),
    })
  }
  return out
}

/** Read a marketplace (or other scanner's) report of a package. */
export async function importReport(path: string): Promise<ImportedReport> {
  const source = basename(path)
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch {
    throw new PreflightError('not-found', `Cannot read the report ${path}`)
  }
  if (bytes.subarray(0, 2).toString('latin1') === 'PK') {
    const wb = new ExcelJS.Workbook()
    try {
      await wb.xlsx.load(bytes as unknown as ArrayBuffer)
    } catch (err) {
      throw new PreflightError(
        'invalid-input',
        `${source} is not a readable XLSX workbook (${(err as Error).message}): export the report again as .xlsx or .csv`,
      )
    }
    let findings: ImportedFinding[] | null = null
    let packageName: string | null = null
    let sha256: string | null = null
    wb.eachSheet((ws) => {
      const rows: string[][] = []
      ws.eachRow({ includeEmpty: false }, (r) => rows.push((r.values as unknown[]).slice(1).map(cellText)))
      for (const r of rows) {
        if (/^(file|package|文件|软件包)$/i.test(r[0]?.trim() ?? '') && r[1]) packageName ??= r[1].trim()
        if (/^sha-?256$/i.test(r[0]?.trim() ?? '') && /^[0-9a-f]{64}$/i.test(r[1]?.trim() ?? ''))
          sha256 ??= r[1].trim().toLowerCase()
      }
      if (!findings && rows.some((r) => columnsOf(r))) findings = fromRows(rows, source)
    })
    if (!findings)
      throw new PreflightError(
        'invalid-input',
        `${source}: no sheet holds a table of findings (expected columns such as "Risk item", "Severity", "File location")`,
      )
    return { format: 'xlsx', source, packageName, sha256, findings }
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  if (/^\s*[{[]/.test(text)) {
    let doc: { schema?: string; runs?: unknown; findings?: Finding[]; package?: { name: string; sha256: string } }
    try {
      doc = JSON.parse(text)
    } catch (err) {
      throw new PreflightError(
        'invalid-input',
        `${source} is not valid JSON (${(err as Error).message.split('\n')[0]}): give a SARIF, Preflight JSON, XLSX or CSV report`,
      )
    }
    if (doc.schema === 'preflight.report/1' && Array.isArray(doc.findings))
      return {
        format: 'preflight-json',
        source,
        packageName: doc.package?.name ?? null,
        sha256: doc.package?.sha256 ?? null,
        findings: doc.findings.map((f) => ({
          rule: f.rule,
          title: f.rule,
          severity: f.severity,
          location: f.location,
          message: f.message,
        })),
      }
    if (Array.isArray(doc.runs)) {
      const findings: ImportedFinding[] = []
      let packageName: string | null = null
      for (const run of doc.runs as Array<{
        results?: Array<Record<string, unknown>>
        artifacts?: Array<{ location?: { uri?: string }; hashes?: Record<string, string> }>
      }>) {
        for (const a of run.artifacts ?? []) {
          packageName ??= a.location?.uri ? basename(a.location.uri) : null
        }
        for (const r of run.results ?? []) {
          const loc = (
            r.locations as
              | Array<{
                  physicalLocation?: { artifactLocation?: { uri?: string } }
                  logicalLocations?: Array<{ fullyQualifiedName?: string }>
                }>
              | undefined
          )?.[0]
          const message = (r.message as { text?: string } | undefined)?.text ?? ''
          findings.push({
            rule: typeof r.ruleId === 'string' ? r.ruleId : null,
            title: typeof r.ruleId === 'string' ? r.ruleId : message.slice(0, 80),
            severity: typeof r.level === 'string' ? r.level : 'warning',
            location:
              loc?.logicalLocations?.[0]?.fullyQualifiedName ??
              decodeURIComponent(loc?.physicalLocation?.artifactLocation?.uri ?? ''),
            message,
          })
        }
      }
      return { format: 'sarif', source, packageName, sha256: null, findings }
    }
    throw new PreflightError('invalid-input', `${source} is JSON but neither SARIF (runs) nor a Preflight report`)
  }
  if (extname(path).toLowerCase() === '.csv' || text.includes(','))
    return { format: 'csv', source, packageName: null, sha256: null, findings: fromRows(parseCsv(text), source) }
  throw new PreflightError(
    'invalid-input',
    `${source}: not a report Preflight can read (XLSX, CSV, SARIF or Preflight JSON)`,
  )
}

/** A location without the package's own name, nesting read as folders, for pairing. */
export function normaliseLocation(location: string, packageName: string): string {
  let l = location.trim().replace(/\\/g, '/')
  try {
    l = decodeURIComponent(l)
  } catch {
    // keep it as it is
  }
  l = l
    .replace(/^(file:\/\/)?\/*/, '')
    .replace(/!/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/^\.\//, '')
  if (l === packageName) return ''
  if (l.startsWith(`${packageName}/`)) l = l.slice(packageName.length + 1)
  return l.replace(/\/$/, '').toLowerCase()
}

const KINDS: Array<[string, RegExp]> = [
  ['malware', /(malware|virus|trojan|eicar|backdoor|webshell|病毒|木马|恶意|后门)/i],
  ['vuln', /(cve-\d{4}-\d+|vulnerab|漏洞)/i],
  ['password', /(password|shadow|密码|口令)/i],
  ['keys', /(authorized_keys|ssh key|private key|host key|密钥|公钥)/i],
  ['history', /(history|历史)/i],
  ['archive', /(traversal|zip ?slip|bomb|symlink|link escape|穿越|压缩炸弹|软链接)/i],
  ['license', /(license|许可)/i],
]

function kindOf(rule: string | null, text: string): string | null {
  if (rule) {
    const family = rule.split('.')[0]
    if (family === 'malware' || rule === 'oci.deleted-file-malware') return 'malware'
    if (family === 'vuln') return 'vuln'
    if (rule === 'hygiene.preset-password' || rule === 'hygiene.ssh-password-auth') return 'password'
    if (rule === 'hygiene.authorized-keys' || rule === 'hygiene.ssh-host-keys') return 'keys'
    if (rule === 'hygiene.shell-history') return 'history'
    if (family === 'archive') return 'archive'
  }
  return KINDS.find(([, re]) => re.test(`${rule ?? ''} ${text}`))?.[0] ?? null
}

const cves = (text: string) => new Set((text.match(/CVE-\d{4}-\d{4,}/gi) ?? []).map((c) => c.toUpperCase()))

/** Pair the two reports' findings; `readPaths` are the paths Preflight read (to tell a rule gap from an unread file). */
export function compareReports(ours: Report, theirs: ImportedReport, readPaths: Set<string> = new Set()): Comparison {
  const name = ours.package.name
  if (theirs.sha256 && theirs.sha256 !== ours.package.sha256)
    throw new PreflightError(
      'conflict',
      `The report ${theirs.source} is for a package with sha256 ${theirs.sha256}, not ${name} (${ours.package.sha256}): import the report of this package`,
    )
  if (!theirs.sha256 && theirs.packageName && theirs.packageName !== name && basename(theirs.packageName) !== name)
    throw new PreflightError(
      'conflict',
      `The report ${theirs.source} is for ${theirs.packageName}, not ${name}: import the report of this package, or rename one to match`,
    )
  const pick = (f: Finding) => ({
    rule: f.rule,
    severity: f.severity,
    location: f.location,
    message: f.message,
    ...(f.messageZh ? { messageZh: f.messageZh } : {}),
  })
  const mine = ours.findings
    .filter((f) => f.severity !== 'info')
    .map((f) => ({
      f,
      loc: normaliseLocation(f.location, name),
      kind: kindOf(f.rule, f.message),
      cve: cves(`${f.message} ${JSON.stringify(f.details ?? {})}`),
    }))
  const used = new Set<number>()
  const both: ComparedPair[] = []
  const onlyMarketplace: Comparison['onlyMarketplace'] = []
  for (const t of theirs.findings) {
    const loc = normaliseLocation(t.location, name)
    const kind = kindOf(t.rule, `${t.title} ${t.message}`)
    const tc = cves(`${t.title} ${t.message} ${t.rule ?? ''}`)
    const candidates = mine.map((m, i) => ({ m, i })).filter(({ m, i }) => !used.has(i) && m.loc === loc)
    const match = candidates.find(({ m }) => t.rule && m.f.rule === t.rule)
      ? { c: candidates.find(({ m }) => t.rule && m.f.rule === t.rule)!, by: 'rule' as const }
      : candidates.find(({ m }) => [...tc].some((c) => m.cve.has(c)))
        ? { c: candidates.find(({ m }) => [...tc].some((c) => m.cve.has(c)))!, by: 'cve' as const }
        : kind && candidates.find(({ m }) => m.kind === kind && !(tc.size && m.cve.size))
          ? { c: candidates.find(({ m }) => m.kind === kind && !(tc.size && m.cve.size))!, by: 'kind' as const }
          : null
    if (match) {
      used.add(match.c.i)
      both.push({ preflight: pick(match.c.m.f), marketplace: t, by: match.by })
      continue
    }
    const waived = ours.findings.find(
      (f) => f.waived && normaliseLocation(f.location, name) === loc && kindOf(f.rule, f.message) === kind,
    )
    const read = loc === '' || readPaths.has(loc)
    const gap: Comparison['onlyMarketplace'][number]['gap'] = waived
      ? 'waiver'
      : kind === 'vuln'
        ? 'database'
        : read
          ? 'rule'
          : 'not-read'
    const cveList = [...tc].join(', ')
    const suggestion: Bilingual =
      gap === 'waiver'
        ? bi(
            `Preflight found this too but it is waived (${waived!.rule}: ${waived!.waiverReason ?? 'no reason given'}); the marketplace does not accept the waiver: appeal with the evidence or fix it.`,
            `Preflight 也发现了此问题，但已豁免（${waived!.rule}：${waived!.waiverReason ?? '未填写理由'}）；市场不认可该豁免：请附证据申诉，或修复该问题。`,
          )
        : gap === 'database'
          ? bi(
              `A vulnerability Preflight did not report${tc.size ? ` (${cveList})` : ''}: import a newer OSV database (preflight vulndb import), or report the component Preflight missed.`,
              `Preflight 未报告的漏洞${tc.size ? `（${cveList}）` : ''}：请导入更新的 OSV 数据库（preflight vulndb import），或反馈 Preflight 漏检的组件。`,
            )
          : gap === 'rule'
            ? bi(
                `Preflight read ${loc || 'the package'} but has no rule for "${t.title}": report this gap so a rule can be added.`,
                `Preflight 已读取${loc ? ` ${loc}` : '该软件包'}，但没有针对“${t.title}”的规则：请反馈此差距，以便补充规则。`,
              )
            : bi(
                `Preflight did not read ${loc}: report this, with the package, so the format can be read.`,
                `Preflight 未读取 ${loc}：请连同软件包一起反馈，以便支持读取该格式。`,
              )
    onlyMarketplace.push({ ...t, gap, suggestion: suggestion.en, suggestionZh: suggestion.zh })
  }
  const onlyPreflight = mine.filter((_, i) => !used.has(i)).map(({ f }) => pick(f))
  const total = both.length + onlyMarketplace.length + onlyPreflight.length
  return {
    schema: 'preflight.compare/1',
    package: { name, sha256: ours.package.sha256 },
    marketplace: {
      format: theirs.format,
      source: theirs.source,
      packageName: theirs.packageName,
      sha256: theirs.sha256,
    },
    both,
    onlyMarketplace,
    onlyPreflight,
    agreement: total ? both.length / total : 1,
  }
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A self-contained HTML page of the comparison (no scripts, no external resources). */
export function compareHtml(c: Comparison): string {
  const rows = (cells: string[][]) =>
    cells.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('')
  const section = (id: string, title: string, head: string[], body: string[][]) =>
    `<section id="${id}"><h2>${esc(title)} (${body.length})</h2>${body.length ? `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows(body)}</tbody></table>` : '<p>None.</p>'}</section>`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>Preflight vs marketplace: ${esc(c.package.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1f2937}table{border-collapse:collapse;width:100%;margin:8px 0 24px}th,td{border:1px solid #d1d5db;padding:6px 8px;text-align:left;vertical-align:top}th{background:#f3f4f6}.figure{font-size:20px;font-weight:700}</style></head><body>
<h1>Preflight and the marketplace's report: ${esc(c.package.name)}</h1>
<p>sha256 ${esc(c.package.sha256)} · marketplace report ${esc(c.marketplace.source)} (${esc(c.marketplace.format)})</p>
<p class="figure" id="agreement">Agreement: ${Math.round(c.agreement * 100)}% — ${c.both.length} found by both, ${c.onlyMarketplace.length} only by the marketplace, ${c.onlyPreflight.length} only by Preflight</p>
${section(
  'both',
  'Found by both',
  ['Location', 'Preflight rule', 'Marketplace finding', 'Paired by'],
  c.both.map((p) => [p.preflight.location, p.preflight.rule, p.marketplace.title, p.by]),
)}
${section(
  'only-marketplace',
  'Only in the marketplace report (Preflight missed these)',
  ['Location', 'Marketplace finding', 'Severity', 'Gap', 'What to do'],
  c.onlyMarketplace.map((f) => [f.location, f.title, f.severity, f.gap, f.suggestion]),
)}
${section(
  'only-preflight',
  'Only in Preflight\u2019s report',
  ['Location', 'Rule', 'Severity', 'Message'],
  c.onlyPreflight.map((f) => [f.location, f.rule, f.severity, f.message]),
)}
</body></html>
`
}
