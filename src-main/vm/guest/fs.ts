// What the guest code needs of a filesystem reader (ext4.ts, xfs.ts): inodes, directory listings, file
// contents, and path resolution, which is written once here for every reader.
import { bi, WordedError, type Bilingual } from '../../../src-preload/text'

/** Damage a filesystem or volume reader found on disk (every reader's own error extends it); findings quote both
 *  its languages. */
export class GuestFsError extends WordedError {}

export interface Inode {
  ino: number
  mode: number
  size: number
  flags: number
  block: Buffer
  uid: number
}

export interface DirEntry {
  name: string
  ino: number
  type: 'file' | 'directory' | 'symlink' | 'other'
}

export interface GuestFs {
  readonly rootIno: number
  inode(ino: number): Promise<Inode>
  readdir(dir: Inode): Promise<DirEntry[]>
  readFile(ino: Inode, limit?: number): AsyncGenerator<Buffer>
  readAll(ino: Inode, limit?: number): Promise<Buffer>
}

const S_IFMT = 0o170000
const S_IFLNK = 0o120000

export const isDir = (i: Inode): boolean => (i.mode & S_IFMT) === 0o040000
export const isFile = (i: Inode): boolean => (i.mode & S_IFMT) === 0o100000
export const isSymlink = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFLNK
const MAX_SYMLINK_HOPS = 40

/**
 * Resolve an absolute guest path inside the guest (`..` never climbs above its root; symlinks followed, at most
 * 40, absolute ones from the guest's root). Null when a component is missing; `tooMany` builds the reader's own
 * error for a symlink loop.
 */
export async function lookupPath(
  fs: GuestFs,
  path: string,
  tooMany: (message: Bilingual) => Error,
): Promise<Inode | null> {
  let pending = path.split('/').filter(Boolean)
  let cur = await fs.inode(fs.rootIno)
  const stack: Inode[] = [cur]
  let hops = 0
  while (pending.length) {
    const part = pending.shift()!
    if (part === '.') continue
    if (part === '..') {
      if (stack.length > 1) {
        stack.pop()
        cur = stack[stack.length - 1]
      }
      continue
    }
    const entries = await fs.readdir(cur).catch(() => null)
    const e = entries?.find((x) => x.name === part)
    if (!e) return null
    const next = await fs.inode(e.ino)
    if ((next.mode & S_IFMT) === S_IFLNK) {
      if (++hops > MAX_SYMLINK_HOPS)
        throw tooMany(bi(`too many symlinks resolving ${path}`, `解析 ${path} 时符号链接层数过多`))
      const target = (await fs.readAll(next, 4096)).toString('utf8')
      if (target.startsWith('/')) {
        stack.length = 1
        cur = stack[0]
      }
      pending = [...target.split('/').filter(Boolean), ...pending]
      continue
    }
    stack.push(next)
    cur = next
  }
  return cur
}
