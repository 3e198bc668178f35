// No client of the contract (the renderer, or anything that reaches browser mode's WebSocket) can make the services
// write a file at a path it names: report.export is gone (the page renders and saves a download, or Electron's save
// dialog), drafts.export, drafts.manifest and history.export return content only, waivers.edit edits a draft's list
// only. Each attempt is refused by its schema and nothing appears at the path.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { createServiceHost } from '../../../src-main/services/host'

const home = mkdtempSync(join(process.env.TMPDIR!, 'write-'))
const host = createServiceHost({ home, mode: 'browser', onEvent: () => undefined })
afterAll(() => host.close())

describe('channels that used to write where a client said', () => {
  it('are refused and write nothing', async () => {
    const created = await host.dispatch('drafts.create', { profile: 'koogallery-app', title: 'w', values: {} })
    expect(created.ok).toBe(true)
    const id = (created as { result: { id: string } }).result.id
    const target = (name: string) => join(home, name)
    const attempts: Array<[string, unknown, string]> = [
      ['report.export', { report: { schema: 'preflight.report/1' }, format: 'json', path: target('r.json') }, 'r.json'],
      ['drafts.export', { id, path: target('d.json') }, 'd.json'],
      ['drafts.manifest', { id, format: 'html', path: target('m.html') }, 'm.html'],
      [
        'waivers.edit',
        { target: { file: target('w.yaml') }, op: 'add', waiver: { rule: 'malware.detected', reason: 'x' } },
        'w.yaml',
      ],
      ['history.export', { format: 'csv', path: target('h.csv') }, 'h.csv'],
      ['history.export', { format: 'json', output: target('h.json') }, 'h.json'],
    ]
    for (const [channel, input, file] of attempts) {
      const wire = await host.dispatch(channel, input)
      expect(wire, channel).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
      expect(existsSync(target(file)), channel).toBe(false)
    }
  })

  it('still give the content to save', async () => {
    const created = (await host.dispatch('drafts.create', {
      profile: 'koogallery-app',
      title: 'content',
      values: {},
    })) as { result: { id: string } }
    const exported = await host.dispatch('drafts.export', { id: created.result.id })
    expect(exported).toMatchObject({ ok: true, result: { path: null } })
    expect(JSON.parse((exported as { result: { content: string } }).result.content)).toBeTruthy()
    const manifest = await host.dispatch('drafts.manifest', { id: created.result.id, format: 'html' })
    expect((manifest as { result: { content: string } }).result.content).toMatch(/<!doctype html>/)
  })

  it('renders every format the app offers for download, CycloneDX included', async () => {
    const file = join(home, 'pkg.txt')
    writeFileSync(file, 'hello')
    const report = await scanPackage(file, { profile: 'koogallery-app' })
    for (const format of ['html', 'xlsx', 'sarif', 'csv', 'json', 'cyclonedx']) {
      const wire = await host.dispatch('report.render', { report, format })
      expect(wire, format).toMatchObject({ ok: true })
    }
    const cdx = (await host.dispatch('report.render', { report, format: 'cyclonedx' })) as {
      result: { content: string; extension: string }
    }
    expect(JSON.parse(cdx.result.content).bomFormat).toBe('CycloneDX')
    expect(cdx.result.extension).toBe('cdx.json')
  })
})
