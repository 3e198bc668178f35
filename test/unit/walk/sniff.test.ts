import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { kindFromBytes } from '../../../src-main/walk/sniff'
import { sniff } from '../../../src-main/walk/sniff'
import { corporaDir } from '../../corpora'

const corpora = corporaDir()
const pad = (s: string | number[], at = 0, len = 70000) => {
  const b = Buffer.alloc(len)
  ;(typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s)).copy(b, at)
  return b
}

describe('sniff', () => {
  it.each([
    ['zip', pad('PK\x03\x04')],
    ['gzip', pad([0x1f, 0x8b, 8])],
    ['qcow2', pad('QFI\xfb\0\0\0\x03')],
    ['vmdk', pad('KDMV')],
    ['vhdx', pad('vhdxfile')],
    ['vdi', pad([0x7f, 0x10, 0xda, 0xbe], 0x40)],
    ['7z', pad('7z\xbc\xaf\x27\x1c')],
    ['rar', pad('Rar!\x1a\x07\x01\x00')],
    ['xz', pad([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])],
    ['zstd', pad([0x28, 0xb5, 0x2f, 0xfd])],
    ['iso', pad('CD001', 0x8001)],
    ['unknown', pad('hello world')],
  ])('%s', (kind, head) => {
    expect(sniff(head)).toBe(kind)
  })

  it('finds a fixed VHD by its footer', () => {
    expect(sniff(Buffer.alloc(1024), pad('conectix', 0, 512))).toBe('vhd')
  })

  it('recognises real tars and tar.gz from the corpora and from tar(1)', () => {
    const dir = join(process.env.TMPDIR!, 'sniff')
    execFileSync('mkdir', ['-p', dir])
    writeFileSync(join(dir, 'a.txt'), 'hello')
    execFileSync('tar', ['-cf', join(dir, 'a.tar'), '-C', dir, 'a.txt'])
    const tar = readFileSync(join(dir, 'a.tar'))
    expect(sniff(tar)).toBe('tar')
    expect(kindFromBytes(gzipSync(tar), undefined)).toBe('tar.gz')
    expect(kindFromBytes(gzipSync(Buffer.from('plain text')), undefined)).toBe('gzip')
    const zips = readdirSync(join(corpora, 'adm-zip/test/assets')).filter((f) => f.endsWith('.zip'))
    for (const z of zips)
      expect(sniff(readFileSync(join(corpora, 'adm-zip/test/assets', z)).subarray(0, 65536)), z).toBe('zip')
  })
})
