// "Rename a copy…": the fix of package.name-invalid, package.extension-mismatch and package.format-unsupported
// done in the app. The proposal comes from those rules (refused characters replaced, the extension of the format
// the file's bytes really are); a name is judged by the same packageFindings the scan runs; the copy is written next
// to the original under a temporary name (hashed while it is written, read back and compared), and put in place
// only if nothing has that name: the original and any other file are never touched.
import { createHash, randomUUID } from 'node:crypto'
import { link, lstat, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import { bi, worded, type Bilingual, type Worded } from '../../src-preload/text'
import type { PackageKind } from '../reports/model'
import { PROFILE_IDS, PROFILES, type ProfileId } from '../rules/profiles'
import { throwIfCancelled } from '../tasks/cancel'
import type { ProgressMeter } from '../tasks/progress'
import { sha256File } from '../walk/hash'
import {
  claimedExtension,
  extensionFor,
  KIND_EXTENSIONS,
  packageFindings,
  proposeName,
  type NameFacts,
} from './package-rules'

export { extensionFor, proposeName, type NameFacts }

/** The rules a renamed copy fixes. */
export const RENAME_RULES = ['package.name-invalid', 'package.extension-mismatch', 'package.format-unsupported']

/**
 * The profiles a file of this content fits (one of their accepted extensions names it), for the package view's
 * profile picker; content no profile names (unknown, or a format none accepts) fits them all, the scan says why.
 */
export function profilesFor(kind: PackageKind): ProfileId[] {
  const fits = KIND_EXTENSIONS[kind] ?? []
  const ids = PROFILE_IDS.filter((id) => PROFILES[id].accepts.some((e) => fits.includes(e)))
  return ids.length ? ids : [...PROFILE_IDS]
}

/** One reason a name is refused, in both languages, with the rule it breaks where it is one. */
export type NameProblem = Worded & { rule?: string }

/** Why `name` is not a plain file name for a copy next to the original (path separators, dots, control characters). */
export function nameShapeProblems(name: string): NameProblem[] {
  const out: Bilingual[] = []
  if (!name.trim()) out.push(bi('Type a name for the copy.', '请输入副本的文件名。'))
  else {
    if (/[/\\]/.test(name))
      out.push(
        bi(
          'A file name cannot contain / or \\: the copy is written next to the original.',
          '文件名不能包含 / 或 \\：副本会写在原文件旁边。',
        ),
      )
    if (name.startsWith('.')) out.push(bi('A file name cannot start with a dot.', '文件名不能以点开头。'))
    if (/\p{Cc}/u.test(name)) out.push(bi('A file name cannot contain control characters.', '文件名不能包含控制字符。'))
    if (Buffer.byteLength(name) > 255)
      out.push(bi('The name is too long: at most 255 bytes.', '文件名过长：最多 255 字节。'))
  }
  return out.map((b) => worded(b))
}

/**
 * Why the rules refuse `name` for this file: the scan's own packageFindings, limited to the rules a rename fixes,
 * each said as what to type instead. Empty: the copy's scan will not report these rules.
 */
export function nameProblems(name: string, facts: NameFacts): NameProblem[] {
  const shape = nameShapeProblems(name)
  if (shape.length) return shape
  const { profile, kind, size } = facts
  const accepts = PROFILES[profile].accepts
  const ext = extensionFor(name, kind, profile)
  const list = accepts.join(', ')
  const listZh = accepts.join('、')
  const found = packageFindings(profile, name, kind, size).filter((f) => RENAME_RULES.includes(f.rule))
  // the extension rules say the same thing twice where both fire: one sentence for both
  const said = new Set<string>()
  const out: NameProblem[] = []
  for (const f of found) {
    let text: Bilingual
    if (f.rule === 'package.name-invalid')
      text = bi(
        `Use only letters, digits, -, _, ( and ) before the extension, e.g. ${proposeName(name, facts)}.`,
        `扩展名前只能使用字母、数字、-、_、( 和 )，例如 ${proposeName(name, facts)}。`,
      )
    else if (kind === 'unknown' || !(KIND_EXTENSIONS[kind] ?? []).some((e) => accepts.includes(e)))
      text =
        kind === 'unknown'
          ? bi(
              `The content is not a recognisable ${claimedExtension(name) || 'package'} file: a new name cannot fix that; repack the package.`,
              `内容不是可识别的 ${claimedExtension(name) || '软件包'} 文件：改名无法解决，请重新打包。`,
            )
          : bi(
              `The content is ${kind}, which ${profile} does not accept: repack it as ${list} instead of renaming it.`,
              `内容为 ${kind}，${profile} 不接受此格式：请重新打包为 ${listZh}，而不是改名。`,
            )
    else if (f.rule === 'package.format-unsupported' && claimedExtension(name) !== ext)
      text = bi(
        `${profile} accepts ${list}: end the name with ${ext} (the content is ${kind}).`,
        `${profile} 接受 ${listZh}：文件名请以 ${ext} 结尾（内容为 ${kind}）。`,
      )
    else text = bi(`The content is ${kind}: end the name with ${ext}.`, `内容为 ${kind}：文件名请以 ${ext} 结尾。`)
    if (said.has(text.en)) continue
    said.add(text.en)
    out.push({ rule: f.rule, ...worded(text) })
  }
  return out
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  )
}

