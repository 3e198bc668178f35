// The offline OSV database: advisories imported from per-ecosystem `all.zip` dumps or folders of OSV JSON
// into SQLite (indexed by ecosystem and package name; a re-import updates only what changed), and matching
// of components against them with OSV semantics: `versions[]`, and SEMVER/ECOSYSTEM ranges with
// introduced / fixed / last_affected / limit events, ordered by the ecosystem's comparator, for the
// component's distribution release (ecosystems.ts).
// Import semantics: an all.zip is a full snapshot of its ecosystem (the one all its advisories share, as in
// OSV's per-ecosystem <Ecosystem>/all.zip; of every ecosystem in it when they share none, as in the global
// all.zip), so an advisory of that ecosystem no longer in it is removed (for that ecosystem); a folder of OSV JSON is
// incremental (it adds and updates, removes nothing it does not hold). Either way a `withdrawn` advisory is
// not imported, and removes the copy an earlier import stored; matching ignores withdrawn advisories too.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import yauzl from 'yauzl'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import type { Db } from '../store/db'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'
import type { Score } from './cvss'
import { releaseApplies } from './ecosystems'
import { baseEcosystem, comparatorFor, type Comparator } from './versions'

export interface OsvAdvisory {
  id: string
  modified: string
  /** Set (an RFC 3339 time) when the advisory was withdrawn: it no longer stands. */
  withdrawn?: string
  aliases?: string[]
  summary?: string
  severity?: Array<{ type: string; score: string }>
  database_specific?: { severity?: string }
  affected?: Array<{
    package?: { ecosystem: string; name: string }
    ranges?: Array<{
      type: string
      events: Array<{ introduced?: string; fixed?: string; last_affected?: string; limit?: string }>
    }>
    versions?: string[]
  }>
}

/** Package names as OSV keys them (PyPI names normalised per PEP 503). */
export function normaliseName(ecosystem: string, name: string): string {
  return baseEcosystem(ecosystem) === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name
}

export interface ImportResult {
  added: number
  updated: number
  unchanged: number
  skipped: number
  /** Advisories removed: withdrawn upstream, or (all.zip) no longer in the snapshot of their ecosystems. */
  removed: number
}

export class VulnDb {
  constructor(private readonly db: Db) {}

  private upsert(batch: OsvAdvisory[], result: ImportResult, advisoryScore: (a: OsvAdvisory) => Score): void {
    const get = this.db.prepare('SELECT modified FROM osv_advisories WHERE id = ?')
    const drop = this.db.prepare('DELETE FROM osv_advisories WHERE id = ?')
    const put = this.db.prepare(
      'INSERT INTO osv_advisories (id, modified, json, score, vector, score_source) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, json = excluded.json, score = excluded.score, vector = excluded.vector, score_source = excluded.score_source',
    )
    const del = this.db.prepare('DELETE FROM osv_affected WHERE advisory_id = ?')
    const aff = this.db.prepare('INSERT INTO osv_affected (advisory_id, ecosystem, name) VALUES (?, ?, ?)')
    this.db.transaction(() => {
      for (const a of batch) {
        const prev = get.get(a.id) as { modified: string } | undefined
        if (a.withdrawn) {
          if (prev) {
            del.run(a.id)
            drop.run(a.id)
            result.removed++
          }
          continue
        }
        if (prev && prev.modified === a.modified) {
          result.unchanged++
          continue
        }
        const s: Score = advisoryScore(a)
        put.run(a.id, a.modified, JSON.stringify(a), s.score, s.vector, s.source)
        del.run(a.id)
        const seen = new Set<string>()
        for (const x of a.affected ?? []) {
          if (!x.package) continue
          const key = `${baseEcosystem(x.package.ecosystem)}\0${normaliseName(x.package.ecosystem, x.package.name)}`
          if (seen.has(key)) continue
          seen.add(key)
          aff.run(a.id, baseEcosystem(x.package.ecosystem), normaliseName(x.package.ecosystem, x.package.name))
        }
        if (prev) result.updated++
        else result.added++
      }
    })()
  }

