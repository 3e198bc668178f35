// SARIF 2.1.0 for code-scanning tools: one run, the catalogue's rules as reportingDescriptors, one result per
// finding (waived ones carry an accepted suppression with the waiver's reason).
import { allRules, ruleText } from '../../src-preload/catalogue'
import { verdictLine } from '../../src-preload/verdict'
import type { Report, WriterOptions } from './model'

const LEVEL = { blocker: 'error', warning: 'warning', info: 'note' } as const

export function sarifReport(report: Report, opts: WriterOptions = {}): string {
  const used = new Set(report.findings.map((f) => f.rule))
  const rules = allRules().filter((r) => used.has(r.id))
  const index = new Map(rules.map((r, i) => [r.id, i]))
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'Preflight',
            version: report.tool.version,
            informationUri: 'https://github.com/preflight/preflight',
            rules: rules.map((r) => {
              const t = ruleText(r.id, opts.lang)
              return {
                id: r.id,
                name: r.id,
                shortDescription: { text: t.title },
                fullDescription: { text: `${t.title}. Source: ${r.source}.` },
                help: { text: t.fix },
                defaultConfiguration: { level: LEVEL[r.severity] },
              }
            }),
          },
        },
        artifacts: [
          {
            location: { uri: report.package.name },
            length: report.package.size,
            hashes: { 'sha-256': report.package.sha256 },
          },
        ],
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: report.package.name, index: 0 } },
              logicalLocations: [{ fullyQualifiedName: f.location, kind: 'module' }],
            },
          ],
          ...(f.waived
            ? { suppressions: [{ kind: 'external', status: 'accepted', justification: f.waiverReason ?? '' }] }
            : {}),
          properties: { severity: f.severity, location: f.location },
        })),
        invocations: [{ executionSuccessful: true }],
        properties: {
          verdict: report.verdict,
          verdictLine: verdictLine(report),
          profile: report.profile,
          checks: report.checks,
        },
      },
    ],
  }
  return `${JSON.stringify(sarif, null, 2)}\n`
}
