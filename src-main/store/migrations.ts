// Versioned schema migrations, applied in list order and recorded by name in schema_migrations.
// Append new migrations at the end; never edit or reorder one that has shipped.

export interface Migration {
  name: string
  sql: string
}

export const MIGRATIONS: Migration[] = [
  {
    name: '0001-core-settings',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE TABLE recent_packages (
        path TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        kind TEXT NOT NULL,
        seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
    `,
  },
  {
    name: '0002-drafts',
    sql: `
      CREATE TABLE drafts (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        profile TEXT NOT NULL,
        revision INTEGER NOT NULL,
        values_json TEXT NOT NULL,
        waivers_json TEXT NOT NULL DEFAULT '[]',
        last_report_json TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE draft_revisions (
        draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        saved_at TEXT NOT NULL,
        title TEXT NOT NULL,
        values_json TEXT NOT NULL,
        changed_paths TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (draft_id, revision)
      );
      CREATE TABLE release_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        draft_id TEXT,
        requested_at TEXT NOT NULL,
        day TEXT NOT NULL
      );
      CREATE INDEX release_requests_day ON release_requests(day);
    `,
  },
  {
    name: '0003-upload-queue',
    sql: `
      CREATE TABLE upload_jobs (
        id TEXT PRIMARY KEY,
        target TEXT NOT NULL,
        options_json TEXT NOT NULL DEFAULT '{}',
        file_path TEXT NOT NULL,
        file_size INTEGER NOT NULL,
        file_mtime_ms INTEGER NOT NULL,
        file_sha256 TEXT NOT NULL,
        state TEXT NOT NULL,
        upload_id TEXT,
        part_size INTEGER,
        bytes_done INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        result TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE upload_parts (
        job_id TEXT NOT NULL REFERENCES upload_jobs(id) ON DELETE CASCADE,
        part_number INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT,
        md5 TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        PRIMARY KEY (job_id, part_number)
      );
    `,
  },
  {
    name: '0004-malware-signatures',
    sql: `
      CREATE TABLE malware_signatures (
        kind TEXT NOT NULL,
        hash TEXT NOT NULL,
        size INTEGER,
        name TEXT NOT NULL,
        source TEXT NOT NULL
      );
      CREATE INDEX malware_signatures_lookup ON malware_signatures(kind, hash);
      CREATE TABLE malware_sources (
        source TEXT PRIMARY KEY,
        imported_at TEXT NOT NULL,
        signatures INTEGER NOT NULL,
        version TEXT
      );
    `,
  },
  {
    name: '0005-vulndb',
    sql: `
      CREATE TABLE osv_advisories (
        id TEXT PRIMARY KEY,
        modified TEXT NOT NULL,
        json TEXT NOT NULL,
        score REAL,
        vector TEXT,
        score_source TEXT NOT NULL
      );
      CREATE TABLE osv_affected (
        advisory_id TEXT NOT NULL REFERENCES osv_advisories(id) ON DELETE CASCADE,
        ecosystem TEXT NOT NULL,
        name TEXT NOT NULL
      );
      CREATE INDEX osv_affected_package ON osv_affected(ecosystem, name);
      CREATE INDEX osv_affected_advisory ON osv_affected(advisory_id);
      CREATE TABLE osv_imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        added INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        unchanged INTEGER NOT NULL
      );
    `,
  },
  {
    // work history (history/history.ts): append-only, refused UPDATE and DELETE
    name: '0101-history-events',
    sql: `
    CREATE TABLE history_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      kind TEXT NOT NULL,
      subject TEXT NOT NULL,
      subject_name TEXT NOT NULL,
      result TEXT NOT NULL,
      actor TEXT NOT NULL,
      link TEXT,
      details TEXT NOT NULL
    );
    CREATE INDEX history_events_at ON history_events(at);
    CREATE INDEX history_events_subject ON history_events(subject);
    CREATE TRIGGER history_events_append_only_update BEFORE UPDATE ON history_events BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
    CREATE TRIGGER history_events_append_only_delete BEFORE DELETE ON history_events BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
  `,
  },
  {
    // signature databases proven to be ClamAV's (a .cvd whose MD5 and digital signature verified), or not
    name: '0102-malware-sources-verified',
    sql: `ALTER TABLE malware_sources ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    // Recent scans (inspect/recent.ts): the last report per file and profile, shown again while the file is unchanged
    name: '0103-recent-scans',
    sql: `
      CREATE TABLE recent_scans (
        path TEXT NOT NULL,
        profile TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        verdict TEXT NOT NULL,
        scanned_at TEXT NOT NULL,
        report_json TEXT NOT NULL,
        PRIMARY KEY (path, profile)
      );
      CREATE INDEX recent_scans_at ON recent_scans(scanned_at);
    `,
  },
  {
    // an upload job's error in Simplified Chinese too (its sentence is made in both languages, src-preload/text.ts)
    name: '0104-upload-jobs-error-zh',
    sql: `ALTER TABLE upload_jobs ADD COLUMN error_zh TEXT;`,
  },
]