  /** After an all.zip: advisories of the ecosystems it covers that it no longer holds lose those ecosystems, and
   *  go when nothing else is left; one kept for another ecosystem is re-read by the next import that holds it.
   *  An advisory for a release or variant the zip holds nothing for (`Debian:11` when it holds only `Debian:12`
   *  advisories, as a per-release zip does) is not its to remove and stays. */
  private removeMissing(covered: Set<string>, exact: Set<string>, seen: Set<string>, result: ImportResult): void {
    if (!covered.size) return
    const rows = this.db
      .prepare(
        `SELECT DISTINCT f.advisory_id AS id, a.json FROM osv_affected f JOIN osv_advisories a ON a.id = f.advisory_id WHERE f.ecosystem IN (${[...covered].map(() => '?').join(',')})`,
      )
      .all(...covered) as Array<{ id: string; json: string }>
    const delEco = this.db.prepare('DELETE FROM osv_affected WHERE advisory_id = ? AND ecosystem = ?')
    const left = this.db.prepare('SELECT count(*) AS n FROM osv_affected WHERE advisory_id = ?')
    const drop = this.db.prepare('DELETE FROM osv_advisories WHERE id = ?')
    const stale = this.db.prepare("UPDATE osv_advisories SET modified = '' WHERE id = ?")
    this.db.transaction(() => {
      for (const { id, json } of rows) {
        if (seen.has(id)) continue
        const own = ((JSON.parse(json) as OsvAdvisory).affected ?? []).flatMap((x) =>
          x.package && covered.has(baseEcosystem(x.package.ecosystem)) ? [x.package.ecosystem] : [],
        )
        if (own.some((e) => !exact.has(e))) continue
        for (const e of covered) delEco.run(id, e)
        if ((left.get(id) as { n: number }).n === 0) drop.run(id)
        else stale.run(id)
        result.removed++
      }
    })()
  }

  /** Import one all.zip (a full snapshot of the ecosystems it holds) or a folder (recursively, incremental) of OSV JSON files. */
  async importPath(path: string, opts: { signal?: AbortSignal; meter?: ProgressMeter } = {}): Promise<ImportResult> {
    const st = await stat(path).catch(() => {
      throw new PreflightError('not-found', bi(`No such file or folder: ${path}`, `文件或文件夹不存在：${path}`))
    })
    const result: ImportResult = { added: 0, updated: 0, unchanged: 0, skipped: 0, removed: 0 }
    const seen = new Set<string>()
    /** Ecosystems every advisory read so far shares, and all ecosystems read (for an all.zip's snapshot). */
    const eco: { shared: Set<string> | null; all: Set<string>; exact: Set<string> } = {
      shared: null,
      all: new Set(),
      exact: new Set(),
    }
    // the CVSS calculator is loaded for imports only: a scan reads the stored scores and starts without it
    const { advisoryScore } = await import('./cvss')
    let batch: OsvAdvisory[] = []
    const take = (text: string, where: string) => {
      try {
        const a = JSON.parse(text) as OsvAdvisory
        if (typeof a.id !== 'string' || typeof a.modified !== 'string') throw new Error('missing id or modified')
        seen.add(a.id)
        const named = (a.affected ?? []).flatMap((x) =>
          typeof x.package?.ecosystem === 'string' ? [x.package.ecosystem] : [],
        )
        const ecosystems = new Set(named.map(baseEcosystem))
        for (const e of named) eco.exact.add(e)
        for (const e of ecosystems) eco.all.add(e)
        // an advisory naming no package (some withdrawn ones) says nothing about which ecosystem the zip is
        if (ecosystems.size)
          eco.shared = eco.shared === null ? ecosystems : new Set([...eco.shared].filter((e) => ecosystems.has(e)))
        batch.push(a)
      } catch {
        result.skipped++
        void where
      }
      if (batch.length >= 2000) {
        this.upsert(batch, result, advisoryScore)
        batch = []
      }
    }
    if (st.isDirectory()) {
      const files = (await readdir(path, { recursive: true })).filter((f) => f.endsWith('.json')).sort()
      let done = 0
      for (const f of files) {
        throwIfCancelled(opts.signal)
        take(await readFile(join(path, f), 'utf8'), f)
        opts.meter?.update('importing', ++done, files.length)
      }
    } else await this.importZip(path, st.size, take, opts)
    if (batch.length) this.upsert(batch, result, advisoryScore)
    // OSV's per-ecosystem <Ecosystem>/all.zip: every advisory in it shares that ecosystem; the all-ecosystem
    // all.zip shares none and is a snapshot of every ecosystem in it
    if (!st.isDirectory()) this.removeMissing(eco.shared?.size ? eco.shared : eco.all, eco.exact, seen, result)
    this.db
      .prepare('INSERT INTO osv_imports (source, imported_at, added, updated, unchanged) VALUES (?, ?, ?, ?, ?)')
      .run(path, new Date().toISOString(), result.added, result.updated, result.unchanged)
    return result
  }

