// settings.get / settings.set through the service host: only known keys, each value through its schema, defaults for
// unset keys; the ClamAV engine takes named options, never free argv (an extraArgs value is refused, and one stored
// before is dropped when read: it never reaches clamscan's command line).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { engineFromSettings, runEngine } from '../../../src-main/malware/engine'
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
      ['history.actor', 42],
      ['upload.bandwidth', 'fast'],
      ['upload.bandwidth', -1],
      ['malware.engine', { engine: 'clamscan', database: 'relative/db' }],
      ['malware.engine', { engine: 'clamscan', database: '--remove=yes' }],
    ] as const) {
      const wire = await host.dispatch('settings.set', { key, value })
      expect(wire, `${key} ${JSON.stringify(value)}`).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    }
    expect(await host.dispatch('settings.get', { key: 'anything' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: expect.stringMatching(/There is no setting "anything"/) },
    })
  })

  it('stores valid values and reads them back', async () => {
    const engine = { engine: 'clamscan', database: '/var/lib/clamav', maxFileSizeMiB: 64 }
    expect(await host.dispatch('settings.set', { key: 'malware.engine', value: engine })).toMatchObject({ ok: true })
    expect(await host.dispatch('settings.get', { key: 'malware.engine' })).toEqual({
      ok: true,
      result: { value: engine },
    })
    const waivers = [{ rule: 'malware.detected', location: 'app/eicar.com', reason: 'test file' }]
    expect(await host.dispatch('settings.set', { key: `waivers:${'b'.repeat(64)}`, value: waivers })).toMatchObject({
      ok: true,
    })
    expect(await host.dispatch('settings.set', { key: 'history.actor', value: 'Release team' })).toMatchObject({
      ok: true,
    })
  })

  it('reads unset keys as their defaults', async () => {
    const fresh = createServiceHost({
      home: mkdtempSync(join(process.env.TMPDIR!, 'settings-')),
      mode: 'browser',
      onEvent: () => undefined,
    })
    try {
      expect(await fresh.dispatch('settings.get', { key: 'malware.engine' })).toEqual({
        ok: true,
        result: { value: { engine: 'off' } },
      })
      expect(await fresh.dispatch('settings.get', { key: `waivers:${'c'.repeat(64)}` })).toEqual({
        ok: true,
        result: { value: [] },
      })
      expect(await fresh.dispatch('settings.get', { key: 'upload.bandwidth' })).toEqual({
        ok: true,
        result: { value: 0 },
      })
    } finally {
      await fresh.close()
    }
  })

  it('never passes stored free-form arguments to clamscan', async () => {
    // a clamscan of our own on PATH, recording the command line it is given
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'argv-'))
    mkdirSync(join(dir, 'bin'))
    const argv = join(dir, 'argv.txt')
    writeFileSync(join(dir, 'bin', 'clamscan'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argv}'\nexit 0\n`)
    chmodSync(join(dir, 'bin', 'clamscan'), 0o755)
    const pkg = join(dir, 'pkg.bin')
    writeFileSync(pkg, 'hello')
    // a value stored by an older version, with free-form arguments
    const legacyHome = join(dir, 'home')
    const db = openHomeDatabase(legacyHome)
    setSetting(db, 'malware.engine', {
      engine: 'clamscan',
      database: '/var/lib/clamav',
      extraArgs: ['--remove=yes', '--move=/tmp', '--log=/etc/x'],
    })
    const engine = engineFromSettings(db)
    db.close()
    expect(engine).toEqual({ engine: 'clamscan', database: '/var/lib/clamav', maxFileSizeMiB: undefined })
    const path = process.env.PATH
    process.env.PATH = `${join(dir, 'bin')}${delimiter}${path}`
    try {
      expect(await runEngine(pkg, 'pkg.bin', engine!)).toEqual([])
    } finally {
      process.env.PATH = path
    }
    const args = readFileSync(argv, 'utf8').trim().split('\n')
    expect(args.filter((a) => /^--(remove|move|log|copy)/.test(a))).toEqual([])
    expect(args).toEqual([
      '--no-summary',
      '--infected',
      '--stdout',
      '--alert-exceeds-max=yes',
      '--scan-archive=yes',
      '--database',
      '/var/lib/clamav',
      '--',
      pkg,
    ])
    // and the Settings screen reads it back without them
    const legacy = createServiceHost({ home: legacyHome, mode: 'browser', onEvent: () => undefined })
    try {
      expect(await legacy.dispatch('settings.get', { key: 'malware.engine' })).toEqual({
        ok: true,
        result: { value: { engine: 'clamscan', database: '/var/lib/clamav' } },
      })
    } finally {
      await legacy.close()
    }
  })
})
