// Cancel through the service host, as the UI does it: task.cancel on a scan inside one 1 GiB tar entry gives a
// task.progress record marked `cancelling` at once, then task.finished with the cancelled error within a second.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { Header } from 'tar'
import { afterAll, expect, it } from 'vitest'
import type { Events } from '../../../src-preload/contract'
import { createServiceHost } from '../../../src-main/services/host'
import { TaskRunner } from '../../../src-main/tasks/runner'

const dir = mkdtempSync(join(process.env.TMPDIR!, 'runner-'))
const events: Array<{ event: string; payload: { taskId: string }; at: number }> = []
const host = createServiceHost({
  home: join(dir, 'home'),
  mode: 'browser',
  onEvent: (event, payload) => events.push({ event, payload: payload as { taskId: string }, at: performance.now() }),
})
afterAll(async () => {
  await host.close()
  rmSync(dir, { recursive: true, force: true })
})

it('a cancelled scan reports cancelling at once and finishes cancelled within 1 s', async () => {
  const h = new Header({ path: 'disk.bin', size: 1024 ** 3, type: 'File', mode: 0o644, mtime: new Date(0) })
  h.encode()
  const fd = openSync(join(dir, 'big.tar'), 'w')
  writeSync(fd, h.block!)
  ftruncateSync(fd, 512 + 1024 ** 3 + 1024)
  closeSync(fd)
  const wire = await host.dispatch('scan.start', { path: join(dir, 'big.tar') })
  const { taskId } = (wire as { ok: true; result: { taskId: string } }).result
  await new Promise((r) => setTimeout(r, 300))
  const asked = performance.now()
  expect(await host.dispatch('task.cancel', { taskId })).toEqual({ ok: true, result: { cancelled: true } })
  const mine = () => events.filter((e) => e.payload.taskId === taskId)
  // the cancelling record is sent synchronously with the cancel
  const cancelling = mine().find(
    (e) => e.event === 'task.progress' && (e.payload as unknown as Events['task.progress']).record.cancelling,
  )
  expect(cancelling, 'no cancelling record').toBeDefined()
  while (!mine().some((e) => e.event === 'task.finished') && performance.now() - asked < 10_000)
    await new Promise((r) => setTimeout(r, 5))
  const fin = mine().find((e) => e.event === 'task.finished')!
  expect(fin.payload).toMatchObject({ ok: false, error: { code: 'cancelled' } })
  expect(fin.at - asked).toBeLessThan(1000)
  // every record after the cancel is marked cancelling
  for (const e of mine().filter((x) => x.event === 'task.progress' && x.at >= cancelling!.at))
    expect((e.payload as unknown as Events['task.progress']).record.cancelling).toBe(true)
}, 30_000)

it('cancel of an unknown or finished task changes nothing', async () => {
  const sent: unknown[] = []
  const runner = new TaskRunner({ progress: (_id, _k, r) => sent.push(r), finished: () => undefined })
  const { taskId, done } = runner.start('x', async ({ meter }) => meter.update('work', 1, 2, { force: true }))
  await done
  await new Promise((r) => setTimeout(r, 0))
  expect(runner.cancel(taskId)).toBe(false)
  expect(sent).toEqual([expect.not.objectContaining({ cancelling: true })])
})
