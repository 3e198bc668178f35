// settings.get / settings.set through the service host: only known keys, each value through its schema; the ClamAV
// engine takes named options, never free argv (an extraArgs value is refused, and one stored before is not used).
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { engineFromSettings } from '../../../src-main/malware/engine'
import { createServiceHost } from '../../../src-main/services/host'
import { openHomeDatabase, setSetting } from '../../../src-main/store/db'

const home = mkdtempSync(join(process.env.TMPDIR!, 'settings-'))
const host = createServiceHost({ home, mode: 'browser', onEvent: () => undefined })
afterAll(() => host.close())

describe('settings', () => {
  it('refuses unknown keys and values of the wrong shape', async () => {
    for (const [key, value] of [
      ['anything', 1],
      ['../../etc', 'x'],
      ['malware.engine', { engine: 'clamscan', extraArgs: ['--remove=yes', '--move=/tmp', '--log=/etc/x'] }],
      ['malware.engine', { engine: 'rm -rf' }],
      ['malware.engine', { engine: 'clamscan', maxFileSizeMiB: 0.5 }],
      ['waivers:not-a-sha', []],
      [`waivers:${'a'.repeat(64)}`, [{ rule: 'no.such-rule', reason: 'x' }]],
      ['history.actor', ''],
    ] as const) {
      const wire = await host.dispatch('settings.set', { key, value })
      expect(wire, `${key} ${JSON.stringify(value)}`).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    }
    expect(await host.dispatch('settings.get', { key: 'anything' })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/There is no setting "anything"/) } })
  })

  it('stores valid values and reads them back', async () => {
    const engine = { engine: 'clamscan', database: '/var/lib/clamav', maxFileSizeMiB: 64 }
    expect(await host.dispatch('settings.set', { key: 'malware.engine', value: engine })).toMatchObject({ ok: true })
    expect(await host.dispatch('settings.get', { key: 'malware.engine' })).toEqual({ ok: true, result: { value: engine } })
    const waivers = [{ rule: 'malware.detected', location: 'app/eicar.com', reason: 'test file' }]
    expect(await host.dispatch('settings.set', { key: `waivers:${'b'.repeat(64)}`, value: waivers })).toMatchObject({ ok: true })
    expect(await host.dispatch('settings.set', { key: 'history.actor', value: 'Release team' })).toMatchObject({ ok: true })
  })

  it('never passes stored free-form arguments to the engine', () => {
    const db = openHomeDatabase(join(home, 'other'))
    setSetting(db, 'malware.engine', { engine: 'clamscan', extraArgs: ['--remove=yes'] })
    expect(engineFromSettings(db)).toBeNull()
    setSetting(db, 'malware.engine', { engine: 'clamscan', maxFileSizeMiB: 8 })
    expect(engineFromSettings(db)).toEqual({ engine: 'clamscan', database: undefined, maxFileSizeMiB: 8 })
    db.close()
  })
})
