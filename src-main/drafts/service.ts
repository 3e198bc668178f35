// Draft operations as the app, browser mode and the CLI use them: store + validation + manifest. Values a later
// choice hides (src-preload/release-fields.ts) are dropped from what is saved, validated and handed off. Each
// operation that changes a draft (a new revision, a waiver change), exports it or submits it records one
// work-history event through the sink it is given; the manifest carries its package's history as read through the
// reader it is given.
import { rename, writeFile } from 'node:fs/promises'
import { PreflightError } from '../../src-preload/errors'
import { dropHidden } from '../../src-preload/release-fields'
import { fieldLabel } from '../../src-preload/release-labels'
import { bi } from '../../src-preload/text'
import type { EventSink, HistoryEvent, HistoryEventInput } from '../history/history'
import { makeFinding, sortFindings, type Finding } from '../reports/model'
import { editWaivers as editWaiverList, type Waiver } from '../reports/waivers'
import { validateRelease, type DetectedOs } from '../rules/release'
import type { Db } from '../store/db'
import { DraftStore, type Draft, type DraftSummary, type Values } from './drafts'
import { buildManifest, manifestHtml, type ReleaseManifest } from './manifest'
import type { Lang } from '../../src-preload/catalogue'

export const DAILY_REQUESTS_WARNING = 10

export interface DraftHistory {
  /** Where this service records its events (absent: nowhere). */
  sink?: EventSink
  /** The events of one subject (a package's sha256), oldest first, for the manifest (absent: none). */
  read?: (subject: string) => HistoryEvent[]
}

/** Saves of the same one field within this long of each other are one revision (a burst of typing). */
export const REVISION_BURST_MS = 30_000

/** A draft in the list, with its own readiness: how many of its release findings are left to fix (0: ready). */
export interface DraftListing extends DraftSummary {
  toFix: number
}

export class DraftService {
  readonly store: DraftStore

  constructor(
    db: Db,
    private readonly history: DraftHistory = {},
  ) {
    this.store = new DraftStore(db)
  }

  /** The drafts matching `query`, each with how many release findings (blockers and warnings) it has left to fix. */
  list(query = ''): DraftListing[] {
    return this.store.list(query).map((summary) => {
      const d = this.store.get(summary.id)
      const toFix = this.validate(d.profile, d.values, d.lastReport).filter(
        (f) => f.severity !== 'info' && !f.waived,
      ).length
      return { ...summary, toFix }
    })
  }

  private record(
    draft: Pick<Draft, 'id' | 'title'>,
    kind: HistoryEventInput['kind'],
    result: HistoryEventInput['result'],
    details: Record<string, unknown> = {},
  ): void {
    this.history.sink?.({ kind, subject: draft.id, subjectName: draft.title, result, details })
  }

  /** A new revision was written: one draft-revision event. */
  private revised(draft: Draft, action: string): Draft {
    this.record(draft, 'draft-revision', 'done', { action, revision: draft.revision })
    return draft
  }

  create(profile: string, title?: string, values?: Values, lang?: Lang): Draft {
    return this.revised(this.store.create(profile, title, values, lang), 'create')
  }

  /**
   * Save from the editor: hidden values dropped, a burst of typing in one field kept as one revision. A save that
   * writes a new revision records one event; one that changes nothing, or continues a burst, records nothing.
   */
  save(
    id: string,
    change: { values: Values; title?: string; waivers?: unknown[]; lastReport?: unknown | null },
  ): { revision: number; updatedAt: string; title: string } {
    const before = this.store.get(id).revision
    const r = this.store.save(id, { ...change, values: dropHidden(change.values) }, { burstMs: REVISION_BURST_MS })
    if (r.revision !== before) this.revised(this.store.get(id), 'save')
    return r
  }

  duplicate(id: string): Draft {
    return this.revised(this.store.duplicate(id), 'duplicate')
  }

  restore(id: string, revision: number): Draft {
    return this.revised(this.store.restore(id, revision), `restore ${revision}`)
  }

  async importFrom(path: string): Promise<Draft> {
    return this.revised(await this.store.importFrom(path), 'import')
  }

  async exportTo(id: string, path?: string): Promise<{ path: string | null; content: string }> {
    const r = await this.store.exportTo(id, path)
    this.record(this.store.get(id), 'export', 'done', { what: 'draft', format: 'json', ...(path ? { path } : {}) })
    return r
  }

  /** Add or remove a waiver in the draft's list: one waiver event (the revision it writes is part of it). */
  editWaivers(id: string, op: 'add' | 'remove', waiver: Parameters<typeof editWaiverList>[2]): Waiver[] {
    const draft = this.store.get(id)
    const next = editWaiverList(draft.waivers as Waiver[], op, waiver)
    this.store.save(id, { values: draft.values, waivers: next })
    this.record(draft, 'waiver', 'done', {
      op,
      rule: waiver.rule,
      location: waiver.location ?? null,
      advisory: waiver.advisory ?? null,
      reason: waiver.reason ?? null,
      waivers: next.length,
    })
    return next
  }

