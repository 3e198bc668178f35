// The XFS reader on real filesystems made by mkfs.xfs (v5 with CRCs, and v4) from a folder: every directory form
// (short form in the inode, single block, leaf and node directories of 3000 entries), regular files in extents,
// an empty file, inline and remote symlinks. Each listing and every file's bytes equal the source folder's, the
// big directory's names equal xfs_db's own listing, and damaged metadata is an XfsError, never a hang or a crash.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { openRawDevice } from '../../../../src-main/vm/block'
import type { Inode } from '../../../../src-main/vm/guest/ext4'
import { Xfs, XfsError } from '../../../../src-main/vm/guest/xfs'
import { folderTree, guestTree } from '../../../fixtures/fs-tree'
import { makeXfs } from '../../../fixtures/xfs-image'

let dir: string
let root: string
beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'xfs-'))
  root = join(dir, 'root')
  for (const d of ['etc/ssh', 'root', 'small', 'medium', 'many', 'usr/lib'])
    mkdirSync(join(root, d), { recursive: true })
  writeFileSync(
    join(root, 'etc/os-release'),
    'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n',
  )
  writeFileSync(join(root, 'etc/redhat-release'), 'Rocky Linux release 9.3 (Blue Onyx)\n')
  writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PasswordAuthentication yes\n')
  writeFileSync(join(root, 'root/.bash_history'), 'ls\n')
  writeFileSync(join(root, 'small/a'), 'a')
  writeFileSync(join(root, 'small/empty'), '')
  for (let i = 0; i < 40; i++) writeFileSync(join(root, 'medium', `entry-${i}`), `${i}\n`)
  for (let i = 0; i < 3000; i++) writeFileSync(join(root, 'many', `file-with-a-longer-name-${i}`), `${i}\n`)
  writeFileSync(join(root, 'usr/lib/big.bin'), randomBytes(5 * 1024 * 1024 + 123))
  symlinkSync('../../etc/os-release', join(root, 'usr/lib/os-release'))
  symlinkSync(`/${'long-target-component/'.repeat(14)}end`, join(root, 'usr/lib/long-link'))
})

describe.each([
  { name: 'v5', crc: true },
  { name: 'v4', crc: false },
])('XFS $name', ({ name, crc }) => {
  let image: string
  beforeAll(() => {
    image = makeXfs(root, join(dir, `${name}.img`), { crc })
  })

  it('lists every directory and reads every file as the source folder has them', async () => {
    const dev = await openRawDevice(image)
    try {
      const fs = await Xfs.open(dev)
      const got = await guestTree(fs)
      expect(Object.keys(got).length).toBe(Object.keys(folderTree(root)).length)
      expect(got).toEqual(folderTree(root))
    } finally {
      await dev.close()
    }
  })

  it('lists the 3000-entry directory as xfs_db does, and resolves paths through symlinks', async () => {
    const listing = execFileSync('xfs_db', ['-r', '-c', 'ls /many', image], { encoding: 'utf8', maxBuffer: 16 << 20 })
    const fromXfsDb = listing
      .split('\n')
      .map((l) => /^\s*\d+\s+\d+\s+\S+\s+0x[0-9a-f]+\s+\d+\s+(\S+)/.exec(l)?.[1])
      .filter((n): n is string => !!n && n !== '.' && n !== '..')
    expect(fromXfsDb).toHaveLength(3000)
    const dev = await openRawDevice(image)
    try {
      const fs = await Xfs.open(dev)
      const many = await fs.lookup('/many')
      expect((await fs.readdir(many!)).map((e) => e.name).sort()).toEqual(fromXfsDb.sort())
      const viaLink = await fs.lookup('/usr/lib/os-release')
      expect((await fs.readAll(viaLink!)).toString()).toContain('ID="rocky"')
      expect(await fs.lookup('/etc/missing')).toBeNull()
    } finally {
      await dev.close()
    }
  })
})

