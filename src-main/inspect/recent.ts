// Recent scans: the last report of each file (per profile) with what identifies the file as scanned — path,
// size, modification time and sha256. Reopening a file whose size and mtime are unchanged gives the stored
// report without reading the file; re-checking also hashes it and compares the sha256. Owns recent_scans.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import type { Report } from '../reports/model'
import type { RecentOpenDto, RecentScanDto } from '../../src-preload/contract'
import type { Db } from '../store/db'
import { sha256FileInWorker } from '../walk/hash'

/** One Recent scans row, as the contract carries it. */
export type RecentScan = RecentScanDto

/** What reopening a file found: its stored report (unchanged), a file that changed since, or no scan of it. */
export type RecentOpen =
  | { status: 'unchanged'; scan: RecentScan; report: Report; verified: boolean }
  | Exclude<RecentOpenDto, { status: 'unchanged' }>

/** How many scans are kept; the oldest go first. */
export const RECENT_SCANS_KEPT = 200

interface Row {
  path: string
  name: string
  profile: string
  sha256: string
  size: number
  mtime_ms: number
  verdict: 'pass' | 'fail'
  scanned_at: string
  report_json?: string
}

function fromRow(r: Row): RecentScan {
  return {
    path: r.path,
    name: r.name,
    profile: r.profile,
    sha256: r.sha256,
    size: r.size,
    mtimeMs: r.mtime_ms,
    verdict: r.verdict,
    scannedAt: r.scanned_at,
  }
}

/** The size and mtime a scan is judged by; null when the file is gone or not a regular file. */
export async function fileStamp(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  const st = await stat(resolve(path)).catch(() => null)
  return st?.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null
}

export class RecentScans {
  constructor(
    private readonly db: Db,
    private readonly opts: { now?: () => Date; kept?: number } = {},
  ) {}

  /**
   * Keep a finished scan's report. `before` is the file's stamp taken before the scan started: a file that
   * changed while it was read is not kept (its report may describe neither version).
   */
  async record(report: Report, before: { size: number; mtimeMs: number }): Promise<boolean> {
    const path = resolve(report.package.path)
    const after = await fileStamp(path)
    if (!after || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.size !== report.package.size)
      return false
    this.db
      .prepare(
        `INSERT INTO recent_scans (path, profile, name, sha256, size, mtime_ms, verdict, scanned_at, report_json)
      VALUES (@path, @profile, @name, @sha256, @size, @mtimeMs, @verdict, @scannedAt, @report)
      ON CONFLICT(path, profile) DO UPDATE SET name=excluded.name, sha256=excluded.sha256, size=excluded.size, mtime_ms=excluded.mtime_ms,
        verdict=excluded.verdict, scanned_at=excluded.scanned_at, report_json=excluded.report_json`,
      )
      .run({
        path,
        profile: report.profile,
        name: report.package.name,
        sha256: report.package.sha256,
        size: after.size,
        mtimeMs: after.mtimeMs,
        verdict: report.verdict,
        scannedAt: (this.opts.now?.() ?? new Date()).toISOString(),
        report: JSON.stringify(report),
      })
    this.db
      .prepare(
        `DELETE FROM recent_scans WHERE rowid NOT IN (SELECT rowid FROM recent_scans ORDER BY scanned_at DESC LIMIT ?)`,
      )
      .run(this.opts.kept ?? RECENT_SCANS_KEPT)
    return true
  }

  /** Newest first, without the reports. */
  list(limit = 20): RecentScan[] {
    const rows = this.db
      .prepare(
        'SELECT path, name, profile, sha256, size, mtime_ms, verdict, scanned_at FROM recent_scans ORDER BY scanned_at DESC, rowid DESC LIMIT ?',
      )
      .all(limit) as Row[]
    return rows.map(fromRow)
  }

  /**
   * The stored report of `path` (for `profile`, else its latest scan under any profile) if the file is unchanged:
   * same size and mtime, and with `verify` the same sha256 (the file is read once to hash it).
   */
  async open(
    path: string,
    opts: { profile?: string; verify?: boolean; signal?: AbortSignal } = {},
  ): Promise<RecentOpen> {
    const abs = resolve(path)
    const row = (
      opts.profile
        ? this.db.prepare('SELECT * FROM recent_scans WHERE path = ? AND profile = ?').get(abs, opts.profile)
        : this.db
            .prepare('SELECT * FROM recent_scans WHERE path = ? ORDER BY scanned_at DESC, rowid DESC LIMIT 1')
            .get(abs)
    ) as Row | undefined
    if (!row) return { status: 'none' }
    const scan = fromRow(row)
    const now = await fileStamp(abs)
    if (!now) return { status: 'changed', scan, why: 'missing' }
    if (now.size !== row.size) return { status: 'changed', scan, why: 'size' }
    if (now.mtimeMs !== row.mtime_ms) return { status: 'changed', scan, why: 'mtime' }
    if (opts.verify) {
      const { hex } = await sha256FileInWorker(abs, opts.signal)
      if (hex !== row.sha256) return { status: 'changed', scan, why: 'sha256' }
    }
    let report: Report
    try {
      report = JSON.parse(row.report_json!) as Report
    } catch (err) {
      throw new PreflightError(
        'unreadable',
        bi(
          `The stored report of ${abs} cannot be read (it is damaged): scan the file again.`,
          `${abs} 已保存的报告已损坏，无法读取，请重新扫描该文件。`,
        ),
        { cause: err },
      )
    }
    return { status: 'unchanged', scan, report, verified: opts.verify === true }
  }
}
