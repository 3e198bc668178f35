// Crafted hostile and odd packages, made here: each yields exactly its rule at the right location.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { rawTar } from '../../fixtures/crafted'

const work = () => mkdtempSync(join(process.env.TMPDIR!, 'craft-'))
const blockersAndWarnings = async (p: string, profile = 'koogallery-app') =>
  (await scanPackage(p, { profile })).findings
    .filter((f) => f.severity !== 'info' && f.rule !== 'vulndb.missing' && f.rule !== 'malware.engine-limited')
    .map((f) => `${f.rule}@${f.location}`)
    .sort()

describe('crafted packages', () => {
  it('device node, FIFO, setuid file, duplicate entry, hardlink escape', async () => {
    const d = work()
    writeFileSync(
      join(d, 'odd.tar'),
      rawTar([
        { path: 'dev/null', type: 'CharacterDevice' },
        { path: 'run/pipe', type: 'FIFO' },
        { path: 'bin/su', mode: 0o4755, data: 'x' },
        { path: 'a.txt', data: 'one' },
        { path: './a.txt', data: 'two' },
        { path: 'h', type: 'Link', linkpath: '../../etc/shadow' },
      ]),
    )
    expect(await blockersAndWarnings(join(d, 'odd.tar'))).toEqual([
      'archive.duplicate-entry@odd.tar!a.txt',
      'archive.link-escape@odd.tar!h',
      'archive.setuid@odd.tar!bin/su',
      'archive.special-file@odd.tar!dev/null',
      'archive.special-file@odd.tar!run/pipe',
    ])
  })

  it('absolute and .. paths in tar and zip; Windows forms; a root directory entry "/" is harmless', async () => {
    const d = work()
    writeFileSync(
      join(d, 't.tar'),
      rawTar([
        { path: '/', type: 'Directory' },
        { path: '/etc/cron.d/x', data: 'x' },
        { path: 'a/../../b', data: 'y' },
        { path: 'C:\\win\\x', data: 'z' },
        { path: '..\\evil', data: 'w' },
      ]),
    )
    expect(await blockersAndWarnings(join(d, 't.tar'))).toEqual([
      'archive.path-traversal@t.tar!../evil',
      'archive.path-traversal@t.tar!/etc/cron.d/x',
      'archive.path-traversal@t.tar!C:/win/x',
      'archive.path-traversal@t.tar!a/../../b',
    ])
  })

  it('truncated .tar.gz, empty tar, a zip named .tar.gz, a 7z named .zip, forbidden characters', async () => {
    const d = work()
    writeFileSync(join(d, 'f.txt'), 'x'.repeat(200_000))
    execFileSync('tar', ['-czf', join(d, 'whole.tar.gz'), '-C', d, 'f.txt'])
    const whole = readFileSync(join(d, 'whole.tar.gz'))
    writeFileSync(join(d, 'cut.tar.gz'), whole.subarray(0, Math.floor(whole.length / 2)))
    expect(await blockersAndWarnings(join(d, 'cut.tar.gz'))).toContain('archive.corrupt@cut.tar.gz')
    writeFileSync(join(d, 'empty.tar'), Buffer.alloc(10240))
    expect(await blockersAndWarnings(join(d, 'empty.tar'))).toEqual(['package.empty@empty.tar'])
    execFileSync('zip', ['-q', join(d, 'real.zip'), 'f.txt'], { cwd: d })
    writeFileSync(join(d, 'fake.tar.gz'), readFileSync(join(d, 'real.zip')))
    expect(await blockersAndWarnings(join(d, 'fake.tar.gz'))).toEqual(['package.extension-mismatch@fake.tar.gz'])
    writeFileSync(
      join(d, 'seven.zip'),
      Buffer.concat([Buffer.from('7z\xbc\xaf\x27\x1c\x00\x04', 'latin1'), Buffer.alloc(100)]),
    )
    expect(await blockersAndWarnings(join(d, 'seven.zip'))).toEqual(['package.extension-mismatch@seven.zip'])
    writeFileSync(join(d, 'my app v1.0.tar'), rawTar([{ path: 'a', data: 'a' }]))
    const r = await scanPackage(join(d, 'my app v1.0.tar'))
    expect(r.findings.find((f) => f.rule === 'package.name-invalid')?.message).toMatch(/Suggested: my_app_v1_0\.tar/)
    writeFileSync(join(d, 'app.tgz'), whole)
    expect(await blockersAndWarnings(join(d, 'app.tgz'))).toEqual(['package.format-unsupported@app.tgz'])
  })

  it('overlapping-entry zip bomb and a high-ratio entry', async () => {
    const d = work()
    // two central directory entries pointing at the same local file: the overlapping-file construction
    execFileSync('zip', ['-q', join(d, 'one.zip'), 'x.txt'], {
      cwd: (writeFileSync(join(d, 'x.txt'), 'x'.repeat(1000)), d),
    })
    const z = readFileSync(join(d, 'one.zip'))
    const eocd = z.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'))
    const cdOff = z.readUInt32LE(eocd + 16)
    const cdSize = z.readUInt32LE(eocd + 12)
    const cd = z.subarray(cdOff, cdOff + cdSize)
    const twice = Buffer.concat([z.subarray(0, cdOff), cd, cd, z.subarray(eocd)])
    const e2 = twice.length - (z.length - eocd)
    twice.writeUInt16LE(2, e2 + 8)
    twice.writeUInt16LE(2, e2 + 10)
    twice.writeUInt32LE(cdSize * 2, e2 + 12)
    writeFileSync(join(d, 'overlap.zip'), twice)
    expect(await blockersAndWarnings(join(d, 'overlap.zip'))).toEqual(['archive.bomb@overlap.zip'])
    writeFileSync(join(d, 'zeros.bin'), Buffer.alloc(30 * 1024 * 1024))
    execFileSync('zip', ['-q', '-9', join(d, 'ratio.zip'), 'zeros.bin'], { cwd: d })
    expect(await blockersAndWarnings(join(d, 'ratio.zip'))).toEqual(['archive.bomb@ratio.zip!zeros.bin'])
  })

  it('zstd inside a package: a .tar.zst and a .zst file are opened (malware found inside), a zstd bomb and an oversized window are reported', async () => {
    const d = work()
    const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
    mkdirSync(join(d, 'in/app'), { recursive: true })
    writeFileSync(join(d, 'in/app/eicar.com'), eicar)
    writeFileSync(join(d, 'in/app/readme.txt'), 'hello\n'.repeat(1000))
    execFileSync('tar', ['-cf', join(d, 'inner.tar'), '-C', join(d, 'in'), 'app'])
    mkdirSync(join(d, 'pkg'))
    execFileSync('zstd', ['-q', '-19', join(d, 'inner.tar'), '-o', join(d, 'pkg/inner.tar.zst')])
    writeFileSync(join(d, 'eicar.txt'), eicar)
    execFileSync('zstd', ['-q', join(d, 'eicar.txt'), '-o', join(d, 'pkg/eicar.txt.zst')])
    execFileSync('tar', ['-cf', join(d, 'zst.tar'), '-C', join(d, 'pkg'), 'inner.tar.zst', 'eicar.txt.zst'])
    const r = await scanPackage(join(d, 'zst.tar'), { profile: 'koogallery-app' })
    expect(
      r.findings
        .filter((f) => f.rule === 'malware.detected')
        .map((f) => f.location)
        .sort(),
    ).toEqual(['zst.tar!eicar.txt.zst!eicar.txt', 'zst.tar!inner.tar.zst!app/eicar.com'])
    expect(r.findings.map((f) => f.rule)).not.toContain('archive.nested-unscanned')
    expect(r.findings.map((f) => f.rule)).not.toContain('archive.corrupt')
    // 30 MiB of zeros in a few hundred bytes: a decompression bomb, as for gzip
    writeFileSync(join(d, 'zeros.bin'), Buffer.alloc(30 * 1024 * 1024))
    execFileSync('zstd', ['-q', '-19', join(d, 'zeros.bin'), '-o', join(d, 'pkg/zeros.bin.zst')])
    // a frame asking for a 2 GiB window (never allocated)
    writeFileSync(
      join(d, 'pkg/window.zst'),
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63]),
    )
    execFileSync('tar', ['-cf', join(d, 'hostile.tar'), '-C', join(d, 'pkg'), 'zeros.bin.zst', 'window.zst'])
    expect(await blockersAndWarnings(join(d, 'hostile.tar'))).toEqual([
      'archive.bomb@hostile.tar!zeros.bin.zst',
      'archive.nested-unscanned@hostile.tar!window.zst',
    ])
    // stored (incompressible) content with a flipped byte still decompresses: the frame's checksum catches it
    writeFileSync(join(d, 'random.bin'), randomBytes(200_000))
    execFileSync('zstd', ['-q', join(d, 'random.bin'), '-o', join(d, 'damaged.bin.zst')])
    const damaged = readFileSync(join(d, 'damaged.bin.zst'))
    damaged[5000] ^= 0x40
    mkdirSync(join(d, 'dmg'))
    writeFileSync(join(d, 'dmg/damaged.bin.zst'), damaged)
    execFileSync('tar', ['-cf', join(d, 'damaged.tar'), '-C', join(d, 'dmg'), 'damaged.bin.zst'])
    const corrupt = (await scanPackage(join(d, 'damaged.tar'), { profile: 'koogallery-app' })).findings.filter(
      (f) => f.rule === 'archive.corrupt',
    )
    expect(corrupt.map((f) => f.location)).toEqual(['damaged.tar!damaged.bin.zst'])
    expect(corrupt[0].message).toMatch(/zstd data is damaged: zstd frame 1 decompresses to content whose checksum is/)
  })

  it('a .tar.zst or .zst package is walked as well as refused: its content is scanned, never passed unchecked', async () => {
    const d = work()
    const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
    mkdirSync(join(d, 'in'))
    writeFileSync(join(d, 'in/eicar.com'), eicar)
    execFileSync('tar', ['-cf', join(d, 'app.tar'), '-C', join(d, 'in'), 'eicar.com'])
    execFileSync('zstd', ['-q', join(d, 'app.tar'), '-o', join(d, 'app.tar.zst')])
    execFileSync('zstd', ['-q', join(d, 'in/eicar.com'), '-o', join(d, 'eicar.com.zst')])
    for (const [pkg, found] of [
      ['app.tar.zst', 'app.tar.zst!eicar.com'],
      ['eicar.com.zst', 'eicar.com.zst!eicar.com'],
    ]) {
      const r = await scanPackage(join(d, pkg), { profile: 'koogallery-app' })
      expect(r.findings.filter((f) => f.rule === 'malware.detected').map((f) => f.location)).toEqual([found])
      expect(r.findings.map((f) => f.rule)).toContain('package.format-unsupported')
    }
  })

  it('a package over the size limit (sparse file) is too large, read without filling the disk', async () => {
    const d = work()
    mkdirSync(join(d, 'x'))
    // the SWR console's 2 GB limit keeps the file small enough to hash quickly
    const p = join(d, 'huge.bin')
    const fd = openSync(p, 'w')
    ftruncateSync(fd, 2.1 * 1000 ** 3)
    closeSync(fd)
    const r = await scanPackage(p, { profile: 'swr-image' })
    expect(r.findings.filter((f) => f.rule === 'package.too-large').map((f) => `${f.location} ${f.message}`)).toEqual([
      'huge.bin 2.10 GB is over the 2 GB limit of SWR container image.',
    ])
  }, 120_000)
})
