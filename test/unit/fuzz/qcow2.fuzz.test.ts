// Structure-aware fuzzing of qcow2 metadata with qemu-img as the oracle. A qcow2 made with qemu-img and qemu-io
// (data in several L2 tables, an internal snapshot) is mutated where its metadata lives — header, L1 table,
// L2 tables, refcount table, refcount blocks, snapshot table — one 8-byte entry or one byte at a time (bits
// set, entries zeroed, copied from another entry, pointed past the end of the file). The regions are found
// here from the raw bytes, not with Preflight's reader. For every mutation the scan must return a report
// with catalogue rules only, and where `qemu-img check` finds corruptions or cannot open the image at all,
// the scan must block it (qcow2.corrupt, qcow2.invalid or another qcow2/image blocker); where qemu-img check
// finds the image clean, the scan must not call it corrupt (unless the header's own "corrupt" bit is set).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { hasRule } from '../../../src-preload/catalogue'
import { fuzzOptions } from '../../fixtures/fuzz'

const RUNS = Math.round(Number(process.env.PREFLIGHT_FUZZ_RUNS ?? 2500) / 8)
const CLUSTER = 4096
let dir: string
let seed: Buffer
/** Metadata regions of the seed image: [name, offset, length]. */
const regions: Array<[string, number, number]> = []

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64BE(at) & 0x00fffffffffffe00n)

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'qcow2-fuzz-'))
  const p = join(dir, 'seed.qcow2')
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `cluster_size=${CLUSTER}`, p, '64M'])
  // 4 KiB clusters: an L2 table maps 2 MiB, so these writes use four L2 tables
  execFileSync(
    'qemu-io',
    ['-c', 'write -P 0x11 0 64k', '-c', 'write -P 0x22 3M 16k', '-c', 'write -P 0x33 20M 8k', p],
    { stdio: 'ignore' },
  )
  execFileSync('qemu-img', ['snapshot', '-c', 's1', p])
  execFileSync('qemu-io', ['-c', 'write -P 0x44 40M 4k', '-c', 'write -P 0x55 0 4k', p], { stdio: 'ignore' })
  seed = readFileSync(p)
  const l1Size = seed.readUInt32BE(36)
  const l1 = u64(seed, 40)
  const rt = u64(seed, 48)
  const rtClusters = seed.readUInt32BE(56)
  regions.push(['header', 0, 104], ['L1 table', l1, l1Size * 8], ['refcount table', rt, rtClusters * CLUSTER])
  for (let i = 0; i < l1Size; i++)
    if (u64(seed, l1 + i * 8)) regions.push([`L2 table ${i}`, u64(seed, l1 + i * 8), CLUSTER])
  for (let i = 0; i < (rtClusters * CLUSTER) / 8; i++)
    if (u64(seed, rt + i * 8)) regions.push([`refcount block ${i}`, u64(seed, rt + i * 8), CLUSTER])
  const snapshots = u64(seed, 64)
  if (seed.readUInt32BE(60)) regions.push(['snapshot table', snapshots, 64])
})

const mutation = fc.record({
  region: fc.nat(),
  at: fc.nat(),
  how: fc.constantFrom('byte', 'zero-entry', 'copy-entry', 'past-eof', 'set-bit'),
  value: fc.integer({ min: 0, max: 255 }),
  other: fc.nat(),
  bit: fc.integer({ min: 0, max: 63 }),
})

function mutate(m: typeof mutation extends fc.Arbitrary<infer M> ? M : never): { bytes: Buffer; what: string } {
  const b = Buffer.from(seed)
  const [name, offset, length] = regions[m.region % regions.length]
  const entry = offset + Math.floor((m.at % length) / 8) * 8
  if (m.how === 'byte') b[offset + (m.at % length)] = m.value
  else if (m.how === 'zero-entry') b.fill(0, entry, entry + 8)
  else if (m.how === 'copy-entry')
    seed.copy(
      b,
      entry,
      offset + Math.floor((m.other % length) / 8) * 8,
      offset + Math.floor((m.other % length) / 8) * 8 + 8,
    )
  else if (m.how === 'past-eof')
    b.writeBigUInt64BE(
      (b.readBigUInt64BE(entry) & 0xff00000000000001n) | BigInt(seed.length + CLUSTER * (1 + (m.other % 64))),
      entry,
    )
  else b.writeBigUInt64BE(b.readBigUInt64BE(entry) ^ (1n << BigInt(m.bit)), entry)
  return { bytes: b, what: `${m.how} in ${name} at ${m.how === 'byte' ? offset + (m.at % length) : entry}` }
}

/** qemu-img check's verdict: null when it cannot open the image, else its corruption count. */
function qemuCorruptions(file: string): number | null {
  const r = spawnSync('qemu-img', ['check', '--output=json', file], { encoding: 'utf8' })
  if (!r.stdout.trim()) return null
  const out = JSON.parse(r.stdout) as { corruptions?: number; 'check-errors'?: number }
  return (out['check-errors'] ?? 0) > 0 ? null : (out.corruptions ?? 0)
}

describe('fuzz: qcow2 metadata against qemu-img check', () => {
  it('the seed image is clean for both', async () => {
    const file = join(dir, 'clean.qcow2')
    writeFileSync(file, seed)
    expect(qemuCorruptions(file)).toBe(0)
    const r = await scanPackage(file, { profile: 'koogallery-image' })
    expect(r.findings.filter((f) => f.severity === 'blocker')).toEqual([])
    expect(regions.filter(([n]) => n.startsWith('L2 table')).length).toBeGreaterThanOrEqual(4)
  })

  it('mutated metadata: a report every time; what qemu-img finds corrupt or cannot open is blocked, what it finds clean is not called corrupt', async () => {
    const file = join(dir, 'case.qcow2')
    let n = 0
    const outcomes = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const { bytes, what } = mutate(m)
        writeFileSync(file, bytes)
        const r = await scanPackage(file, { profile: 'koogallery-image' })
        n++
        for (const f of r.findings) expect(hasRule(f.rule), f.rule).toBe(true)
        const blockers = r.findings
          .filter((f) => f.severity === 'blocker' && (f.rule.startsWith('qcow2.') || f.rule.startsWith('image.')))
          .map((f) => f.rule)
        const theirs = qemuCorruptions(file)
        const key = `${theirs === null ? 'qemu cannot open/check' : theirs ? 'qemu: corrupt' : 'qemu: clean'} → ${[...new Set(blockers)].sort().join('+') || 'no blocker'}`
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
        // the header's "corrupt" bit (incompatible feature bit 1): qemu-img check checks such an image all the
        // same, but qemu will not write to it and Preflight blocks it (qcow2.corrupt, or qcow2.invalid when unknown
        // incompatible bits are set beside it)
        const markedCorrupt = (bytes.readUInt32BE(76) & 2) !== 0
        if (markedCorrupt) expect(blockers.length, `${what}: the header marks the image corrupt`).toBeGreaterThan(0)
        else if (theirs === null || theirs > 0)
          expect(
            blockers.length,
            `${what}: qemu-img check says ${theirs === null ? 'it cannot check the image' : `${theirs} corruptions`}`,
          ).toBeGreaterThan(0)
        else expect(blockers, `${what}: qemu-img check finds it clean`).not.toContain('qcow2.corrupt')
      }),
      fuzzOptions(RUNS, 20261202),
    )
    console.log(
      `qcow2 metadata: ${n} mutated images; outcomes: ${[...outcomes].map(([k, v]) => `${k}: ${v}`).join('; ')}`,
    )
    expect(n).toBeGreaterThan(Math.min(100, RUNS / 2))
  }, 180_000)
})
