// OCI whiteout semantics (image-spec layer.md "Whiteouts") for a single streaming pass. Layers stream by in
// the order their blobs sit in the image tar, not in the image's layer order, and scanners report while
// they read; so each layer's tree is recorded as it streams (paths, whiteouts, opaque directories), and at
// the end a finding or component located in a layer file is tested against the layers above it in every
// image that uses that layer: a file an upper layer deletes (`.wh.<name>` of it or of a parent), hides
// (`.wh..wh..opq` in a parent directory) or replaces (any entry at its path, a non-directory at a parent
// path) is not in the image's filesystem.
import { normalisePath } from './paths'

export const WHITEOUT_PREFIX = '.wh.'
export const OPAQUE = '.wh..wh..opq'

/** The member is a whiteout marker (`.wh.<name>`, the opaque marker, or another `.wh..wh.` AUFS marker). */
export function isWhiteout(path: string): boolean {
  const norm = normalisePath(path)
  const base = norm.slice(norm.lastIndexOf('/') + 1)
  return base.startsWith(WHITEOUT_PREFIX)
}

/** One layer's tree as far as hiding lower layers is concerned. */
export class LayerTree {
  /** Normalised path → the entry is a directory. */
  readonly entries = new Map<string, boolean>()
  /** Paths deleted in lower layers by `.wh.<name>` markers. */
  readonly deleted = new Set<string>()
  /** Directories whose lower-layer content is hidden by `.wh..wh..opq`. */
  readonly opaque = new Set<string>()

  add(path: string, type: string): void {
    const norm = normalisePath(path)
    if (!norm) return
    const slash = norm.lastIndexOf('/')
    const dir = slash === -1 ? '' : norm.slice(0, slash)
    const base = norm.slice(slash + 1)
    if (base === OPAQUE) this.opaque.add(dir)
    else if (base.startsWith('.wh..wh.'))
      return // other AUFS metadata: no meaning in OCI layers
    else if (base.startsWith(WHITEOUT_PREFIX))
      this.deleted.add(`${dir ? `${dir}/` : ''}${base.slice(WHITEOUT_PREFIX.length)}`)
    else this.entries.set(norm, type === 'directory')
  }

  /** Does this layer, applied above a lower one, remove the lower layer's file at `path` from the filesystem?
   *  (Findings and components sit in files: any entry at the same path replaces a file; only a lower directory
   *  would merge with an upper one.) */
  hides(path: string): boolean {
    const norm = normalisePath(path)
    if (this.entries.has(norm) || this.deleted.has(norm)) return true
    for (let at = norm.indexOf('/'); at !== -1; at = norm.indexOf('/', at + 1)) {
      const parent = norm.slice(0, at)
      if (this.deleted.has(parent) || this.opaque.has(parent) || this.entries.get(parent) === false) return true
    }
    return this.opaque.has('') && norm !== ''
  }
}

/**
 * The position of the first layer above `index` in `stack` (bottom first) that removes `path` of the layer at
 * `index` from the image's filesystem, or -1 when the file is in the image. A layer that was not walked
 * (damaged, or a zstd window over 128 MiB) is unknown and hides nothing.
 */
export function hiddenBy(stack: Array<LayerTree | undefined>, index: number, path: string): number {
  for (let j = index + 1; j < stack.length; j++) if (stack[j]?.hides(path)) return j
  return -1
}
