import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Events } from '../../../src-preload/contract'
import { createServiceHost } from '../../../src-main/services/host'

const home = mkdtempSync(join(process.env.TMPDIR!, 'home-'))
const events: Array<{ event: string; payload: unknown }> = []
const host = createServiceHost({ home, mode: 'browser', onEvent: (event, payload) => events.push({ event, payload }) })
afterAll(() => host.close())

function finished(taskId: string): Promise<Events['task.finished']> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const e = events.find((x) => x.event === 'task.finished' && (x.payload as { taskId: string }).taskId === taskId)
      if (e) {
        clearInterval(timer)
        resolve(e.payload as Events['task.finished'])
      }
    }, 5)
  })
}

describe('service host', () => {
  it('refuses a payload that fails its schema with a typed error', async () => {
    const wire = await host.dispatch('inspect.identify', { path: 42 })
    expect(wire.ok).toBe(false)
    if (!wire.ok) {
      expect(wire.error.code).toBe('invalid-input')
      expect(wire.error.message).toMatch(/path/)
    }
    const extra = await host.dispatch('app.info', { sneaky: true })
    expect(extra.ok).toBe(false)
    const unknown = await host.dispatch('fs.readFile', { path: '/etc/passwd' })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
  })

  it('runs identify as a task with progress and a sha256 equal to the real one', async () => {
    const file = join(home, 'pkg.bin')
    const data = Buffer.alloc(9 * 1024 * 1024, 7)
    writeFileSync(file, data)
    const wire = await host.dispatch('inspect.identify', { path: file })
    expect(wire.ok).toBe(true)
    const { taskId } = (wire as { ok: true; result: { taskId: string } }).result
    const done = await finished(taskId)
    expect(done.ok).toBe(true)
    expect(done.ok && done.result).toMatchObject({
      sha256: createHash('sha256').update(data).digest('hex'),
      size: data.length,
      kind: 'unknown',
    })
    expect(events.some((e) => e.event === 'task.progress' && (e.payload as { taskId: string }).taskId === taskId)).toBe(
      true,
    )
  })

  it('reports a missing file as error data', async () => {
    const wire = await host.dispatch('inspect.identify', { path: join(home, 'nope') })
    const { taskId } = (wire as { ok: true; result: { taskId: string } }).result
    const done = await finished(taskId)
    expect(done).toMatchObject({ ok: false, error: { code: 'not-found' } })
  })
})

describe('cancellation', () => {
  it('cancelling a running identify ends it as cancelled', async () => {
    const { openSync, ftruncateSync, closeSync } = await import('node:fs')
    const file = join(home, 'big.sparse')
    const fd = openSync(file, 'w')
    ftruncateSync(fd, 8 * 1024 * 1024 * 1024)
    closeSync(fd)
    const wire = (await host.dispatch('inspect.identify', { path: file })) as { ok: true; result: { taskId: string } }
    const { taskId } = wire.result
    await new Promise((r) => setTimeout(r, 50))
    expect(await host.dispatch('task.cancel', { taskId })).toMatchObject({ ok: true, result: { cancelled: true } })
    const done = await finished(taskId)
    expect(done).toMatchObject({ ok: false, error: { code: 'cancelled' } })
  })
})
