// rpm's older databases: the header blobs of a real rpmdb.sqlite (made with rpm and rpmbuild) loaded by
// Berkeley DB's own db_load into hash databases (the Packages file of RHEL 8 and CentOS 7), in both byte orders
// and page sizes with overflow chains, and laid out as an ndb Packages.db (SUSE) by the format's slot and blob
// records; the detector lists the same packages as rpm -qa and as from the SQLite database, also in a guest
// image's root; damaged files are errors, never a hang.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { createRpmdbDetector } from '../../../src-main/sbom/rpmdb'
import { berkeleyHashValues, ndbBlobs } from '../../../src-main/sbom/rpmdb-legacy'
import { buildRpmdb } from '../../fixtures/sbom-binaries'
import { partitionedDisk } from '../../fixtures/guest-disk'

const PACKAGES = [
  { name: 'openssl-libs', version: '1.1.1k', release: '9.el8_7', epoch: 1, arch: 'x86_64' },
  { name: 'tzdata', version: '2023c', release: '1.el8' },
  { name: 'bash', version: '4.4.20', release: '4.el8_6', arch: 'x86_64' },
]
const WANT = ['bash@4.4.20-4.el8_6', 'openssl-libs@1:1.1.1k-9.el8_7', 'tzdata@2023c-1.el8']

let dir: string
let blobs: Buffer[]

/** A Berkeley DB hash database of (instance number → header blob), written by db_load. */
function berkeley(out: string, opts: { pageSize: number; bigEndian?: boolean }): string {
  const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', `db_pagesize=${opts.pageSize}`, 'HEADER=END']
  const key = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n)
    return b
  }
  lines.push(` ${key(0).toString('hex')}`, ` ${key(blobs.length + 1).toString('hex')}`) // rpm's instance counter record
  blobs.forEach((blob, i) => lines.push(` ${key(i + 1).toString('hex')}`, ` ${blob.toString('hex')}`))
  lines.push('DATA=END', '')
  const dump = `${out}.dump`
  writeFileSync(dump, lines.join('\n'))
  execFileSync('db_load', ['-f', dump, out])
  // db_load writes this machine's byte order; a database from a big-endian host (s390x, ppc64) has every field
  // swapped, which Berkeley DB reads too: made here by swapping the fields the reader uses
  if (opts.bigEndian) swapBerkeley(out, opts.pageSize)
  return out
}

/** Rewrite a little-endian hash database in big-endian order (the fields the reader and Berkeley DB use). */
function swapBerkeley(file: string, pageSize: number): void {
  const b = readFileSync(file)
  const sw32 = (at: number) => b.writeUInt32BE(b.readUInt32LE(at), at)
  const sw16 = (at: number) => b.writeUInt16BE(b.readUInt16LE(at), at)
  for (const at of [12, 16, 20, 28, 32, 36, 40, 44, 48]) sw32(at)
  for (let pg = 1; pg * pageSize < b.length; pg++) {
    const p = pg * pageSize
    const type = b[p + 25]
    for (const at of [8, 12, 16]) sw32(p + at)
    const entries = b.readUInt16LE(p + 20)
    sw16(p + 20)
    sw16(p + 22)
    if (type === 13 || type === 2) {
      for (let i = 0; i < entries; i++) {
        const off = b.readUInt16LE(p + 26 + i * 2)
        if (b[p + off] === 3) {
          sw32(p + off + 4)
          sw32(p + off + 8)
        }
        sw16(p + 26 + i * 2)
      }
    }
  }
  writeFileSync(file, b)
}

/** An rpm ndb Packages.db: header, slot page(s), blobs in 16-byte blocks. */
function ndb(out: string): string {
  const slotPages = 1
  const parts: Buffer[] = []
  const slots = Buffer.alloc(slotPages * 4096)
  slots.writeUInt32LE(0x506d7052, 0)
  slots.writeUInt32LE(0, 4)
  slots.writeUInt32LE(7, 8)
  slots.writeUInt32LE(slotPages, 12)
  for (let at = 32; at < slots.length; at += 16) slots.writeUInt32LE(0x746f6c53, at)
  let block = (slotPages * 4096) / 16
  blobs.forEach((blob, i) => {
    const len = 16 + blob.length + 12
    const blocks = Math.ceil(len / 16)
    const rec = Buffer.alloc(blocks * 16)
    rec.writeUInt32LE(0x53626c42, 0)
    rec.writeUInt32LE(i + 1, 4)
    rec.writeUInt32LE(1700000000, 8)
    rec.writeUInt32LE(blob.length, 12)
    blob.copy(rec, 16)
    const slot = 32 + i * 16
    slots.writeUInt32LE(i + 1, slot + 4)
    slots.writeUInt32LE(block, slot + 8)
    slots.writeUInt32LE(blocks, slot + 12)
    parts.push(rec)
    block += blocks
  })
  writeFileSync(out, Buffer.concat([slots, ...parts]))
  return out
}

