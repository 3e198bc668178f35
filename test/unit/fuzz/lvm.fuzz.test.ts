// Structure-aware fuzzing of the LVM2 reader through the whole scan. A disk whose two physical volumes lvm2's own
// tools wrote (an ext4 root on a linear volume, ext4 data striped over both PVs) is mutated where LVM keeps its
// structure: the PV label sector (LABELONE, PV header, data and metadata area lists), the metadata-area header
// (magic, raw location of the text), and the metadata text itself (its numbers replaced by edge values, segment
// types swapped, stripe lists and segments cut or duplicated, braces and brackets nested deep, bytes flipped,
// the text cut short). The regions are found here from the raw bytes, not with Preflight's reader. Every scan must
// return a report with catalogue rules only, within a time limit per scan, and the process's peak memory must
// stay within a bound the reader's limits (16 MiB of metadata text, bounded reads) allow.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { hasRule } from '../../../src-preload/catalogue'
import { fuzzOptions } from '../../fixtures/fuzz'
import { makeLvmDisk } from '../../fixtures/lvm-image'

const RUNS = Math.round(Number(process.env.PREFLIGHT_FUZZ_RUNS ?? 2500) / 10)
const SCAN_LIMIT_MS = 20_000
const MEMORY_LIMIT = 384 * 1024 * 1024
const MDA_MAGIC = ' LVM2 x[5A%r0N*>'

let dir: string
let disk: string
/** Each PV on the disk: where its label sector, metadata-area header and metadata text are (disk offsets). */
const pvs: Array<{ label: number; mdaHeader: number; mdaSize: number; text: number; textLength: number }> = []
let pristineText = ''

function pread(fd: number, at: number, length: number): Buffer {
  const b = Buffer.alloc(length)
  readSync(fd, b, 0, length, at)
  return b
}

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'lvm-fuzz-'))
  const root = join(dir, 'root')
  mkdirSync(join(root, 'usr/lib'), { recursive: true })
  mkdirSync(join(root, 'etc'), { recursive: true })
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
  writeFileSync(join(root, 'usr/lib/os-release'), 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n')
  symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release'))
  writeFileSync(
    join(root, 'var/lib/dpkg/status'),
    'Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b8\nSource: bash (5.2.15-2)\n',
  )
  const data = join(dir, 'data')
  mkdirSync(join(data, 'app'), { recursive: true })
  for (let i = 0; i < 20; i++) writeFileSync(join(data, 'app', `part-${i}.bin`), Buffer.alloc(30_000 + i, i))
  const rootFs = join(dir, 'root.ext4')
  const dataFs = join(dir, 'data.ext4')
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, rootFs, '8M'], { stdio: 'ignore' })
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', data, dataFs, '8M'], { stdio: 'ignore' })
  disk = makeLvmDisk(
    join(dir, 'disk.img'),
    'vgfuzz',
    [
      { name: 'root', image: rootFs, sizeMiB: 8 },
      { name: 'data', image: dataFs, sizeMiB: 8, stripes: 2 },
    ],
    [24, 16],
  )
  // find the PVs from the raw bytes: MBR entries, the LABELONE sector, the PV header's first metadata area
  const fd = openSync(disk, 'r')
  try {
    const mbr = pread(fd, 0, 512)
    for (let i = 0; i < 2; i++) {
      const start = mbr.readUInt32LE(446 + i * 16 + 8) * 512
      const label = start + 512
      const sector = pread(fd, label, 512)
      expect(sector.toString('latin1', 0, 8)).toBe('LABELONE')
      let off = sector.readUInt32LE(20) + 40
      while (sector.readBigUInt64LE(off) || sector.readBigUInt64LE(off + 8)) off += 16 // data areas
      off += 16
      const mdaOffset = Number(sector.readBigUInt64LE(off))
      const mdaSize = Number(sector.readBigUInt64LE(off + 8))
      const header = pread(fd, start + mdaOffset, 512)
      expect(header.toString('latin1', 4, 20)).toBe(MDA_MAGIC)
      const text = start + mdaOffset + Number(header.readBigUInt64LE(40))
      const textLength = Number(header.readBigUInt64LE(48))
      pvs.push({ label, mdaHeader: start + mdaOffset, mdaSize, text, textLength })
    }
    pristineText = pread(fd, pvs[0].text, pvs[0].textLength).toString('utf8').replace(/\0+$/, '')
    expect(pristineText).toMatch(/vgfuzz \{[\s\S]*segment1 \{[\s\S]*stripe_count = 2/)
  } finally {
    closeSync(fd)
  }
}, 120_000)

/** One change to the disk: bytes at an offset. */
type Patch = { at: number; bytes: Buffer }