describe('damaged XFS', () => {
  it('refuses a superblock that is not XFS or is out of range', async () => {
    const image = makeXfs(root, join(dir, 'sb.img'))
    const buf = readFileSync(image).subarray(0, 4096)
    const bad = join(dir, 'sb-bad.img')
    const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
      ['magic', (b) => b.write('XFSX', 0, 'latin1'), /bad magic/],
      ['block size', (b) => b.writeUInt32BE(3000, 4), /block size/],
      ['inode size', (b) => b.writeUInt16BE(100, 104), /inode size/],
      ['size', (b) => b.writeBigUInt64BE(2n ** 40n, 8), /more than/],
    ]
    for (const [what, mutate, message] of cases) {
      const b = Buffer.from(buf)
      mutate(b)
      writeFileSync(bad, b)
      const dev = await openRawDevice(bad)
      try {
        await expect(Xfs.open(dev), what).rejects.toThrow(message)
      } finally {
        await dev.close()
      }
    }
  })

  it('reports mutated metadata as XfsError and always ends (120 mutations of the blocks mkfs wrote)', async () => {
    // a smaller tree (each directory form still there) keeps each round's walk short
    const small = join(dir, 'fuzz-root')
    for (const d of ['etc', 'small', 'medium', 'many']) mkdirSync(join(small, d), { recursive: true })
    writeFileSync(join(small, 'etc/os-release'), 'ID=rocky\n')
    writeFileSync(join(small, 'small/a'), 'a')
    for (let i = 0; i < 40; i++) writeFileSync(join(small, 'medium', `entry-${i}`), `${i}\n`)
    for (let i = 0; i < 400; i++) writeFileSync(join(small, 'many', `file-with-a-longer-name-${i}`), `${i}\n`)
    writeFileSync(join(small, 'big.bin'), randomBytes(300 * 1024))
    symlinkSync('etc/os-release', join(small, 'link'))
    const image = makeXfs(small, join(dir, 'fuzz.img'))
    const pristine = readFileSync(image)
    // the metadata mkfs wrote from the protofile sits near the start of AG 0; mutate within the first 2 MiB
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const mutated = join(dir, 'fuzz-m.img')
    await copyFile(image, mutated)
    // mutate bytes of the blocks mkfs wrote (not the zeros between them): superblock copies, free-space and inode
    // B+trees, inode chunks, directory and file blocks
    const written: number[] = []
    for (let off = 0; off < 2 * 1024 * 1024; off += 4096)
      if (pristine.subarray(off, off + 4096).some((x) => x !== 0)) written.push(off)
    let errors = 0
    for (let round = 0; round < 120; round++) {
      const b = Buffer.from(pristine.subarray(0, 2 * 1024 * 1024))
      for (let k = 0; k < 6; k++)
        b[Math.max(512, written[Math.floor(rand() * written.length)] + Math.floor(rand() * 4096))] = Math.floor(
          rand() * 256,
        )
      const fd = openSync(mutated, 'r+')
      writeSync(fd, b, 0, b.length, 0)
      closeSync(fd)
      const dev = await openRawDevice(mutated)
      try {
        const fs = await Xfs.open(dev)
        await xfsTreeLoose(fs, await fs.inode(fs.rootIno))
      } catch (err) {
        if (!(err instanceof XfsError)) throw err
        errors++
      } finally {
        await dev.close()
      }
    }
    expect(errors).toBeGreaterThan(0)
  }, 120_000)
})

/** A walk that reads everything it can (no comparison), bounded like the guest walk. */
async function xfsTreeLoose(fs: Xfs, ino: Inode, depth = 0, seen = new Set<number>()): Promise<void> {
  if (depth > 64 || seen.size > 20_000) return
  for (const e of await fs.readdir(ino)) {
    if (seen.has(e.ino)) continue
    seen.add(e.ino)
    const child = await fs.inode(e.ino)
    if ((child.mode & 0o170000) === 0o040000) await xfsTreeLoose(fs, child, depth + 1, seen)
    else await fs.readAll(child, 1024 * 1024)
  }
}
