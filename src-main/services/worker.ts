// Entry of the services worker thread: runs the service host off the caller's main thread (as Etcher keeps
// flashing out of its GUI process) and speaks a small message protocol with services/worker-client.ts.
import { parentPort, workerData } from 'node:worker_threads'
import { createServiceHost } from './host'

export interface WorkerInit {
  home: string
  mode: 'electron' | 'browser'
}

export type ToWorker = { type: 'invoke'; id: number; channel: string; input: unknown } | { type: 'close' }
export type FromWorker =
  | { type: 'result'; id: number; wire: unknown }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'closed' }

if (parentPort) {
  const port = parentPort
  const init = workerData as WorkerInit
  const host = createServiceHost({
    home: init.home,
    mode: init.mode,
    onEvent: (event, payload) => port.postMessage({ type: 'event', event, payload } satisfies FromWorker),
  })
  port.on('message', async (msg: ToWorker) => {
    if (msg.type === 'invoke') {
      const wire = await host.dispatch(msg.channel, msg.input)
      port.postMessage({ type: 'result', id: msg.id, wire } satisfies FromWorker)
    } else if (msg.type === 'close') {
      await host.close()
      port.postMessage({ type: 'closed' } satisfies FromWorker)
      port.close()
    }
  })
}