  /** The release's findings; `lastReport` (the draft's last scan) tells the guest OS where the package snapshot does not. */
  validate(profile: string, values: Record<string, unknown>, lastReport?: unknown): Finding[] {
    const pkg = (values.package ?? {}) as { virtualSize?: number; guestOs?: unknown; sha256?: unknown }
    // the last scan counts only when it was of the package the draft now holds
    const report = lastReport as
      { package?: { sha256?: unknown }; facts?: { guest?: { os?: unknown } } } | null | undefined
    const scanned =
      report?.package?.sha256 !== undefined && report.package.sha256 === pkg.sha256
        ? report.facts?.guest?.os
        : undefined
    const guestOs = detectedOs(pkg.guestOs) ?? detectedOs(scanned)
    const findings = validateRelease(profile, dropHidden(values), {
      virtualSize: typeof pkg.virtualSize === 'number' ? pkg.virtualSize : undefined,
      guestOs,
    })
    const today = this.store.requestsOn()
    if (today >= DAILY_REQUESTS_WARNING)
      findings.push(
        makeFinding(
          'release.daily-requests',
          'release',
          bi(
            `${today} release requests today: review may take longer than 3 working days.`,
            `今天已有 ${today} 个发布申请：审核可能超过 3 个工作日。`,
          ),
          { profile },
        ),
      )
    return sortFindings(findings)
  }

  manifest(draft: Draft): ReleaseManifest {
    const shown = { ...draft, values: dropHidden(draft.values) }
    const sha256 = ((shown.values.package ?? {}) as { sha256?: unknown }).sha256
    const history = typeof sha256 === 'string' && this.history.read ? this.history.read(sha256) : []
    return buildManifest(
      shown,
      this.validate(shown.profile, shown.values, shown.lastReport),
      this.store.requestsOn(),
      history,
    )
  }

  async writeManifest(
    id: string,
    format: 'json' | 'html',
    path?: string,
    lang?: Lang,
  ): Promise<{ path: string | null; content: string }> {
    const m = this.manifest(this.store.get(id))
    const content = format === 'json' ? `${JSON.stringify(m, null, 2)}\n` : manifestHtml(m, lang)
    if (path) {
      const tmp = `${path}.partial-${process.pid}`
      await writeFile(tmp, content)
      await rename(tmp, path)
    }
    this.record(m.draft, 'export', 'done', { what: 'manifest', format, ready: m.ready, ...(path ? { path } : {}) })
    return { path: path ?? null, content }
  }

  /**
   * Record a release request and return the manifest to hand off, only for a draft that is ready (its package
   * scanned and passing, no blocker among its fields): anything else is refused, recorded nowhere, counted nowhere.
   */
  submit(id: string): { manifest: ReleaseManifest; requestsToday: number; findings: Finding[] } {
    const draft = this.store.get(id)
    const manifest = this.manifest(draft)
    if (!manifest.ready) {
      this.record(draft, 'submit', 'fail', {
        reason:
          manifest.package.verdict === null
            ? 'not-scanned'
            : manifest.package.verdict === 'fail'
              ? 'package-fails'
              : 'field-blockers',
      })
      const blockers = manifest.findings.filter((f) => f.severity === 'blocker' && !f.waived)
      const pkg =
        manifest.package.verdict === null
          ? bi('the package is not scanned', '软件包尚未扫描')
          : manifest.package.verdict === 'fail'
            ? bi('the package does not pass its pre-scan', '软件包未通过预扫描')
            : null
      const places = [...new Set(blockers.map((f) => f.location))].slice(0, 5)
      const names = (lang: 'en' | 'zh-CN', sep: string) => places.map((p) => fieldLabel(p)?.[lang] ?? p).join(sep)
      const fields = blockers.length
        ? bi(
            `${blockers.length} field problem${blockers.length === 1 ? '' : 's'} (${names('en', ', ')})`,
            `${blockers.length} 个字段问题（${names('zh-CN', '、')}）`,
          )
        : null
      const reasons = [pkg, fields].filter((r) => r !== null)
      throw new PreflightError(
        'conflict',
        bi(
          `The release is not ready to submit: ${reasons.map((r) => r.en).join('; ')}. Fix them in the wizard, then submit.`,
          `发布尚不能提交：${reasons.map((r) => r.zh).join('；')}。请在向导中修复后再提交。`,
        ),
      )
    }
    const requestsToday = this.store.recordRequest(id)
    this.record(draft, 'submit', 'done', {
      requestsToday,
      package: manifest.package.sha256 ?? null,
      destination: manifest.destination.address,
    })
    return { manifest, requestsToday, findings: manifest.findings }
  }
}

/** A guest OS as a scan's facts (guest.os) or the package snapshot (package.guestOs) hold it, or null. */
function detectedOs(x: unknown): DetectedOs | null {
  if (!x || typeof x !== 'object') return null
  const { id, versionId, name } = x as Record<string, unknown>
  return typeof id === 'string' && id
    ? {
        id,
        versionId: typeof versionId === 'string' ? versionId : '',
        name: typeof name === 'string' && name ? name : id,
      }
    : null
}
