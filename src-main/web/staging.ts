// Browser mode's staging area for dropped files (a browser page cannot hand over a real path): one folder per
// content (its sha256), so the same bytes dropped again, under any name, are not stored twice (another name is a
// hard link); at most `limits` are kept, the least recently dropped removed first, never one that `inUse` names
// (a queued upload, a draft's package). An upload cut off by a crash is left in an `.incoming-` folder and removed
// after an hour.
import { createHash, randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { link, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'

const INCOMING = '.incoming-'

/** Browser mode's staging folder in the data folder. */
export function stagingDirIn(home: string): string {
  return join(home, 'staged')
}

/** Browser mode writes only in the staging area: `path` must be a file a page dropped (else forbidden, said in both languages). */
export function checkStaged(dir: string, path: string): void {
  if (!dirname(resolve(path)).startsWith(resolve(dir) + sep))
    throw new PreflightError(
      'forbidden',
      bi(
        'In the browser, only a package dropped on the page can be copied: drop it on the Home screen first.',
        '在浏览器中只能复制拖放到页面上的软件包：请先在首页拖入它。',
      ),
    )
}

/** URL path prefix under which the page downloads a file the services wrote in the staging area (a renamed copy). */
export const STAGED_URL = '/staged/'

/** The URL path of a staged file (`<sha256 folder>/<name>`), or null when `path` is not one. */
export function stagedUrl(dir: string, path: string): string | null {
  const rel = relative(resolve(dir), resolve(path)).split(sep)
  if (rel.length !== 2 || !/^[a-f0-9]{64}$/.test(rel[0]) || !StagingArea.fileName(rel[1]) || rel[1] !== basename(path))
    return null
  return `${STAGED_URL}${rel[0]}/${encodeURIComponent(rel[1])}`
}

/** The staged file a URL path names (`/staged/<sha256 folder>/<name>`), or null: never a path outside the area. */
export function stagedFile(dir: string, urlPath: string): string | null {
  if (!urlPath.startsWith(STAGED_URL)) return null
  const parts = urlPath.slice(STAGED_URL.length).split('/')
  if (parts.length !== 2 || !/^[a-f0-9]{64}$/.test(parts[0])) return null
  let name: string
  try {
    name = decodeURIComponent(parts[1])
  } catch {
    return null
  }
  if (StagingArea.fileName(name) !== name || name.startsWith('.')) return null
  return join(dir, parts[0], name)
}

export interface StagingOptions {
  dir: string
  limits?: { files: number; bytes: number }
  inUse?: () => Promise<Set<string>> | Set<string>
}

export class StagingArea {
  constructor(private readonly opts: StagingOptions) {}

  /** A file name a page may stage under (its base name), or null. */
  static fileName(raw: string | null): string | null {
    const name = basename(raw ?? '')
    return !name || name === '.' || name === '..' ? null : name
  }

  /** Stream a dropped file in, hashing it on the way; returns the staged path. */
  async stage(body: Readable, name: string): Promise<string> {
    const incoming = join(this.opts.dir, `${INCOMING}${randomUUID()}`)
    await mkdir(incoming, { recursive: true })
    const hash = createHash('sha256')
    try {
      const tee = new Transform({
        transform(chunk: Buffer, _e, cb) {
          hash.update(chunk)
          cb(null, chunk)
        },
      })
      await pipeline(body, tee, createWriteStream(join(incoming, name)))
      const sha = hash.digest('hex')
      const dir = join(this.opts.dir, sha)
      const target = join(dir, name)
      const have = await readdir(dir).catch(() => null)
      if (!have) await rename(incoming, dir)
      else if (!have.includes(name))
        await link(join(dir, have[0]), target).catch(() => rename(join(incoming, name), target))
      await rm(incoming, { recursive: true, force: true })
      const now = new Date()
      await utimes(dir, now, now) // the most recently dropped is kept longest
      await this.prune(sha)
      return target
    } catch (err) {
      await rm(incoming, { recursive: true, force: true })
      throw err
    }
  }

  /** Keep at most the limits, removing the least recently dropped first, never one in use or `keep`. */
  async prune(keep?: string): Promise<void> {
    const limits = this.opts.limits ?? { files: 50, bytes: 20 * 1024 ** 3 }
    const dirs = await this.listStaged(keep)
    dirs.sort((a, b) => a.mtime - b.mtime)
    let count = dirs.length
    let total = dirs.reduce((n, d) => n + d.bytes, 0)
    for (const d of dirs) {
      if (count <= limits.files && total <= limits.bytes) break
      if (d.used) continue
      await rm(join(this.opts.dir, d.name), { recursive: true, force: true })
      count--
      total -= d.bytes
    }
  }

  /** The staged folders with their age, size and whether they must stay; stale incoming folders are removed. */
  private async listStaged(
    keep?: string,
  ): Promise<Array<{ name: string; mtime: number; bytes: number; used: boolean }>> {
    const inUse = (await this.opts.inUse?.()) ?? new Set<string>()
    const entries = await readdir(this.opts.dir).catch(() => [] as string[])
    const dirs: Array<{ name: string; mtime: number; bytes: number; used: boolean }> = []
    for (const entry of entries) {
      const dir = join(this.opts.dir, entry)
      if (entry.startsWith(INCOMING)) {
        if (
          Date.now() -
            (await stat(dir).then(
              (s) => s.mtimeMs,
              () => 0,
            )) >
          60 * 60 * 1000
        )
          await rm(dir, { recursive: true, force: true })
        continue
      }
      const st = await stat(dir).catch(() => null)
      if (!st?.isDirectory()) continue
      const files = await readdir(dir).catch(() => [] as string[])
      const bytes = files.length
        ? await stat(join(dir, files[0])).then(
            (s) => s.size,
            () => 0,
          )
        : 0
      dirs.push({
        name: entry,
        mtime: st.mtimeMs,
        bytes,
        used: entry === keep || files.some((f) => inUse.has(join(dir, f))),
      })
    }
    return dirs
  }
}
