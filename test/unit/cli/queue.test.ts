// `preflight queue` and the upload flags, in-process over a PREFLIGHT_HOME database: --limit is MiB/s like the app
// (with a unit suffix where given), and `queue clear` removes the finished jobs like the app's "Clear finished".
import { mkdtempSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { openQueue, parseBandwidth, queueCommand } from '../../../src-main/cli/commands/upload'
import type { CliIO } from '../../../src-main/cli/io'
import { openHomeDatabase } from '../../../src-main/store/db'
import { envCredentials } from '../../../src-main/upload/credentials'
import { UploadQueue } from '../../../src-main/upload/queue'

const MiB = 1024 * 1024

function io(home: string): CliIO & { out(): string; err(): string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => (out += d))
  stderr.on('data', (d) => (err += d))
  return {
    stdout,
    stderr,
    env: { PREFLIGHT_HOME: home },
    cwd: home,
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  }
}

describe('--limit', () => {
  it('is MiB/s as in the app: a bare number, or with a KiB/s, MiB/s or GiB/s unit', () => {
    expect(parseBandwidth('40')).toBe(40 * MiB)
    expect(parseBandwidth('2.5')).toBe(2.5 * MiB)
    expect(parseBandwidth('40MiB/s')).toBe(40 * MiB)
    expect(parseBandwidth('40 mib/s')).toBe(40 * MiB)
    expect(parseBandwidth('512KiB/s')).toBe(512 * 1024)
    expect(parseBandwidth('512KiB')).toBe(512 * 1024)
    expect(parseBandwidth('1GiB/s')).toBe(1024 * MiB)
    expect(parseBandwidth('8MB/s')).toBe(8 * MiB)
    for (const bad of ['0', '-1', 'fast', '40 MiB/h', '40TiB/s', '', '0KiB/s'])
      expect(() => parseBandwidth(bad), bad).toThrow(
        /^--limit must be a bandwidth above 0 such as 40MiB\/s, 512KiB\/s or 40 \(a bare number is MiB\/s, as in the app\); got ".*"\.$/,
      )
  })

  it('sets the queue’s limit in bytes per second', () => {
    const home = mkdtempSync(join(process.env.TMPDIR!, 'cli-limit-'))
    expect(openQueue(io(home), { limit: '512KiB/s' }).limiter.rate).toBe(512 * 1024)
    expect(openQueue(io(home), { limit: '40' }).limiter.rate).toBe(40 * MiB)
    expect(openQueue(io(home), {}).limiter.rate).toBe(0)
  })
})

describe('preflight queue clear', () => {
  it('removes the done, failed and cancelled jobs, keeps the others, and says what it did (table and json)', async () => {
    const home = mkdtempSync(join(process.env.TMPDIR!, 'cli-clear-'))
    const out = join(home, 'out')
    mkdirSync(out)
    const file = join(home, 'pkg.bin')
    writeFileSync(file, 'a package')
    const db = openHomeDatabase(home)
    const q = new UploadQueue(db, { credentials: envCredentials({}) })
    const done = await q.run((await q.enqueue({ file, target: `file://${out}/` })).id)
    const changed = join(home, 'changed.bin')
    writeFileSync(changed, 'changes')
    const failedJob = await q.enqueue({ file: changed, target: `file://${out}/` })
    utimesSync(changed, new Date(), new Date(Date.now() + 60_000))
    const failed = await q.run(failedJob.id)
    const cancelled = await q.cancel((await q.enqueue({ file, target: `file://${out}/c/` })).id)
    const queued = await q.enqueue({ file, target: `file://${out}/q/` })
    const paused = q.pause((await q.enqueue({ file, target: `file://${out}/p/` })).id)
    expect([done.state, failed.state, cancelled.state]).toEqual(['done', 'failed', 'cancelled'])

    const json = io(home)
    expect(await queueCommand.run(['clear', '--format', 'json'], json)).toBe(0)
    const cleared = JSON.parse(json.out())
    expect(new Set(cleared.removed)).toEqual(new Set([done.id, failed.id, cancelled.id]))
    expect(cleared.problems).toEqual([])
    expect(q.list().map((j) => j.id)).toEqual([queued.id, paused.id])

    const table = io(home)
    expect(await queueCommand.run(['clear'], table)).toBe(0)
    expect(table.out()).toBe('Nothing to clear: no job is done, failed or cancelled.\n')
    await q.cancel(queued.id)
    const one = io(home)
    expect(await queueCommand.run(['clear'], one)).toBe(0)
    expect(one.out()).toBe(`Cleared 1 finished job: ${queued.id.slice(0, 8)}\n`)
    expect(q.list().map((j) => j.id)).toEqual([paused.id])

    await expect(queueCommand.run(['clear', paused.id], io(home))).rejects.toThrow(/^queue clear takes no job id/)
    await expect(queueCommand.run(['clear', '--format', 'csv'], io(home))).rejects.toThrow(/^--format must be json/)
    await expect(queueCommand.run(['empty'], io(home))).rejects.toThrow(
      /^Unknown queue action "empty": use list, run, pause <id>, resume <id>, cancel <id> or clear\.$/,
    )
    db.close()
  })
})
