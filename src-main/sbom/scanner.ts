// Component discovery and the vulnerability gate in the entry pass: manifests, lockfiles and package
// databases (at any depth: packages, nested archives, image layers, guest filesystems) become components;
// at the end each is matched against the imported OSV database, and advisories with a CVSS base score of
// 7.0 or more are blockers (vuln.cvss-high), the others warnings (vuln.cvss-low).
import { makeFinding, type Component, type Finding } from '../reports/model'
import { VulnDb } from '../vulns/osv'
import { normalisePath } from '../walk/paths'
import type { EntryScanner, ScanContext } from '../walk/types'
import { DETECTORS, STREAM_DETECTORS, type StreamDetector } from './detectors'
import { RPM_PENDING, rpmEcosystem } from './rpmdb'

const MAX_MANIFEST = 64 * 1024 * 1024
export const STALE_DAYS = 30

const OS_RELEASE = /(^|\/)(etc|usr\/lib)\/os-release$/

/** The '!'-separated location of the filesystem root an entry lives in (`img!layer` for `img!layer!etc/os-release`). */
function rootOf(location: string, path: string, suffix: RegExp): string {
  const m = suffix.exec(path)
  const tail = m ? path.length - m.index - (m[1]?.length ?? 0) : 0
  return location.slice(0, location.length - tail)
}

export function createSbomScanner(ctx: ScanContext): EntryScanner {
  const components: Component[] = []
  const findings: Finding[] = []
  /** os-release text by filesystem root, and the rpm components waiting for their distribution. */
  const osReleases = new Map<string, string>()
  const rpmPending: Array<{ component: Component; root: string }> = []
  const unreadable = (location: string, id: string, err: unknown) =>
    findings.push(makeFinding('sbom.unreadable', location, `${id}: cannot be parsed (${(err as Error).message.split('\n')[0]}); its components were not checked for vulnerabilities.`, { profile: ctx.profile }))
  return {
    id: 'sbom',
    check: 'vulnerabilities',
    wants(entry, head) {
      if (entry.type !== 'file') return false
      const path = normalisePath(entry.path)
      return OS_RELEASE.test(path) || DETECTORS.some((d) => d.matches(path)) || STREAM_DETECTORS.some((d) => d.matches(path, head))
    },
    open(entry) {
      const path = normalisePath(entry.path)
      const detector = DETECTORS.find((d) => d.matches(path))
      const osRelease = OS_RELEASE.test(path)
      // the head was seen in wants(); stream detectors that need it (executables) are decided on the first chunk
      let streams: Array<{ id: string; sink: ReturnType<StreamDetector['open']> }> | null = null
      const chunks: Buffer[] = []
      let size = 0
      return {
        write(chunk) {
          if (!streams) streams = STREAM_DETECTORS.filter((d) => d.matches(path, chunk.subarray(0, 4096))).map((d) => ({ id: d.id, sink: d.open(entry.location) }))
          for (const s of streams) s.sink.write(chunk)
          if (!detector && !osRelease) return
          size += chunk.length
          if (size <= MAX_MANIFEST) chunks.push(chunk)
        },
        end() {
          for (const s of streams ?? []) {
            try {
              for (const c of s.sink.end()) {
                const component = { ...c, location: entry.location }
                components.push(component)
                if (c.ecosystem === RPM_PENDING) rpmPending.push({ component, root: rootOf(entry.location, path, /(^|\/)(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\/rpmdb\.sqlite$/) })
              }
            } catch (err) {
              unreadable(entry.location, s.id, err)
            }
          }
          if (osRelease) {
            if (size <= 65536) osReleases.set(rootOf(entry.location, path, OS_RELEASE), Buffer.concat(chunks).toString('utf8'))
            return
          }
          if (!detector) return
          if (size > MAX_MANIFEST) {
            findings.push(makeFinding('sbom.unreadable', entry.location, `${detector.id}: the file is larger than 64 MiB and was not parsed; its components were not checked.`, { profile: ctx.profile }))
            return
          }
          try {
            for (const c of detector.parse(Buffer.concat(chunks).toString('utf8'), entry.location)) components.push({ ...c, location: entry.location })
          } catch (err) {
            unreadable(entry.location, detector.id, err)
          }
        },
        abort() {
          for (const s of streams ?? []) s.sink.abort?.()
        },
      }
    },
    finish() {
      for (const { component, root } of rpmPending) component.ecosystem = rpmEcosystem(nearestOsRelease(osReleases, root))
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

/** The os-release of the same root, else the one whose location shares the longest prefix (another layer of
 *  the same image: `img.tar!blobs/…` or `bundle!app/layer.tar`), never one only sharing the package name. */
function nearestOsRelease(osReleases: Map<string, string>, root: string): string | null {
  if (osReleases.has(root)) return osReleases.get(root)!
  const first = root.indexOf('!') + 1
  let best: string | null = null
  let bestShared = first
  for (const [r, text] of osReleases) {
    let shared = 0
    while (shared < r.length && shared < root.length && r[shared] === root[shared]) shared++
    while (shared > 0 && r[shared - 1] !== '/' && r[shared - 1] !== '!') shared-- // whole path segments only
    if (shared > bestShared) [best, bestShared] = [text, shared]
  }
  return best
}
