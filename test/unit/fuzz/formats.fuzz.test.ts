// Fuzzing every reader that takes bytes from a seller's package: valid zips, tars, tar.gz, a tar.zst in a
// tar, an OCI image tar, a qcow2 image, an ext4 filesystem and that filesystem in vmdk, vhd, vhdx, vdi and qed
// images are mutated (byte flips, truncation, inserted junk) with fast-check; the scan must always return a report
// (every failure a finding) and never throw or hang.
// PREFLIGHT_FUZZ_RUNS sets the number of inputs per format (CI form: 10,000 over zip and tar together).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { fuzzOptions } from '../../fixtures/fuzz'

const RUNS = Number(process.env.PREFLIGHT_FUZZ_RUNS ?? 2500)
let dir: string
const seeds: Record<string, Buffer> = {}
const OTHER_DISKS: Record<string, string[]> = {
  'seed.vmdk': ['-O', 'vmdk'],
  'seed-stream.vmdk': ['-O', 'vmdk', '-o', 'subformat=streamOptimized'],
  'seed.vhd': ['-O', 'vpc'],
  'seed.vhdx': ['-O', 'vhdx', '-o', 'block_size=1M'],
  'seed.vdi': ['-O', 'vdi'],
  'seed.qed': ['-O', 'qed', '-o', 'cluster_size=4096'],
}

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'fuzz-'))
  const src = join(dir, 'src')
  mkdirSync(join(src, 'lib'), { recursive: true })
  writeFileSync(join(src, 'a.txt'), 'hello\n'.repeat(50))
  writeFileSync(join(src, 'lib/b.json'), JSON.stringify({ name: 'x', version: '1.0.0' }))
  writeFileSync(
    join(src, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/lodash': { version: '4.17.20' } } }),
  )
  execFileSync('zip', ['-q', '-r', join(dir, 'seed.zip'), '.'], { cwd: src })
  execFileSync('tar', ['-cf', join(dir, 'seed.tar'), '-C', src, '.'])
  execFileSync('sh', ['-c', `gzip -c '${join(dir, 'seed.tar')}' > '${join(dir, 'seed.tar.gz')}'`])
  // a zstd-compressed tar inside a tar (zstd is opened where it is nested: image layers, .tar.zst members)
  execFileSync('zstd', ['-q', '-f', join(dir, 'seed.tar'), '-o', join(dir, 'inner.tar.zst')])
  execFileSync('tar', ['-cf', join(dir, 'seed-zst.tar'), '-C', dir, 'inner.tar.zst'])
  const layout = join(dir, 'oci')
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(src, 'lib'), '/lib'])
  execFileSync('tar', ['-cf', join(dir, 'seed-oci.tar'), '-C', layout, '.'])
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4096', join(dir, 'seed.qcow2'), '4M'])
  execFileSync('qemu-io', ['-c', 'write -P 0x5a 0 64k', join(dir, 'seed.qcow2')], { stdio: 'ignore' })
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', src, join(dir, 'seed.raw'), '2M'], { stdio: 'ignore' })
  // the other disk formats, holding the same ext4 guest (their readers and the guest reader behind them)
  for (const [file, args] of Object.entries(OTHER_DISKS))
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', ...args, join(dir, 'seed.raw'), join(dir, file)])
  for (const f of [
    'seed.zip',
    'seed.tar',
    'seed.tar.gz',
    'seed-zst.tar',
    'seed-oci.tar',
    'seed.qcow2',
    'seed.raw',
    ...Object.keys(OTHER_DISKS),
  ])
    seeds[f] = readFileSync(join(dir, f))
})

/** A mutation of a seed: flip bytes, overwrite with junk, truncate, or insert. */
function mutation(seed: Buffer) {
  return fc.oneof(
    fc
      .array(fc.record({ at: fc.nat(seed.length - 1), v: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 8,
      })
      .map((edits) => {
        const b = Buffer.from(seed)
        for (const e of edits) b[e.at] = e.v
        return b
      }),
    fc.nat(seed.length).map((n) => seed.subarray(0, n)),
    fc
      .record({ at: fc.nat(seed.length), junk: fc.uint8Array({ minLength: 1, maxLength: 64 }) })
      .map(({ at, junk }) => Buffer.concat([seed.subarray(0, at), Buffer.from(junk), seed.subarray(at)])),
    // header-focused: the first 4 KiB, where formats keep their structure
    fc
      .array(fc.record({ at: fc.nat(Math.min(4095, seed.length - 1)), v: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 4,
      })
      .map((edits) => {
        const b = Buffer.from(seed)
        for (const e of edits) b[e.at] = e.v
        return b
      }),
  )
}

const CASES: Array<[string, string, string, number]> = [
  ['zip', 'seed.zip', 'koogallery-app', RUNS * 2],
  ['tar', 'seed.tar', 'koogallery-app', RUNS * 2],
  ['tar.gz', 'seed.tar.gz', 'koogallery-app', Math.round(RUNS / 2)],
  ['tar.zst in a tar', 'seed-zst.tar', 'koogallery-app', Math.round(RUNS / 5)],
  ['OCI image tar', 'seed-oci.tar', 'koogallery-container', Math.round(RUNS / 2)],
  ['qcow2', 'seed.qcow2', 'koogallery-image', Math.round(RUNS / 2)],
  ['ext4 guest', 'seed.raw', 'koogallery-image', Math.round(RUNS / 5)],
  ...Object.keys(OTHER_DISKS).map((f): [string, string, string, number] => [
    f.replace('seed', 'disk'),
    f,
    'koogallery-image',
    Math.round(RUNS / 10),
  ]),
]

describe('fuzz: no input crashes or hangs a scan', () => {
  it.each(CASES)(
    '%s',
    async (_name, seedFile, profile, runs) => {
      const target = join(dir, `case-${seedFile}`)
      let n = 0
      await fc.assert(
        fc.asyncProperty(mutation(seeds[seedFile]), async (bytes) => {
          writeFileSync(target, bytes)
          const r = await scanPackage(target, { profile })
          n++
          expect(r.schema).toBe('preflight.report/1')
          expect(['pass', 'fail']).toContain(r.verdict)
        }),
        fuzzOptions(runs, 20261123),
      )
      console.log(`${_name}: ${n} mutated inputs scanned`)
      expect(n).toBeGreaterThan(Math.min(200, runs / 2))
    },
    180_000,
  )
})
