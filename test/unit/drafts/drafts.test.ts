import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { diffValues } from '../../../src-main/drafts/diff'
import { DraftStore } from '../../../src-main/drafts/drafts'
import { DraftService } from '../../../src-main/drafts/service'
import { openDatabase } from '../../../src-main/store/db'
import { goodImage } from '../../fixtures/releases'

let store: DraftStore
let service: DraftService
beforeEach(() => {
  const db = openDatabase(':memory:')
  service = new DraftService(db)
  store = service.store
})

describe('drafts', () => {
  it('saves revisions, lists changed paths, diffs and restores (a restore is a new revision)', () => {
    const d = store.create('scp-image', 'My image', { attrs: { name: 'a' } })
    expect(d.revision).toBe(1)
    expect(store.save(d.id, { values: { attrs: { name: 'b', osType: 'Ubuntu' } } }).revision).toBe(2)
    expect(store.save(d.id, { values: { attrs: { name: 'b', osType: 'Ubuntu' } } }).revision).toBe(2) // unchanged: no revision
    store.save(d.id, { values: { attrs: { name: 'c', osType: 'Ubuntu' } } })
    const revs = store.revisions(d.id)
    expect(revs.map((r) => r.revision)).toEqual([3, 2, 1])
    expect(revs[1].changedPaths).toEqual(['attrs.name', 'attrs.osType'])
    expect(store.diff(d.id, 1, 3)).toEqual([
      { path: 'attrs.name', before: 'a', after: 'c' },
      { path: 'attrs.osType', before: undefined, after: 'Ubuntu' },
    ])
    const restored = store.restore(d.id, 1)
    expect(restored.revision).toBe(4)
    expect(restored.values).toEqual({ attrs: { name: 'a' } })
  })

  it('searches, duplicates and deletes', () => {
    const a = store.create('koogallery-app', 'Alpha', { asset: { name: 'alpha-tool' } })
    store.create('swr-image', 'Beta', {})
    expect(store.list('alpha').map((x) => x.title)).toEqual(['Alpha'])
    expect(store.list('swr').map((x) => x.title)).toEqual(['Beta'])
    const copy = store.duplicate(a.id)
    expect(copy.title).toBe('Alpha (copy)')
    expect(copy.values).toEqual(a.values)
    store.delete(a.id)
    expect(() => store.get(a.id)).toThrow(/No draft/)
    expect(store.list().length).toBe(2)
  })

  it('export → import reproduces the draft exactly, with its history', async () => {
    const d = store.create('koogallery-image', 'Image', { attrs: { name: 'x' }, versions: [{ name: 'V1.0' }] })
    store.save(d.id, {
      values: { attrs: { name: 'y' }, versions: [{ name: 'V1.1' }] },
      waivers: [{ rule: 'qcow2.dirty', reason: 'known' }],
      lastReport: { verdict: 'pass' },
    })
    const file = join(process.env.TMPDIR!, `draft-${d.id}.json`)
    await store.exportTo(d.id, file)
    const original = store.get(d.id)
    // into a fresh database: same id, same everything
    const other = new DraftStore(openDatabase(':memory:'))
    const imported = await other.importFrom(file)
    expect(imported).toEqual(original)
    expect(other.revisions(imported.id).map((r) => r.revision)).toEqual([2, 1])
    // into the same database: a new id, same content
    const again = await store.importFrom(file)
    expect(again.id).not.toBe(d.id)
    expect({ ...again, id: d.id }).toEqual(original)
  })

  it('refuses a file that is not a draft export with a clear error', async () => {
    const file = join(process.env.TMPDIR!, 'not-a-draft.json')
    writeFileSync(file, '{"hello": 1}')
    await expect(store.importFrom(file)).rejects.toThrow(/not a Preflight draft export/)
    await expect(store.importFrom(file)).rejects.toMatchObject({
      message: 'not-a-draft.json is not a Preflight draft export (preflight.draft/1): it names no Preflight schema.',
      messageZh: 'not-a-draft.json 不是 Preflight 草稿导出文件（preflight.draft/1）：它未注明 Preflight 格式。',
    })
    writeFileSync(file, '{"schema": "preflight.draft/1", "draft": {}')
    await expect(store.importFrom(file)).rejects.toMatchObject({
      message: 'not-a-draft.json is not a Preflight draft export (preflight.draft/1): it is not JSON.',
      messageZh: expect.stringMatching(/它不是 JSON 文件。$/),
    })
    writeFileSync(file, '{"schema": "preflight.draft/1", "draft": {}, "revisions": []}')
    await expect(store.importFrom(file)).rejects.toMatchObject({
      message: expect.stringMatching(/: its draft or revisions are incomplete or damaged\.$/),
      messageZh: expect.stringMatching(/其中的草稿或修订不完整或已损坏。$/),
    })
    await expect(store.importFrom(join(process.env.TMPDIR!, 'missing.json'))).rejects.toThrow(/No such file/)
    expect(() => store.get('no-such-id')).toThrow(
      expect.objectContaining({ messageZh: expect.stringMatching(/^没有 ID 为 no-such-id 的草稿/) }),
    )
  })

  it('counts release requests per day and warns from the tenth', () => {
    const d = store.create('koogallery-image', 'X', {})
    for (let i = 0; i < 9; i++) store.recordRequest(d.id)
    expect(service.validate('koogallery-image', {}).some((f) => f.rule === 'release.daily-requests')).toBe(false)
    expect(store.recordRequest(d.id)).toBe(10)
    expect(service.validate('koogallery-image', {}).find((f) => f.rule === 'release.daily-requests')).toMatchObject({
      severity: 'info',
      message: '10 release requests today: review may take longer than 3 working days.',
      messageZh: '今天已有 10 个发布申请：审核可能超过 3 个工作日。',
    })
  })

  it('writes the manifest with the destination to paste into the console', async () => {
    const d = store.create('swr-image', 'Web', {
      attrs: { organization: 'acme', repository: 'web', tag: '1.2' },
      swr: { registry: 'swr.example.com' },
    })
    const json = JSON.parse((await service.writeManifest(d.id, 'json')).content)
    expect(json.destination).toEqual({ kind: 'registry', address: 'swr.example.com/acme/web:1.2' })
    const out = join(process.env.TMPDIR!, 'manifest.html')
    await service.writeManifest(d.id, 'html', out)
    const html = readFileSync(out, 'utf8')
    expect(html).toContain('swr.example.com/acme/web:1.2')
    expect(html).not.toMatch(/<script|https?:\/\/(?!swr)/)
  })

  it('lists the manifest fields by their wizard labels, the value path kept as the second key', async () => {
    const d = store.create('koogallery-image', 'Nginx', {
      ...goodImage,
      product: {
        ...goodImage.product,
        tiers: [
          { vcpus: 2, price: 0.1 },
          { vcpus: 4, price: 0.2 },
        ],
      },
      attrs: { ...goodImage.attrs, extra: 'x' },
      wizard: { step: 3 },
    })
    const json = JSON.parse((await service.writeManifest(d.id, 'json')).content) as {
      fields: Array<{ label: string; labelZh: string; path: string; value: unknown }>
    }
    const byPath = new Map(json.fields.map((f) => [f.path, f]))
    expect(byPath.get('versions.0.name')).toEqual({
      label: 'Version name (1)',
      labelZh: '版本名称（1）',
      path: 'versions.0.name',
      value: 'V1.0',
    })
    expect(byPath.get('product.tiers.1.vcpus')).toMatchObject({ label: 'vCPUs (2)', labelZh: 'vCPU 数（2）', value: 4 })
    expect(byPath.get('attrs.minDiskGB')).toMatchObject({ label: 'Minimum disk', labelZh: '最小磁盘', value: 40 })
    expect(byPath.get('product.billing')).toMatchObject({ label: 'Billing modes', value: ['monthly'] })
    expect(byPath.get('image.securityGroup.0.portRange')).toMatchObject({
      label: 'Port range (1)',
      labelZh: '端口范围（1）',
    })
    // a value no field shows keeps its path as its name
    expect(byPath.get('attrs.extra')).toMatchObject({ label: 'attrs.extra', labelZh: 'attrs.extra' })
    // every field the wizard shows has its label: only the unknown value goes by its path
    expect(json.fields.filter((f) => f.label === f.path).map((f) => f.path)).toEqual(['attrs.extra'])
    expect(json.fields.some((f) => f.path.startsWith('wizard'))).toBe(false)

    const html = (await service.writeManifest(d.id, 'html')).content
    expect(html).toContain('<td data-path="versions.0.name">Version name (1)</td><td>V1.0</td>')
    expect(html).toContain('<td data-path="attrs.osType">OS type</td><td>Linux</td>')
    expect(html).not.toMatch(/<td class="mono">versions\.0\.name<\/td>/)
  })

  it('writes the manifest page in Chinese when asked: its words, the field labels, the findings and their fixes', async () => {
    const d = store.create('koogallery-image', 'Nginx', { ...goodImage, attrs: { ...goodImage.attrs, osType: '' } })
    const html = (await service.writeManifest(d.id, 'html', undefined, 'zh-CN')).content
    expect(html).toContain('<html lang="zh-CN">')
    expect(html).toContain('<h1>发布清单：Nginx</h1>')
    expect(html).toContain('<td data-path="versions.0.name">版本名称（1）</td><td>V1.0</td>')
    // the refused field: its Chinese label, the Chinese sentence and the Chinese fix
    const row = html.split('\n').find((l) => l.includes('data-path="attrs.osType"') && l.includes('release.'))!
    expect(row).toContain('阻断')
    expect(row).toMatch(/操作系统类型为必填项/)
    for (const english of ['Release manifest', 'Fields', 'Findings', 'Severity', 'Not ready', 'is required'])
      expect(html).not.toContain(english)
    // English stays the default
    expect((await service.writeManifest(d.id, 'html')).content).toContain('<h1>Release manifest: Nginx</h1>')
  })

  it('diffValues reports leaf paths', () => {
    expect(diffValues({ a: [1, 2], b: { c: 1 } }, { a: [1], b: { c: 2 } })).toEqual([
      { path: 'a.1', before: 2, after: undefined },
      { path: 'b.c', before: 1, after: 2 },
    ])
  })
})

