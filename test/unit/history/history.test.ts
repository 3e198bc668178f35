// Work history: the store is append-only (UPDATE and DELETE refused), filters by kind, result, subject and time,
// records the name set in Settings or the OS account, and its CSV reads back as the same events. Through the real
// CLI, each operation (scan, repack, convert, compare, upload, draft import and export, and a failed scan) leaves
// exactly one event, a scan killed with SIGKILL leaves none (and an intact database), and `preflight history
// --format csv` round-trips its JSON.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  HistoryStore,
  parseHistoryCsv,
  historyCsv,
  recordOutcome,
  type HistoryEvent,
  type HistoryEventInput,
} from '../../../src-main/history/history'
import { PreflightError } from '../../../src-preload/errors'
import { bi } from '../../../src-preload/text'
import { openDatabase, openHomeDatabase } from '../../../src-main/store/db'
import { umociImage } from '../../fixtures/umoci-image'

const BIN = resolve(__dirname, '../../../bin/preflight.cjs')
const readlinkSafe = (p: string) => {
  try {
    return readlinkSync(p)
  } catch {
    return null
  }
}

describe('recordOutcome', () => {
  it("records a failed operation's error in English, and in Chinese where the error was written in both", async () => {
    const events: HistoryEventInput[] = []
    const event = { kind: 'scan' as const, subject: 'x', subjectName: 'x.zip', details: { profile: 'p' } }
    const fail = (err: Error) => () => Promise.reject(err)
    await expect(
      recordOutcome(
        (e) => events.push(e),
        event,
        fail(new PreflightError('invalid-input', bi('Bad.', '无效。'))),
        () => ({
          result: 'pass',
        }),
      ),
    ).rejects.toThrow('Bad.')
    await expect(
      recordOutcome(
        (e) => events.push(e),
        event,
        fail(new Error('Plain.')),
        () => ({ result: 'pass' }),
      ),
    ).rejects.toThrow('Plain.')
    expect(events.map((e) => [e.result, e.details])).toEqual([
      ['error', { profile: 'p', error: 'Bad.', errorZh: '无效。' }],
      ['error', { profile: 'p', error: 'Plain.' }],
    ])
  })
})

