// Component discovery and the vulnerability gate in the entry pass: manifests, lockfiles and package
// databases (at any depth: packages, nested archives, image layers, guest filesystems) become components;
// at the end each is matched against the imported OSV database, and advisories with a CVSS base score of
// 7.0 or more are blockers (vuln.cvss-high), the others warnings (vuln.cvss-low).
import { makeFinding, type Component, type Finding } from '../reports/model'
import { VulnDb } from '../vulns/osv'
import { normalisePath } from '../walk/paths'
import type { EntryScanner, ScanContext } from '../walk/types'
import { DETECTORS } from './detectors'

const MAX_MANIFEST = 64 * 1024 * 1024
export const STALE_DAYS = 30

export function createSbomScanner(ctx: ScanContext): EntryScanner {
  const components: Component[] = []
  const findings: Finding[] = []
  return {
    id: 'sbom',
    check: 'vulnerabilities',
    wants: (entry) => entry.type === 'file' && DETECTORS.some((d) => d.matches(normalisePath(entry.path))),
    open(entry) {
      const detector = DETECTORS.find((d) => d.matches(normalisePath(entry.path)))!
      const chunks: Buffer[] = []
      let size = 0
      return {
        write(chunk) {
          size += chunk.length
          if (size <= MAX_MANIFEST) chunks.push(chunk)
        },
        end() {
          if (size > MAX_MANIFEST) {
            findings.push(makeFinding('sbom.unreadable', entry.location, `${detector.id}: the file is larger than 64 MiB and was not parsed; its components were not checked.`, { profile: ctx.profile }))
            return
          }
          try {
            for (const c of detector.parse(Buffer.concat(chunks).toString('utf8'), entry.location)) components.push({ ...c, location: entry.location })
          } catch (err) {
            findings.push(makeFinding('sbom.unreadable', entry.location, `${detector.id}: cannot be parsed (${(err as Error).message.split('\n')[0]}); its components were not checked for vulnerabilities.`, { profile: ctx.profile }))
          }
        },
      }
    },
    finish() {
      const out: Finding[] = [...findings]
      const db = ctx.db ? new VulnDb(ctx.db) : null
      const status = db?.status()
      if (!db || !status || status.advisories === 0) {
        out.push(makeFinding('vulndb.missing', ctx.packageName, `No vulnerability database is imported: ${components.length} component(s) were NOT checked. Import one with \`preflight vulndb import all.zip\`.`, { profile: ctx.profile }))
        return { findings: out, components }
      }
      if (status.ageDays !== null && status.ageDays > STALE_DAYS)
        out.push(makeFinding('vulndb.stale', ctx.packageName, `The vulnerability database was imported ${Math.floor(status.ageDays)} days ago (more than ${STALE_DAYS}).`, { profile: ctx.profile, details: { ageDays: Math.floor(status.ageDays) } }))
      const seen = new Set<string>()
      for (const c of components) {
        const key = `${c.ecosystem}\0${c.name}\0${c.version}\0${c.location}`
        if (seen.has(key)) continue
        seen.add(key)
        for (const m of db.match(c.ecosystem, c.sourceName ?? c.name, c.version)) {
          const ids = [m.advisory.id, ...(m.advisory.aliases ?? [])]
          const scoreText = m.score === null ? 'no score' : `score ${m.score}${m.vector ? ` (${m.vector})` : ''}`
          const rule = m.score !== null && m.score >= 7 ? 'vuln.cvss-high' : 'vuln.cvss-low'
          out.push(makeFinding(rule, c.location, `${c.name} ${c.version} (${c.ecosystem}) is affected by ${ids.join(' / ')}: ${scoreText}; ${m.scoreSource}.${m.fixed.length ? ` Fixed in ${[...new Set(m.fixed)].join(', ')}.` : ' No fixed version is published.'}`, {
            profile: ctx.profile,
            details: { component: c.name, version: c.version, ecosystem: c.ecosystem, advisory: m.advisory.id, advisories: ids, aliases: m.advisory.aliases ?? [], score: m.score, vector: m.vector, fixed: [...new Set(m.fixed)], summary: m.advisory.summary },
          }))
        }
      }
      return { findings: out, components, facts: { components: components.length, advisories: status.advisories } }
    },
  }
}
