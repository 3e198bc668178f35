// Draft revisions as the editor saves them: one per meaningful change (a burst of typing in one field amends one
// revision, moving between the wizard's steps is none), each with its changes before → after; titles that follow
// the package until the seller names the draft; each draft's own readiness in the list; hidden values dropped.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defaultTitle } from '../../../src-main/drafts/drafts'
import { DraftService, REVISION_BURST_MS } from '../../../src-main/drafts/service'
import type { HistoryEventInput } from '../../../src-main/history/history'
import { openDatabase } from '../../../src-main/store/db'
import { dropHidden, hiddenPaths } from '../../../src-preload/release-fields'
import { goodImage } from '../../fixtures/releases'

let service: DraftService
let clock: number
const tick = (ms: number) => vi.setSystemTime((clock += ms))

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  clock = Date.parse('2026-03-01T10:00:00Z')
  vi.setSystemTime(clock)
  service = new DraftService(openDatabase(':memory:'))
})
afterEach(() => {
  vi.useRealTimers()
})

describe('revisions from the editor', () => {
  it('a burst of typing in one field is one revision, from the value before the burst to the last', () => {
    const d = service.store.create('scp-image', 'Web', { wizard: { step: 3 } })
    for (const name of ['w', 'we', 'web', 'web ', 'web s', 'web server']) {
      tick(500)
      service.save(d.id, { values: { wizard: { step: 3 }, attrs: { name } } })
    }
    const revs = service.store.revisions(d.id)
    expect(revs.map((r) => r.revision)).toEqual([2, 1])
    expect(revs[0].changes).toEqual([{ path: 'attrs.name', before: undefined, after: 'web server' }])
    expect(service.store.get(d.id).values).toEqual({ wizard: { step: 3 }, attrs: { name: 'web server' } })
  })

  it('another field, or a pause longer than the burst window, starts a new revision', () => {
    const d = service.store.create('scp-image', 'Web', {})
    service.save(d.id, { values: { attrs: { name: 'a' } } })
    tick(1000)
    service.save(d.id, { values: { attrs: { name: 'a', osType: 'Ubuntu' } } })
    tick(1000)
    service.save(d.id, { values: { attrs: { name: 'ab', osType: 'Ubuntu' } } })
    tick(REVISION_BURST_MS + 1)
    service.save(d.id, { values: { attrs: { name: 'abc', osType: 'Ubuntu' } } })
    const revs = service.store.revisions(d.id)
    expect(revs.map((r) => [r.revision, r.changes])).toEqual([
      [5, [{ path: 'attrs.name', before: 'ab', after: 'abc' }]],
      [4, [{ path: 'attrs.name', before: 'a', after: 'ab' }]],
      [3, [{ path: 'attrs.osType', before: undefined, after: 'Ubuntu' }]],
      [2, [{ path: 'attrs.name', before: undefined, after: 'a' }]],
      [1, []],
    ])
  })

  it('typing a field back to where the burst started leaves no revision', () => {
    const d = service.store.create('scp-image', 'Web', { attrs: { name: 'a' } })
    service.save(d.id, { values: { attrs: { name: 'b' } } })
    service.save(d.id, { values: { attrs: { name: 'c' } } })
    tick(100)
    service.save(d.id, { values: { attrs: { name: 'ab' } } })
    tick(100)
    expect(service.save(d.id, { values: { attrs: { name: 'a' } } }).revision).toBe(1)
    expect(service.store.revisions(d.id).map((r) => r.revision)).toEqual([1])
    expect(service.store.get(d.id).values).toEqual({ attrs: { name: 'a' } })
  })

  it('moving between the wizard steps, a scan report or waivers are no revision; the head still moves', () => {
    const d = service.store.create('scp-image', 'Web', { wizard: { step: 1 }, attrs: { name: 'a' } })
    for (const step of [2, 3, 4, 3]) {
      tick(REVISION_BURST_MS * 2)
      expect(service.save(d.id, { values: { wizard: { step }, attrs: { name: 'a' } } }).revision).toBe(1)
    }
    service.save(d.id, {
      values: { wizard: { step: 3 }, attrs: { name: 'a' } },
      lastReport: { verdict: 'pass' },
      waivers: [{ rule: 'x', reason: 'y' }],
    })
    const head = service.store.get(d.id)
    expect(head.values.wizard).toEqual({ step: 3 })
    expect(head.lastReport).toEqual({ verdict: 'pass' })
    expect(head.revision).toBe(1)
    expect(service.store.revisions(d.id)).toEqual([
      {
        revision: 1,
        savedAt: expect.any(String),
        changedPaths: ['attrs.name'],
        changes: [{ path: 'attrs.name', before: undefined, after: 'a' }],
      },
    ])
    // a real change after the step moves is measured from the revision before, without the wizard's step
    tick(1000)
    service.save(d.id, { values: { wizard: { step: 4 }, attrs: { name: 'b' } } })
    expect(service.store.revisions(d.id)[0].changes).toEqual([{ path: 'attrs.name', before: 'a', after: 'b' }])
  })

  it('a list of plain values is one field: its change is the whole list before and after', () => {
    const d = service.store.create('koogallery-image', 'K', { product: { pricingMode: 'paid', billing: ['monthly'] } })
    service.save(d.id, { values: { product: { pricingMode: 'paid', billing: ['pay-per-use', 'monthly', 'yearly'] } } })
    tick(REVISION_BURST_MS * 2)
    service.save(d.id, { values: { product: { pricingMode: 'paid', billing: [] } } })
    const [emptied, added] = service.store.revisions(d.id)
    expect(added.changes).toEqual([
      { path: 'product.billing', before: ['monthly'], after: ['pay-per-use', 'monthly', 'yearly'] },
    ])
    expect(emptied.changes).toEqual([
      { path: 'product.billing', before: ['pay-per-use', 'monthly', 'yearly'], after: [] },
    ])
  })

  it('a restore stays a revision of its own', () => {
    const d = service.store.create('scp-image', 'Web', { attrs: { name: 'a' } })
    tick(REVISION_BURST_MS * 2)
    service.save(d.id, { values: { attrs: { name: 'b' } } })
    tick(REVISION_BURST_MS * 2)
    expect(service.store.restore(d.id, 1).revision).toBe(3)
    expect(service.store.revisions(d.id)[0].changes).toEqual([{ path: 'attrs.name', before: 'b', after: 'a' }])
  })
})