describe('history store', () => {
  it('is append-only, filters, and reads back its CSV', () => {
    const db = openDatabase(':memory:')
    const store = new HistoryStore(db)
    store.record(
      {
        kind: 'scan',
        subject: 'a'.repeat(64),
        subjectName: 'app.zip',
        result: 'pass',
        link: '/out/report.json',
        details: { profile: 'koogallery-app' },
      },
      'alice',
    )
    store.record(
      {
        kind: 'upload',
        subject: 'job-1',
        subjectName: 'app, "v2".zip → s3://b/k',
        result: 'error',
        details: { error: 'line one\nline two' },
      },
      'bob',
    )
    db.prepare("INSERT INTO settings (key, value) VALUES ('history.actor', ?)").run(JSON.stringify('Release Team'))
    store.record({ kind: 'submit', subject: 'draft-1', result: 'done' })
    expect(() => db.prepare("UPDATE history_events SET result = 'pass'").run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM history_events').run()).toThrow(/append-only/)
    const all = store.list()
    expect(all.map((e) => `${e.kind}:${e.result}:${e.actor}`)).toEqual([
      'submit:done:Release Team',
      'upload:error:bob',
      'scan:pass:alice',
    ])
    expect(store.list({ kinds: ['scan', 'submit'], results: ['pass'] }).map((e) => e.subjectName)).toEqual(['app.zip'])
    expect(store.list({ subject: 'job-1' })).toHaveLength(1)
    expect(store.list({ since: '2999-01-01T00:00:00Z' })).toEqual([])
    expect(parseHistoryCsv(historyCsv(all))).toEqual(all)
    expect(() => parseHistoryCsv('a,b\n1,2\n')).toThrow(/not a Preflight history CSV/)
  })
})

describe('history of CLI operations', () => {
  const dir = mkdtempSync(join(process.env.TMPDIR!, 'history-'))
  const home = join(dir, 'home')
  const run = (args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, PREFLIGHT_HOME: home },
    })
  const events = (): HistoryEvent[] => JSON.parse(run(['history', '--format', 'json']).stdout).events

  it('records exactly one event per operation, and history --format csv round-trips', () => {
    writeFileSync(join(dir, 'readme.txt'), 'hello')
    execFileSync('zip', ['-q', join(dir, 'app.zip'), 'readme.txt'], { cwd: dir })
    const steps: Array<[string[], string, string]> = [
      [
        ['scan', 'app.zip', '--profile', 'koogallery-app', '--format', 'json', '--output', 'report.json'],
        'scan',
        'pass',
      ],
      [['scan', 'missing.zip', '--format', 'json'], 'scan', 'error'],
      [['convert', 'disk.raw', '--output', 'disk.qcow2', '--quiet'], 'convert', 'done'],
      [['repack', 'image.tar', '--output', 'bundle.tar', '--no-scan', '--quiet'], 'repack', 'done'],
      [
        ['compare', 'report.json', '--package', 'report.json', '--format', 'json', '--output', 'compare.json'],
        'compare',
        'done',
      ],
      [['compare', 'nope.csv', '--package', 'report.json'], 'compare', 'error'],
      [['upload', 'app.zip', '--to', `file://${join(dir, 'out')}/`], 'upload', 'done'],
      [['drafts', 'import', 'draft.json'], 'draft-revision', 'done'],
      [['drafts', 'export', 'd-1', '--output', 'draft-again.json'], 'export', 'done'],
    ]
    mkdirSync(join(dir, 'out'))
    const at = '2026-12-01T08:00:00.000Z'
    writeFileSync(
      join(dir, 'draft.json'),
      JSON.stringify({
        schema: 'preflight.draft/1',
        draft: {
          id: 'd-1',
          title: 'Shop',
          profile: 'koogallery-app',
          values: {},
          waivers: [],
          lastReport: null,
          revision: 1,
          createdAt: at,
          updatedAt: at,
        },
        revisions: [],
      }),
    )
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', join(dir, 'disk.raw'), '16M'])
    const layout = umociImage(join(dir, 'oci'), 'app', { 'hello.txt': 'hi' })
    execFileSync('tar', ['-cf', join(dir, 'image.tar'), '-C', layout, '.'])
    for (const [args, kind, result] of steps) {
      const before = events().length
      const r = run(args)
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(result === 'error' ? 2 : 0)
      const after = events()
      expect(after.length, args.join(' ')).toBe(before + 1)
      expect(after[0]).toMatchObject({ kind, result })
    }
    const scan = events().find((e) => e.kind === 'scan' && e.result === 'pass')!
    expect(scan.subject).toMatch(/^[0-9a-f]{64}$/)
    expect(scan.link).toBe(join(dir, 'report.json'))
    expect(scan.details).toMatchObject({
      profile: 'koogallery-app',
      blockers: 0,
      databases: { osv: { lastImport: null, advisories: 0 }, signatures: [] },
    })
    expect(events().find((e) => e.kind === 'upload')).toMatchObject({
      subjectName: `app.zip → file://${join(dir, 'out')}/`,
      details: { sha256: scan.subject },
    })
    const csv = run(['history', '--format', 'csv'])
    expect(csv.status).toBe(0)
    expect(parseHistoryCsv(csv.stdout)).toEqual(events())
    expect(run(['history', '--kind', 'repack,convert', '--format', 'json']).stdout).toMatch(/"kind": "convert"/)
    expect(run(['history', '--kind', 'nope']).status).toBe(2)
  })

  it('a scan killed mid-way leaves no event and an intact database', async () => {
    const big = join(dir, 'big.tar')
    execFileSync('sh', [
      '-c',
      `truncate -s 800M '${join(dir, 'zeros.bin')}' && tar -cf '${big}' -C '${dir}' zeros.bin && rm '${join(dir, 'zeros.bin')}'`,
    ])
    const before = events().length
    const child = spawn(process.execPath, [BIN, 'scan', big, '--format', 'json', '--output', join(dir, 'big.json')], {
      cwd: dir,
      env: { ...process.env, PREFLIGHT_HOME: home },
      stdio: 'ignore',
    })
    // killed as soon as it has the package open (seen in /proc), long before it could read 800 MB
    const opened = () => {
      try {
        return readdirSync(`/proc/${child.pid}/fd`).some((fd) => readlinkSafe(`/proc/${child.pid}/fd/${fd}`) === big)
      } catch {
        return false
      }
    }
    for (let i = 0; i < 600 && !opened(); i++) await new Promise((r) => setTimeout(r, 50))
    expect(opened()).toBe(true)
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(events().length).toBe(before)
    const db = openHomeDatabase(home)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
  })
})