const NUMBERS = fc.oneof(
  fc.constantFrom(0, 1, 2, 7, 511, 512, 8192, 2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 53, Number.MAX_SAFE_INTEGER),
  fc.nat(),
)
const NUMBER_TEXT = fc.oneof(
  NUMBERS.map(String),
  fc.constantFrom('-1', '99999999999999999999999', '1e9', '0x10', '"7"'),
)
const SEGMENT_TYPES = fc.constantFrom(
  'striped',
  'linear',
  'thin',
  'thin-pool',
  'raid1',
  'raid5',
  'mirror',
  'snapshot',
  'cache',
  'error',
  'zero',
  '',
  'striped\\"',
)

/** A mutation of the metadata text (as lvm2 wrote it), kept as text. */
function textMutation(text: string): fc.Arbitrary<string> {
  const numbers = [...text.matchAll(/(?<![\w"])\d+(?![\w"])/g)]
  const types = [...text.matchAll(/type = "([^"]*)"/g)]
  const segments = [...text.matchAll(/segment\d+ \{[^{}]*(?:\[[^\]]*\][^{}]*)*\}/g)]
  const replace = (m: RegExpMatchArray, by: string, group = 0) => {
    const at = m.index! + (group ? m[0].indexOf(m[group]) : 0)
    return text.slice(0, at) + by + text.slice(at + m[group].length)
  }
  return fc.oneof(
    // a number (extent_size, seqno, pe_start, start_extent, extent_count, stripe_count, stripe_size, stripe extents, ...) set to an edge value
    fc.tuple(fc.nat(numbers.length - 1), NUMBER_TEXT).map(([i, n]) => replace(numbers[i], n)),
    fc.array(fc.tuple(fc.nat(numbers.length - 1), NUMBER_TEXT), { minLength: 2, maxLength: 6 }).map((edits) => {
      let t = text
      for (const [i, n] of edits.sort((a, b) => b[0] - a[0])) {
        const m = numbers[i]
        t = t.slice(0, m.index!) + n + t.slice(m.index! + m[0].length)
      }
      return t
    }),
    // a segment's type
    fc.tuple(fc.nat(types.length - 1), SEGMENT_TYPES).map(([i, type]) => replace(types[i], type, 1)),
    // a segment removed, or duplicated under another number (overlapping extents, many segments)
    fc.nat(segments.length - 1).map((i) => replace(segments[i], '')),
    fc
      .tuple(fc.nat(segments.length - 1), fc.integer({ min: 1, max: 400 }), fc.nat(5000))
      .map(([i, copies, n]) =>
        replace(
          segments[i],
          segments[i][0] +
            Array.from(
              { length: copies },
              (_, k) => `\n${segments[i][0].replace(/^segment\d+/, `segment${n + k + 2}`)}`,
            ).join(''),
        ),
      ),
    // a stripe list emptied or made uneven
    fc
      .constantFrom('stripes = [\n]', 'stripes = [\n"pv0"\n]', 'stripes = [\n"pv0", 0,\n"pv9", 1\n]', 'stripes = "pv0"')
      .map((by) => text.replace(/stripes = \[[^\]]*\]/, by)),
    // deep nesting and long tokens
    fc
      .tuple(fc.nat(text.length), fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', 'a {', '{', '"', '#', '='))
      .map(([at, n, s]) => text.slice(0, at) + s.repeat(n) + text.slice(at)),
    // bytes flipped anywhere in the text, the text cut short
    fc
      .array(
        fc.tuple(
          fc.nat(text.length - 1),
          fc.constantFrom('{', '}', '[', ']', '"', '=', ',', '\0', '\n', '9', 'x', '\\', '#', '\u00ff'),
        ),
        { minLength: 1, maxLength: 8 },
      )
      .map((edits) => {
        const chars = [...text]
        for (const [at, c] of edits) chars[Math.min(at, chars.length - 1)] = c
        return chars.join('')
      }),
    fc.nat(text.length).map((n) => text.slice(0, n)),
  )
}

/** The metadata text rewritten on the first PV (or both), its raw location's length updated (the ring may wrap). */
function textPatches(text: string, both: boolean): Patch[] {
  const bytes = Buffer.from(text, 'utf8')
  const out: Patch[] = []
  for (const pv of both ? pvs : pvs.slice(0, 1)) {
    const room = pv.mdaHeader + pv.mdaSize - pv.text
    const length = Buffer.alloc(8)
    length.writeBigUInt64LE(BigInt(bytes.length))
    out.push({ at: pv.text, bytes: bytes.subarray(0, room) }, { at: pv.mdaHeader + 48, bytes: length })
    // what runs past the area's end continues after its header sector, as lvm2's ring does
    if (bytes.length > room) out.push({ at: pv.mdaHeader + 512, bytes: bytes.subarray(room, room + pv.mdaSize - 512) })
  }
  return out
}

/** Bytes of one of the structures (label sector, metadata-area header) set to other values. */
function structureMutation(): fc.Arbitrary<Patch[]> {
  const region = fc.record({
    pv: fc.nat(pvs.length - 1),
    which: fc.constantFrom('label', 'mdaHeader'),
  })
  const u64 = fc.oneof(
    NUMBERS.map((n) => BigInt(n)),
    fc.constantFrom(2n ** 63n, 2n ** 64n - 1n, 2n ** 64n - 512n),
  )
  return fc.oneof(
    // single bytes anywhere in the 512-byte sector
    fc
      .tuple(region, fc.array(fc.tuple(fc.nat(511), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }))
      .map(([r, edits]) =>
        edits.map(([at, v]) => ({ at: pvs[r.pv][r.which as 'label' | 'mdaHeader'] + at, bytes: Buffer.from([v]) })),
      ),
    // a 64-bit field (PV header area offsets and sizes; raw location offset, size, checksum) set to an edge value
    fc.tuple(region, fc.nat(63), u64).map(([r, slot, v]) => {
      const b = Buffer.alloc(8)
      b.writeBigUInt64LE(v)
      return [{ at: pvs[r.pv][r.which as 'label' | 'mdaHeader'] + 8 * slot, bytes: b }]
    }),
    // the label's offset to its PV header
    fc.tuple(fc.nat(pvs.length - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 })).map(([pv, v]) => {
      const b = Buffer.alloc(4)
      b.writeUInt32LE(v)
      return [{ at: pvs[pv].label + 20, bytes: b }]
    }),
  )
}

