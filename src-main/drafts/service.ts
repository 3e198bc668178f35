// Draft operations as the app, browser mode and the CLI use them: store + validation + manifest. Values a later
// choice hides (src-preload/release-fields.ts) are dropped from what is saved, validated and handed off.
import { rename, writeFile } from 'node:fs/promises'
import { PreflightError } from '../../src-preload/errors'
import { dropHidden } from '../../src-preload/release-fields'
import { makeFinding, sortFindings, type Finding } from '../reports/model'
import { validateRelease, type DetectedOs } from '../rules/release'
import type { Db } from '../store/db'
import { DraftStore, type Draft, type DraftSummary, type Values } from './drafts'
import { buildManifest, manifestHtml, type ReleaseManifest } from './manifest'

export const DAILY_REQUESTS_WARNING = 10

/** Saves of the same one field within this long of each other are one revision (a burst of typing). */
export const REVISION_BURST_MS = 30_000

/** A draft in the list, with its own readiness: how many of its release findings are left to fix (0: ready). */
export interface DraftListing extends DraftSummary {
  toFix: number
}

export class DraftService {
  readonly store: DraftStore

  constructor(db: Db) {
    this.store = new DraftStore(db)
  }

  /** The drafts matching `query`, each with how many release findings (blockers and warnings) it has left to fix. */
  list(query = ''): DraftListing[] {
    return this.store.list(query).map((summary) => {
      const d = this.store.get(summary.id)
      const toFix = this.validate(d.profile, d.values, d.lastReport).filter((f) => f.severity !== 'info' && !f.waived).length
      return { ...summary, toFix }
    })
  }

  /** Save from the editor: hidden values dropped, a burst of typing in one field kept as one revision. */
  save(id: string, change: { values: Values; title?: string; waivers?: unknown[]; lastReport?: unknown | null }): { revision: number; updatedAt: string; title: string } {
    return this.store.save(id, { ...change, values: dropHidden(change.values) }, { burstMs: REVISION_BURST_MS })
  }

  /** The release's findings; `lastReport` (the draft's last scan) tells the guest OS where the package snapshot does not. */
  validate(profile: string, values: Record<string, unknown>, lastReport?: unknown): Finding[] {
    const pkg = (values.package ?? {}) as { virtualSize?: number; guestOs?: unknown; sha256?: unknown }
    // the last scan counts only when it was of the package the draft now holds
    const report = lastReport as { package?: { sha256?: unknown }; facts?: { guest?: { os?: unknown } } } | null | undefined
    const scanned = report?.package?.sha256 !== undefined && report.package.sha256 === pkg.sha256 ? report.facts?.guest?.os : undefined
    const guestOs = detectedOs(pkg.guestOs) ?? detectedOs(scanned)
    const findings = validateRelease(profile, dropHidden(values), { virtualSize: typeof pkg.virtualSize === 'number' ? pkg.virtualSize : undefined, guestOs })
    const today = this.store.requestsOn()
    if (today >= DAILY_REQUESTS_WARNING)
      findings.push(makeFinding('release.daily-requests', 'release', `${today} release requests today: review may take longer than 3 working days.`, { profile }))
    return sortFindings(findings)
  }

  manifest(draft: Draft): ReleaseManifest {
    const shown = { ...draft, values: dropHidden(draft.values) }
    return buildManifest(shown, this.validate(shown.profile, shown.values, shown.lastReport), this.store.requestsOn())
  }

  async writeManifest(id: string, format: 'json' | 'html', path?: string): Promise<{ path: string | null; content: string }> {
    const m = this.manifest(this.store.get(id))
    const content = format === 'json' ? `${JSON.stringify(m, null, 2)}\n` : manifestHtml(m)
    if (path) {
      const tmp = `${path}.partial-${process.pid}`
      await writeFile(tmp, content)
      await rename(tmp, path)
    }
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
      const blockers = manifest.findings.filter((f) => f.severity === 'blocker' && !f.waived)
      const pkg = manifest.package.verdict === null ? 'the package is not scanned' : manifest.package.verdict === 'fail' ? 'the package does not pass its pre-scan' : ''
      const fields = blockers.length ? `${blockers.length} field problem${blockers.length === 1 ? '' : 's'} (${[...new Set(blockers.map((f) => f.location))].slice(0, 5).join(', ')})` : ''
      throw new PreflightError('conflict', `The release is not ready to submit: ${[pkg, fields].filter(Boolean).join('; ')}. Fix them in the wizard, then submit.`)
    }
    const requestsToday = this.store.recordRequest(id)
    return { manifest, requestsToday, findings: manifest.findings }
  }
}

/** A guest OS as a scan's facts (guest.os) or the package snapshot (package.guestOs) hold it, or null. */
function detectedOs(x: unknown): DetectedOs | null {
  if (!x || typeof x !== 'object') return null
  const { id, versionId, name } = x as Record<string, unknown>
  return typeof id === 'string' && id ? { id, versionId: typeof versionId === 'string' ? versionId : '', name: typeof name === 'string' && name ? name : id } : null
}
