// vmdk, vhd (vpc), vhdx, vdi, qed and raw images made by qemu-img in test setup: `inspect` reports the format,
// subformat and virtual size that `qemu-img info --output=json` reports, field by field; scans give
// image.format-unsupported where the profile refuses the format; damaged headers give image.invalid, never a
// throw; and convert of vmdk (sparse, streamOptimized, and descriptor files with flat or sparse extents)/vhd/vdi
// images made by `qemu-img convert` from a raw disk written by qemu-io
// gives a qcow2 that `qemu-img compare` finds identical to the raw disk and `qemu-img check` finds clean. VHDX
// (fixed, dynamic) and QED images written in place by qemu-io read byte for byte as `qemu-img convert -O raw`
// reads them, convert to a clean identical qcow2, and report the allocated size qemu's map gives; differencing
// VHDX, VHDX with a non-empty log and QED with a backing file are refused with the qemu-img command to use.
import { execFileSync } from 'node:child_process'
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { inspectPackage } from '../../../src-main/inspect/inspect'
import { scanPackage } from '../../../src-main/inspect/scan'
import { convertToQcow2 } from '../../../src-main/vm/convert'
import { openImageDevice, readImage, type ImageFacts, type ImageFormat } from '../../../src-main/vm/formats'

let dir: string
const img = (name: string) => join(dir, name)
const qemu = (...args: string[]) => execFileSync('qemu-img', args, { stdio: ['ignore', 'pipe', 'pipe'] })
const QEMU_FORMAT: Record<string, string> = { vhd: 'vpc' }

function qemuInfo(path: string, format: string) {
  return JSON.parse(
    execFileSync('qemu-img', ['info', '--output=json', '-U', '-f', QEMU_FORMAT[format] ?? format, path], {
      encoding: 'utf8',
    }),
  )
}

function patch(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, bytes, 0, bytes.length, offset)
  closeSync(fd)
}

// [file, create args, our format, expected subformat]
const created: Array<[string, string[], ImageFormat, string | null]> = [
  ['sparse.vmdk', ['-f', 'vmdk'], 'vmdk', 'monolithicSparse'],
  ['stream.vmdk', ['-f', 'vmdk', '-o', 'subformat=streamOptimized'], 'vmdk', 'streamOptimized'],
  ['flat.vmdk', ['-f', 'vmdk', '-o', 'subformat=monolithicFlat'], 'vmdk', 'monolithicFlat'],
  ['split.vmdk', ['-f', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse'], 'vmdk', 'twoGbMaxExtentSparse'],
  ['dynamic.vhd', ['-f', 'vpc'], 'vhd', 'dynamic'],
  ['fixed.vhd', ['-f', 'vpc', '-o', 'subformat=fixed'], 'vhd', 'fixed'],
  ['forced.vhd', ['-f', 'vpc', '-o', 'force_size=on'], 'vhd', 'dynamic'],
  ['dynamic.vhdx', ['-f', 'vhdx'], 'vhdx', 'dynamic'],
  ['fixed.vhdx', ['-f', 'vhdx', '-o', 'subformat=fixed'], 'vhdx', 'fixed'],
  ['dynamic.vdi', ['-f', 'vdi'], 'vdi', 'dynamic'],
  ['static.vdi', ['-f', 'vdi', '-o', 'static=on'], 'vdi', 'static'],
  ['disk.qed', ['-f', 'qed'], 'qed', null],
  ['disk.raw', ['-f', 'raw'], 'raw', null],
]
// sizes that are not CHS-exact for vpc, not block multiples for vdi/vhdx
const SIZE = '100M'
const ODD = String(99 * 1024 * 1024 + 7 * 512)

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'fmt-'))
  for (const [name, args] of created) qemu('create', '-q', ...args, img(name), SIZE)
  for (const [name, args] of created)
    if (!name.includes('flat') && !name.includes('split')) qemu('create', '-q', ...args, img(`odd-${name}`), ODD)
})

