// Archive member paths: normalising for display and duplicate detection, and the two safety questions —
// does this path leave the archive root, and does this link point outside it.
import { posix } from 'node:path'
import { bi, type Bilingual } from '../../src-preload/text'

/** Why a raw member path is unsafe (absolute, drive letter, UNC, or a `..` component), or null. */
export function traversalReason(raw: string): Bilingual | null {
  if (raw.startsWith('/') || raw.startsWith('\\'))
    return raw.startsWith('//') || raw.startsWith('\\\\')
      ? bi('a UNC or network path', '是 UNC 或网络路径')
      : bi('an absolute path', '是绝对路径')
  if (/^[A-Za-z]:/.test(raw)) return bi('a drive-letter path', '是带盘符的路径')
  if (raw.split(/[\\/]/).includes('..'))
    return bi('a `..` component that climbs out of the archive', '含有跳出归档的 `..` 部分')
  return null
}

/** The member path as extractors see it: `\` as `/`, no `./`, no trailing or doubled slashes. */
export function normalisePath(raw: string): string {
  const parts = raw
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.')
  return parts.join('/')
}

/**
 * Where a link leads, relative to the archive root, or null when it leaves the root.
 * Symlink targets are relative to the link's directory; hardlink targets to the root.
 */
export function resolveLink(linkPath: string, target: string, kind: 'symlink' | 'hardlink'): string | null {
  if (target.startsWith('/') || target.startsWith('\\') || /^[A-Za-z]:/.test(target)) return null
  const base = kind === 'symlink' ? posix.dirname(normalisePath(linkPath)) : '.'
  const joined = posix.normalize(posix.join(base === '' ? '.' : base, target.replace(/\\/g, '/')))
  if (joined === '..' || joined.startsWith('../')) return null
  return joined === '.' ? '' : joined
}

/** The first symlink (by normalised path) that `path` would be written through, if any. */
export function throughLink(
  path: string,
  links: Map<string, string | null>,
): { link: string; target: string | null } | null {
  if (links.size === 0) return null
  const norm = normalisePath(path)
  let at = norm.indexOf('/')
  while (at !== -1) {
    const prefix = norm.slice(0, at)
    if (links.has(prefix)) return { link: prefix, target: links.get(prefix)! }
    at = norm.indexOf('/', at + 1)
  }
  return null
}

/** The member path as shown in locations: `./` segments and trailing slashes dropped, a leading `/` kept. */
export function displayPath(raw: string): string {
  const abs = raw.startsWith('/') || raw.startsWith('\\')
  const norm = normalisePath(raw)
  return abs ? `/${norm}` : norm || raw
}

/**
 * Resolve a path inside the archive the way an extractor would, following the symlinks already extracted
 * (`links`: normalised link path → its target as stored). Returns the resolved path, or null when any step
 * climbs above the root (including through chains like cur -> ".", par -> "cur/..").
 */
export function resolveInArchive(path: string, links: Map<string, string>, hops = 0): string | null {
  if (hops > 40) return null
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path)) return null
  const stack: string[] = []
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p && p !== '.')
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]
    if (p === '..') {
      if (!stack.length) return null
      stack.pop()
      continue
    }
    stack.push(p)
    const target = links.get(stack.join('/'))
    if (target !== undefined && i < parts.length) {
      stack.pop()
      const base = stack.join('/')
      const resolved = resolveInArchive(
        target.startsWith('/') ? target : `${base ? `${base}/` : ''}${target}`,
        links,
        hops + 1,
      )
      if (resolved === null) return null
      stack.length = 0
      if (resolved) stack.push(...resolved.split('/'))
    }
  }
  return stack.join('/')
}
