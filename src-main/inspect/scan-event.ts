// What the work-history event of a scan says, in the app's services and the CLI alike: the databases it used (the
// OSV import and each imported signature database, with its version and whether it was proven to be ClamAV's) and
// its outcome (verdict, the package's sha256 as the subject, blockers, each check's state). The manifest shows both.
import type { EventOutcome } from '../history/history'
import { SignatureStore } from '../malware/signatures'
import type { Report } from '../reports/model'
import type { Db } from '../store/db'
import { VulnDb } from '../vulns/osv'

export interface DatabaseVersions {
  osv: { lastImport: string | null; advisories: number }
  signatures: Array<{ source: string; version: string | null; importedAt: string; verified: boolean }>
}

/** The vulnerability and signature databases a scan starting now uses. */
export function databaseVersions(db: Db): DatabaseVersions {
  const osv = new VulnDb(db).status()
  const sigs = new SignatureStore(db).status()
  return {
    osv: { lastImport: osv.lastImport, advisories: osv.advisories },
    signatures: sigs.sources.map((s) => ({
      source: s.source,
      version: s.version,
      importedAt: s.importedAt,
      verified: s.verified,
    })),
  }
}

/** A finished scan's event: its verdict, the package by its sha256, the blockers left and each check's state. */
export function scanOutcome(r: Report): EventOutcome {
  return {
    result: r.verdict,
    subject: r.package.sha256,
    subjectName: r.package.name,
    details: {
      profile: r.profile,
      blockers: r.findings.filter((f) => f.severity === 'blocker' && !f.waived).length,
      checks: Object.fromEntries(Object.entries(r.checks).map(([k, c]) => [k, c.state])),
    },
  }
}
