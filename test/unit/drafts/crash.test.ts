// Drafts survive a crash: a process saving revisions in a tight loop is SIGKILLed at random moments, ten
// times; each time the last committed revision is intact and the database passes PRAGMA integrity_check.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DraftStore } from '../../../src-main/drafts/drafts'
import { openDatabase } from '../../../src-main/store/db'

function runAndKill(file: string, id: string, afterMs: number): Promise<number> {
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(__dirname, '../../fixtures/draft-writer.ts'), file, id],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let last = -1
    let buf = ''
    let timer: NodeJS.Timeout | null = null
    let err = ''
    child.stderr.on('data', (d) => (err += String(d)))
    child.stdout.on('data', (d) => {
      buf += String(d)
      const lines = buf.split('\n')
      buf = lines.pop()!
      for (const l of lines) {
        const m = /^committed (\d+)$/.exec(l)
        if (m) last = Number(m[1])
      }
      if (!timer && last >= 0) timer = setTimeout(() => child.kill('SIGKILL'), afterMs)
    })
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? res(last) : rej(new Error(`writer exited without being killed: ${err}`)),
    )
  })
}

describe('draft crash safety', () => {
  it('ten SIGKILLs during autosave lose nothing that was committed', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'crash-'))
    const file = join(dir, 'drafts.sqlite')
    const setup = openDatabase(file)
    const id = new DraftStore(setup).create('koogallery-app', 'Crash test', { counter: 0 }).id
    setup.close()
    for (let round = 0; round < 10; round++) {
      const lastCommitted = await runAndKill(file, id, 20 + Math.floor(Math.random() * 200))
      const db = openDatabase(file)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      const d = new DraftStore(db).get(id)
      const counter = d.values.counter as number
      // the kill may land after a commit and before its line was printed: never before the last printed one
      expect(
        counter === lastCommitted || counter === lastCommitted + 1,
        `round ${round}: head ${counter}, last committed ${lastCommitted}`,
      ).toBe(true)
      expect(d.values).toEqual({
        counter,
        notes: `revision ${counter} `.repeat(200),
        asset: { name: `App ${counter}` },
      })
      expect(d.revision).toBe(counter + 1)
      db.close()
    }
  })
})
