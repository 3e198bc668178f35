// The work history of the app's services (the same host in the desktop app and browser mode): each operation — a
// scan (and a failed one), repack, convert, waiver change (package and draft), draft revision (create, save,
// duplicate, restore, import; a save that changes nothing is none), export (report, draft, manifest, the history
// itself), upload, submit (refused and accepted), compare, a renamed copy and a (failed) sync — leaves exactly one event, under the name set in
// Settings; history.list filters, history.export's CSV reads back as the listed events, and the release manifest
// carries its package's history with the databases each scan used.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HISTORY_KIND_NAMES, type Events, type HistoryEventDto } from '../../../src-preload/contract'
import { parseHistoryCsv } from '../../../src-main/history/history'
import { createServiceHost } from '../../../src-main/services/host'
import { marketplaceCase } from '../../fixtures/marketplace-report'
import { goodImage } from '../../fixtures/releases'
import { umociImage } from '../../fixtures/umoci-image'

const dir = mkdtempSync(join(process.env.TMPDIR!, 'history-events-'))
const home = join(dir, 'home')
const events: Array<{ event: string; payload: unknown }> = []
const host = createServiceHost({ home, mode: 'electron', onEvent: (event, payload) => events.push({ event, payload }) })
afterAll(() => host.close())

async function call<T = any>(channel: string, input: unknown): Promise<T> {
  const wire = await host.dispatch(channel, input)
  if (!wire.ok) throw new Error(`${channel}: ${wire.error.message}`)
  return wire.result as T
}

function finished(taskId: string): Promise<Events['task.finished']> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const e = events.find((x) => x.event === 'task.finished' && (x.payload as { taskId: string }).taskId === taskId)
      if (e) {
        clearInterval(timer)
        resolve(e.payload as Events['task.finished'])
      }
    }, 5)
  })
}

async function task<T = any>(channel: string, input: unknown): Promise<T> {
  const done = await finished((await call<{ taskId: string }>(channel, input)).taskId)
  if (!done.ok) throw Object.assign(new Error(done.error.message), { data: done.error })
  return done.result as T
}

const history = async (filter: object = {}): Promise<HistoryEventDto[]> =>
  (await call<{ events: HistoryEventDto[] }>('history.list', filter)).events

const kindsRecorded = new Set<string>()

/** Run one operation and expect exactly one new event, of this kind and result; returns it. */
async function one(kind: string, result: string, op: () => Promise<unknown>): Promise<HistoryEventDto> {
  kindsRecorded.add(kind)
  const before = (await history()).length
  await op().catch(() => undefined)
  const after = await history()
  expect(after.length, `${kind} ${result}: ${JSON.stringify(after.slice(0, after.length - before))}`).toBe(before + 1)
  expect(after[0]).toMatchObject({ kind, result, actor: 'Release Team' })
  return after[0]
}

let pkg: string
let marketReport: string
let report: any

beforeAll(() => {
  ;({ pkg, report: marketReport } = marketplaceCase(dir))
})

