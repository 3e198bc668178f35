// `preflight drafts` over the same database the app uses (PREFLIGHT_HOME).
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DraftStore } from '../../../src-main/drafts/drafts'
import { openHomeDatabase } from '../../../src-main/store/db'

describe('preflight drafts', () => {
  it('list, show, export and import round trip', () => {
    const home = mkdtempSync(join(process.env.TMPDIR!, 'dh-'))
    const db = openHomeDatabase(home)
    const d = new DraftStore(db).create('swr-image', 'Web image', {
      attrs: { organization: 'acme', repository: 'web', tag: 'v1' },
    })
    db.close()
    const run = (...a: string[]) =>
      spawnSync(process.execPath, [resolve(__dirname, '../../../bin/preflight.cjs'), 'drafts', ...a], {
        encoding: 'utf8',
        env: { ...process.env, PREFLIGHT_HOME: home },
      })
    expect(run('list').stdout).toContain('Web image')
    const shown = JSON.parse(run('show', d.id.slice(0, 8)).stdout)
    expect(shown).toMatchObject({ id: d.id, profile: 'swr-image' })
    expect(shown.findings.map((f: { rule: string }) => f.rule)).toContain('release.field-invalid') // registry address missing
    const file = join(home, 'out.json')
    expect(run('export', d.id, '--output', file).status).toBe(0)
    const imported = run('import', file)
    expect(imported.status).toBe(0)
    expect(JSON.parse(run('list', '--format', 'json').stdout)).toHaveLength(2)
    expect(run('show', 'nope').status).toBe(2)
  })
})
