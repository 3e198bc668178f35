// file:// upload targets from a client of the contract: browser mode writes to no folder a page names; the desktop app
// copies only to a folder the user chose in the native folder dialog (granted by the shell), once per choice.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Events } from '../../../src-preload/contract'
import { createServiceHost } from '../../../src-main/services/host'

const dir = mkdtempSync(join(process.env.TMPDIR!, 'grants-'))
const pkg = join(dir, 'release.bin')
const data = randomBytes(256 * 1024)
writeFileSync(pkg, data)

function start(mode: 'electron' | 'browser') {
  const finished = new Map<string, Events['task.finished']>()
  const host = createServiceHost({
    home: mkdtempSync(join(dir, 'home-')),
    mode,
    onEvent: (event, payload) => {
      if (event === 'task.finished')
        finished.set((payload as Events['task.finished']).taskId, payload as Events['task.finished'])
    },
  })
  const done = async (taskId: string) => {
    for (let i = 0; i < 200 && !finished.has(taskId); i++) await new Promise((r) => setTimeout(r, 25))
    return finished.get(taskId)
  }
  return { host, done }
}

describe('file:// upload targets sent by a client', () => {
  it('browser mode: refused, nothing written', async () => {
    const { host } = start('browser')
    try {
      const usb = join(dir, 'browser-usb')
      host.grantFolder(usb) // not even a grant opens folders to a browser page
      const wire = await host.dispatch('queue.enqueue', { path: pkg, target: `file://${usb}/` })
      expect(wire).toMatchObject({
        ok: false,
        error: {
          code: 'forbidden',
          message: expect.stringMatching(/Browser mode does not write to folders.*preflight upload/),
        },
      })
      await new Promise((r) => setTimeout(r, 100))
      expect(existsSync(usb)).toBe(false)
    } finally {
      await host.close()
    }
  })

  it('desktop: only a folder chosen in the dialog, once per choice', async () => {
    const { host, done } = start('electron')
    try {
      const usb = join(dir, 'usb')
      const typed = await host.dispatch('queue.enqueue', { path: pkg, target: `file://${usb}/` })
      expect(typed).toMatchObject({
        ok: false,
        error: { code: 'forbidden', message: expect.stringMatching(/was not chosen with "Choose folder…"/) },
      })
      expect(existsSync(usb)).toBe(false)

      host.grantFolder(usb)
      // a file name inside the chosen folder is not the client's to pick
      expect(await host.dispatch('queue.enqueue', { path: pkg, target: `file://${usb}/.bashrc` })).toMatchObject({
        ok: false,
        error: { code: 'invalid-input' },
      })
      const ok = await host.dispatch('queue.enqueue', { path: pkg, target: `file://${usb}/` })
      expect(ok.ok).toBe(true)
      const finished = await done((ok as { result: { taskId: string } }).result.taskId)
      expect(finished).toMatchObject({ ok: true, result: { state: 'done' } })
      expect(readdirSync(usb)).toEqual(['release.bin'])
      expect(
        createHash('sha256')
          .update(readFileSync(join(usb, 'release.bin')))
          .digest('hex'),
      ).toBe(createHash('sha256').update(data).digest('hex'))

      // the grant was used: the same folder again needs the dialog again
      const again = await host.dispatch('queue.enqueue', { path: pkg, target: `file://${usb}/`, overwrite: true })
      expect(again).toMatchObject({ ok: false, error: { code: 'forbidden' } })
      // a folder next to the chosen one is not chosen
      host.grantFolder(usb)
      expect(await host.dispatch('queue.enqueue', { path: pkg, target: `file://${dir}/` })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      })
    } finally {
      await host.close()
    }
  })
})
