// The btrfs reader on real filesystems made by mkfs.btrfs --rootdir (DUP metadata, inline and regular extents, a
// 600-entry directory, symlinks): the listing and every file's bytes equal the source folder's and what
// `btrfs restore` (btrfs-progs' own offline reader) extracts. Compressed extents are made by rewriting a regular
// extent in place (zlib and zstd data, the extent item's compression byte and disk size): they read back as the
// original bytes; lzo is named as unreadable. Damaged superblocks and tree nodes are BtrfsErrors, never a hang.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  closeSync,
  copyFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { openRawDevice } from '../../../../src-main/vm/block'
import { Btrfs, BtrfsError } from '../../../../src-main/vm/guest/btrfs'
import { folderTree, guestTree } from '../../../fixtures/fs-tree'

let dir: string
let root: string
let image: string
const big = randomBytes(300_000)

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'btrfs-'))
  root = join(dir, 'root')
  for (const d of ['etc/ssh', 'root', 'many', 'usr/lib']) mkdirSync(join(root, d), { recursive: true })
  writeFileSync(join(root, 'usr/lib/os-release'), 'NAME="SLES"\nID="sles"\nVERSION_ID="15.5"\n')
  symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release'))
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\n')
  writeFileSync(join(root, 'root/.bash_history'), 'zypper up\n')
  writeFileSync(join(root, 'usr/lib/empty'), '')
  writeFileSync(join(root, 'usr/lib/big.bin'), big)
  for (let i = 0; i < 600; i++) writeFileSync(join(root, 'many', `entry-${i}`), `${i}\n`)
  image = join(dir, 'fs.img')
  execFileSync('truncate', ['-s', '200M', image])
  execFileSync('mkfs.btrfs', ['-q', '-f', '-r', root, image], { stdio: 'ignore' })
})

async function open(path: string): Promise<{ fs: Btrfs; close(): Promise<void> }> {
  const dev = await openRawDevice(path)
  try {
    return { fs: await Btrfs.open(dev), close: () => dev.close() }
  } catch (err) {
    await dev.close()
    throw err
  }
}

