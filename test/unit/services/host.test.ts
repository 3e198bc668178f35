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

  it('a refused input is one sentence in both languages naming the field; the channel and issues stay in details', async () => {
    const file = join(home, 'refused.bin')
    writeFileSync(file, 'x')
    const bad = await host.dispatch('queue.enqueue', { path: file, target: 'ftp://example.com/x' })
    expect(bad).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-input',
        message:
          'The value of "target" is not accepted (target must start with s3://, docker:// or file://): correct it and try again.',
        messageZh: '“target”的值不被接受（目标须以 s3://、docker:// 或 file:// 开头）：请更正后重试。',
        details: { channel: 'queue.enqueue' },
      },
    })
    // a value of the wrong type, and two refused values: the Chinese is made from the issue, not zod's English
    const two = await host.dispatch('queue.enqueue', { path: file, target: 's3://bucket/key', concurrency: 'four' })
    expect(two.ok || two.error.messageZh).toBe('“concurrency”的值不被接受（应为数字）：请更正后重试。')
    const many = await host.dispatch('history.list', { since: 'yesterday', kinds: ['nope'] })
    expect(many.ok || many.error.messageZh).toMatch(
      /^“kinds\.0”的值不被接受（应为以下之一：scan、repack、.*）：请更正后重试。另有 1 个值也不被接受。$/,
    )
    const since = await host.dispatch('history.list', { since: 'yesterday' })
    expect(since.ok || since.error.messageZh).toBe(
      '“since”的值不被接受（应为日期或时间，例如 2026-12-01T00:00:00Z）：请更正后重试。',
    )
    expect(many.ok || JSON.stringify(many.error)).not.toMatch(/history\.list.*"message"/)
  })

  it('a refusal from a service travels with its Chinese: a missing file, a bucket name the queue refuses', async () => {
    const refusal = async (input: object) => {
      const wire = await host.dispatch('queue.enqueue', input)
      const done = await finished((wire as { ok: true; result: { taskId: string } }).result.taskId)
      return done.ok ? null : done.error
    }
    const gone = join(home, 'gone.bin')
    expect(await refusal({ path: gone, target: 's3://bucket/key' })).toMatchObject({
      code: 'not-found',
      message: `No such file: ${gone}. Check that it was not moved or deleted, then queue it again.`,
      messageZh: `文件不存在：${gone}。请确认它没有被移动或删除，然后重新加入队列。`,
    })
    const file = join(home, 'bucket.bin')
    writeFileSync(file, 'x')
    expect(await refusal({ path: file, target: 's3://A_B/key' })).toMatchObject({
      code: 'invalid-input',
      messageZh: '存储桶“A_B”只能包含小写字母、数字、- 和 .（OBS/S3 存储桶命名规则）：请更正存储桶名称。',
    })
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