/** The sentence for a name already taken in the original's folder. */
export function takenText(name: string): Bilingual {
  return bi(
    `A file named "${name}" is already next to the original: choose another name.`,
    `原文件旁已有名为“${name}”的文件：请换一个名称。`,
  )
}

/** A file of that name is already in the original's folder (a name that is no plain file name throws). */
export async function nameTaken(original: string, name: string): Promise<boolean> {
  return exists(copyPath(original, name))
}

/** The folder a copy of `original` named `name` goes to, refusing any name that is not a plain file name. */
export function copyPath(original: string, name: string): string {
  const shape = nameShapeProblems(name)
  if (shape.length || name === '..' || basename(name) !== name)
    throw new PreflightError(
      'invalid-input',
      shape[0]
        ? { en: shape[0].message, zh: shape[0].messageZh! }
        : bi('The name of the copy must be a plain file name.', '副本的名称必须是单纯的文件名。'),
    )
  const dir = dirname(resolve(original))
  const target = join(dir, name)
  if (dirname(target) !== dir)
    throw new PreflightError(
      'invalid-input',
      bi('The copy must stay in the folder of the original.', '副本必须与原文件在同一文件夹中。'),
    )
  return target
}

/** The proposal, made free in the original's folder (`-2`, `-3`… before the extension while the name is taken). */
export async function freeProposal(original: string, facts: NameFacts): Promise<string> {
  const first = proposeName(basename(original), facts)
  const ext = claimedExtension(first)
  const base = ext ? first.slice(0, first.length - ext.length) : first
  const dir = dirname(resolve(original))
  for (let n = 1; n < 1000; n++) {
    const name = n === 1 ? first : `${base}-${n}${ext}`
    if (!(await exists(join(dir, name)))) return name
  }
  return `${base}-${randomUUID().slice(0, 8)}${ext}`
}

export interface CopyOptions {
  /** The sha256 the scan read: a file that changed since is not copied. */
  expectedSha256?: string
  signal?: AbortSignal
  meter?: ProgressMeter
  /** Called once the copy is written, before it is read back (tests change it here to see the check refuse it). */
  onWritten?: (partial: string) => Promise<void> | void
}

export interface CopyResult {
  path: string
  name: string
  size: number
  sha256: string
  original: string
}

/** Errors of a filesystem without hard links (FAT and exFAT USB sticks, some shares). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV'])
const CHUNK = 4 * 1024 * 1024

/**
 * Copy `original` to `name` in its folder: written under a temporary name while its sha256 is taken, read back and
 * compared, then linked to `name` (refused by the OS if that name exists; without hard links, checked just before
 * the rename). The original is only read.
 */
export async function copyRenamed(original: string, name: string, opts: CopyOptions = {}): Promise<CopyResult> {
  const src = resolve(original)
  const dest = copyPath(src, name)
  const taken = () => new PreflightError('conflict', takenText(name))
  if (await exists(dest)) throw taken()
  const partial = join(dirname(dest), `.${name}.preflight-partial-${randomUUID().slice(0, 8)}`)
  const input = await open(src, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new PreflightError(
      err.code === 'ENOENT' ? 'not-found' : 'unreadable',
      err.code === 'ENOENT'
        ? bi(`"${basename(src)}" is no longer there: open it again.`, `“${basename(src)}”已不存在：请重新打开。`)
        : bi(`"${basename(src)}" cannot be read: check its permissions.`, `无法读取“${basename(src)}”：请检查其权限。`),
    )
  })
  let output: Awaited<ReturnType<typeof open>> | null = null
  try {
    const size = (await input.stat()).size
    output = await open(partial, 'wx')
    const hash = createHash('sha256')
    const buf = Buffer.allocUnsafe(CHUNK)
    let done = 0
    opts.meter?.update('copying', 0, size, { force: true })
    for (;;) {
      throwIfCancelled(opts.signal)
      const { bytesRead } = await input.read(buf, 0, CHUNK, done)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
      await output.write(buf, 0, bytesRead, done)
      done += bytesRead
      opts.meter?.update('copying', done, size)
    }
    await output.sync()
    await output.close()
    output = null
    const sha256 = hash.digest('hex')
    if (opts.expectedSha256 && sha256 !== opts.expectedSha256)
      throw new PreflightError(
        'conflict',
        bi(
          `"${basename(src)}" changed since it was scanned: scan it again, then rename a copy.`,
          `“${basename(src)}”在扫描后已改变：请重新扫描后再重命名副本。`,
        ),
      )
    await opts.onWritten?.(partial)
    const readBack = await sha256File(partial, done, { signal: opts.signal, meter: opts.meter })
    if (readBack !== sha256)
      throw new PreflightError(
        'unreadable',
        bi(
          'The copy read back differs from the original (SHA-256), so it was not kept: check the disk and try again.',
          '副本回读后与原文件不一致（SHA-256），已不保留：请检查磁盘后重试。',
        ),
      )
    await placeNew(partial, dest, taken)
    return { path: dest, name, size: done, sha256, original: src }
  } finally {
    await output?.close().catch(() => undefined)
    await input.close()
    await unlink(partial).catch(() => undefined)
  }
}

/** Put the verified copy at `dest` only if nothing is there: a link fails on an existing name. */
async function placeNew(partial: string, dest: string, taken: () => Error): Promise<void> {
  try {
    await link(partial, dest)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code === 'EEXIST') throw taken()
    if (!NO_LINKS.has(code)) throw err
    if (await exists(dest)) throw taken()
    await rename(partial, dest)
  }
}
