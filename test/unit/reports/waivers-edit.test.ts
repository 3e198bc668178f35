// Waivers edited in a waiver file (JSON or YAML, created on first add, replaced by target, removed) and refused
// without a reason; the file written is read back by the CLI's reader.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { editWaiverFile, readWaivers } from '../../../src-main/reports/waivers'
import { createHandlers } from '../../../src-main/services/handlers'
import { openDatabase } from '../../../src-main/store/db'
import { TaskRunner } from '../../../src-main/tasks/runner'

describe('waiver files', () => {
  it('add, replace and remove in YAML and JSON files; a waiver needs a reason', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'wv-'))
    for (const name of ['w.yaml', 'w.json']) {
      const file = join(dir, name)
      await editWaiverFile(file, 'add', { rule: 'malware.detected', location: 'a.tar!*.com', reason: 'fixture' })
      await editWaiverFile(file, 'add', { rule: 'profile.auto-picked', reason: 'later' })
      await editWaiverFile(file, 'add', {
        rule: 'malware.detected',
        location: 'a.tar!*.com',
        reason: 'EICAR fixture',
        expires: '2030-01-01',
      })
      expect(await readWaivers(file)).toEqual([
        { rule: 'profile.auto-picked', reason: 'later' },
        { rule: 'malware.detected', location: 'a.tar!*.com', reason: 'EICAR fixture', expires: '2030-01-01' },
      ])
      expect(await editWaiverFile(file, 'remove', { rule: 'profile.auto-picked' })).toHaveLength(1)
      await expect(editWaiverFile(file, 'add', { rule: 'malware.detected' })).rejects.toMatchObject({
        code: 'invalid-input',
      })
      await expect(editWaiverFile(file, 'add', { rule: 'no.such-rule', reason: 'x' })).rejects.toMatchObject({
        code: 'invalid-input',
      })
      expect((await readWaivers(file)).map((w) => w.rule)).toEqual(['malware.detected'])
    }
    expect(readFileSync(join(dir, 'w.yaml'), 'utf8')).toMatch(/^waivers:/)
    expect(readdirSync(dir).sort()).toEqual(['w.json', 'w.yaml'])
  })

  it('waivers.edit on a draft keeps them in the draft (the waiver list the draft exports)', async () => {
    const db = openDatabase(':memory:')
    const h = createHandlers({
      home: mkdtempSync(join(process.env.TMPDIR!, 'home-')),
      db,
      runner: new TaskRunner({ progress() {}, finished() {} } as never),
      mode: 'browser',
      emit() {},
      onClose() {},
    })
    const draft = await h['drafts.create']({ profile: 'koogallery-app', title: 'w', values: {} } as never)
    await h['waivers.edit']({
      target: { draft: draft.id },
      op: 'add',
      waiver: { rule: 'malware.detected', location: 'a.zip!x.exe', reason: 'vendor-signed installer' },
    })
    await h['waivers.edit']({
      target: { draft: draft.id },
      op: 'add',
      waiver: { rule: 'profile.auto-picked', reason: 'later' },
    })
    const r = await h['waivers.edit']({
      target: { draft: draft.id },
      op: 'remove',
      waiver: { rule: 'profile.auto-picked' },
    })
    expect(r.waivers).toEqual([
      { rule: 'malware.detected', location: 'a.zip!x.exe', reason: 'vendor-signed installer' },
    ])
    expect((await h['drafts.get']({ id: draft.id })).waivers).toEqual(r.waivers)
  })
})