  private importZip(
    path: string,
    size: number,
    take: (text: string, where: string) => void,
    opts: { signal?: AbortSignal; meter?: ProgressMeter },
  ): Promise<void> {
    /** A zip that opened but breaks while it is read: named, with what to do next. */
    const damaged = (err: Error) =>
      new PreflightError(
        'invalid-input',
        bi(
          `${path} is damaged: ${err.message}. Download the OSV all.zip again and import it.`,
          `${path} 已损坏（${err.message}）。请重新下载 OSV all.zip 后再导入。`,
        ),
      )
    return new Promise((resolve, reject) => {
      yauzl.open(path, { lazyEntries: true }, (err, zip) => {
        if (err || !zip)
          return reject(
            new PreflightError(
              'invalid-input',
              bi(
                `${path} is not an OSV all.zip: ${err?.message}`,
                `${path} 不是 OSV all.zip（${err?.message}）。请导入从 OSV 下载的 all.zip，或存放 OSV JSON 文件的文件夹。`,
              ),
            ),
          )
        zip.on('entry', (e) => {
          if (opts.signal?.aborted) {
            zip.close()
            return reject(new PreflightError('cancelled', bi('Cancelled by the user.', '已由用户取消。')))
          }
          if (!e.fileName.endsWith('.json')) return zip.readEntry()
          zip.openReadStream(e, (e2, s) => {
            if (e2 || !s) return reject(damaged(e2 ?? new Error('no data')))
            const chunks: Buffer[] = []
            s.on('data', (c: Buffer) => chunks.push(c))
            s.on('end', () => {
              take(Buffer.concat(chunks).toString('utf8'), e.fileName)
              opts.meter?.update('importing', e.relativeOffsetOfLocalHeader, size)
              zip.readEntry()
            })
            s.on('error', (err: Error) => reject(damaged(err)))
          })
        })
        zip.on('end', resolve)
        zip.on('error', (err: Error) => reject(damaged(err)))
        zip.readEntry()
      })
    })
  }

  status(): {
    advisories: number
    byEcosystem: Record<string, number>
    lastImport: string | null
    ageDays: number | null
  } {
    const advisories = (this.db.prepare('SELECT count(*) AS n FROM osv_advisories').get() as { n: number }).n
    const byEcosystem = Object.fromEntries(
      (
        this.db
          .prepare(
            'SELECT ecosystem, count(DISTINCT advisory_id) AS n FROM osv_affected GROUP BY ecosystem ORDER BY ecosystem',
          )
          .all() as Array<{ ecosystem: string; n: number }>
      ).map((r) => [r.ecosystem, r.n]),
    )
    const last = (this.db.prepare('SELECT max(imported_at) AS t FROM osv_imports').get() as { t: string | null }).t
    return {
      advisories,
      byEcosystem,
      lastImport: last,
      ageDays: last ? (Date.now() - Date.parse(last)) / 86_400_000 : null,
    }
  }

  /** Advisories affecting one component version; `ecosystem` carries the distribution release where OSV keys
   *  advisories by release ("Debian:12"): only affected entries for that release (or for the whole base) count. */
  match(
    ecosystem: string,
    name: string,
    version: string,
  ): Array<{
    advisory: OsvAdvisory
    score: number | null
    vector: string | null
    scoreSource: string
    fixed: string[]
  }> {
    const cmp = comparatorFor(ecosystem)
    if (!cmp) return []
    const rows = this.db
      .prepare(
        'SELECT a.json, a.score, a.vector, a.score_source FROM osv_affected f JOIN osv_advisories a ON a.id = f.advisory_id WHERE f.ecosystem = ? AND f.name = ?',
      )
      .all(baseEcosystem(ecosystem), normaliseName(ecosystem, name)) as Array<{
      json: string
      score: number | null
      vector: string | null
      score_source: string
    }>
    const out = []
    for (const r of rows) {
      const a = JSON.parse(r.json) as OsvAdvisory
      if (a.withdrawn) continue // stored by an import before withdrawn advisories were refused
      const fixed: string[] = []
      const hit = (a.affected ?? []).some(
        (x) =>
          x.package &&
          releaseApplies(ecosystem, x.package.ecosystem) &&
          normaliseName(x.package.ecosystem, x.package.name) === normaliseName(ecosystem, name) &&
          affects(x, version, cmp, fixed),
      )
      if (hit) out.push({ advisory: a, score: r.score, vector: r.vector, scoreSource: r.score_source, fixed })
    }
    return out
  }
}

/** OSV's affected-version semantics for one `affected` entry. */
export function affects(
  x: NonNullable<OsvAdvisory['affected']>[number],
  version: string,
  cmp: Comparator,
  fixedOut: string[] = [],
): boolean {
  if (x.versions?.includes(version)) return true
  for (const range of x.ranges ?? []) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue
    const key = (e: (typeof range.events)[number]) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '0'
    const events = [...range.events].sort((p, q) => (key(p) === '0' ? -1 : key(q) === '0' ? 1 : cmp(key(p), key(q))))
    for (const e of events) if (e.fixed) fixedOut.push(e.fixed)
    let affected = false
    for (const e of events) {
      if (e.introduced !== undefined) {
        if (e.introduced === '0' || cmp(version, e.introduced) >= 0) affected = true
      } else if (e.fixed !== undefined) {
        if (cmp(version, e.fixed) >= 0) affected = false
      } else if (e.last_affected !== undefined) {
        if (cmp(version, e.last_affected) > 0) affected = false
      } else if (e.limit !== undefined) {
        if (cmp(version, e.limit) >= 0) affected = false
      }
    }
    if (affected) return true
  }
  return false
}
