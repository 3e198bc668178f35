// Identify a package: magic-byte kind (walk/sniff.ts), size, and a streamed sha256 (walk/hash.ts: one
// sequential read, constant memory, progress and cancellation between chunks).
import { stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import type { PackageFacts } from '../reports/model'
import { sha256File, type HashOptions } from '../walk/hash'
import { kindFromBytes, readHeadTail } from '../walk/sniff'

export type IdentifyOptions = HashOptions

export async function identifyFile(path: string, opts: IdentifyOptions = {}): Promise<PackageFacts> {
  const abs = resolve(path)
  const st = await stat(abs).catch((err) => {
    throw new PreflightError(
      err.code === 'ENOENT' ? 'not-found' : 'unreadable',
      `${err.code === 'ENOENT' ? 'No such file' : 'Cannot read'}: ${abs}`,
    )
  })
  if (!st.isFile()) throw new PreflightError('unreadable', `Not a regular file: ${abs}`)
  const { head, tail } = await readHeadTail(abs)
  const kind = kindFromBytes(head, tail)
  const sha256 = await sha256File(abs, st.size, opts)
  return { path: abs, name: basename(abs), size: st.size, sha256, kind }
}