describe('image formats: facts agree with qemu-img info', () => {
  for (const [name, , format, subformat] of created) {
    for (const file of [name, `odd-${name}`]) {
      if (file.startsWith('odd-') && (name.includes('flat') || name.includes('split'))) continue
      it(`${file}`, async () => {
        const q = qemuInfo(img(file), format)
        const r = await inspectPackage(img(file))
        const image = r.image as ImageFacts
        expect(r.kind).toBe(format === 'raw' ? 'unknown' : format)
        expect({ format: QEMU_FORMAT[image.format] ?? image.format, virtualSize: image.virtualSize }).toEqual({
          format: q.format,
          virtualSize: q['virtual-size'],
        })
        expect(image.subformat).toBe(subformat)
        if (q['format-specific']?.type === 'vmdk')
          expect(image.subformat).toBe(q['format-specific'].data['create-type'])
        if (image.clusterSize !== null && q['cluster-size'] !== undefined && format !== 'vhdx')
          expect(image.clusterSize).toBe(q['cluster-size'])
        expect(image.parent).toBeNull()
        // (qemu-img writes a fixed vhdx's blocks as ZERO blocks until they are written: nothing is allocated yet)
        if (['vmdk', 'vhd', 'vdi', 'vhdx', 'qed'].includes(format) && !file.includes('flat') && !file.includes('split'))
          expect(image.allocatedSize).toBe(
            (subformat === 'fixed' && format !== 'vhdx') || subformat === 'static' ? image.virtualSize : 0,
          )
      })
    }
  }

  it('allocated size counts written blocks (vmdk grains, vhd blocks, vdi blocks, vhdx blocks, qed clusters)', async () => {
    const raw = img('alloc.raw')
    qemu('create', '-q', '-f', 'raw', raw, '64M')
    execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0x5a 0 3M', '-c', 'write -P 0x11 40M 4k', raw], {
      stdio: 'ignore',
    })
    // vhdx (default 8 MiB blocks for 64M): blocks 0 and 5; qed (64 KiB clusters): 48 + 1
    const expected: Record<string, number> = {
      vmdk: 3 * 1024 * 1024 + 65536,
      vpc: 3 * 2 * 1024 * 1024,
      vdi: 4 * 1024 * 1024,
      vhdx: 2 * 8 * 1024 * 1024,
      qed: 49 * 65536,
    }
    for (const [fmt, ours] of [
      ['vmdk', 'vmdk'],
      ['vpc', 'vhd'],
      ['vdi', 'vdi'],
      ['vhdx', 'vhdx'],
      ['qed', 'qed'],
    ] as const) {
      const out = img(`alloc.${ours}`)
      qemu('convert', '-O', fmt, raw, out)
      const { facts } = await readImage(out, ours)
      expect(facts.allocatedSize, fmt).toBe(expected[fmt])
    }
  })
})

