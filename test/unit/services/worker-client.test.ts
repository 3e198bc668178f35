// The services worker: invokes and task events cross the thread boundary as data.
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startServiceWorker } from '../../../src-main/services/worker-client'

describe('services worker', () => {
  it('runs a task in the worker, streams progress and finishes; cancel stops a task', async () => {
    const home = mkdtempSync(join(process.env.TMPDIR!, 'wk-'))
    const events: Array<{ event: string; payload: any }> = []
    const host = startServiceWorker({ home, mode: 'browser' }, (event, payload) => events.push({ event, payload }))
    try {
      const info = await host.dispatch('app.info', {})
      expect(info).toMatchObject({ ok: true, result: { mode: 'browser', home } })
      const file = join(home, 'f.bin')
      const data = Buffer.alloc(5 * 1024 * 1024, 1)
      writeFileSync(file, data)
      const started = (await host.dispatch('inspect.identify', { path: file })) as {
        ok: true
        result: { taskId: string }
      }
      const taskId = started.result.taskId
      await expect
        .poll(() => events.find((e) => e.event === 'task.finished' && e.payload.taskId === taskId), { timeout: 20_000 })
        .toBeTruthy()
      const done = events.find((e) => e.event === 'task.finished' && e.payload.taskId === taskId)!.payload
      expect(done.result.sha256).toBe(createHash('sha256').update(data).digest('hex'))
      expect(await host.dispatch('task.cancel', { taskId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({
        ok: true,
        result: { cancelled: false },
      })
      expect(await host.dispatch('task.cancel', { taskId: 'nope' })).toMatchObject({
        ok: false,
        error: { code: 'invalid-input' },
      })
    } finally {
      await host.close()
    }
  })
})
