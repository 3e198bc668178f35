// Release drafts on the seller's own disk: every save is one transaction that moves the draft's head, so a crash
// at any moment leaves the last committed revision intact. A revision is one meaningful change: a change of a
// field's value or of the title (a burst of saves of the same one field or the title, each within `burstMs` of the
// last, amends one revision); moving between the wizard's steps (`wizard.*`), a new scan report or waivers move the
// head without a revision. Revisions can be listed with their changes (before → after), diffed and restored (a
// restore is itself a new revision); drafts can be searched, duplicated, deleted, exported to one JSON file (draft,
// waivers, last report, revisions) and imported again. A draft's title follows its package and profile until the
// seller names it.
import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { basename } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import type { Lang } from '../../src-preload/catalogue'
import { bi } from '../../src-preload/text'
import type { Db } from '../store/db'
import { isProfileId, PROFILES } from '../rules/profiles'
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
  /** The fields this revision changed (the wizard's own state, `wizard.*`, is never one). */
  changedPaths: string[]
  /** Each changed field's value before and after this revision (before: undefined in the first revision). */
  changes: Change[]
  /** The title, when this revision changed it. */
  retitled?: { before: string; after: string }
}

export interface SaveOptions {
  /** Amend the head revision instead of adding one when it changed the same one field (or the title) as this save did, at most this long ago. */
  burstMs?: number
}

/** The wizard's own state (the current step): kept with the draft, never a change of the release. */
const isReleasePath = (path: string) => path !== '' && path !== 'wizard' && !path.startsWith('wizard.')

function valueAt(v: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (cur, k) => (cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined),
      v,
    )
}

const isPlainList = (x: unknown) => Array.isArray(x) && x.every((e) => e === null || typeof e !== 'object')

/**
 * The changes between two values that are changes of the release. A list of plain values (billing modes, tags of
 * a multi-choice field) is one field: its change is the whole list before and after, not one change per item.
 */
function releaseChanges(before: unknown, after: unknown): Change[] {
  const out = new Map<string, Change>()
  for (const c of diffValues(before, after)) {
    if (!isReleasePath(c.path)) continue
    const parts = c.path.split('.')
    let whole: string | null = null
    for (let n = parts.length; n >= 1 && !whole; n--) {
      const path = parts.slice(0, n).join('.')
      const [b, a] = [valueAt(before, path), valueAt(after, path)]
      if ((isPlainList(b) || isPlainList(a)) && [b, a].every((x) => x === undefined || isPlainList(x))) whole = path
    }
    if (whole) out.set(whole, { path: whole, before: valueAt(before, whole), after: valueAt(after, whole) })
    else out.set(c.path, c)
  }
  return [...out.values()]
}

/**
 * The title a draft has until the seller names it, in the language the draft was made in: its package's file name
 * and its profile, e.g. "web.qcow2 · Samsung Cloud Platform image" / "web.qcow2 · Samsung Cloud Platform 镜像".
 */
export function defaultTitle(profile: string, values: Values, lang: Lang = 'en'): string {
  const zh = lang === 'zh-CN'
  const kind = isProfileId(profile) ? (zh ? PROFILES[profile].titleZh : PROFILES[profile].title) : profile
  const pkg = values.package as { name?: unknown } | undefined
  if (typeof pkg?.name === 'string' && pkg.name) return `${pkg.name} · ${kind}`
  return zh ? `${kind}草稿` : `${kind} draft`
}

/** The language of an automatic title (one defaultTitle gave for these values), or null for a title the seller chose. */
function automaticTitleLang(title: string, profile: string, values: Values): Lang | null {
  if (title === defaultTitle(profile, values, 'zh-CN')) return 'zh-CN'
  if (title === defaultTitle(profile, values) || OLD_DEFAULT_TITLE.test(title)) return 'en'
  return null
}