describe('image formats: scan rules', () => {
  it('scp-image refuses every format but qcow2; koogallery-image accepts them', async () => {
    for (const name of ['sparse.vmdk', 'dynamic.vhd', 'dynamic.vhdx', 'dynamic.vdi', 'disk.qed']) {
      const scp = await scanPackage(img(name), { profile: 'scp-image', scanners: [] })
      expect(
        scp.findings.map((f) => f.rule),
        name,
      ).toContain('image.format-unsupported')
      expect((scp.facts as { image?: ImageFacts }).image?.virtualSize).toBe(
        qemuInfo(img(name), name.split('.')[1])['virtual-size'],
      )
      const kg = await scanPackage(img(name), { profile: 'koogallery-image', scanners: [] })
      expect(
        kg.findings.map((f) => f.rule),
        name,
      ).not.toContain('image.format-unsupported')
      expect(
        kg.findings.map((f) => f.rule),
        name,
      ).not.toContain('image.invalid')
    }
  })

  it('a vmdk descriptor file with separate extents is image.external-extents, naming them; a sparse vmdk is not', async () => {
    for (const [name, extent] of [
      ['flat.vmdk', 'flat-flat.vmdk'],
      ['split.vmdk', 'split-s001.vmdk'],
    ]) {
      const r = await scanPackage(img(name), { profile: 'koogallery-image', scanners: [] })
      const f = r.findings.find((x) => x.rule === 'image.external-extents')
      expect(f?.message, name).toContain(extent)
      expect(f?.severity).toBe('blocker')
      expect((r.facts as { image: ImageFacts }).image.extentFiles).toEqual([extent])
    }
    const sparse = await scanPackage(img('sparse.vmdk'), { profile: 'koogallery-image', scanners: [] })
    expect(sparse.findings.map((f) => f.rule)).not.toContain('image.external-extents')
  })

  it('a minimum disk below the virtual size of a vmdk is image.min-disk-too-small', async () => {
    const r = await scanPackage(img('sparse.vmdk'), {
      profile: 'koogallery-image',
      scanners: [],
      attrs: { minDiskGB: 0 },
    })
    expect(r.findings.map((f) => f.rule)).toContain('image.min-disk-too-small')
  })

  it('images with a parent are image.backing-file', async () => {
    qemu('create', '-q', '-f', 'vmdk', '-b', img('sparse.vmdk'), '-F', 'vmdk', img('child.vmdk'))
    qemu('create', '-q', '-f', 'qed', '-b', img('disk.qed'), '-F', 'qed', img('child.qed'))
    for (const name of ['child.vmdk', 'child.qed']) {
      const r = await scanPackage(img(name), { profile: 'koogallery-image', scanners: [] })
      expect(
        r.findings.map((f) => f.rule),
        name,
      ).toContain('image.backing-file')
    }
    await expect(convertToQcow2(img('child.vmdk'), img('child.qcow2'))).rejects.toThrow(/parent.*qemu-img convert/)
  })

  // hand-damaged headers: each is image.invalid (and qemu-img refuses or flags it as well)
  const damaged: Array<[string, string, (p: string) => void]> = [
    ['vmdk grain size 3', 'sparse.vmdk', (p) => patch(p, 20, Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]))],
    ['vmdk grain directory past the end', 'sparse.vmdk', (p) => patch(p, 56, Buffer.from([0, 0, 0, 0x10, 0, 0, 0, 0]))],
    ['vmdk 4096 GTEs per table', 'sparse.vmdk', (p) => patch(p, 44, Buffer.from([0, 0x10, 0, 0]))],
    ['vmdk truncated', 'sparse.vmdk', (p) => writeFileSync(p, readFileSync(p).subarray(0, 100))],
    [
      'vhd block table past the end',
      'dynamic.vhd',
      (p) => patch(p, 512 + 16, Buffer.from([0, 0, 0, 0, 0x10, 0, 0, 0])),
    ],
    ['vhd unknown disk type', 'dynamic.vhd', (p) => patch(p, 60, Buffer.from([0, 0, 0, 9]))],
    ['vhd no cxsparse', 'dynamic.vhd', (p) => patch(p, 512, Buffer.from('xxxxxxxx'))],
    ['vhd bad block size', 'dynamic.vhd', (p) => patch(p, 512 + 32, Buffer.from([0, 0, 0x30, 0]))],
    [
      'vhdx no region table',
      'dynamic.vhdx',
      (p) => (patch(p, 192 * 1024, Buffer.from('xxxx')), patch(p, 256 * 1024, Buffer.from('xxxx'))),
    ],
    [
      'vhdx huge virtual size',
      'dynamic.vhdx',
      (p) => {
        const b = readFileSync(p)
        const at = b.indexOf(Buffer.from('2442a52f1bcd7648b2115dbed83bf4b8', 'hex'))
        const metaStart = b.indexOf(Buffer.from('metadata'))
        patch(p, metaStart + b.readUInt32LE(at + 16), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x40]))
      },
    ],
    ['vdi bad version', 'dynamic.vdi', (p) => patch(p, 0x44, Buffer.from([2, 0, 2, 0]))],
    ['vdi disk larger than its map', 'dynamic.vdi', (p) => patch(p, 0x170, Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]))],
    ['vdi block map past the end', 'dynamic.vdi', (p) => patch(p, 0x154, Buffer.from([0, 0, 0, 0x70]))],
    ['qed cluster size 1000', 'disk.qed', (p) => patch(p, 4, Buffer.from([0xe8, 3, 0, 0]))],
    ['qed unknown feature', 'disk.qed', (p) => patch(p, 16, Buffer.from([0x80]))],
  ]
  for (const [what, from, damage] of damaged) {
    it(`damaged header: ${what} → image.invalid`, async () => {
      const p = img(`bad-${what.replace(/\W+/g, '-')}.${from.split('.')[1]}`)
      writeFileSync(p, readFileSync(img(from)))
      damage(p)
      const r = await scanPackage(p, { profile: 'koogallery-image', scanners: [] })
      expect(r.findings.map((f) => f.rule)).toContain('image.invalid')
      const i = await inspectPackage(p)
      if (i.kind === from.split('.')[1])
        expect(i.image === null || (i.imageProblems as string[] | undefined)?.length).toBeTruthy()
      if (what.includes('truncated')) return
      await expect(convertToQcow2(p, `${p}.qcow2`)).rejects.toThrow(/not a usable|outside|out of range/)
    })
  }
})

