// dataRanges: where a sparse file holds data (lseek SEEK_DATA / SEEK_HOLE through fs-ext). Written regions are
// always inside the answer; the holes between them are not; the answer is clipped to the range asked for.
import { closeSync, mkdtempSync, openSync, writeSync, ftruncateSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dataRanges } from '../../../src-main/vm/sparse'

const MiB = 1024 * 1024

function sparseFile(size: number, writes: Array<[number, number]>): { path: string; fd: number } {
  const path = join(mkdtempSync(join(process.env.TMPDIR!, 'sparse-')), 'disk.raw')
  const fd = openSync(path, 'w+')
  ftruncateSync(fd, size)
  for (const [at, len] of writes) writeSync(fd, Buffer.alloc(len, 0xab), 0, len, at)
  return { path, fd }
}

const covered = (ranges: Array<[number, number]>, at: number, len: number) =>
  ranges.some(([s, e]) => s <= at && at + len <= e)

describe('dataRanges', () => {
  it('finds the written stretches of a sparse file and leaves its holes out', () => {
    const writes: Array<[number, number]> = [
      [0, 4096],
      [5 * MiB, MiB],
      [40 * MiB + 8192, 4096],
      [63 * MiB, MiB],
    ]
    const { fd } = sparseFile(64 * MiB, writes)
    try {
      const ranges = dataRanges(fd, 0, 64 * MiB)
      expect(ranges).not.toBeNull()
      for (const [at, len] of writes) expect(covered(ranges!, at, len)).toBe(true)
      // in order, not overlapping, inside the range asked for
      for (let i = 0; i < ranges!.length; i++) {
        expect(ranges![i][0]).toBeLessThan(ranges![i][1])
        if (i) expect(ranges![i][0]).toBeGreaterThanOrEqual(ranges![i - 1][1])
      }
      // the big holes are not data (the file system may round to its blocks, never to megabytes)
      const total = ranges!.reduce((n, [s, e]) => n + e - s, 0)
      expect(total).toBeLessThan(4 * MiB)
      expect(covered(ranges!, 10 * MiB, 4096)).toBe(false)
      // clipped to [from, to): a window inside the 1 MiB write, and one that is all hole
      expect(dataRanges(fd, 5 * MiB + 100, 5 * MiB + 200)).toEqual([[5 * MiB + 100, 5 * MiB + 200]])
      expect(dataRanges(fd, 20 * MiB, 30 * MiB)).toEqual([])
      // the tail after the last data is a hole (lseek answers ENXIO)
      expect(dataRanges(fd, 64 * MiB - 4096, 64 * MiB)).toEqual([[64 * MiB - 4096, 64 * MiB]])
      expect(dataRanges(fd, 6 * MiB, 6 * MiB)).toEqual([])
    } finally {
      closeSync(fd)
    }
  })

  it('a file without holes is one stretch; a file with nothing written is none', () => {
    const dense = sparseFile(2 * MiB, [[0, 2 * MiB]])
    const empty = sparseFile(2 * MiB, [])
    try {
      expect(dataRanges(dense.fd, 0, 2 * MiB)).toEqual([[0, 2 * MiB]])
      expect(dataRanges(empty.fd, 0, 2 * MiB)).toEqual([])
    } finally {
      closeSync(dense.fd)
      closeSync(empty.fd)
    }
  })

  it('a descriptor that is not open is an unknown answer, not an error', () => {
    const { fd } = sparseFile(MiB, [[0, 4096]])
    closeSync(fd)
    expect(dataRanges(fd, 0, MiB)).toBeNull()
  })
})
