// Identify a package: magic-byte kind, size, and a streamed sha256 (one sequential read, constant memory,
// progress and cancellation between chunks).
import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { constants as zc, gunzipSync } from 'node:zlib'
import { PreflightError } from '../../src-preload/errors'
import type { PackageFacts, PackageKind } from '../reports/model'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'
import { looksLikeTar, sniff, SNIFF_HEAD_BYTES } from '../walk/sniff'

const CHUNK = 4 * 1024 * 1024

export interface IdentifyOptions {
  signal?: AbortSignal
  meter?: ProgressMeter
}

/** Decide the package kind from the head and tail bytes; gzip is looked into to tell tar.gz from .gz. */
export function kindFromBytes(head: Buffer, tail: Buffer | undefined): PackageKind {
  const k = sniff(head, tail)
  if (k !== 'gzip') return k
  try {
    const inner = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH })
    if (inner.length >= 512 && looksLikeTar(inner)) return 'tar.gz'
  } catch {
    /* not inflatable from the head: leave it as plain gzip, the walker reports corruption */
  }
  return 'gzip'
}

export async function readHeadTail(path: string): Promise<{ head: Buffer; tail: Buffer; size: number }> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const head = Buffer.alloc(Math.min(SNIFF_HEAD_BYTES, size))
    await fh.read(head, 0, head.length, 0)
    const tailLen = Math.min(512, size)
    const tail = Buffer.alloc(tailLen)
    await fh.read(tail, 0, tailLen, size - tailLen)
    return { head, tail, size }
  } finally {
    await fh.close()
  }
}

export async function identifyFile(path: string, opts: IdentifyOptions = {}): Promise<PackageFacts> {
  const abs = resolve(path)
  const st = await stat(abs).catch((err) => {
    throw new PreflightError(err.code === 'ENOENT' ? 'not-found' : 'unreadable', `${err.code === 'ENOENT' ? 'No such file' : 'Cannot read'}: ${abs}`)
  })
  if (!st.isFile()) throw new PreflightError('unreadable', `Not a regular file: ${abs}`)
  const { head, tail } = await readHeadTail(abs)
  const kind = kindFromBytes(head, tail)
  const sha256 = await sha256File(abs, st.size, opts)
  return { path: abs, name: basename(abs), size: st.size, sha256, kind }
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
    w.once('error', (err) => reject(new PreflightError('unreadable', `Cannot read ${path}: ${err.message}`)))
    w.once('exit', () => {
      signal?.removeEventListener('abort', abort)
      if (result) resolve(result)
      else reject(signal?.aborted ? new PreflightError('cancelled', 'Cancelled by the user.') : new PreflightError('unreadable', `Cannot hash ${path}`))
    })
  })
}

/** Streamed sha256 of a whole file with a reused buffer. */
export async function sha256File(path: string, size: number, opts: IdentifyOptions = {}): Promise<string> {
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
