// LVM2 on a real layout: lvm2's own tools write two physical volumes (loop devices, no activation), a linear
// volume holding an XFS root and a volume striped over both PVs holding ext4, put into an MBR disk as partitions.
// The reader finds the PVs in the partitions, the volume group from the metadata text, and both volumes read back
// as the filesystems that were written (every file equal to its source). Thin volumes and a missing PV are named,
// damaged metadata is an LvmError.
import { execFileSync } from 'node:child_process'
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { openRawDevice, sliceDevice, type BlockDevice } from '../../../../src-main/vm/block'
import { Ext4 } from '../../../../src-main/vm/guest/ext4'
import {
  logicalVolumes,
  LvmError,
  parseLvmConfig,
  readPhysicalVolume,
  type PhysicalVolume,
} from '../../../../src-main/vm/guest/lvm'
import { readPartitions } from '../../../../src-main/vm/guest/partitions'
import { Xfs } from '../../../../src-main/vm/guest/xfs'
import { folderTree, guestTree } from '../../../fixtures/fs-tree'
import { makeLvmDisk } from '../../../fixtures/lvm-image'
import { makeXfs } from '../../../fixtures/xfs-image'

let dir: string
let rootTree: string
let dataTree: string
let disk: string

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'lvm-'))
  rootTree = join(dir, 'root')
  for (const d of ['etc', 'root', 'usr/lib']) mkdirSync(join(rootTree, d), { recursive: true })
  writeFileSync(join(rootTree, 'usr/lib/os-release'), 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="9.4"\n')
  symlinkSync('../usr/lib/os-release', join(rootTree, 'etc/os-release'))
  writeFileSync(join(rootTree, 'root/.bash_history'), 'dnf update\n')
  dataTree = join(dir, 'data')
  mkdirSync(join(dataTree, 'app'), { recursive: true })
  for (let i = 0; i < 50; i++) writeFileSync(join(dataTree, 'app', `part-${i}.bin`), Buffer.alloc(40_000 + i, i))
  const xfs = makeXfs(rootTree, join(dir, 'root.xfs'))
  const ext4 = join(dir, 'data.ext4')
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', dataTree, ext4, '16M'], { stdio: 'ignore' })
  disk = makeLvmDisk(
    join(dir, 'disk.img'),
    'vgtest',
    [
      { name: 'root', image: xfs, sizeMiB: 320 },
      { name: 'data', image: ext4, sizeMiB: 16, stripes: 2 },
    ],
    [340, 40],
  )
}, 120_000)

async function volumes(dev: BlockDevice) {
  const pvs: PhysicalVolume[] = []
  for (const p of await readPartitions(dev)) {
    const pv = await readPhysicalVolume(sliceDevice(dev, p.start, p.size))
    if (pv) pvs.push(pv)
  }
  return { pvs, lvs: logicalVolumes(pvs) }
}

describe('LVM2 physical volumes in a disk image', () => {
  it('reads the linear XFS root and the striped ext4 volume as written', async () => {
    const dev = await openRawDevice(disk)
    try {
      const { pvs, lvs } = await volumes(dev)
      expect(pvs).toHaveLength(2)
      expect(lvs.map((l) => `${l.vg}/${l.name}:${l.size}`).sort()).toEqual([
        `vgtest/data:${16 * 1024 * 1024}`,
        `vgtest/root:${320 * 1024 * 1024}`,
      ])
      const root = lvs.find((l) => l.name === 'root')!
      expect(await Xfs.probe(root.dev!)).toBe(true)
      expect(await guestTree(await Xfs.open(root.dev!))).toEqual(folderTree(rootTree))
      const data = lvs.find((l) => l.name === 'data')!
      expect(await Ext4.probe(data.dev!)).toBe(true)
      expect(await guestTree(await Ext4.open(data.dev!))).toEqual(folderTree(dataTree))
      const os = await (await Xfs.open(root.dev!)).lookup('/etc/os-release')
      expect(os && (await (await Xfs.open(root.dev!)).readAll(os)).toString()).toContain('almalinux')
    } finally {
      await dev.close()
    }
  })

  it('names what it cannot read: a thin volume, a PV missing from the disk', async () => {
    const dev = await openRawDevice(disk)
    try {
      const { pvs } = await volumes(dev)
      const text = pvs[0].metadata!
      const thin = text.replace(/(data \{[\s\S]*?type = )"striped"/, '$1"thin"')
      expect(thin).not.toBe(text)
      const lvs = logicalVolumes([
        { ...pvs[0], metadata: thin.replace(/seqno = (\d+)/, (_, n) => `seqno = ${Number(n) + 1}`) },
        pvs[1],
      ])
      expect(lvs.find((l) => l.name === 'data')).toMatchObject({
        dev: null,
        types: ['thin'],
        unreadable: { en: expect.stringMatching(/thin segment cannot be read/), zh: expect.stringMatching(/thin/) },
      })
      const alone = logicalVolumes([pvs[0]])
      expect(alone.find((l) => l.name === 'data')).toMatchObject({
        dev: null,
        unreadable: { en: expect.stringMatching(/pv1 .* is not on this disk/), zh: expect.stringMatching(/pv1/) },
      })
      expect(alone.find((l) => l.name === 'root')!.dev).not.toBeNull()
    } finally {
      await dev.close()
    }
  })

  it('refuses damaged metadata text with an LvmError', () => {
    for (const bad of ['vg { a = ', 'vg { a = [1, 2 }', '}', 'vg { x = = }', `${'a { '.repeat(20)}${'}'.repeat(20)}`])
      expect(() => parseLvmConfig(bad), bad).toThrow(LvmError)
    expect(parseLvmConfig('vg {\n# comment\nid = "x-y"\nextent_size = 8192\nstripes = [\n"pv0", 0\n]\n}\n')).toEqual({
      vg: { id: 'x-y', extent_size: 8192, stripes: ['pv0', 0] },
    })
  })

  it('bounds the metadata text: nesting of arrays, the number of values, a text longer than its ring', async () => {
    expect(() => parseLvmConfig(`a = ${'['.repeat(50_000)}`)).toThrow(/nesting too deep/)
    expect(() => parseLvmConfig(`vg { a = [${'1,'.repeat(1_000_001)}] }`)).toThrow(/more than 1000000 values/)
    expect(parseLvmConfig(`vg { a = [${'1,'.repeat(100_000)}] }`).vg).toEqual({ a: Array(100_000).fill(1) })
    // the raw location of the first PV's text made longer than its metadata area's ring: refused, not read past the area
    const damaged = join(dir, 'long-text.img')
    copyFileSync(disk, damaged)
    const dev = await openRawDevice(disk)
    let header: number
    try {
      const part = (await readPartitions(dev))[0]
      const label = await dev.read(part.start + 512, 512)
      let off = label.readUInt32LE(20) + 40
      while (label.readBigUInt64LE(off) || label.readBigUInt64LE(off + 8)) off += 16
      const mda = label.readBigUInt64LE(off + 16)
      const size = label.readBigUInt64LE(off + 24)
      header = part.start + Number(mda)
      const fd = openSync(damaged, 'r+')
      const length = Buffer.alloc(8)
      length.writeBigUInt64LE(size)
      writeSync(fd, length, 0, 8, header + 48)
      closeSync(fd)
    } finally {
      await dev.close()
    }
    const bad = await openRawDevice(damaged)
    try {
      const part = (await readPartitions(bad))[0]
      await expect(readPhysicalVolume(sliceDevice(bad, part.start, part.size))).rejects.toThrow(
        /describes text out of range/,
      )
    } finally {
      await bad.close()
    }
  })
})
