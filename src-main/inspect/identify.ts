// Identify a package: magic-byte kind (walk/sniff.ts), size, and a streamed sha256 (walk/hash.ts: one
// sequential read, constant memory, progress and cancellation between chunks).
import { stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { basename, resolve } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import type { PackageFacts } from '../reports/model'
import { sha256File, type HashOptions } from '../walk/hash'
import { kindFromBytes, readHeadTail } from '../walk/sniff'

export type IdentifyOptions = HashOptions

/** The package file's stat, or the sentence a user reads when it is missing, unreadable or not a regular file. */
export async function statPackageFile(abs: string): Promise<Stats> {
  const st = await stat(abs).catch((err) => {
    throw new PreflightError(
      err.code === 'ENOENT' ? 'not-found' : 'unreadable',
      err.code === 'ENOENT'
        ? bi(`No such file: ${abs}`, `文件不存在：${abs}`)
        : bi(`Cannot read: ${abs}`, `无法读取：${abs}。请确认你有读取该文件的权限。`),
    )
  })
  if (!st.isFile())
    throw new PreflightError(
      'unreadable',
      bi(`Not a regular file: ${abs}`, `不是普通文件：${abs}。请选择一个软件包文件。`),
    )
  return st
}

export async function identifyFile(path: string, opts: IdentifyOptions = {}): Promise<PackageFacts> {
  const abs = resolve(path)
  const st = await statPackageFile(abs)
  const { head, tail } = await readHeadTail(abs)
  const kind = kindFromBytes(head, tail)
  const sha256 = await sha256File(abs, st.size, opts)
  return { path: abs, name: basename(abs), size: st.size, sha256, kind }
}
