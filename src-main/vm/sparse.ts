// Where a sparse file holds data: lseek(SEEK_DATA / SEEK_HOLE), which Node's fs does not offer, through the
// fs-ext native module (it passes the whence value to lseek as given). qemu-img skips a raw image's holes the
// same way; without it, a 128 GiB sparse raw with 5 GiB of data is read in full as zeros. fs-ext is an optional
// dependency (a native build: where it cannot be built, e.g. Windows without build tools, installing goes on
// without it). Where the call is not available (fs-ext missing or not built for this runtime, Windows, a file
// system that refuses it) the whole file counts as data and is read, as before.
import { createRequire } from 'node:module'

interface FsExt {
  seekSync(fd: number, offset: number, whence: number): number
}

// lseek's whence values for data and holes differ between kernels
const WHENCE: Partial<Record<NodeJS.Platform, { data: number; hole: number }>> = {
  linux: { data: 3, hole: 4 },
  darwin: { data: 4, hole: 3 },
  freebsd: { data: 3, hole: 4 },
}

let loaded: FsExt | null | undefined
function fsExt(): FsExt | null {
  if (loaded === undefined) {
    try {
      loaded = WHENCE[process.platform] ? (createRequire(__filename)('fs-ext') as FsExt) : null
    } catch {
      loaded = null
    }
  }
  return loaded
}

/**
 * The stretches of [from, to) of the open file `fd` that may hold data, in order, as [start, end) pairs;
 * everything else in the range is a hole and reads as zeros. Null when the file system cannot say (then all of
 * it may hold data). Bounded: at most one pair per file system block in the range.
 */
export function dataRanges(fd: number, from: number, to: number): Array<[number, number]> | null {
  const ext = fsExt()
  const whence = WHENCE[process.platform]
  if (!ext || !whence) return null
  const ranges: Array<[number, number]> = []
  let at = from
  try {
    while (at < to) {
      let start: number
      try {
        start = ext.seekSync(fd, at, whence.data)
      } catch (err) {
        // no data at or after `at` (the rest of the file is a hole)
        if ((err as NodeJS.ErrnoException).code === 'ENXIO') break
        throw err
      }
      if (start >= to) break
      const end = Math.min(to, ext.seekSync(fd, start, whence.hole))
      // a file system that answers nonsense is not trusted
      if (start < at || end <= start) return null
      ranges.push([start, end])
      at = end
    }
  } catch {
    return null
  }
  return ranges
}