/** Titles Preflight gave before drafts were named after their package ("<profile> draft 2026-01-02 10:11"). */
const OLD_DEFAULT_TITLE = /^[a-z-]+ draft \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/

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
  revisions: z.array(
    z.object({
      revision: z.number().int().positive(),
      savedAt: z.string(),
      title: z.string(),
      values: z.record(z.string(), z.unknown()),
    }),
  ),
})

export class DraftStore {
  constructor(private readonly db: Db) {}

  private row(id: string): DraftRow {
    const r = this.db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow | undefined
    if (!r)
      throw new PreflightError(
        'not-found',
        bi(
          `No draft with id ${id}: it may have been deleted. Open Drafts to see the drafts on this machine.`,
          `没有 ID 为 ${id} 的草稿：它可能已被删除。请打开“草稿”查看本机上的草稿。`,
        ),
      )
    return r
  }

  get(id: string): Draft {
    return toDraft(this.row(id))
  }

  list(query = ''): DraftSummary[] {
    const q = `%${query.toLowerCase()}%`
    const rows = this.db
      .prepare(
        `SELECT id, title, profile, revision, updated_at, last_report_json FROM drafts
        WHERE lower(title) LIKE ? OR lower(profile) LIKE ? OR lower(values_json) LIKE ? ORDER BY updated_at DESC`,
      )
      .all(q, q, q) as Array<
      Pick<DraftRow, 'id' | 'title' | 'profile' | 'revision' | 'updated_at' | 'last_report_json'>
    >
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      profile: r.profile,
      revision: r.revision,
      updatedAt: r.updated_at,
      verdict: r.last_report_json
        ? ((JSON.parse(r.last_report_json) as { verdict?: 'pass' | 'fail' }).verdict ?? null)
        : null,
    }))
  }

  create(profile: string, title?: string, values: Values = {}, lang: Lang = 'en'): Draft {
    const id = randomUUID()
    const t = now()
    const name = title?.trim() || defaultTitle(profile, values, lang)
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO drafts (id, title, profile, revision, values_json, waivers_json, last_report_json, created_at, updated_at)
        VALUES (?, ?, ?, 1, ?, '[]', NULL, ?, ?)`,
        )
        .run(id, name, profile, JSON.stringify(values), t, t)
      this.db
        .prepare(
          'INSERT INTO draft_revisions (draft_id, revision, saved_at, title, values_json, changed_paths) VALUES (?, 1, ?, ?, ?, ?)',
        )
        .run(id, t, name, JSON.stringify(values), JSON.stringify(releaseChanges({}, values).map((c) => c.path)))
    })()
    return this.get(id)
  }

  /**
   * Save the draft's head. A save that changes nothing returns the head as it is; one that changes only the wizard's
   * step, the report or the waivers moves the head without a revision; a change of fields or title is a new revision,
   * or amends the head revision in a burst (see SaveOptions). Without a title, an automatic title follows the package.
   */
  save(
    id: string,
    change: { values: Values; title?: string; waivers?: unknown[]; lastReport?: unknown | null },
    opts: SaveOptions = {},
  ): { revision: number; updatedAt: string; title: string } {
    return this.db.transaction(() => {
      const cur = this.row(id)
      const before = JSON.parse(cur.values_json) as Values
      const automatic = automaticTitleLang(cur.title, cur.profile, before)
      const values = JSON.stringify(change.values)
      const title =
        change.title?.trim() || (automatic ? defaultTitle(cur.profile, change.values, automatic) : cur.title)
      const waivers = change.waivers === undefined ? cur.waivers_json : JSON.stringify(change.waivers)
      const report =
        change.lastReport === undefined
          ? cur.last_report_json
          : change.lastReport === null
            ? null
            : JSON.stringify(change.lastReport)
      if (
        values === cur.values_json &&
        title === cur.title &&
        waivers === cur.waivers_json &&
        report === cur.last_report_json
      ) {
        return { revision: cur.revision, updatedAt: cur.updated_at, title }
      }
      const t = now()
      const moveHead = (revision: number) =>
        this.db
          .prepare(
            'UPDATE drafts SET title = ?, revision = ?, values_json = ?, waivers_json = ?, last_report_json = ?, updated_at = ? WHERE id = ?',
          )
          .run(title, revision, values, waivers, report, t, id)
      const changed = releaseChanges(before, change.values).map((c) => c.path)
      if (changed.length === 0 && title === cur.title) {
        moveHead(cur.revision)
        return { revision: cur.revision, updatedAt: t, title }
      }
      const keys = [...changed, ...(title === cur.title ? [] : ['\0title'])]
      const amend = opts.burstMs ? this.burstBase(id, cur.revision, keys, Date.parse(t) - opts.burstMs) : null
      if (amend) {
        // the burst goes on: the head revision now holds its latest value, measured from the revision before it
        const since = releaseChanges(amend.values, change.values).map((c) => c.path)
        if (since.length === 0 && amend.title === title) {
          // back where the burst started: no change at all
          this.db.prepare('DELETE FROM draft_revisions WHERE draft_id = ? AND revision = ?').run(id, cur.revision)
          moveHead(cur.revision - 1)
          return { revision: cur.revision - 1, updatedAt: t, title }
        }
        this.db
          .prepare(
            'UPDATE draft_revisions SET saved_at = ?, title = ?, values_json = ?, changed_paths = ? WHERE draft_id = ? AND revision = ?',
          )
          .run(t, title, values, JSON.stringify(since), id, cur.revision)
        moveHead(cur.revision)
        return { revision: cur.revision, updatedAt: t, title }
      }
      const revision = cur.revision + 1
      this.db
        .prepare(
          'INSERT INTO draft_revisions (draft_id, revision, saved_at, title, values_json, changed_paths) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, revision, t, title, values, JSON.stringify(changed))
      moveHead(revision)
      return { revision, updatedAt: t, title }
    })()
  }

  /**
   * The revision before the head, when the head revision changed exactly the one field (or the title) `keys` names
   * and was saved after `since` (epoch ms): a save of `keys` then amends the head. The first revision is never amended.
   */
  private burstBase(id: string, head: number, keys: string[], since: number): { values: Values; title: string } | null {
    if (keys.length !== 1 || head < 2) return null
    const rows = this.db
      .prepare(
        'SELECT revision, saved_at, title, values_json FROM draft_revisions WHERE draft_id = ? AND revision IN (?, ?) ORDER BY revision',
      )
      .all(id, head - 1, head) as Array<{ revision: number; saved_at: string; title: string; values_json: string }>
    if (rows.length !== 2 || Date.parse(rows[1].saved_at) < since) return null
    const prev = JSON.parse(rows[0].values_json) as Values
    const headKeys = [
      ...releaseChanges(prev, JSON.parse(rows[1].values_json)).map((c) => c.path),
      ...(rows[0].title === rows[1].title ? [] : ['\0title']),
    ]
    return headKeys.length === 1 && headKeys[0] === keys[0] ? { values: prev, title: rows[0].title } : null
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
    const rows = this.db
      .prepare(
        'SELECT revision, saved_at, title, values_json FROM draft_revisions WHERE draft_id = ? ORDER BY revision',
      )
      .all(id) as Array<{ revision: number; saved_at: string; title: string; values_json: string }>
    let prev: { values: Values; title: string } | null = null
    const out: RevisionInfo[] = []
    for (const r of rows) {
      const values = JSON.parse(r.values_json) as Values
      const changes = releaseChanges(prev?.values ?? {}, values)
      out.push({
        revision: r.revision,
        savedAt: r.saved_at,
        changedPaths: changes.map((c) => c.path),
        changes,
        ...(prev && prev.title !== r.title ? { retitled: { before: prev.title, after: r.title } } : {}),
      })
      prev = { values, title: r.title }
    }
    return out.reverse()
  }

  private revisionValues(id: string, revision: number): Values {
    const r = this.db
      .prepare('SELECT values_json FROM draft_revisions WHERE draft_id = ? AND revision = ?')
      .get(id, revision) as { values_json: string } | undefined
    if (!r)
      throw new PreflightError(
        'not-found',
        bi(
          `Draft ${id} has no revision ${revision}: choose one of the revisions its history lists.`,
          `草稿 ${id} 没有修订 ${revision}：请从其修订历史中选择一个修订。`,
        ),
      )
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
    const revisions = (
      this.db
        .prepare(
          'SELECT revision, saved_at, title, values_json FROM draft_revisions WHERE draft_id = ? ORDER BY revision',
        )
        .all(id) as Array<{ revision: number; saved_at: string; title: string; values_json: string }>
    ).map((r) => ({
      revision: r.revision,
      savedAt: r.saved_at,
      title: r.title,
      values: JSON.parse(r.values_json) as Values,
    }))
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
    const name = basename(path)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT')
        throw new PreflightError('not-found', bi(`No such file: ${path}`, `文件不存在：${path}`))
      throw err
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new PreflightError(
        'invalid-input',
        bi(
          `${name} is not a Preflight draft export (${EXPORT_SCHEMA}): it is not JSON.`,
          `${name} 不是 Preflight 草稿导出文件（${EXPORT_SCHEMA}）：它不是 JSON 文件。`,
        ),
      )
    }
    const checked = exportFile.safeParse(json)
    if (!checked.success) {
      const schema = (json as { schema?: unknown } | null)?.schema
      const why =
        schema !== EXPORT_SCHEMA
          ? bi(
              typeof schema === 'string' ? `it is a ${schema} document` : 'it names no Preflight schema',
              typeof schema === 'string' ? `它是 ${schema} 文档` : '它未注明 Preflight 格式',
            )
          : bi('its draft or revisions are incomplete or damaged', '其中的草稿或修订不完整或已损坏')
      throw new PreflightError(
        'invalid-input',
        bi(
          `${name} is not a Preflight draft export (${EXPORT_SCHEMA}): ${why.en}.`,
          `${name} 不是 Preflight 草稿导出文件（${EXPORT_SCHEMA}）：${why.zh}。`,
        ),
      )
    }
    const parsed = checked.data
    const d = parsed.draft
    const exists = this.db.prepare('SELECT 1 FROM drafts WHERE id = ?').get(d.id)
    const id = exists ? randomUUID() : d.id
    const revisions = parsed.revisions.length
      ? parsed.revisions
      : [{ revision: d.revision || 1, savedAt: d.updatedAt, title: d.title, values: d.values }]
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO drafts (id, title, profile, revision, values_json, waivers_json, last_report_json, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          d.title,
          d.profile,
          d.revision || revisions.at(-1)!.revision,
          JSON.stringify(d.values),
          JSON.stringify(d.waivers),
          d.lastReport == null ? null : JSON.stringify(d.lastReport),
          d.createdAt,
          d.updatedAt,
        )
      let prev: Values = {}
      for (const r of revisions) {
        this.db
          .prepare(
            'INSERT INTO draft_revisions (draft_id, revision, saved_at, title, values_json, changed_paths) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(
            id,
            r.revision,
            r.savedAt,
            r.title,
            JSON.stringify(r.values),
            JSON.stringify(releaseChanges(prev, r.values).map((c) => c.path)),
          )
        prev = r.values
      }
    })()
    return this.get(id)
  }

  /** Record one release request (submit) and return how many were made today (local calendar day). */
  recordRequest(draftId: string, at = new Date()): number {
    const day = localDay(at)
    this.db
      .prepare('INSERT INTO release_requests (draft_id, requested_at, day) VALUES (?, ?, ?)')
      .run(draftId, at.toISOString(), day)
    return this.requestsOn(at)
  }

  requestsOn(at = new Date()): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM release_requests WHERE day = ?').get(localDay(at)) as { n: number }
    ).n
  }
}

function localDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}