describe('work history of the services', () => {
  it('records exactly one event per operation, under the name set in Settings', async () => {
    await call('settings.set', { key: 'history.actor', value: '  Release Team ' })
    expect((await call('history.list', {})).actor).toBe('Release Team')
    expect(await history()).toEqual([])

    // scans: a package (its sha256 as the subject, the databases used), and a file that is not there
    const scan = await one(
      'scan',
      'fail',
      async () => (report = await task('scan.start', { path: pkg, profile: 'koogallery-app' })),
    )
    expect(scan).toMatchObject({
      subject: report.package.sha256,
      subjectName: 'shop.tar.gz',
      details: {
        profile: 'koogallery-app',
        blockers: 3,
        databases: { osv: { lastImport: null, advisories: 0 }, signatures: [] },
      },
    })
    const missing = await one('scan', 'error', () => task('scan.start', { path: join(dir, 'missing.zip') }))
    expect(missing).toMatchObject({
      subject: join(dir, 'missing.zip'),
      details: { error: expect.stringMatching(/missing\.zip/) },
    })

    // the package view: waive (a waiver change), export the report
    const waiver = {
      rule: 'archive.link-escape',
      location: 'shop.tar.gz!app/link',
      reason: 'the link is never followed',
    }
    const waived = await one('waiver', 'done', () =>
      call('settings.set', { key: `waivers:${report.package.sha256}`, value: [waiver] }),
    )
    expect(waived).toMatchObject({
      subject: report.package.sha256,
      subjectName: 'shop.tar.gz',
      details: { waivers: 1, before: 0 },
    })
    await one('export', 'done', () => call('report.render', { report, format: 'html', waivers: [waiver] }))
    await one('compare', 'done', () => call('compare.import', { path: marketReport, report }))
    // the package view's "Rename a copy…": the copy, by the scanned content's sha256
    const renamed = await one('rename', 'done', () =>
      task('package.renameCopy', {
        path: pkg,
        profile: 'koogallery-app',
        name: 'shop_copy.tar.gz',
        sha256: report.package.sha256,
      }),
    )
    expect(renamed).toMatchObject({
      subject: report.package.sha256,
      subjectName: 'shop_copy.tar.gz',
      link: join(dir, 'shop_copy.tar.gz'),
      details: { from: 'shop.tar.gz', to: 'shop_copy.tar.gz', profile: 'koogallery-app' },
    })

    // drafts: each new revision is one event, a save that changes nothing is none
    const draft = await call('drafts.create', { profile: 'koogallery-image', title: 'Nginx' })
    const created = (await history())[0]
    expect(created).toMatchObject({
      kind: 'draft-revision',
      subject: draft.id,
      subjectName: 'Nginx',
      details: { action: 'create', revision: 1 },
    })
    const values = {
      ...goodImage,
      package: {
        name: 'shop.tar.gz',
        sha256: report.package.sha256,
        size: report.package.size,
        kind: report.package.kind,
      },
    }
    await one('draft-revision', 'done', () => call('drafts.save', { id: draft.id, values }))
    const before = (await history()).length
    await call('drafts.save', { id: draft.id, values })
    expect(await history()).toHaveLength(before)
    await one('draft-revision', 'done', () => call('drafts.duplicate', { id: draft.id }))
    await one('draft-revision', 'done', () => call('drafts.restore', { id: draft.id, revision: 1 }))
    await one('draft-revision', 'done', () => call('drafts.save', { id: draft.id, values }))
    const exported = await call<{ content: string }>('drafts.export', { id: draft.id })
    expect((await history())[0]).toMatchObject({ kind: 'export', subject: draft.id, details: { what: 'draft' } })
    writeFileSync(join(dir, 'draft.json'), exported.content)
    await one('draft-revision', 'done', () => call('drafts.import', { path: join(dir, 'draft.json') }))
    const draftWaiver = await one('waiver', 'done', () =>
      call('waivers.edit', {
        target: { draft: draft.id },
        op: 'add',
        waiver: { rule: 'vulndb.missing', reason: 'no database offline' },
      }),
    )
    expect(draftWaiver).toMatchObject({ subject: draft.id, details: { op: 'add', rule: 'vulndb.missing', waivers: 1 } })

    // submit: refused while the package fails, then accepted; the manifest export is one event
    const refused = await one('submit', 'fail', () => call('drafts.submit', { id: draft.id }))
    expect(refused.details).toMatchObject({ reason: 'not-scanned' })
    // a new scan report moves the draft's head without a revision (drafts.ts): no draft-revision event either
    const beforeReport = (await history()).length
    await call('drafts.save', { id: draft.id, values, lastReport: { verdict: 'pass' } })
    expect(await history()).toHaveLength(beforeReport)
    const submitted = await one('submit', 'done', () => call('drafts.submit', { id: draft.id }))
    expect(submitted.details).toMatchObject({ requestsToday: 1, package: report.package.sha256 })
    await one('export', 'done', () => call('drafts.manifest', { id: draft.id, format: 'json' }))

    // repack, convert, upload (to a folder chosen in the dialog)
    const layout = umociImage(join(dir, 'oci'), 'app', { 'hello.txt': 'hi' })
    execFileSync('tar', ['-cf', join(dir, 'image.tar'), '-C', layout, '.'])
    const repacked = await one('repack', 'pass', () =>
      task('containers.repack', { inputs: [join(dir, 'image.tar')], name: 'bundle.tar' }),
    )
    expect(repacked).toMatchObject({
      subjectName: 'bundle.tar',
      link: join(home, 'bundles', 'bundle.tar'),
      subject: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', join(dir, 'disk.raw'), '16M'])
    const converted = await one('convert', 'done', () => task('vm.convert', { path: join(dir, 'disk.raw') }))
    expect(existsSync(converted.link!)).toBe(true)
    const out = join(dir, 'uploads')
    mkdirSync(out)
    host.grantFolder(out)
    const upload = await one('upload', 'done', () => task('queue.enqueue', { path: pkg, target: `file://${out}/` }))
    expect(upload).toMatchObject({
      subjectName: `shop.tar.gz → file://${out}/`,
      details: { sha256: report.package.sha256 },
    })
    expect(existsSync(join(out, 'shop.tar.gz'))).toBe(true)
    await one('convert', 'error', () => task('vm.convert', { path: join(dir, 'no-such.raw') }))
    host.grantFolder(out)
    const unqueued = await one('upload', 'error', () =>
      task('queue.enqueue', { path: join(dir, 'no-such.zip'), target: `file://${out}/` }),
    )
    expect(unqueued).toMatchObject({
      subject: join(dir, 'no-such.zip'),
      details: { error: expect.stringMatching(/No such file/) },
    })

    // a sync whose registries do not answer is still one record, failed
    const sync = await one('sync', 'error', () =>
      task('queue.sync', {
        source: 'docker://127.0.0.1:9/shop/app:1.0',
        targets: ['docker://127.0.0.1:9/mirror/app:1.0'],
        insecure: true,
      }),
    )
    expect(sync.subjectName).toContain('127.0.0.1:9/mirror/app:1.0')

    // back to the OS account
    await call('settings.set', { key: 'history.actor', value: null })
    expect(await call('history.list', { limit: 1 })).toMatchObject({
      actor: userInfo().username,
      account: userInfo().username,
    })
    await call('settings.set', { key: 'history.actor', value: 'Release Team' })

    // every kind of operation left its event
    expect(new Set((await history()).map((e) => e.kind))).toEqual(
      new Set([
        'scan',
        'waiver',
        'export',
        'compare',
        'rename',
        'draft-revision',
        'submit',
        'repack',
        'convert',
        'upload',
        'sync',
      ]),
    )
  }, 120_000)

  it('filters, and exports CSV that reads back as the listed events (the export itself is one event)', async () => {
    const all = await history()
    const scans = await history({ kinds: ['scan'] })
    expect(scans.map((e) => e.result)).toEqual(['error', 'fail'])
    expect(await history({ kinds: ['scan', 'upload'], results: ['done'] })).toHaveLength(1)
    expect(await history({ since: '2999-01-01' })).toEqual([])
    expect(await history({ until: '2000-01-01' })).toEqual([])
    const about = all.filter(
      (e) => e.subject === report.package.sha256 || (e.kind === 'upload' && e.details.sha256 === report.package.sha256),
    )
    expect(about.map((e) => e.kind)).toEqual(['upload', 'rename', 'compare', 'export', 'waiver', 'scan'])
    expect(await history({ subject: report.package.sha256 })).toEqual(about)
    const csv = await call<{ content: string; count: number; extension: string }>('history.export', { format: 'csv' })
    expect(csv).toMatchObject({ count: all.length, extension: 'csv' })
    expect(parseHistoryCsv(csv.content)).toEqual(all)
    expect(await history()).toHaveLength(all.length + 1)
    const json = await call<{ content: string }>('history.export', { format: 'json', kinds: ['submit'] })
    expect(JSON.parse(json.content)).toMatchObject({
      schema: 'preflight.history/1',
      events: [{ result: 'done' }, { result: 'fail' }],
    })
    const bad = await host.dispatch('history.list', { kinds: ['nope'] })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/kinds/) } })
    expect(await host.dispatch('history.list', { since: 'yesterday-ish' })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/"since" is not accepted \(must be a date.*correct it and try again/) },
    })
  })

  it("puts the package's history in the release manifest: what was scanned, with which databases, when, by whom", async () => {
    const draft = (await call<{ drafts: Array<{ id: string; title: string }> }>('drafts.list', {})).drafts.find(
      (d) => d.title === 'Nginx',
    )!
    const m = JSON.parse((await call<{ content: string }>('drafts.manifest', { id: draft.id, format: 'json' })).content)
    const own = (await history({ subject: report.package.sha256 })).reverse()
    expect(m.history.map((e: { kind: string }) => e.kind)).toEqual(own.map((e) => e.kind))
    // its uploads too (their subject is the job, their details name the package)
    expect(m.history.map((e: { kind: string }) => e.kind)).toEqual([
      'scan',
      'waiver',
      'export',
      'compare',
      'rename',
      'upload',
    ])
    expect(m.history[0]).toMatchObject({
      kind: 'scan',
      result: 'fail',
      actor: 'Release Team',
      at: own[0].at,
      databases: { osv: { lastImport: null }, signatures: [] },
      details: { profile: 'koogallery-app' },
    })
    const html = (await call<{ content: string }>('drafts.manifest', { id: draft.id, format: 'html' })).content
    expect(html).toMatch(/<h2>Package history<\/h2>/)
    expect(html).toMatch(
      /<td>scan<\/td><td>fail<\/td><td>Release Team<\/td><td>no OSV database; built-in signatures only<\/td>/,
    )
  })

  it('compares a marketplace report: 3 in common, 2 only in the marketplace, 1 only in Preflight; another package is refused', async () => {
    const c = await call('compare.import', { path: marketReport, report })
    expect([c.both.length, c.onlyMarketplace.length, c.onlyPreflight.length]).toEqual([3, 2, 1])
    expect(c.agreement).toBeCloseTo(0.5)
    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({
        schema: 'preflight.report/1',
        package: { name: 'shop.tar.gz', sha256: 'a'.repeat(64) },
        findings: [],
      }),
    )
    const refused = await host.dispatch('compare.import', { path: join(dir, 'other.json'), report })
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/sha256 a{64}, not shop\.tar\.gz/) },
    })
    expect(await host.dispatch('compare.import', { path: join(dir, 'nope.csv'), report })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    })
    expect((await history())[0]).toMatchObject({ kind: 'compare', result: 'error', subject: report.package.sha256 })
  })

  it('has recorded every kind of event the contract names (an operation left out of the app would show here)', () => {
    expect([...kindsRecorded].sort()).toEqual([...HISTORY_KIND_NAMES].sort())
  })
})
