// Hashing a whole file: a streamed sha256 with a reused buffer (progress and cancellation between chunks), or in
// a worker thread so a scan's walk and the package hash run on two cores.
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'

const CHUNK = 4 * 1024 * 1024

export interface HashOptions {
  signal?: AbortSignal
  meter?: ProgressMeter
}

const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const fs = require('node:fs')
const h = createHash('sha256')
const fd = fs.openSync(workerData.path, 'r')
const buf = Buffer.allocUnsafe(${CHUNK})
let pos = 0
for (let n; (n = fs.readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n) h.update(buf.subarray(0, n))
fs.closeSync(fd)
parentPort.postMessage({ hex: h.digest('hex'), size: pos })
`

/**
 * sha256 of a whole file in a worker thread (its own sequential read, from the page cache when the caller reads
 * the file too), so a scan's walk and the package hash run on two cores. Cancelled with the signal.
 */
export function sha256FileInWorker(path: string, signal?: AbortSignal): Promise<{ hex: string; size: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(HASH_WORKER, { eval: true, workerData: { path } })
    const abort = () => void w.terminate()
    signal?.addEventListener('abort', abort, { once: true })
    let result: { hex: string; size: number } | null = null
    w.once('message', (m: { hex: string; size: number }) => (result = m))
    w.once('error', (err) =>
      reject(
        new PreflightError(
          'unreadable',
          bi(`Cannot read ${path}: ${err.message}`, `无法读取 ${path}，请确认该文件存在且有读取权限。`),
        ),
      ),
    )
    w.once('exit', () => {
      signal?.removeEventListener('abort', abort)
      if (result) resolve(result)
      else
        reject(
          signal?.aborted
            ? new PreflightError('cancelled', bi('Cancelled by the user.', '已由用户取消。'))
            : new PreflightError(
                'unreadable',
                bi(`Cannot hash ${path}`, `无法计算 ${path} 的哈希值，请确认该文件可以读取。`),
              ),
        )
    })
  })
}

/** Streamed sha256 of a whole file with a reused buffer. */
export async function sha256File(path: string, size: number, opts: HashOptions = {}): Promise<string> {
  const hash = createHash('sha256')
  const fh = await open(path, 'r')
  const buf = Buffer.allocUnsafe(CHUNK)
  let done = 0
  try {
    opts.meter?.update('hashing', 0, size, { force: true })
    for (;;) {
      throwIfCancelled(opts.signal)
      const { bytesRead } = await fh.read(buf, 0, CHUNK, done)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
      done += bytesRead
      opts.meter?.update('hashing', done, size)
    }
    opts.meter?.update('hashing', done, size, { force: true })
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}
