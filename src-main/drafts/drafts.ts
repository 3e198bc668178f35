// Release drafts on the seller's own disk: every save is one transaction that writes a new revision and
// moves the draft's head, so a crash at any moment leaves the last committed revision intact. Revisions can
// be listed, diffed and restored (a restore is itself a new revision); drafts can be searched, duplicated,
// deleted, exported to one JSON file (draft, waivers, last report, revisions) and imported again.
import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { PreflightError } from '../../src-preload/errors'
import type { Db } from '../store/db'
import { diffValues, type Change } from './diff'

export type Values = Record<string, unknown>

export interface Draft {
  id: string
  title: string
  profile: string
  values: Values
  waivers: unknown[]
  lastReport: unknown | null
  revision: number
  createdAt: string
  updatedAt: string
}

export interface DraftSummary {
  id: string
  title: string
  profile: string
  revision: number
  updatedAt: string
  verdict: 'pass' | 'fail' | null
}

export interface RevisionInfo {
  revision: number
  savedAt: string
  changedPaths: string[]
}

interface DraftRow {
  id: string
  title: string
  profile: string
  revision: number
  values_json: string
  waivers_json: string
  last_report_json: string | null
  created_at: string
  updated_at: string
}

const now = () => new Date().toISOString()

function toDraft(r: DraftRow): Draft {
  return {
    id: r.id,
    title: r.title,
    profile: r.profile,
    values: JSON.parse(r.values_json) as Values,
    waivers: JSON.parse(r.waivers_json) as unknown[],
    lastReport: r.last_report_json ? JSON.parse(r.last_report_json) : null,
    revision: r.revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export const EXPORT_SCHEMA = 'preflight.draft/1'

const exportFile = z.object({
  schema: z.literal(EXPORT_SCHEMA),
  draft: z.object({
    id: z.string().min(1),
    title: z.string(),
    profile: z.string().min(1),
    values: z.record(z.string(), z.unknown()),
    waivers: z.array(z.unknown()),
    lastReport: z.unknown().nullable(),
    revision: z.number().int().nonnegative(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  revisions: z.array(z.object({ revision: z.number().int().positive(), savedAt: z.string(), title: z.string(), values: z.record(z.string(), z.unknown()) })),
})

export class DraftStore {
  constructor(private readonly db: Db) {}

  private row(id: string): DraftRow {
    const r = this.db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow | undefined
    if (!r) throw new PreflightError('not-found', `No draft with id ${id}`)
    return r
  }

  get(id: string): Draft {
    return toDraft(this.row(id))
  }

  list(query = ''): DraftSummary[] {
    const q = `%${query.toLowerCase()}%`
    const rows = this.db
      .prepare(`SELECT id, title, profile, revision, updated_at, last_report_json FROM drafts
        WHERE lower(title) LIKE ? OR lower(profile) LIKE ? OR lower(values_json) LIKE ? ORDER BY updated_at DESC`)
      .all(q, q, q) as Array<Pick<DraftRow, 'id' | 'title' | 'profile' | 'revision' | 'updated_at' | 'last_report_json'>>
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      profile: r.profile,
      revision: r.revision,
      updatedAt: r.updated_at,
      verdict: r.last_report_json ? ((JSON.parse(r.last_report_json) as { verdict?: 'pass' | 'fail' }).verdict ?? null) : null,
    }))
  }

  create(profile: string, title?: string, values: Values = {}): Draft {
    const id = randomUUID()
    const t = now()
    const name = title?.trim() || `${profile} draft ${t.slice(0, 16).replace('T', ' ')}`
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO drafts (id, title, profile, revision, values_json, waivers_json, last_report_json, created_at, updated_at)
        VALUES (?, ?, ?, 1, ?, '[]', NULL, ?, ?)`).run(id, name, profile, JSON.stringify(values), t, t)
      this.db.prepare('INSERT INTO draft_revisions (draft_id, revision, saved_at, title, values_json, changed_paths) VALUES (?, 1, ?, ?, ?, ?)')
        .run(id, t, name, JSON.stringify(values), JSON.stringify(diffValues({}, values).map((c) => c.path)))
    })()
    return this.get(id)
  }

  /** Save a new revision; a save that changes nothing returns the current head without a new revision. */
  save(id: string, change: { values: Values; title?: string; waivers?: unknown[]; lastReport?: unknown | null }): { revision: number; updatedAt: string } {
    return this.db.transaction(() => {
      const cur = this.row(id)
      const values = JSON.stringify(change.values)
      const title = change.title?.trim() || cur.title
      const waivers = change.waivers === undefined ? cur.waivers_json : JSON.stringify(change.waivers)
      const report = change.lastReport === undefined ? cur.last_report_json : change.lastReport === null ? null : JSON.stringify(change.lastReport)
      if (values === cur.values_json && title === cur.title && waivers === cur.waivers_json && report === cur.last_report_json) {
        return { revision: cur.revision, updatedAt: cur.updated_at }
      }
      const t = now()
      const revision = cur.revision + 1
      const changed = diffValues(JSON.parse(cur.values_json), change.values).map((c) => c.path)
      this.db.prepare('INSERT INTO draft_revisions (draft_id, revision, saved_at, title, values_json, changed_paths) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, revision, t, title, values, JSON.stringify(changed))
      this.db.prepare('UPDATE drafts SET title = ?, revision = ?, values_json = ?, waivers_json = ?, last_report_json = ?, updated_at = ? WHERE id = ?')
        .run(title, revision, values, waivers, report, t, id)
      return { revision, updatedAt: t }
    })()
  }

  duplicate(id: string): Draft {
    const src = this.get(id)
    const copy = this.create(src.profile, `${src.title} (copy)`, src.values)
    this.save(copy.id, { values: src.values, waivers: src.waivers, lastReport: src.lastReport })
    return this.get(copy.id)
  }

  delete(id: string): void {
    this.row(id)
    this.db.prepare('DELETE FROM drafts WHERE id = ?').run(id)
  }

  revisions(id: string): RevisionInfo[] {
    this.row(id)
    const rows = this.db.prepare('SELECT revision, saved_at, changed_paths FROM draft_revisions WHERE draft_id = ? ORDER BY revision DESC').all(id) as Array<{ revision: number; saved_at: string; changed_paths: string }>
    return rows.map((r) => ({ revision: r.revision, savedAt: r.saved_at, changedPaths: JSON.parse(r.changed_paths) as string[] }))
  }

  private revisionValues(id: string, revision: number): Values {
    const r = this.db.prepare('SELECT values_json FROM draft_revisions WHERE draft_id = ? AND revision = ?').get(id, revision) as { values_json: string } | undefined
    if (!r) throw new PreflightError('not-found', `Draft ${id} has no revision ${revision}`)
    return JSON.parse(r.values_json) as Values
  }

  diff(id: string, from: number, to: number): Change[] {
    return diffValues(this.revisionValues(id, from), this.revisionValues(id, to))
  }

  restore(id: string, revision: number): Draft {
    this.save(id, { values: this.revisionValues(id, revision) })
    return this.get(id)
  }

  /** The export document; written atomically to `path` when given. */
  async exportTo(id: string, path?: string): Promise<{ path: string | null; content: string }> {
    const draft = this.get(id)
    const revisions = (this.db.prepare('SELECT revision, saved_at, title, values_json FROM draft_revisions WHERE draft_id = ? ORDER BY revision').all(id) as Array<{ revision: number; saved_at: string; title: string; values_json: string }>)
      .map((r) => ({ revision: r.revision, savedAt: r.saved_at, title: r.title, values: JSON.parse(r.values_json) as Values }))
    const content = `${JSON.stringify({ schema: EXPORT_SCHEMA, draft, revisions }, null, 2)}\n`
    if (path) {
      const tmp = `${path}.partial-${process.pid}`
      await writeFile(tmp, content)
      await rename(tmp, path)
    }
    return { path: path ?? null, content }
  }

  /** Import an exported draft. It keeps its id unless a draft with that id exists, then it gets a new one. */
  async importFrom(path: string): Promise<Draft> {
    let parsed: z.infer<typeof exportFile>
    try {
      parsed = exportFile.parse(JSON.parse(await readFile(path, 'utf8')))
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') throw new PreflightError('not-found', `No such file: ${path}`)
      throw new PreflightError('invalid-input', `${path} is not a Preflight draft export (${EXPORT_SCHEMA}): ${(err as Error).message.split('\n')[0]}`)
    }
    const d = parsed.draft
    const exists = this.db.prepare('SELECT 1 FROM drafts WHERE id = ?').get(d.id)
    const id = exists ? randomUUID() : d.id
    const revisions = parsed.revisions.length ? parsed.revisions : [{ revision: d.revision || 1, savedAt: d.updatedAt, title: d.title, values: d.values }]
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO drafts (id, title, profile, revision, values_json, waivers_json, last_report_json, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, d.title, d.profile, d.revision || revisions.at(-1)!.revision, JSON.stringify(d.values), JSON.stringify(d.waivers), d.lastReport == null ? null : JSON.stringify(d.lastReport), d.createdAt, d.updatedAt)
      let prev: Values = {}
      for (const r of revisions) {
        this.db.prepare('INSERT INTO draft_revisions (draft_id, revision, saved_at, title, values_json, changed_paths) VALUES (?, ?, ?, ?, ?, ?)')
          .run(id, r.revision, r.savedAt, r.title, JSON.stringify(r.values), JSON.stringify(diffValues(prev, r.values).map((c) => c.path)))
        prev = r.values
      }
    })()
    return this.get(id)
  }

  /** Record one release request (submit) and return how many were made today (local calendar day). */
  recordRequest(draftId: string, at = new Date()): number {
    const day = localDay(at)
    this.db.prepare('INSERT INTO release_requests (draft_id, requested_at, day) VALUES (?, ?, ?)').run(draftId, at.toISOString(), day)
    return this.requestsOn(at)
  }

  requestsOn(at = new Date()): number {
    return (this.db.prepare('SELECT count(*) AS n FROM release_requests WHERE day = ?').get(localDay(at)) as { n: number }).n
  }
}

function localDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}
