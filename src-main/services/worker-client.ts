// Starts the services worker thread and proxies invokes and events to it. From a checkout (TypeScript
// sources) the worker is bootstrapped through tsx; from a build it runs out/main/services-worker.js.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { builtWorkerFile } from '../paths'
import { Worker } from 'node:worker_threads'
import type { EventName, Events, Wire } from '../../src-preload/contract'
import type { ErrorData } from '../../src-preload/errors'
import type { EventListener, ServiceHost } from './host'
import type { SecretCipher } from '../upload/credentials'
import type { FromWorker, ToWorker, WorkerInit } from './worker'

function startWorker(init: WorkerInit): Worker {
  const built = builtWorkerFile()
  if (!__filename.endsWith('.ts') && existsSync(built)) return new Worker(built, { workerData: init })
  const entry = join(__dirname, 'worker.ts')
  // both tsx hooks, as in bin/preflight.cjs: the sources load some modules on use with import()
  const code = `require('tsx/cjs/api').register(); import('tsx/esm/api').then((m) => { m.register(); require(${JSON.stringify(entry)}) });`
  return new Worker(code, { eval: true, workerData: init })
}

/** Starts the worker; with a cipher (Electron safeStorage), the worker's credential vault seals through it. */
export function startServiceWorker(
  init: Omit<WorkerInit, 'secureStorage'>,
  onEvent: EventListener,
  cipher?: SecretCipher | null,
): ServiceHost {
  const worker = startWorker({ ...init, secureStorage: Boolean(cipher) })
  const pending = new Map<number, (wire: Wire<unknown>) => void>()
  let nextId = 1
  let closed: (() => void) | null = null
  let failure: Error | null = null
  worker.on('message', (msg: FromWorker) => {
    if (msg.type === 'result') {
      pending.get(msg.id)?.(msg.wire as Wire<unknown>)
      pending.delete(msg.id)
    } else if (msg.type === 'event') onEvent(msg.event as EventName, msg.payload as Events[EventName])
    else if (msg.type === 'closed') closed?.()
    else if (msg.type === 'cipher' && cipher) {
      const work =
        msg.op === 'encrypt'
          ? cipher.encrypt(msg.data).then((b) => b.toString('base64'))
          : cipher.decrypt(Buffer.from(msg.data, 'base64'))
      work.then(
        (data) => worker.postMessage({ type: 'cipher-result', id: msg.id, ok: true, data } satisfies ToWorker),
        (err: Error) =>
          worker.postMessage({ type: 'cipher-result', id: msg.id, ok: false, data: err.message } satisfies ToWorker),
      )
    }
  })
  const failAll = (err: Error) => {
    failure = err
    for (const resolve of pending.values()) resolve({ ok: false, error: stopped(err) })
    pending.clear()
  }
  worker.on('error', failAll)
  worker.on('exit', (code) => {
    failAll(new Error(`worker exited with code ${code}`))
    closed?.()
  })
  return {
    dispatch(channel, input) {
      if (failure)
        return Promise.resolve({
          ok: false,
          error: stopped(failure),
        })
      const id = nextId++
      return new Promise((resolve) => {
        pending.set(id, resolve)
        worker.postMessage({ type: 'invoke', id, channel, input })
      })
    },
    // posted before the dialog's answer reaches the renderer, so before any upload that names the folder
    grantFolder(path) {
      if (!failure) worker.postMessage({ type: 'grant-folder', path } satisfies ToWorker)
    },
    close() {
      return new Promise<void>((resolve) => {
        closed = resolve
        if (failure) return resolve()
        worker.postMessage({ type: 'close' })
        setTimeout(() => void worker.terminate().then(() => resolve()), 10_000).unref()
      })
    },
  }
}

/** What a call answers once the services' worker has stopped: what happened and what to do (the queue is on disk). */
function stopped(err: Error): ErrorData {
  return {
    code: 'internal',
    message: `Preflight's services stopped (${err.message}): restart Preflight. The upload queue, drafts and history are kept.`,
    messageZh: `Preflight 的后台服务已停止（${err.message}）：请重新启动 Preflight。上传队列、草稿和历史记录都会保留。`,
  }
}