function values(file: string, read: (fd: number, size: number) => Generator<Buffer>): Buffer[] {
  const fd = openSync(file, 'r')
  try {
    return [...read(fd, statSync(file).size)]
  } finally {
    closeSync(fd)
  }
}

const listed = (file: string) => {
  const bytes = readFileSync(file)
  const sink = createRpmdbDetector().open('x')
  for (let i = 0; i < bytes.length; i += 5000) sink.write(bytes.subarray(i, i + 5000))
  return sink
    .end()
    .map((c) => `${c.name}@${c.version}`)
    .sort()
}

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'rpmdb-legacy-'))
  const db = new Database(buildRpmdb(dir, PACKAGES), { readonly: true })
  blobs = (db.prepare('SELECT blob FROM Packages ORDER BY hnum').all() as Array<{ blob: Buffer }>).map((r) => r.blob)
  db.close()
})

describe('Berkeley DB Packages', () => {
  it.each([
    { pageSize: 4096, bigEndian: false },
    { pageSize: 512, bigEndian: false },
    { pageSize: 4096, bigEndian: true },
  ])(
    'reads every header blob (page size $pageSize, big-endian $bigEndian) and lists what rpm -qa lists',
    ({ pageSize, bigEndian }) => {
      const file = berkeley(join(dir, `Packages-${pageSize}-${bigEndian}`), { pageSize, bigEndian })
      const got = values(file, berkeleyHashValues).filter((v) => v.length > 4)
      expect(got.map((b) => b.toString('hex')).sort()).toEqual(blobs.map((b) => b.toString('hex')).sort())
      expect(listed(file)).toEqual(WANT)
    },
  )

  it('refuses damaged files with an error naming the damage', () => {
    const file = berkeley(join(dir, 'Packages-bad'), { pageSize: 512 })
    const b = readFileSync(file)
    const chain = Buffer.from(b)
    for (let p = 512; p < chain.length; p += 512) if (chain[p + 25] === 7) chain.writeUInt32LE(p / 512, p + 16) // overflow chains loop
    writeFileSync(join(dir, 'loop'), chain)
    expect(() => values(join(dir, 'loop'), berkeleyHashValues)).toThrow(/loops|not an overflow page|ends after/)
    const size = Buffer.from(b)
    size.writeUInt32LE(3000, 20)
    writeFileSync(join(dir, 'pagesize'), size)
    expect(() => values(join(dir, 'pagesize'), berkeleyHashValues)).toThrow(/page size 3000/)
    writeFileSync(join(dir, 'cut'), b.subarray(0, 200))
    expect(() => values(join(dir, 'cut'), berkeleyHashValues)).toThrow(/cut short/)
  })
})

describe('ndb Packages.db', () => {
  it('reads every blob through its slot and lists the packages', () => {
    const file = ndb(join(dir, 'Packages.db'))
    expect(values(file, ndbBlobs).map((b) => b.toString('hex'))).toEqual(blobs.map((b) => b.toString('hex')))
    expect(listed(file)).toEqual(WANT)
    const bad = readFileSync(file)
    bad.writeUInt32LE(0, 32 + 8) // the first slot points at the file header, not a blob
    writeFileSync(join(dir, 'bad.db'), bad)
    expect(() => values(join(dir, 'bad.db'), ndbBlobs)).toThrow(/blob of package 1 is damaged/)
  })
})

describe('in a guest', () => {
  it('a CentOS 7 root with a Berkeley DB Packages file gives its packages as rpm components', async () => {
    const root = join(dir, 'centos')
    mkdirSync(join(root, 'etc'), { recursive: true })
    mkdirSync(join(root, 'var/lib/rpm'), { recursive: true })
    writeFileSync(
      join(root, 'etc/os-release'),
      'NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n',
    )
    berkeley(join(root, 'var/lib/rpm/Packages'), { pageSize: 4096 })
    const fs = join(dir, 'centos.ext4')
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, fs, '16M'], { stdio: 'ignore' })
    const disk = partitionedDisk(join(dir, 'centos.raw'), [{ file: fs, type: 0x83 }])
    const r = await scanPackage(disk, { profile: 'koogallery-image' })
    expect(r.components.map((c) => `${c.name}@${c.version}`).sort()).toEqual(WANT)
    expect(new Set(r.components.map((c) => c.ecosystem)).size).toBe(1)
    expect(r.components[0].location).toMatch(/var\/lib\/rpm\/Packages$/)
  })
})
