// The only module that opens the SQLite database: better-sqlite3 in WAL mode, foreign keys on, migrations
// applied at open. Every other module receives the Database handle.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { MIGRATIONS, type Migration } from './migrations'

export type Db = Database.Database

export const DB_FILE = 'preflight.sqlite'

export function openDatabase(file: string, migrations: Migration[] = MIGRATIONS): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db, migrations)
  return db
}

export function openHomeDatabase(home: string): Db {
  return openDatabase(join(home, DB_FILE))
}

export function migrate(db: Db, migrations: Migration[] = MIGRATIONS): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  )`)
  const applied = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[])
  const done: string[] = []
  const apply = db.transaction((m: Migration) => {
    db.exec(m.sql)
    db.prepare('INSERT INTO schema_migrations (name) VALUES (?)').run(m.name)
  })
  for (const m of migrations) {
    if (applied.has(m.name)) continue
    apply(m)
    done.push(m.name)
  }
  return done
}

export function getSetting<T>(db: Db, key: string, fallback: T): T {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
  return row ? (JSON.parse(row.value) as T) : fallback
}

export function setSetting(db: Db, key: string, value: unknown): void {
  db.prepare(
    `INSERT INTO settings (key, value) VALUES (?, ?)
    ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
  ).run(key, JSON.stringify(value))
}