describe('btrfs', () => {
  it('lists and reads everything as the source folder and btrfs restore have it', async () => {
    const restored = join(dir, 'restored')
    mkdirSync(restored)
    execFileSync('btrfs', ['restore', '-S', image, restored], { stdio: 'ignore' })
    const { fs, close } = await open(image)
    try {
      const tree = await guestTree(fs)
      expect(Object.keys(tree)).toHaveLength(Object.keys(folderTree(root)).length)
      expect(tree).toEqual(folderTree(root))
      expect(tree).toEqual(folderTree(restored))
      const os = await fs.lookup('/etc/os-release')
      expect((await fs.readAll(os!)).toString()).toContain('ID="sles"')
    } finally {
      await close()
    }
  })

  it.each([
    { method: 'zlib', code: 1, pack: (b: Buffer) => deflateSync(b) },
    { method: 'zstd', code: 3, pack: (b: Buffer) => execFileSync('zstd', ['-q', '-c', '-19'], { input: b }) },
  ])('reads a $method-compressed extent as its original bytes', async ({ code, pack }) => {
    const copy = join(dir, `compressed-${code}.img`)
    copyFileSync(image, copy)
    const bytes = readFileSync(copy)
    // the file's data (found by its bytes) and its extent item: ram_bytes = the extent's size, no compression, regular
    const physical = bytes.indexOf(big.subarray(0, 64))
    const extentSize = Math.ceil(big.length / 4096) * 4096
    const pattern = Buffer.alloc(13)
    pattern.writeBigUInt64LE(BigInt(extentSize), 0)
    pattern[12] = 1
    const item = bytes.indexOf(pattern) - 8
    expect(physical).toBeGreaterThan(0)
    expect(item).toBeGreaterThan(0)
    const packed = pack(Buffer.concat([big, Buffer.alloc(extentSize - big.length)]))
    expect(packed.length).toBeLessThan(extentSize)
    const fd = openSync(copy, 'r+')
    writeSync(fd, packed, 0, packed.length, physical)
    const patch = Buffer.alloc(1, code)
    writeSync(fd, patch, 0, 1, item + 16)
    const diskBytes = Buffer.alloc(8)
    diskBytes.writeBigUInt64LE(BigInt(Math.ceil(packed.length / 4096) * 4096))
    writeSync(fd, diskBytes, 0, 8, item + 29)
    closeSync(fd)
    const { fs, close } = await open(copy)
    try {
      const ino = await fs.lookup('/usr/lib/big.bin')
      expect((await fs.readAll(ino!)).equals(big)).toBe(true)
    } finally {
      await close()
    }
    // the same extent marked lzo is named, not misread
    const fd2 = openSync(copy, 'r+')
    writeSync(fd2, Buffer.from([2]), 0, 1, item + 16)
    closeSync(fd2)
    const lzo = await open(copy)
    try {
      await expect(lzo.fs.readAll((await lzo.fs.lookup('/usr/lib/big.bin'))!)).rejects.toThrow(/lzo-compressed extents/)
    } finally {
      await lzo.close()
    }
  })

  it('ends every read of 120 mutated tree nodes in a result or a BtrfsError', async () => {
    const pristine = readFileSync(image)
    // tree nodes: 16 KiB blocks carrying the filesystem's id where a node header has it
    const fsid = pristine.subarray(0x10020, 0x10030)
    const nodes: number[] = []
    for (let off = 0; off + 16384 <= pristine.length; off += 4096)
      if (pristine.subarray(off + 0x20, off + 0x30).equals(fsid) && off !== 0x10000) nodes.push(off)
    expect(nodes.length).toBeGreaterThan(4)
    let seed = 11
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const mutated = join(dir, 'mutated.img')
    copyFileSync(image, mutated)
    let errors = 0
    for (let round = 0; round < 120; round++) {
      const fd = openSync(mutated, 'r+')
      const touched: number[] = []
      for (let k = 0; k < 4; k++) {
        const at = nodes[Math.floor(rand() * nodes.length)] + 0x30 + Math.floor(rand() * (16384 - 0x30))
        touched.push(at)
        writeSync(fd, Buffer.from([Math.floor(rand() * 256)]), 0, 1, at)
      }
      closeSync(fd)
      try {
        const { fs, close } = await open(mutated)
        try {
          await guestTree(fs, undefined, '', {}, false)
        } finally {
          await close()
        }
      } catch (err) {
        if (!(err instanceof BtrfsError)) throw new Error(`round ${round}: not a BtrfsError`, { cause: err })
        errors++
      }
      // undo this round's bytes
      const undo = openSync(mutated, 'r+')
      for (const at of touched) writeSync(undo, pristine, at, 1, at)
      closeSync(undo)
    }
    expect(errors).toBeGreaterThan(0)
  }, 120_000)

  it('refuses a damaged superblock or tree node with a BtrfsError', async () => {
    const bad = join(dir, 'bad.img')
    const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
      ['magic', (b) => b.write('_BHRfS_X', 0x10040, 'latin1'), /bad magic/],
      ['node size', (b) => b.writeUInt32LE(3000, 0x10094), /node size/],
      ['devices', (b) => b.writeBigUInt64LE(2n, 0x10088), /spans 2 devices/],
      ['chunk array', (b) => b.writeUInt32LE(4000, 0x100a0), /system chunk array/],
      // the root tree's root node moved: the node found there records another address
      [
        'root tree',
        (b) => b.writeBigUInt64LE(b.readBigUInt64LE(0x10050) + 16384n, 0x10050),
        /records address|in no chunk|level/,
      ],
    ]
    for (const [what, mutate, message] of cases) {
      const b = readFileSync(image)
      mutate(b)
      writeFileSync(bad, b)
      await expect(open(bad), what).rejects.toThrow(message)
      await expect(open(bad), what).rejects.toBeInstanceOf(BtrfsError)
    }
  })
})