describe('convert vmdk, vhd and vdi to compact qcow2', () => {
  let raw: string
  beforeAll(() => {
    raw = img('source.raw')
    qemu('create', '-q', '-f', 'raw', raw, '40M')
    execFileSync(
      'qemu-io',
      [
        '-f',
        'raw',
        '-c',
        'write -P 0x11 0 1M',
        '-c',
        'write -P 0x22 5M 64k',
        '-c',
        'write -P 0x33 17M 3k',
        '-c',
        'write -P 0x44 39M 300k',
        '-c',
        'write -P 0x55 40894k 2k',
        raw,
      ],
      { stdio: 'ignore' },
    )
  })
  const variants: Array<[string, string[]]> = [
    ['monolithicSparse.vmdk', ['-O', 'vmdk']],
    ['streamOptimized.vmdk', ['-O', 'vmdk', '-o', 'subformat=streamOptimized']],
    // descriptor files with their extents next to them
    ['monolithicFlat.vmdk', ['-O', 'vmdk', '-o', 'subformat=monolithicFlat']],
    ['twoGbMaxExtentFlat.vmdk', ['-O', 'vmdk', '-o', 'subformat=twoGbMaxExtentFlat']],
    ['twoGbMaxExtentSparse.vmdk', ['-O', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse']],
    ['dynamic.vhd', ['-O', 'vpc']],
    ['fixed.vhd', ['-O', 'vpc', '-o', 'subformat=fixed']],
    ['forced.vhd', ['-O', 'vpc', '-o', 'force_size=on']],
    ['dynamic.vdi', ['-O', 'vdi']],
    ['static.vdi', ['-O', 'vdi', '-o', 'static=on']],
  ]
  for (const [name, args] of variants) {
    it(name, async () => {
      const src = img(`c-${name}`)
      qemu('convert', ...args, raw, src)
      const out = img(`c-${name}.qcow2`)
      const r = await convertToQcow2(src, out)
      expect(r.virtualSize).toBe(qemuInfo(src, name.endsWith('.vhd') ? 'vhd' : name.split('.')[1])['virtual-size'])
      // compare with the raw source (a vhd's CHS size may add zeros at the end: compare allows that) and the intermediate
      execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', raw, out])
      execFileSync('qemu-img', [
        'compare',
        '-q',
        '-f',
        name.endsWith('.vhd') ? 'vpc' : name.split('.')[1],
        '-F',
        'qcow2',
        src,
        out,
      ])
      const check = JSON.parse(execFileSync('qemu-img', ['check', '--output=json', out], { encoding: 'utf8' }))
      expect(check).toMatchObject({ 'check-errors': 0 })
      expect(check.corruptions ?? 0).toBe(0)
      expect(check.leaks ?? 0).toBe(0)
      expect(r.dataClusters).toBe(16 + 1 + 1 + 5 + 1)
    })
  }

  it('streamOptimized with the grain directory in the footer ("GD at end", as VMware writes a stream)', async () => {
    const src = img('gd-at-end.vmdk')
    qemu('convert', '-O', 'vmdk', '-o', 'subformat=streamOptimized', raw, src)
    const header = readFileSync(src).subarray(0, 512)
    const marker = Buffer.alloc(512)
    marker.writeBigUInt64LE(1n, 0)
    marker.writeUInt32LE(3, 12) // footer marker
    appendFileSync(src, Buffer.concat([marker, header, Buffer.alloc(512)]))
    patch(src, 56, Buffer.alloc(8, 0xff))
    const out = img('gd-at-end.qcow2')
    await convertToQcow2(src, out)
    execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', raw, out])
    // a footer without its header is image.invalid
    const bad = img('gd-at-end-bad.vmdk')
    writeFileSync(bad, readFileSync(src).subarray(0, statSync(src).size - 1024))
    appendFileSync(bad, Buffer.alloc(1024))
    expect(
      (await scanPackage(bad, { profile: 'koogallery-image', scanners: [] })).findings.map((f) => f.rule),
    ).toContain('image.invalid')
  })

  it('a grain table entry pointing past the end of the file is an error, not a crash', async () => {
    const src = img('bad-grain.vmdk')
    qemu('convert', '-O', 'vmdk', raw, src)
    const b = readFileSync(src)
    const gd = Number(b.readBigUInt64LE(56)) * 512
    const gt = b.readUInt32LE(gd) * 512
    patch(src, gt, Buffer.from([0, 0, 0, 0x40]))
    await expect(convertToQcow2(src, img('bad-grain.qcow2'))).rejects.toThrow(/outside the file/)
  })

  it('a descriptor vmdk: a missing extent is refused with the fix, an extent outside its folder or too short is an error', async () => {
    const desc = img('c-monolithicFlat.vmdk')
    const text = readFileSync(desc, 'latin1')
    const extent = /"([^"]+)"/.exec(text.split('# Extent description')[1])![1]
    const moved = img('moved.vmdk')
    writeFileSync(moved, text.replace(`"${extent}"`, '"missing-flat.vmdk"'))
    await expect(convertToQcow2(moved, img('x5.qcow2'))).rejects.toThrow(
      /descriptor file \(monolithicFlat\) whose extent file "missing-flat.vmdk" is not next to it.*qemu-img convert/,
    )
    for (const outside of [`../${extent}`, '/etc/passwd']) {
      writeFileSync(moved, text.replace(`"${extent}"`, `"${outside}"`))
      await expect(convertToQcow2(moved, img('x6.qcow2'))).rejects.toThrow(
        /not a usable vmdk image: the extent file ".*" is not in the descriptor's folder/,
      )
    }
    writeFileSync(moved, text.replace(`"${extent}"`, `"${extent}" 2`))
    await expect(convertToQcow2(moved, img('x7.qcow2'))).rejects.toThrow(
      /not a usable vmdk image: the flat extent .* is shorter than its/,
    )
    // a ZERO extent reads as zeros
    writeFileSync(moved, text.replace(/RW (\d+) FLAT "[^"]+" 0/, 'RW $1 ZERO'))
    const zeros = await convertToQcow2(moved, img('x8.qcow2'))
    expect(zeros.dataClusters).toBe(0)
    execFileSync('qemu-img', ['compare', '-q', '-f', 'vmdk', '-F', 'qcow2', moved, img('x8.qcow2')])
  })

  it('refuses differencing vhd with a message naming the format and the fix', async () => {
    // qemu-img cannot create a differencing vhd: mark a dynamic one as differencing (disk type 4) in both footers
    writeFileSync(img('diff.vhd'), readFileSync(img('dynamic.vhd')))
    patch(img('diff.vhd'), 60, Buffer.from([0, 0, 0, 4]))
    patch(img('diff.vhd'), statSync(img('diff.vhd')).size - 512 + 60, Buffer.from([0, 0, 0, 4]))
    expect(
      (await scanPackage(img('diff.vhd'), { profile: 'koogallery-image', scanners: [] })).findings.map((f) => f.rule),
    ).toContain('image.backing-file')
    await expect(convertToQcow2(img('diff.vhd'), img('x4.qcow2'))).rejects.toThrow(
      /differencing disk.*qemu-img convert/,
    )
  })
})

describe('read and convert vhdx and qed written in place by qemu-io', () => {
  const MiB = 1024 * 1024
  // not a multiple of any block or cluster size; the writes cross 1 MiB, 8 MiB and 64 KiB boundaries
  const size = 40 * MiB + 7 * 512
  const writes: Array<[number, number, number]> = [
    [0x11, 0, MiB],
    [0x22, 5 * MiB, 64 * 1024],
    [0x33, 8 * MiB - 2048, 4096],
    [0x44, 17 * MiB + 1000 * 512, 3 * 1024],
    [0x55, 24 * MiB - 64 * 1024 - 512, 128 * 1024 + 1024],
    [0x66, size - 512, 512],
  ]
  const variants: Array<[string, string[], 'vhdx' | 'qed']> = [
    ['dyn-1M.vhdx', ['-o', 'block_size=1M'], 'vhdx'],
    ['dyn-default.vhdx', [], 'vhdx'],
    ['fixed.vhdx', ['-o', 'subformat=fixed'], 'vhdx'],
    ['fixed-present.vhdx', ['-o', 'subformat=fixed,block_state_zero=off'], 'vhdx'],
    ['c64k.qed', [], 'qed'],
    ['c4k.qed', ['-o', 'cluster_size=4k'], 'qed'],
  ]

  /** Sum of the `"data": true` extents of `qemu-img map`. */
  function mappedData(path: string, format: string): number {
    const map = JSON.parse(
      execFileSync('qemu-img', ['map', '--output=json', '-f', format, path], { encoding: 'utf8' }),
    ) as Array<{ length: number; data: boolean }>
    return map.filter((e) => e.data).reduce((s, e) => s + e.length, 0)
  }

  for (const [name, opts, format] of variants) {
    it(name, async () => {
      const src = img(`w-${name}`)
      qemu('create', '-q', '-f', format, ...opts, src, String(size))
      const cmds = writes.flatMap(([p, off, len]) => ['-c', `write -P ${p} ${off} ${len}`])
      if (format === 'qed') cmds.push('-c', `write -z ${30 * MiB} 64k`, '-c', `write -z 0 64k`) // zero clusters (offset 1), one over data
      execFileSync('qemu-io', ['-f', format, ...cmds, src], { stdio: 'ignore' })
      const raw = img(`w-${name}.raw`)
      qemu('convert', '-f', format, '-O', 'raw', src, raw)
      const expected = readFileSync(raw)

      // the device reads what qemu reads, in odd-sized pieces across block boundaries
      const dev = await openImageDevice(src, format)
      try {
        expect(dev.size).toBe(size)
        const piece = 3 * MiB + 4096 + 512
        for (let at = 0; at < size; at += piece) {
          const got = await dev.read(at, piece)
          expect(got.equals(expected.subarray(at, at + piece)), `bytes at ${at}`).toBe(true)
        }
      } finally {
        await dev.close()
      }

      // the allocated size: qemu's map for qed; vhdx has no block status in qemu (its map says all data), so
      // count the blocks the writes touched (a fixed vhdx made with block_state_zero=off has all of them); the
      // last, partial block counts its guest bytes only, as qemu's map does
      const { facts } = await readImage(src, format)
      if (format === 'qed') expect(facts.allocatedSize).toBe(mappedData(src, 'qed'))
      else if (name === 'fixed-present.vhdx') expect(facts.allocatedSize).toBe(size)
      else {
        const bs = facts.clusterSize!
        const blocks = new Set(
          writes.flatMap(([, off, len]) =>
            Array.from(
              { length: Math.floor((off + len - 1) / bs) - Math.floor(off / bs) + 1 },
              (_, k) => Math.floor(off / bs) + k,
            ),
          ),
        )
        expect(facts.allocatedSize).toBe([...blocks].reduce((sum, b) => sum + Math.min(bs, size - b * bs), 0))
      }
      expect(facts.parent).toBeNull()
      const inspected = (await inspectPackage(src)).image as ImageFacts
      expect(inspected.allocatedSize).toBe(facts.allocatedSize)

      const out = img(`w-${name}.qcow2`)
      const r = await convertToQcow2(src, out)
      expect(r.virtualSize).toBe(size)
      execFileSync('qemu-img', ['compare', '-q', '-f', format, '-F', 'qcow2', src, out])
      execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', raw, out])
      const check = JSON.parse(execFileSync('qemu-img', ['check', '--output=json', out], { encoding: 'utf8' }))
      expect(check).toMatchObject({ 'check-errors': 0 })
      expect(check.corruptions ?? 0).toBe(0)
      expect(check.leaks ?? 0).toBe(0)
    })
  }

  it('vhdx past a chunk: payload blocks after the 4096th skip the sector-bitmap entry in the BAT', async () => {
    // 1 MiB blocks, 512-byte sectors: chunk ratio 4096, so block 4096 is BAT entry 4097 (qemu 7.2 makes 512-byte sectors only)
    const src = img('chunks.vhdx')
    qemu('create', '-q', '-f', 'vhdx', '-o', 'block_size=1M', src, '10G')
    execFileSync(
      'qemu-io',
      [
        '-f',
        'vhdx',
        '-c',
        `write -P 0x21 ${4095 * MiB - 512} ${2 * MiB}`,
        '-c',
        `write -P 0x22 ${9 * 1024 * MiB} 64k`,
        src,
      ],
      { stdio: 'ignore' },
    )
    const raw = img('chunks.raw')
    qemu('convert', '-f', 'vhdx', '-O', 'raw', src, raw)
    const fd = openSync(raw, 'r')
    const dev = await openImageDevice(src, 'vhdx')
    try {
      for (const at of [4094 * MiB, 4095 * MiB, 4096 * MiB, 4097 * MiB, 9 * 1024 * MiB - 4096]) {
        const want = Buffer.alloc(MiB + 8192)
        readSync(fd, want, 0, want.length, at)
        expect((await dev.read(at, want.length)).equals(want), `bytes at ${at}`).toBe(true)
      }
    } finally {
      closeSync(fd)
      await dev.close()
    }
    expect((await readImage(src, 'vhdx')).facts.allocatedSize).toBe(4 * MiB) // blocks 4094, 4095, 4096, 9216
  })

  it('refuses a qed with a backing file, and a vhdx with a parent or a non-empty log, naming the qemu-img command', async () => {
    qemu('create', '-q', '-f', 'qed', img('base2.qed'), '8M')
    qemu('create', '-q', '-f', 'qed', '-b', img('base2.qed'), '-F', 'qed', img('child2.qed'))
    await expect(convertToQcow2(img('child2.qed'), img('y1.qcow2'))).rejects.toThrow(
      /QED image has a backing file.*qemu-img convert -O qcow2/,
    )
    await expect(openImageDevice(img('child2.qed'), 'qed')).rejects.toThrow(/backing file/)

    // qemu-img cannot create a differencing vhdx: set the has-parent flag in the file parameters item
    const parent = img('parent-flag.vhdx')
    writeFileSync(parent, readFileSync(img('dynamic.vhdx')))
    const b = readFileSync(parent)
    const metaStart = b.indexOf(Buffer.from('metadata'))
    const entry = b.indexOf(Buffer.from('3767a1ca36fa434db3b633f0aa44e76b', 'hex'), metaStart)
    const flagsAt = metaStart + b.readUInt32LE(entry + 16) + 4
    patch(parent, flagsAt, Buffer.from([b[flagsAt] | 2]))
    expect((await readImage(parent, 'vhdx')).facts.subformat).toBe('differencing')
    await expect(convertToQcow2(parent, img('y2.qcow2'))).rejects.toThrow(
      /VHDX is a differencing disk.*qemu-img convert -O qcow2/,
    )

    // a log GUID in both headers: the log must be replayed first
    const log = img('log.vhdx')
    writeFileSync(log, readFileSync(img('dynamic.vhdx')))
    for (const at of [64 * 1024, 128 * 1024]) patch(log, at + 48, Buffer.alloc(16, 0x5a))
    expect((await readImage(log, 'vhdx')).problems.map((p) => p.en).join()).toMatch(/log is not empty/)
    await expect(convertToQcow2(log, img('y3.qcow2'))).rejects.toThrow(
      /VHDX has a non-empty log.*qemu-img check -r all.*qemu-img convert -O qcow2/,
    )
  })

  it('a vhdx BAT entry or a qed L2 entry pointing past the end of the file is an error, not a crash', async () => {
    const vhdx = img('bad-bat.vhdx')
    qemu('create', '-q', '-f', 'vhdx', '-o', 'block_size=1M', vhdx, '8M')
    execFileSync('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0x11 0 64k', vhdx], { stdio: 'ignore' })
    const b = readFileSync(vhdx)
    const regions = 192 * 1024
    let bat = -1
    for (let i = 0; i < b.readUInt32LE(regions + 8); i++) {
      const e = regions + 16 + i * 32
      if (b.toString('hex', e, e + 16) === '6677c22d23f600429d64115e9bfd4a08') bat = Number(b.readBigUInt64LE(e + 16))
    }
    expect(bat).toBeGreaterThan(0)
    expect(b[bat] & 7).toBe(6) // block 0 is fully present
    const entry = Buffer.alloc(8)
    entry.writeBigUInt64LE(((1n << 20n) << 20n) | 6n) // 1 TiB
    patch(vhdx, bat, entry)
    await expect(convertToQcow2(vhdx, img('bad-bat.qcow2'))).rejects.toThrow(
      /not a usable vhdx image: payload block 0 .* lies outside the file/,
    )
    expect(
      (await scanPackage(vhdx, { profile: 'koogallery-image', scanners: [] })).findings.map((f) => f.rule),
    ).toContain('image.invalid')

    const qed = img('bad-l2.qed')
    qemu('create', '-q', '-f', 'qed', qed, '8M')
    execFileSync('qemu-io', ['-f', 'qed', '-c', 'write -P 0x11 0 64k', qed], { stdio: 'ignore' })
    const q = readFileSync(qed)
    const l2 = Number(q.readBigUInt64LE(Number(q.readBigUInt64LE(40))))
    expect(l2).toBeGreaterThan(0)
    const far = Buffer.alloc(8)
    far.writeBigUInt64LE(1n << 40n)
    patch(qed, l2, far)
    await expect(convertToQcow2(qed, img('bad-l2.qcow2'))).rejects.toThrow(
      /not a usable qed image: cluster 0 .* lies outside the file/,
    )
    expect(
      (await scanPackage(qed, { profile: 'koogallery-image', scanners: [] })).findings.map((f) => f.rule),
    ).toContain('image.invalid')
    // an L1 entry that is not cluster-aligned
    const l1 = img('bad-l1.qed')
    writeFileSync(l1, q)
    patch(l1, Number(q.readBigUInt64LE(40)), Buffer.from([0x08]))
    await expect(convertToQcow2(l1, img('bad-l1.qcow2'))).rejects.toThrow(/not a usable qed image: L1 entry 0/)
  })
})