describe('titles', () => {
  it('follow the package and profile until the seller names the draft, and a rename is a revision', () => {
    const d = service.store.create('scp-image', undefined, { wizard: { step: 1 } })
    expect(d.title).toBe('Samsung Cloud Platform image draft')
    expect(defaultTitle('swr-image', { package: { name: 'web.tar' } })).toBe('web.tar · SWR container image')
    tick(1000)
    service.save(d.id, { values: { package: { name: 'web-server.qcow2', sha256: 'a'.repeat(64) } } })
    expect(service.store.get(d.id).title).toBe('web-server.qcow2 · Samsung Cloud Platform image')
    tick(REVISION_BURST_MS * 2)
    service.save(d.id, { values: service.store.get(d.id).values, title: 'Web server' })
    tick(1000)
    service.save(d.id, { values: service.store.get(d.id).values, title: 'Web server 2026' })
    const revs = service.store.revisions(d.id)
    expect(revs[0]).toMatchObject({
      revision: 3,
      changes: [],
      retitled: { before: 'web-server.qcow2 · Samsung Cloud Platform image', after: 'Web server 2026' },
    })
    // a named draft keeps its name when the package changes
    tick(REVISION_BURST_MS * 2)
    service.save(d.id, { values: { package: { name: 'other.qcow2', sha256: 'b'.repeat(64) } } })
    expect(service.store.get(d.id).title).toBe('Web server 2026')
  })

  it('are in the language the draft was made in, and follow the package in it', () => {
    const d = service.store.create('scp-image', undefined, { wizard: { step: 1 } }, 'zh-CN')
    expect(d.title).toBe('Samsung Cloud Platform 镜像草稿')
    tick(1000)
    service.save(d.id, { values: { package: { name: 'web-server.qcow2', sha256: 'a'.repeat(64) } } })
    expect(service.store.get(d.id).title).toBe('web-server.qcow2 · Samsung Cloud Platform 镜像')
    expect(defaultTitle('swr-image', { package: { name: 'web.tar' } }, 'zh-CN')).toMatch(
      /^web\.tar · .*[\u4e00-\u9fff]/,
    )
  })

  it('a rename from the Drafts list (its values saved with a new title) is one revision, recorded once', () => {
    const events: HistoryEventInput[] = []
    const recorded = new DraftService(openDatabase(':memory:'), { sink: (e) => void events.push(e) })
    const d = recorded.store.create('swr-image', undefined, { attrs: { organization: 'acme' } })
    tick(REVISION_BURST_MS * 2)
    const { values } = recorded.store.get(d.id)
    expect(recorded.save(d.id, { values, title: 'Web app release' })).toMatchObject({
      revision: 2,
      title: 'Web app release',
    })
    expect(recorded.store.get(d.id)).toMatchObject({ title: 'Web app release', values })
    expect(recorded.store.revisions(d.id)[0]).toMatchObject({
      revision: 2,
      changes: [],
      retitled: { before: 'SWR container image draft', after: 'Web app release' },
    })
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'draft-revision',
        subjectName: 'Web app release',
        details: { action: 'save', revision: 2 },
      }),
    ])
  })

  it('an old automatic title follows the package too', () => {
    const d = service.store.create('scp-image', 'scp-image draft 2026-01-02 10:11', {})
    service.save(d.id, { values: { package: { name: 'x.qcow2' } } })
    expect(service.store.get(d.id).title).toBe('x.qcow2 · Samsung Cloud Platform image')
  })
})

