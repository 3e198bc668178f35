// Component discovery and the vulnerability gate in the entry pass: manifests, lockfiles and package
// databases (at any depth: packages, nested archives, image layers, guest filesystems) become components;
// at the end each is matched against the imported OSV database, and advisories with a CVSS base score of
// 7.0 or more are blockers (vuln.cvss-high), the others warnings (vuln.cvss-low). Components of OS package
// databases (dpkg, apk, rpm) take their OSV ecosystem and release from the os-release of their root filesystem
// (image layer set, guest volume, package). Components that could not be matched (an ecosystem without a
// version comparator, a distribution release that is unknown) are named per ecosystem and root (sbom.unmatched).
import { bi, textIn } from '../../src-preload/text'
import { makeFinding, type Component, type Finding } from '../reports/model'
import {
  osEcosystem,
  osReleaseFromReleaseFile,
  RELEASE_FILE,
  releaseKnown,
  type OsPackageDb,
} from '../vulns/ecosystems'
import { VulnDb } from '../vulns/osv'
import { scoreSourceText } from '../vulns/score-text'
import { baseEcosystem, comparatorFor } from '../vulns/versions'
import { normalisePath } from '../walk/paths'
import type { EntryScanner, ScanContext } from '../walk/types'
import { DETECTORS, STREAM_DETECTORS } from './detectors'
import type { StreamDetector } from './types'
import { RPM_PENDING } from './rpmdb'

const MAX_MANIFEST = 64 * 1024 * 1024
export const STALE_DAYS = 30

