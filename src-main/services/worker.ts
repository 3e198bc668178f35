// Entry of the services worker thread: runs the service host off the caller's main thread (as Etcher keeps
// flashing out of its GUI process) and speaks a small message protocol with services/worker-client.ts.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import type { SecretCipher } from '../upload/credentials'
import { createServiceHost } from './host'

export interface WorkerInit {
  home: string
  mode: 'electron' | 'browser'
  /** The parent seals secrets (Electron safeStorage lives in the main process): ask it over the port. */
  secureStorage?: boolean
}

export type ToWorker =
  | { type: 'invoke'; id: number; channel: string; input: unknown }
  | { type: 'close' }
  /** The shell's native folder dialog: the user chose this folder (services/grants.ts). */
  | { type: 'grant-folder'; path: string }
  | { type: 'cipher-result'; id: number; ok: boolean; data: string }
export type FromWorker =
  | { type: 'result'; id: number; wire: unknown }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'closed' }
  /** encrypt: data is the plain text; decrypt: data is the sealed bytes in base64. */
  | { type: 'cipher'; id: number; op: 'encrypt' | 'decrypt'; data: string }

/** A SecretCipher whose work is done by the parent thread. */
function parentCipher(port: MessagePort): SecretCipher {
  let next = 1
  const pending = new Map<number, (r: { ok: boolean; data: string }) => void>()
  port.on('message', (msg: ToWorker) => {
    if (msg.type !== 'cipher-result') return
    pending.get(msg.id)?.(msg)
    pending.delete(msg.id)
  })
  const call = (op: 'encrypt' | 'decrypt', data: string) =>
    new Promise<string>((resolve, reject) => {
      const id = next++
      pending.set(id, (r) => (r.ok ? resolve(r.data) : reject(new Error(r.data))))
      port.postMessage({ type: 'cipher', id, op, data } satisfies FromWorker)
    })
  return {
    encrypt: async (plain) => Buffer.from(await call('encrypt', plain), 'base64'),
    decrypt: async (sealed) => call('decrypt', sealed.toString('base64')),
  }
}

if (parentPort) {
  const port = parentPort
  const init = workerData as WorkerInit
  const host = createServiceHost({
    home: init.home,
    mode: init.mode,
    cipher: init.secureStorage ? parentCipher(port) : null,
    onEvent: (event, payload) => port.postMessage({ type: 'event', event, payload } satisfies FromWorker),
  })
  port.on('message', async (msg: ToWorker) => {
    if (msg.type === 'invoke') {
      const wire = await host.dispatch(msg.channel, msg.input)
      port.postMessage({ type: 'result', id: msg.id, wire } satisfies FromWorker)
    } else if (msg.type === 'grant-folder') {
      host.grantFolder(msg.path)
    } else if (msg.type === 'close') {
      await host.close()
      port.postMessage({ type: 'closed' } satisfies FromWorker)
      port.close()
    }
  })
}