describe('the drafts list', () => {
  it("gives each draft its own readiness: its release findings left to fix, not the package's verdict", () => {
    const ready = service.store.create('koogallery-image', 'Ready', goodImage)
    service.store.save(ready.id, { values: goodImage, lastReport: { verdict: 'fail' } })
    const missing = structuredClone(goodImage) as Record<string, any>
    delete missing.asset.name
    missing.product.version = '1.0'
    const twoToFix = service.store.create('koogallery-image', 'Two to fix', missing)
    service.store.save(twoToFix.id, { values: missing, lastReport: { verdict: 'pass' } })
    const byTitle = Object.fromEntries(service.list().map((d) => [d.title, d]))
    expect(byTitle['Ready']).toMatchObject({ toFix: 0, verdict: 'fail' })
    expect(byTitle['Two to fix']).toMatchObject({ toFix: 2, verdict: 'pass' })
    expect(service.list('two').map((d) => d.title)).toEqual(['Two to fix'])
  })
})

describe('values a later choice hides', () => {
  const paidSimple = {
    ...goodImage,
    product: { ...goodImage.product, template: 'simple', price: 9.5, tiers: undefined },
  }

  it('are dropped from the saved draft when the choice hides them', () => {
    const d = service.store.create('koogallery-image', 'P', paidSimple)
    const vcpu = {
      ...paidSimple,
      product: { ...paidSimple.product, template: 'vcpu', tiers: [{ vcpus: 2, price: 0.1 }] },
    }
    service.save(d.id, { values: vcpu })
    const saved = service.store.get(d.id).values as typeof vcpu
    expect(saved.product).not.toHaveProperty('price')
    expect(saved.product.tiers).toEqual([{ vcpus: 2, price: 0.1 }])
    // free: no billing and no price
    service.save(d.id, {
      values: {
        ...vcpu,
        product: {
          ...vcpu.product,
          pricingMode: 'free',
          template: 'simple',
          price: 3,
          tiers: [{ vcpus: 2, price: 1 }],
        },
      },
    })
    const free = service.store.get(d.id).values as Record<string, any>
    expect(Object.keys(free.product).sort()).toEqual(
      ['name', 'pricingMode', 'salesType', 'specifications', 'serviceEmail', 'template', 'version'].sort(),
    )
  })

  it('are dropped from the manifest and its validation, for every condition the wizard has', () => {
    const values = {
      attrs: { name: 'img', osType: 'Ubuntu', visibility: 'Private', shareWith: 'acct-1' },
      upload: { target: 'file:///srv/out/', endpoint: 'https://obs.example.com' },
    }
    expect(hiddenPaths(values).sort()).toEqual(['attrs.shareWith', 'upload.endpoint'])
    const d = service.store.create('scp-image', 'S', values)
    const m = service.manifest(service.store.get(d.id))
    expect(m.fields.map((f) => f.path)).toEqual(['attrs.name', 'attrs.osType', 'attrs.visibility', 'upload.target'])
    expect(m.findings.filter((f) => f.location === 'attrs.shareWith')).toEqual([])
    const priced = service.store.create('koogallery-image', 'K', {
      ...goodImage,
      product: { ...goodImage.product, price: 12 },
    })
    expect(service.manifest(service.store.get(priced.id)).fields.map((f) => f.path)).not.toContain('product.price')
  })

  it('dropHidden leaves shown values and the caller’s object alone', () => {
    const shared = {
      attrs: { visibility: 'Shared', shareWith: 'a-1' },
      upload: { target: 's3://bucket/key', endpoint: 'https://e' },
    }
    expect(dropHidden(shared)).toBe(shared)
    const priv = { attrs: { visibility: 'Private', shareWith: 'a-1' } }
    expect(dropHidden(priv)).toEqual({ attrs: { visibility: 'Private' } })
    expect(priv.attrs.shareWith).toBe('a-1')
  })
})
