// Draft operations as the app, browser mode and the CLI use them: store + validation + manifest.
import { rename, writeFile } from 'node:fs/promises'
import { PreflightError } from '../../src-preload/errors'
import { makeFinding, sortFindings, type Finding } from '../reports/model'
import { validateRelease } from '../rules/release'
import type { Db } from '../store/db'
import { DraftStore, type Draft } from './drafts'
import { buildManifest, manifestHtml, type ReleaseManifest } from './manifest'

export const DAILY_REQUESTS_WARNING = 10

export class DraftService {
  readonly store: DraftStore

  constructor(db: Db) {
    this.store = new DraftStore(db)
  }

  validate(profile: string, values: Record<string, unknown>): Finding[] {
    const pkg = (values.package ?? {}) as { virtualSize?: number }
    const findings = validateRelease(profile, values, { virtualSize: typeof pkg.virtualSize === 'number' ? pkg.virtualSize : undefined })
    const today = this.store.requestsOn()
    if (today >= DAILY_REQUESTS_WARNING)
      findings.push(makeFinding('release.daily-requests', 'release', `${today} release requests today: review may take longer than 3 working days.`, { profile }))
    return sortFindings(findings)
  }

  manifest(draft: Draft): ReleaseManifest {
    return buildManifest(draft, this.validate(draft.profile, draft.values), this.store.requestsOn())
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