function mutation(): fc.Arbitrary<Patch[]> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.tuple(textMutation(pristineText), fc.boolean()).map(([t, both]) => textPatches(t, both)),
    },
    { weight: 2, arbitrary: structureMutation() },
    {
      weight: 1,
      arbitrary: fc
        .tuple(textMutation(pristineText), structureMutation())
        .map(([t, s]) => [...textPatches(t, false), ...s]),
    },
  )
}

function apply(patches: Patch[]): Patch[] {
  const fd = openSync(disk, 'r+')
  try {
    const undo = patches.map((p) => ({ at: p.at, bytes: pread(fd, p.at, p.bytes.length) })).reverse()
    for (const p of patches) writeSync(fd, p.bytes, 0, p.bytes.length, p.at)
    return undo
  } finally {
    closeSync(fd)
  }
}

async function scanWithin(ms: number) {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the scan did not end within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([scanPackage(disk, { profile: 'koogallery-image' }), limit])
  } finally {
    clearTimeout(timer)
  }
}

describe('fuzz: mutated LVM2 volumes', () => {
  it('the pristine disk reads both logical volumes', async () => {
    const r = await scanPackage(disk, { profile: 'koogallery-image' })
    const guest = r.facts.guest as {
      os: { id: string } | null
      volumes: Array<{ name: string; filesystem: string | null }>
    }
    expect(guest.os?.id).toBe('debian')
    expect(guest.volumes.map((v) => `${v.name}:${v.filesystem}`).sort()).toEqual(['data:ext', 'root:ext'])
    expect(r.components.map((c) => `${c.name}@${c.version}`)).toEqual(['bash@5.2.15-2+b8'])
  })

  it('every scan of a mutated PV label, metadata area or metadata text returns a report, in time and memory', async () => {
    const pristine = readFileSync(disk)
    const before = process.resourceUsage().maxRSS * 1024
    let n = 0
    const outcomes = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(mutation(), async (patches) => {
        const undo = apply(patches)
        try {
          const r = await scanWithin(SCAN_LIMIT_MS)
          n++
          expect(r.schema).toBe('preflight.report/1')
          expect(['pass', 'fail']).toContain(r.verdict)
          for (const f of r.findings) expect(hasRule(f.rule), f.rule).toBe(true)
          const guest = r.facts.guest as { volumes?: Array<{ filesystem: string | null }> } | undefined
          const read = guest?.volumes?.filter((v) => v.filesystem).length ?? 0
          const key = `${read} volume(s) read${r.findings.some((f) => /LVM2 (metadata|physical volume)/.test(f.message)) ? ', LVM damage named' : ''}`
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
        } finally {
          apply(undo)
        }
      }),
      fuzzOptions(RUNS, 20261204, 300_000),
    )
    expect(readFileSync(disk).equals(pristine)).toBe(true)
    const grown = process.resourceUsage().maxRSS * 1024 - before
    console.log(
      `LVM: ${n} mutated disks scanned; ${[...outcomes].map(([k, v]) => `${k}: ${v}`).join('; ')}; peak RSS grew ${Math.round(grown / 1024 / 1024)} MiB`,
    )
    expect(n).toBeGreaterThanOrEqual(RUNS)
    // damage was found and named, and some mutations still left volumes readable: the mutations reach the reader
    expect([...outcomes.keys()].some((k) => k.includes('LVM damage named'))).toBe(true)
    expect([...outcomes.keys()].some((k) => !k.startsWith('0 '))).toBe(true)
    expect(grown).toBeLessThan(MEMORY_LIMIT)
  }, 600_000)
})
