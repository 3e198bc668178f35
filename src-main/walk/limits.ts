// Decompression-bomb and resource limits of the entry pass (../shared/spec/rules.md, archive.bomb), and the
// bounds for spooling nested zips (which need random access) to temporary files.

export interface WalkLimits {
  /** More entries than this in the whole package is a bomb. */
  maxEntries: number
  /** Nesting deeper than this is a bomb (the package's own entries are depth 0). */
  maxDepth: number
  /** Expansion ratio above which an entry over ratioMinBytes is a bomb. */
  maxRatio: number
  ratioMinBytes: number
  /** Declared or actual expanded total above this is a bomb (10× the profile's size limit). */
  maxExpandedBytes: number
  /** Largest nested zip spooled to a temporary file for random access. */
  maxSpoolBytes: number
  /** Bytes of an entry's head handed to scanners' wants(). */
  headBytes: number
}

export function limitsFor(profileSizeLimit: number | null): WalkLimits {
  const limit = profileSizeLimit ?? 128 * 1000 ** 3
  return {
    maxEntries: 1_000_000,
    maxDepth: 8,
    maxRatio: 1000,
    ratioMinBytes: 1024 * 1024,
    maxExpandedBytes: 10 * limit,
    maxSpoolBytes: Math.min(limit, 32 * 1024 ** 3),
    headBytes: 4096,
  }
}
