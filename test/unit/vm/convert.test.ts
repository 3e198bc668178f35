// convert: a raw image with data written by qemu-io becomes a qcow2 that `qemu-img compare` finds identical
// and `qemu-img check` finds clean, plain and compressed; a qcow2 is compacted the same way.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { convertToQcow2 } from '../../../src-main/vm/convert'

describe('convert to qcow2', () => {
  it('raw → qcow2 (plain and compressed), and qcow2 → compact qcow2, agree with qemu-img', async () => {
    const d = mkdtempSync(join(process.env.TMPDIR!, 'conv-'))
    const raw = join(d, 'disk.raw')
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '40M'])
    execFileSync(
      'qemu-io',
      ['-f', 'raw', '-c', 'write -P 0x11 0 1M', '-c', 'write -P 0x22 5M 64k', '-c', 'write -P 0x33 39M 300k', raw],
      { stdio: 'ignore' },
    )
    for (const compress of [false, true]) {
      const out = join(d, `disk-${compress ? 'c' : 'p'}.qcow2`)
      const r = await convertToQcow2(raw, out, { compress })
      expect(r.virtualSize).toBe(40 * 1024 * 1024)
      execFileSync('qemu-img', ['compare', '-q', raw, out])
      const check = JSON.parse(execFileSync('qemu-img', ['check', '--output=json', out], { encoding: 'utf8' }))
      expect(check).toMatchObject({ 'check-errors': 0 })
      expect(check.corruptions ?? 0).toBe(0)
      expect(check.leaks ?? 0).toBe(0)
      expect(statSync(out).size).toBeLessThan(4 * 1024 * 1024)
    }
    const compacted = join(d, 'again.qcow2')
    await convertToQcow2(join(d, 'disk-p.qcow2'), compacted)
    execFileSync('qemu-img', ['compare', '-q', raw, compacted])
    await expect(convertToQcow2(raw, join(d, 'x.img'))).rejects.toThrow(/\.qcow2/)
  })

  it('a data run across a 4 MiB batch boundary, a cluster with data only in its middle, and a partial last cluster', async () => {
    const d = mkdtempSync(join(process.env.TMPDIR!, 'conv-'))
    const raw = join(d, 'odd.raw')
    const size = 9 * 1024 * 1024 + 1536
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, String(size)])
    execFileSync(
      'qemu-io',
      [
        '-f',
        'raw',
        '-c',
        'write -P 0x44 3M 2M',
        '-c',
        'write -P 0x55 6323200 512',
        '-c',
        `write -P 0x66 ${size - 1536} 1536`,
        raw,
      ],
      { stdio: 'ignore' },
    )
    for (const compress of [false, true]) {
      const out = join(d, `odd-${compress ? 'c' : 'p'}.qcow2`)
      const r = await convertToQcow2(raw, out, { compress })
      expect(r.virtualSize).toBe(size)
      expect(r.dataClusters).toBe(32 + 1 + 1)
      // only the clusters holding data were read (and the first, which qemu-img create allocates)
      expect(r.bytesRead).toBeGreaterThanOrEqual((32 + 1) * 64 * 1024 + 1536)
      expect(r.bytesRead).toBeLessThanOrEqual((32 + 2) * 64 * 1024 + 1536)
      execFileSync('qemu-img', ['compare', '-q', raw, out])
      const check = JSON.parse(execFileSync('qemu-img', ['check', '--output=json', out], { encoding: 'utf8' }))
      expect(check.corruptions ?? 0).toBe(0)
      expect(check.leaks ?? 0).toBe(0)
    }
  })

  it('a 64 GiB sparse raw is converted by reading its data only, and a dense raw is read in full', async () => {
    const d = mkdtempSync(join(process.env.TMPDIR!, 'conv-'))
    const raw = join(d, 'big.raw')
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '64G'])
    execFileSync(
      'qemu-io',
      [
        '-f',
        'raw',
        '-c',
        'write -P 0x71 1M 64k',
        '-c',
        'write -P 0x72 40G 128k',
        '-c',
        `write -P 0x73 ${64 * 1024 ** 3 - 65536} 64k`,
        raw,
      ],
      { stdio: 'ignore' },
    )
    const out = join(d, 'big.qcow2')
    const r = await convertToQcow2(raw, out)
    expect(r.dataClusters).toBe(4)
    // the four data clusters, and the first one, which qemu-img create allocates
    expect(r.bytesRead).toBeLessThanOrEqual(5 * 64 * 1024)
    execFileSync('qemu-img', ['compare', '-q', raw, out])
    // the same data with its zeros written: every byte is read, and the result is the same
    const dense = join(d, 'dense.raw')
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', dense, '8M'])
    execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -P 0 0 8M', '-c', 'write -P 0x74 3M 64k', dense], {
      stdio: 'ignore',
    })
    const r2 = await convertToQcow2(dense, join(d, 'dense.qcow2'))
    expect(r2.bytesRead).toBe(8 * 1024 * 1024)
    expect(r2.dataClusters).toBe(1)
  })

  it('a sparse qcow2 is compacted by reading its allocated clusters only (plain, compressed, zero-flagged, extended L2)', async () => {
    const d = mkdtempSync(join(process.env.TMPDIR!, 'conv-'))
    const raw = join(d, 'ref.raw')
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, '64G'])
    const writes = ['write -P 0x41 1M 64k', 'write -P 0x42 30G 192k', 'write -P 0x43 40G 64k']
    execFileSync('qemu-io', ['-f', 'raw', ...writes.flatMap((w) => ['-c', w]), raw], { stdio: 'ignore' })
    for (const [name, opts] of [
      ['plain', 'compat=1.1'],
      ['extl2', 'compat=1.1,extended_l2=on,cluster_size=128k'],
    ]) {
      const q = join(d, `${name}.qcow2`)
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', opts, q, '64G'])
      // the same data, and a zero-flagged stretch that reads as zeros
      execFileSync('qemu-io', ['-f', 'qcow2', ...[...writes, 'write -z 50G 1M'].flatMap((w) => ['-c', w]), q], {
        stdio: 'ignore',
      })
      const out = join(d, `${name}-compact.qcow2`)
      const r = await convertToQcow2(q, out)
      expect(r.dataClusters).toBe(5)
      // the allocated clusters only (in the source's cluster size), never the 64 GiB
      expect(r.bytesRead).toBeLessThanOrEqual(5 * 128 * 1024)
      execFileSync('qemu-img', ['compare', '-q', raw, out])
    }
    // a compressed qcow2 source: its clusters are read and inflated
    const packed = join(d, 'packed.qcow2')
    execFileSync('qemu-img', ['convert', '-q', '-c', '-O', 'qcow2', join(d, 'plain.qcow2'), packed])
    const r = await convertToQcow2(packed, join(d, 'packed-compact.qcow2'))
    expect(r.dataClusters).toBe(5)
    expect(r.bytesRead).toBeLessThanOrEqual(5 * 64 * 1024)
    execFileSync('qemu-img', ['compare', '-q', raw, join(d, 'packed-compact.qcow2')])
  })
})
