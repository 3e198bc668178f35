// Recent scans: a scanned file's report is given back while the file is unchanged (size and mtime; sha256 when
// re-checked), never for a file that changed, was replaced or went away; scan.start through the service host
// keeps what it scanned.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Events } from '../../../src-preload/contract'
import { fileStamp, RecentScans } from '../../../src-main/inspect/recent'
import { scanPackage } from '../../../src-main/inspect/scan'
import { createServiceHost } from '../../../src-main/services/host'
import { openDatabase } from '../../../src-main/store/db'

const dir = mkdtempSync(join(process.env.TMPDIR!, 'recent-'))

async function scanned(name: string, content: string, profile?: string) {
  const path = join(dir, name)
  writeFileSync(path, content)
  const before = (await fileStamp(path))!
  return { path, before, report: await scanPackage(path, { profile }) }
}

describe('RecentScans', () => {
  it('gives back the stored report of an unchanged file, and lists it', async () => {
    const recent = new RecentScans(openDatabase(':memory:'))
    const { path, before, report } = await scanned('same.txt', 'hello')
    expect(await recent.record(report, before)).toBe(true)
    const again = await recent.open(path)
    expect(again).toMatchObject({
      status: 'unchanged',
      verified: false,
      scan: { path, sha256: report.package.sha256, verdict: report.verdict, profile: report.profile },
    })
    expect(again.status === 'unchanged' && again.report).toEqual(report)
    expect((await recent.open(path, { verify: true })).status).toBe('unchanged')
    expect(recent.list().map((s) => s.path)).toEqual([path])
  })

  it('says a file changed when its size, its mtime or (re-checked) its sha256 differ, or it is gone', async () => {
    const recent = new RecentScans(openDatabase(':memory:'))
    const { path, report } = await scanned('changing.txt', 'aaaa')
    const mtime = new Date('2026-02-03T04:05:06.789Z') // a time utimes can set exactly again
    utimesSync(path, mtime, mtime)
    const before = (await fileStamp(path))!
    expect(await recent.record(report, before)).toBe(true)
    // same bytes count, same mtime, other content: only the sha256 tells
    writeFileSync(path, 'bbbb')
    utimesSync(path, mtime, mtime)
    expect(await fileStamp(path)).toEqual(before)
    expect((await recent.open(path)).status).toBe('unchanged')
    expect(await recent.open(path, { verify: true })).toMatchObject({ status: 'changed', why: 'sha256' })
    utimesSync(path, new Date(before.mtimeMs + 5000), new Date(before.mtimeMs + 5000))
    expect(await recent.open(path)).toMatchObject({ status: 'changed', why: 'mtime' })
    writeFileSync(path, 'longer now')
    expect(await recent.open(path)).toMatchObject({ status: 'changed', why: 'size' })
    rmSync(path)
    expect(await recent.open(path)).toMatchObject({ status: 'changed', why: 'missing' })
    expect(await recent.open(join(dir, 'never-scanned'))).toEqual({ status: 'none' })
  })

  it('does not keep a report of a file that changed while it was scanned', async () => {
    const recent = new RecentScans(openDatabase(':memory:'))
    const { path, before, report } = await scanned('moving.txt', 'first')
    writeFileSync(path, 'second, longer')
    expect(await recent.record(report, before)).toBe(false)
    expect(await recent.open(path)).toEqual({ status: 'none' })
  })

  it('keeps one scan per file and profile, answers by profile or the latest, and drops the oldest beyond its limit', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const recent = new RecentScans(openDatabase(':memory:'), { now: () => new Date((clock += 1000)), kept: 3 })
    const app = await scanned('two.tar', 'x', 'koogallery-app')
    await recent.record(app.report, app.before)
    const swr = await scanPackage(app.path, { profile: 'swr-image' })
    await recent.record(swr, app.before)
    expect((await recent.open(app.path, { profile: 'koogallery-app' })).status === 'unchanged').toBe(true)
    const latest = await recent.open(app.path)
    expect(latest.status === 'unchanged' && latest.scan.profile).toBe('swr-image')
    expect(await recent.open(app.path, { profile: 'scp-image' })).toEqual({ status: 'none' })
    for (const n of ['c', 'd']) {
      const s = await scanned(`${n}.txt`, n)
      await recent.record(s.report, s.before)
    }
    expect(recent.list().map((s) => `${s.name}:${s.profile}`)).toEqual([
      'd.txt:koogallery-app',
      'c.txt:koogallery-app',
      'two.tar:swr-image',
    ])
  })

  it('refuses a stored report it cannot read with a clear error', async () => {
    const db = openDatabase(':memory:')
    const recent = new RecentScans(db)
    const { path, before, report } = await scanned('broken.txt', 'z')
    await recent.record(report, before)
    db.prepare("UPDATE recent_scans SET report_json = '{oops'").run()
    await expect(recent.open(path)).rejects.toThrow(/stored report .* cannot be read .* scan the file again/)
  })
})

describe('scan.start through the service host', () => {
  const home = mkdtempSync(join(process.env.TMPDIR!, 'home-'))
  const events: Array<{ event: string; payload: unknown }> = []
  const host = createServiceHost({
    home,
    mode: 'browser',
    onEvent: (event, payload) => events.push({ event, payload }),
  })
  afterAll(() => host.close())
  const finished = (taskId: string) =>
    new Promise<Events['task.finished']>((resolve) => {
      const timer = setInterval(() => {
        const e = events.find((x) => x.event === 'task.finished' && (x.payload as { taskId: string }).taskId === taskId)
        if (e) {
          clearInterval(timer)
          resolve(e.payload as Events['task.finished'])
        }
      }, 5)
    })

  it('keeps the scan in Recent scans and gives it back from recent.open; a scan with typed attributes is not kept', async () => {
    const file = join(home, 'release-1_0.zip')
    writeFileSync(file, 'not really a zip')
    const start = await host.dispatch('scan.start', { path: file })
    const done = await finished((start as { ok: true; result: { taskId: string } }).result.taskId)
    expect(done.ok).toBe(true)
    const list = await host.dispatch('recent.list', {})
    expect(list).toMatchObject({ ok: true, result: { scans: [{ path: file, name: 'release-1_0.zip' }] } })
    const open = await host.dispatch('recent.open', { path: file })
    expect(open.ok && open.result).toMatchObject({ status: 'unchanged', report: { package: { path: file } } })
    const withAttrs = await host.dispatch('scan.start', { path: file, profile: 'scp-image', attrs: { name: 'x' } })
    await finished((withAttrs as { ok: true; result: { taskId: string } }).result.taskId)
    expect(await host.dispatch('recent.open', { path: file, profile: 'scp-image' })).toEqual({
      ok: true,
      result: { status: 'none' },
    })
    expect(await host.dispatch('recent.open', { path: '' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    })
  })
})
