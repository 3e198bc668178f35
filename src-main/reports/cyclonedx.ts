// CycloneDX 1.6 SBOM of a report (components with purls and where they were found, and the matched
// vulnerabilities with their CVSS ratings and fixed versions), built with @cyclonedx/cyclonedx-library.
import * as CDX from '@cyclonedx/cyclonedx-library'
import { verdictLine } from '../../src-preload/verdict'
import type { Report } from './model'

const METHOD: Record<string, CDX.Enums.Vulnerability.RatingMethod> = {
  '2.0': CDX.Enums.Vulnerability.RatingMethod.CVSSv2,
  '3.0': CDX.Enums.Vulnerability.RatingMethod.CVSSv3,
  '3.1': CDX.Enums.Vulnerability.RatingMethod.CVSSv31,
  '4.0': CDX.Enums.Vulnerability.RatingMethod.CVSSv4,
}

function severityOf(score: number | null): CDX.Enums.Vulnerability.Severity {
  const S = CDX.Enums.Vulnerability.Severity
  if (score === null) return S.Unknown
  return score >= 9 ? S.Critical : score >= 7 ? S.High : score >= 4 ? S.Medium : score > 0 ? S.Low : S.None
}

export function cyclonedxReport(report: Report): string {
  const bom = new CDX.Models.Bom()
  bom.metadata.timestamp = new Date()
  // the verdict line, so the SBOM never reads as a full check where a check did not run
  bom.metadata.properties.add(new CDX.Models.Property('preflight:verdict', verdictLine(report)))
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'preflight', { version: report.tool.version }),
  )
  bom.metadata.component = new CDX.Models.Component(CDX.Enums.ComponentType.Application, report.package.name, {
    bomRef: 'package',
    hashes: new CDX.Models.HashDictionary([[CDX.Enums.HashAlgorithm['SHA-256'], report.package.sha256]]),
  })
  const refs = new Map<string, CDX.Models.Component>()
  report.components.forEach((c, i) => {
    const key = `${c.ecosystem}\0${c.name}\0${c.version}\0${c.location}`
    if (refs.has(key)) return
    const comp = new CDX.Models.Component(CDX.Enums.ComponentType.Library, c.name, {
      version: c.version,
      bomRef: `component-${i}`,
      purl: c.purl,
      properties: new CDX.Models.PropertyRepository([
        new CDX.Models.Property('preflight:ecosystem', c.ecosystem),
        new CDX.Models.Property('preflight:location', c.location),
      ]),
    })
    refs.set(key, comp)
    bom.components.add(comp)
  })
  report.findings
    .filter((f) => f.rule.startsWith('vuln.'))
    .forEach((f, i) => {
      const d = f.details as {
        component: string
        version: string
        ecosystem: string
        advisory: string
        aliases?: string[]
        score: number | null
        vector: string | null
        fixed?: string[]
        summary?: string
      }
      const comp = refs.get(`${d.ecosystem}\0${d.component}\0${d.version}\0${f.location}`)
      const version = /^CVSS:(\d\.\d)/.exec(d.vector ?? '')?.[1] ?? (d.vector ? '2.0' : '')
      const ratings =
        d.score === null
          ? []
          : [
              new CDX.Models.Vulnerability.Rating({
                score: d.score,
                severity: severityOf(d.score),
                method: METHOD[version] ?? CDX.Enums.Vulnerability.RatingMethod.Other,
                vector: d.vector ?? undefined,
              }),
            ]
      bom.vulnerabilities.add(
        new CDX.Models.Vulnerability.Vulnerability({
          bomRef: `vulnerability-${i}`,
          id: d.advisory,
          description: d.summary,
          recommendation: d.fixed?.length ? `Upgrade ${d.component} to ${d.fixed.join(' or ')}` : undefined,
          ratings: new CDX.Models.Vulnerability.RatingRepository(ratings),
          affects: new CDX.Models.Vulnerability.AffectRepository(
            comp ? [new CDX.Models.Vulnerability.Affect(comp.bomRef)] : [],
          ),
          properties: new CDX.Models.PropertyRepository([
            new CDX.Models.Property('preflight:rule', f.rule),
            ...(f.waived ? [new CDX.Models.Property('preflight:waived', f.waiverReason ?? 'yes')] : []),
          ]),
        }),
      )
    })
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6))
  return `${serializer.serialize(bom, { sortLists: false, space: 2 })}\n`
}