const OS_RELEASE = /(^|\/)(etc|usr\/lib)\/os-release$/
/** OS package databases: their components' ecosystem comes from the os-release of the same root. */
const OS_DBS: Record<string, { db: OsPackageDb; path: RegExp }> = {
  'dpkg-status': { db: 'dpkg', path: /(^|\/)var\/lib\/dpkg\/(status|status\.d\/[^/]+)$/ },
  'apk-installed': { db: 'apk', path: /(^|\/)lib\/apk\/db\/installed$/ },
}
/** A docker-archive's manifest.json: its images' layer lists (bottom first) tell which os-release a layer sees. */
const DOCKER_MANIFEST = 'manifest.json'
const RPMDB_PATH = /(^|\/)(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\/rpmdb\.sqlite$/

/** The '!'-separated location of the filesystem root an entry lives in (`img!layer` for `img!layer!etc/os-release`). */
function rootOf(location: string, path: string, suffix: RegExp): string {
  const m = suffix.exec(path)
  const tail = m ? path.length - m.index - (m[1]?.length ?? 0) : 0
  return location.slice(0, location.length - tail)
}

export function createSbomScanner(ctx: ScanContext): EntryScanner {
  const components: Component[] = []
  const findings: Finding[] = []
  /** os-release text by filesystem root, and the OS package components waiting for their distribution. */
  const osReleases = new Map<string, string>()
  /** The same from the distributions' release files (/etc/redhat-release, /etc/debian_version, ...), for roots without os-release. */
  const releaseFiles = new Map<string, string>()
  /** Layer roots of each docker-archive image, bottom first. */
  const stacks: string[][] = []
  const osPending: Array<{ component: Component; root: string; db: OsPackageDb }> = []
  const unreadable = (location: string, id: string, err: unknown) => {
    // a detector's own reason comes in both languages (SbomParseError); a parser's (JSON, TOML, XML) is quoted as it is
    const why = (err as Error).message.split('\n')[0]
    const whyZh = textIn(err as Error & { messageZh?: string }, 'zh-CN').split('\n')[0]
    findings.push(
      makeFinding(
        'sbom.unreadable',
        location,
        bi(
          `${id}: cannot be parsed (${why}); its components were not checked for vulnerabilities.`,
          `${id}：无法解析（${whyZh}），其组件未做漏洞检查。`,
        ),
        { profile: ctx.profile },
      ),
    )
  }
  return {
    id: 'sbom',
    check: 'vulnerabilities',
    wants(entry, head) {
      if (entry.type !== 'file') return false
      const path = normalisePath(entry.path)
      return (
        OS_RELEASE.test(path) ||
        RELEASE_FILE.test(path) ||
        path === DOCKER_MANIFEST ||
        DETECTORS.some((d) => d.matches(path)) ||
        STREAM_DETECTORS.some((d) => d.matches(path, head))
      )
    },
    open(entry) {
      const path = normalisePath(entry.path)
      const detector = DETECTORS.find((d) => d.matches(path))
      const osRelease = OS_RELEASE.test(path) || RELEASE_FILE.test(path) || path === DOCKER_MANIFEST
      // the head was seen in wants(); stream detectors that need it (executables) are decided on the first chunk
      let streams: Array<{ id: string; sink: ReturnType<StreamDetector['open']> }> | null = null
      const chunks: Buffer[] = []
      let size = 0
      return {
        write(chunk) {
          if (!streams)
            streams = STREAM_DETECTORS.filter((d) => d.matches(path, chunk.subarray(0, 4096))).map((d) => ({
              id: d.id,
              sink: d.open(entry.location),
            }))
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
                if (c.ecosystem === RPM_PENDING)
                  osPending.push({ component, root: rootOf(entry.location, path, RPMDB_PATH), db: 'rpm' })
              }
            } catch (err) {
              unreadable(entry.location, s.id, err)
            }
          }
          if (path === DOCKER_MANIFEST) {
            if (size <= 1024 * 1024)
              stacks.push(
                ...dockerStacks(
                  entry.location.slice(0, -DOCKER_MANIFEST.length - 1),
                  Buffer.concat(chunks).toString('utf8'),
                ),
              )
            return
          }
          if (RELEASE_FILE.test(path)) {
            const text = size <= 65536 ? osReleaseFromReleaseFile(path, Buffer.concat(chunks).toString('utf8')) : null
            if (text) releaseFiles.set(rootOf(entry.location, path, RELEASE_FILE), text)
            return
          }
          if (osRelease) {
            if (size <= 65536)
              osReleases.set(rootOf(entry.location, path, OS_RELEASE), Buffer.concat(chunks).toString('utf8'))
            return
          }
          if (!detector) return
          if (size > MAX_MANIFEST) {
            findings.push(
              makeFinding(
                'sbom.unreadable',
                entry.location,
                bi(
                  `${detector.id}: the file is larger than 64 MiB and was not parsed; its components were not checked.`,
                  `${detector.id}：文件超过 64 MiB，未解析，其组件未做检查。`,
                ),
                { profile: ctx.profile },
              ),
            )
            return
          }
          try {
            const os = OS_DBS[detector.id]
            for (const c of detector.parse(Buffer.concat(chunks).toString('utf8'), entry.location)) {
              const component = { ...c, location: entry.location }
              components.push(component)
              if (os) osPending.push({ component, root: rootOf(entry.location, path, os.path), db: os.db })
            }
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
      // os-release first, a release file where a root has none
      const releases = new Map([...releaseFiles, ...osReleases])
      for (const { component, root, db } of osPending) {
        component.ecosystem = osEcosystem(db, nearestOsRelease(releases, root, stacks))
        if (db === 'dpkg' && baseEcosystem(component.ecosystem) === 'Ubuntu')
          component.purl = component.purl?.replace(/^pkg:deb\/debian\//, 'pkg:deb/ubuntu/')
      }
      const out: Finding[] = [...findings]
      const db = ctx.db ? new VulnDb(ctx.db) : null
      const status = db?.status()
      if (!db || !status || status.advisories === 0) {
        out.push(
          makeFinding(
            'vulndb.missing',
            ctx.packageName,
            bi(
              `No vulnerability database is imported: ${components.length} component(s) were NOT checked. Import one with \`preflight vulndb import all.zip\`.`,
              `尚未导入漏洞数据库：${components.length} 个组件未做检查。请用 \`preflight vulndb import all.zip\` 导入。`,
            ),
            { profile: ctx.profile },
          ),
        )
        return { findings: out, components }
      }
      if (status.ageDays !== null && status.ageDays > STALE_DAYS)
        out.push(
          makeFinding(
            'vulndb.stale',
            ctx.packageName,
            bi(
              `The vulnerability database was imported ${Math.floor(status.ageDays)} days ago (more than ${STALE_DAYS}).`,
              `漏洞数据库导入于 ${Math.floor(status.ageDays)} 天前（超过 ${STALE_DAYS} 天）。`,
            ),
            { profile: ctx.profile, details: { ageDays: Math.floor(status.ageDays) } },
          ),
        )
      const seen = new Set<string>()
      /** Components that could not be matched, by ecosystem and root filesystem. */
      const unmatched = new Map<
        string,
        { ecosystem: string; root: string; locations: Set<string>; names: Set<string>; count: number }
      >()
      for (const c of components) {
        const key = `${c.ecosystem}\0${c.name}\0${c.version}\0${c.location}`
        if (seen.has(key)) continue
        seen.add(key)
        if (!comparatorFor(c.ecosystem) || !releaseKnown(c.ecosystem)) {
          const root = c.location.includes('!') ? c.location.slice(0, c.location.lastIndexOf('!')) : c.location
          const group = unmatched.get(`${c.ecosystem}\0${root}`) ?? {
            ecosystem: c.ecosystem,
            root,
            locations: new Set<string>(),
            names: new Set<string>(),
            count: 0,
          }
          unmatched.set(`${c.ecosystem}\0${root}`, group)
          group.locations.add(c.location)
          group.count++
          group.names.add(c.name)
          continue
        }
        // OS advisories are keyed by source package: a binNMU or a binary versioned apart from its source is matched on the source's version
        const source = c.sourceVersion
          ? bi(
              ` (source ${c.sourceName ?? c.name} ${c.sourceVersion})`,
              `（源码包 ${c.sourceName ?? c.name} ${c.sourceVersion}）`,
            )
          : bi('', '')
        for (const m of db.match(c.ecosystem, c.sourceName ?? c.name, c.sourceVersion ?? c.version)) {
          const ids = [m.advisory.id, ...(m.advisory.aliases ?? [])]
          const scoreText =
            m.score === null
              ? bi('no score', '无评分')
              : bi(
                  `score ${m.score}${m.vector ? ` (${m.vector})` : ''}`,
                  `评分 ${m.score}${m.vector ? `（${m.vector}）` : ''}`,
                )
          const how = scoreSourceText(m.scoreSource)
          const fixed = [...new Set(m.fixed)]
          const rule = m.score !== null && m.score >= 7 ? 'vuln.cvss-high' : 'vuln.cvss-low'
          out.push(
            makeFinding(
              rule,
              c.location,
              bi(
                `${c.name} ${c.version}${source.en} (${c.ecosystem}) is affected by ${ids.join(' / ')}: ${scoreText.en}; ${how.en}.${fixed.length ? ` Fixed in ${fixed.join(', ')}.` : ' No fixed version is published.'}`,
                `${c.name} ${c.version}${source.zh}（${c.ecosystem}）受 ${ids.join(' / ')} 影响：${scoreText.zh}；${how.zh}。${fixed.length ? `已在 ${fixed.join('、')} 中修复。` : '尚未发布修复版本。'}`,
              ),
              {
                profile: ctx.profile,
                details: {
                  component: c.name,
                  version: c.version,
                  ...(c.sourceVersion ? { sourceVersion: c.sourceVersion } : {}),
                  ecosystem: c.ecosystem,
                  advisory: m.advisory.id,
                  advisories: ids,
                  aliases: m.advisory.aliases ?? [],
                  score: m.score,
                  vector: m.vector,
                  fixed,
                  summary: m.advisory.summary,
                },
              },
            ),
          )
        }
      }
      let notMatched = 0
      for (const g of unmatched.values()) {
        notMatched += g.count
        const base = baseEcosystem(g.ecosystem)
        const why = !comparatorFor(g.ecosystem)
          ? bi(
              `Preflight cannot compare ${base} versions, so no ${base} advisory was matched`,
              `Preflight 无法比较 ${base} 版本，因此未匹配任何 ${base} 公告`,
            )
          : bi(
              `the ${base} release is unknown (no os-release in this root filesystem names it) and ${base} advisories are per release, so none was matched`,
              `${base} 发行版版本未知（该根文件系统中没有写明它的 os-release），而 ${base} 公告按发行版版本区分，因此未匹配任何公告`,
            )
        const names = [...g.names]
        // at the one database or manifest they came from (an image's upper layer may delete or replace it), else at the root
        const at = g.locations.size === 1 ? [...g.locations][0] : g.root
        out.push(
          makeFinding(
            'sbom.unmatched',
            at,
            bi(
              `${g.count} ${g.ecosystem} component(s) were NOT checked for vulnerabilities: ${why.en}. Components: ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''}.`,
              `${g.count} 个 ${g.ecosystem} 组件未做漏洞检查：${why.zh}。组件：${names.slice(0, 5).join('、')}${names.length > 5 ? `，另有 ${names.length - 5} 个` : ''}。`,
            ),
            {
              profile: ctx.profile,
              details: {
                ecosystem: g.ecosystem,
                count: g.count,
                components: names.slice(0, 20),
                reason: comparatorFor(g.ecosystem) ? 'release-unknown' : 'no-comparator',
              },
            },
          ),
        )
      }
      return {
        findings: out,
        components,
        facts: { components: components.length, advisories: status.advisories, unmatched: notMatched },
      }
    },
  }
}

/** The layer roots (as rootOf gives them, `img.tar!<id>/layer.tar!`) of a docker-archive's images (manifest.json's
 *  Layers, bottom first); none when it is not one. */
function dockerStacks(imageRoot: string, text: string): string[][] {
  try {
    const m = JSON.parse(text) as unknown
    if (!Array.isArray(m)) return []
    return m.flatMap((i: { Layers?: unknown }) =>
      Array.isArray(i?.Layers) && i.Layers.every((l) => typeof l === 'string')
        ? [(i.Layers as string[]).map((l) => `${imageRoot}!${normalisePath(l)}!`)]
        : [],
    )
  } catch {
    return [] // another file named manifest.json: not an image, nothing to learn
  }
}

/** The os-release of the same root; else, in a docker-archive image, of the topmost layer at or below it; else the
 *  one whose location shares the longest prefix (another layer of the same image: `img.tar!blobs/…` or
 *  `bundle!app/layer.tar`), never one only sharing the package name. */
function nearestOsRelease(osReleases: Map<string, string>, root: string, stacks: string[][] = []): string | null {
  if (osReleases.has(root)) return osReleases.get(root)!
  for (const stack of stacks)
    for (let i = stack.indexOf(root); i >= 0; i--) if (osReleases.has(stack[i])) return osReleases.get(stack[i])!
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