describe('submit', () => {
  it('refuses a draft that is not ready, and records and counts nothing', () => {
    const db = openDatabase(':memory:')
    const service = new DraftService(db)
    const empty = service.store.create('koogallery-image', 'Empty', {})
    expect(() => service.submit(empty.id)).toThrow(
      /not ready to submit: the package is not scanned; \d+ field problems \(Category, Asset name, Architecture, /,
    )
    expect(() => service.submit(empty.id)).toThrow(
      expect.objectContaining({
        messageZh: expect.stringMatching(
          /^发布尚不能提交：软件包尚未扫描；\d+ 个字段问题（类别、资产名称、架构、.*）。请在向导中修复后再提交。$/,
        ),
      }),
    )
    const unscanned = service.store.create('koogallery-image', 'Unscanned', goodImage)
    expect(() => service.submit(unscanned.id)).toThrow(/not ready to submit: the package is not scanned\. Fix/)
    const failing = service.store.create('koogallery-image', 'Failing', goodImage)
    service.store.save(failing.id, { values: goodImage, lastReport: { verdict: 'fail' } })
    expect(() => service.submit(failing.id)).toThrow(/does not pass its pre-scan/)
    expect(service.store.requestsOn()).toBe(0)
    // a passing scan of another package than the one the draft now holds is no scan of it
    const swapped = service.store.create('koogallery-image', 'Swapped', goodImage)
    service.store.save(swapped.id, {
      values: { ...goodImage, package: { name: 'b.qcow2', sha256: 'b'.repeat(64) } },
      lastReport: { verdict: 'pass', package: { sha256: 'a'.repeat(64) } },
    })
    expect(() => service.submit(swapped.id)).toThrow(/not ready to submit: the package is not scanned\. Fix/)
    expect(service.manifest(service.store.get(swapped.id)).package.verdict).toBeNull()
    const ready = service.store.create('koogallery-image', 'Ready', goodImage)
    service.store.save(ready.id, { values: goodImage, lastReport: { verdict: 'pass' } })
    const r = service.submit(ready.id)
    expect(r.manifest.ready).toBe(true)
    expect(r.requestsToday).toBe(1)
    expect(service.store.requestsOn()).toBe(1)
  })
})

describe('manifest', () => {
  it('names a browser-mode drop by its file, not its staging folder', async () => {
    const service = new DraftService(openDatabase(':memory:'))
    const d = service.store.create('koogallery-app', 'Shop', {
      package: { path: `/home/u/.config/Preflight/staged/${'a'.repeat(64)}/shop.zip`, name: 'shop.zip' },
    })
    const html = (await service.writeManifest(d.id, 'html')).content
    expect(html).toContain('shop.zip (dropped in the browser)')
    expect(html).not.toContain('staged/')
  })
})
