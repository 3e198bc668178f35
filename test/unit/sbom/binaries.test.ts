// Executables as component sources: Go build info (real binaries built here for Linux/ELF and Windows/PE,
// checked against `go version -m`, plus byte-exact blobs for the edge cases) and cargo-auditable's .dep-v0
// section (an ELF64 file crafted here with the section and its section headers).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import {
  CargoAuditableReader,
  goBinary,
  GoBuildInfoReader,
  goComponents,
  goStdlibVersion,
} from '../../../src-main/sbom/binaries'
import { buildGoBinary, GO_MODULES, goVersion } from '../../fixtures/sbom-binaries'

type Reader = { write(c: Buffer): void; end(): Array<{ ecosystem: string; name: string; version: string }> }
const feed = (r: Reader, bytes: Buffer, chunk: number) => {
  for (let i = 0; i < bytes.length; i += chunk) r.write(bytes.subarray(i, i + chunk))
  return r.end().map((c) => `${c.ecosystem}:${c.name}@${c.version}`)
}

// cmd/go/internal/modload infoStart / infoEnd
const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex')
const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex')
const varint = (n: number) => {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Buffer.from(out)
}
/** A build-info blob as the Go 1.18+ linker writes it (header, then varint-prefixed version and module info). */
function goBlob(version: string, modinfo: string, opts: { ptrSize?: number; flags?: number } = {}): Buffer {
  const header = Buffer.alloc(32)
  header.write('\xff Go buildinf:', 0, 'latin1')
  header[14] = opts.ptrSize ?? 8
  header[15] = opts.flags ?? 2
  const mod = Buffer.concat([INFO_START, Buffer.from(modinfo), INFO_END])
  return Buffer.concat([header, varint(version.length), Buffer.from(version), varint(mod.length), mod])
}
const ELF_HEAD = (() => {
  const h = Buffer.alloc(64)
  h.writeUInt32BE(0x7f454c46, 0)
  h[4] = 2
  h[5] = 1
  h.writeUInt16LE(62, 18)
  return h
})()
const pad16 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((16 - (b.length % 16)) % 16)])

describe('Go build info', () => {
  let expected: string[]
  const bins: Record<string, string> = {}
  beforeAll(() => {
    // in the hook: a cold Go build cache compiles the standard library for each GOOS first
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'gobin-'))
    for (const goos of ['linux', 'windows']) bins[goos] = buildGoBinary(dir, goos)
    expected = [
      `Go:stdlib@${goStdlibVersion(goVersion())}`,
      `Go:golang.org/x/net@${GO_MODULES.net}`,
      `Go:golang.org/x/text@${GO_MODULES.textReplacement}`,
    ]
  })

  it.each([
    ['linux', 'ELF'],
    ['windows', 'PE'],
  ])(
    'a real %s binary built here: the Go version, every dep and the replacement, as `go version -m` lists them',
    (goos, format) => {
      const bin = bins[goos]
      const bytes = readFileSync(bin)
      expect(goBinary.matches('bin/app', bytes.subarray(0, 4096))).toBe(true)
      // the oracle: go's own reader of the same file
      const listed = execFileSync('go', ['version', '-m', bin], { encoding: 'utf8' })
      expect(listed).toContain(`=>\tgolang.org/x/text\t${GO_MODULES.textReplacement}`)
      for (const chunk of [1 << 20, 65536, 4099])
        expect(feed(new GoBuildInfoReader(), bytes, chunk), `${format} in ${chunk}-byte chunks`).toEqual(expected)
    },
  )

  it('finds the blob across every chunk boundary, skipping unaligned and implausible copies of the magic', () => {
    const mod = 'path\texample.com/tool\nmod\texample.com/tool\tv1.2.3\th1:x=\ndep\tgithub.com/a/b\tv0.1.0\th1:y=\n'
    const decoy = Buffer.concat([Buffer.from('\xff Go buildinf:', 'latin1'), Buffer.from([0x41, 0x42])]) // aligned, pointer size 0x41: not a blob
    const bytes = Buffer.concat([
      ELF_HEAD,
      Buffer.from('xyz\xff Go buildinf:\x08\x02', 'latin1'),
      Buffer.alloc(13),
      decoy,
      Buffer.alloc(32),
      pad16(goBlob('go1.21.3', mod)),
      Buffer.alloc(100),
    ])
    expect(bytes.indexOf(goBlob('go1.21.3', mod)) % 16).toBe(0)
    const want = ['Go:stdlib@1.21.3', 'Go:example.com/tool@v1.2.3', 'Go:github.com/a/b@v0.1.0']
    for (let chunk = 1; chunk <= 48; chunk++)
      expect(feed(new GoBuildInfoReader(), bytes, chunk), `chunk ${chunk}`).toEqual(want)
  })

  it('module lines: (devel) main modules and local-directory replacements are not components; Go versions as OSV writes them', () => {
    const mod =
      'path\tx\nmod\tx\t(devel)\t\ndep\tgithub.com/local/lib\tv1.0.0\t\n=>\t../lib\t\t\ndep\tgithub.com/r/s\tv1.0.0\th1:a=\n=>\tgithub.com/fork/s\tv1.0.1\th1:b=\nbuild\t-compiler=gc\n'
    expect(goComponents('go1.22.0 X:boringcrypto', mod).map((c) => `${c.name}@${c.version}`)).toEqual([
      'stdlib@1.22.0',
      'github.com/fork/s@v1.0.1',
    ])
    expect(['go1.21', 'go1.21rc2', 'go1.20.14', 'devel go1.23-abc'].map(goStdlibVersion)).toEqual([
      '1.21.0',
      '1.21.0-rc.2',
      '1.20.14',
      null,
    ])
  })

  it('the pre-1.18 pointer format and a truncated blob are errors; an executable without build info has no components', () => {
    const old = Buffer.concat([ELF_HEAD, goBlob('go1.16', 'x', { flags: 0 }).subarray(0, 32), Buffer.alloc(64)])
    expect(() => feed(new GoBuildInfoReader(), old, 4096)).toThrow(/pre-Go 1\.18 pointer format/)
    const blob = goBlob('go1.21.3', 'mod\tx\tv1.0.0\t\n')
    expect(() =>
      feed(new GoBuildInfoReader(), Buffer.concat([ELF_HEAD, blob.subarray(0, blob.length - 20)]), 4096),
    ).toThrow(/truncated/)
    expect(feed(new GoBuildInfoReader(), Buffer.concat([ELF_HEAD, Buffer.alloc(100000, 0x90)]), 4096)).toEqual([])
  })
})

/** A minimal ELF64 (x86-64) with a .dep-v0 section holding `payload`, section headers at the end. */
function elfWithSection(name: string, payload: Buffer): Buffer {
  const shstrtab = Buffer.from(`\0${name}\0.shstrtab\0`)
  const secOff = 64
  const strOff = secOff + payload.length
  const shOff = Math.ceil((strOff + shstrtab.length) / 8) * 8
  const out = Buffer.alloc(shOff + 3 * 64)
  ELF_HEAD.copy(out)
  out[6] = 1
  out.writeUInt16LE(2, 16) // ET_EXEC
  out.writeUInt32LE(1, 20)
  out.writeBigUInt64LE(BigInt(shOff), 40)
  out.writeUInt16LE(64, 52)
  out.writeUInt16LE(64, 58)
  out.writeUInt16LE(3, 60)
  out.writeUInt16LE(2, 62)
  payload.copy(out, secOff)
  shstrtab.copy(out, strOff)
  const sh = (i: number, nameOff: number, type: number, off: number, size: number) => {
    const b = shOff + i * 64
    out.writeUInt32LE(nameOff, b)
    out.writeUInt32LE(type, b + 4)
    out.writeBigUInt64LE(BigInt(off), b + 24)
    out.writeBigUInt64LE(BigInt(size), b + 32)
    out.writeBigUInt64LE(1n, b + 48)
  }
  sh(1, 1, 1, secOff, payload.length) // PROGBITS
  sh(2, name.length + 2, 3, strOff, shstrtab.length) // STRTAB
  return out
}

describe('cargo-auditable', () => {
  const deps = {
    packages: [
      { name: 'app', version: '0.1.0', source: 'local', kind: 'runtime', dependencies: [1, 2, 3], root: true },
      { name: 'smallvec', version: '1.6.0', source: 'crates.io', kind: 'runtime', dependencies: [] },
      { name: 'internal-crate', version: '2.0.0', source: 'registry', kind: 'runtime', dependencies: [] },
      { name: 'from-git', version: '0.3.0', source: 'git', kind: 'runtime', dependencies: [] },
      { name: 'cc', version: '1.0.79', source: 'crates.io', kind: 'build', dependencies: [] },
    ],
  }
  const elf = elfWithSection('.dep-v0', deflateSync(Buffer.from(JSON.stringify(deps)), { level: 7 }))

  it('the .dep-v0 section of an ELF file: crates.io and registry packages, in any chunking', () => {
    expect(elf.subarray(elf.readUInt32LE(40)).length).toBe(3 * 64) // section headers come last, after the data
    for (const chunk of [1 << 20, 1000, 97, 7])
      expect(feed(new CargoAuditableReader(), elf, chunk), `chunk ${chunk}`).toEqual([
        'crates.io:smallvec@1.6.0',
        'crates.io:internal-crate@2.0.0',
        'crates.io:cc@1.0.79',
      ])
  })

  it('a damaged dependency list is an error; other zlib data and plain executables have no components', () => {
    const payload = deflateSync(Buffer.from(JSON.stringify(deps)))
    expect(() =>
      feed(new CargoAuditableReader(), elfWithSection('.dep-v0', payload.subarray(0, payload.length - 30)), 4096),
    ).toThrow(/cannot be inflated/)
    expect(
      feed(new CargoAuditableReader(), elfWithSection('.zdebug', deflateSync(Buffer.from('{"other": 1}'))), 4096),
    ).toEqual([])
    expect(feed(new CargoAuditableReader(), Buffer.concat([ELF_HEAD, Buffer.alloc(50000, 0x78)]), 4096)).toEqual([])
  })
})

describe('executables in a package', () => {
  it('components carry the binary location; a damaged blob is sbom.unreadable at that location', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'binpkg-'))
    const src = join(dir, 'src')
    mkdirSync(join(src, 'bin'), { recursive: true })
    writeFileSync(
      join(src, 'bin/tool'),
      Buffer.concat([
        ELF_HEAD,
        pad16(goBlob('go1.21.3', 'mod\texample.com/tool\tv1.2.3\t\n')),
        elfWithSection(
          '.dep-v0',
          deflateSync(
            Buffer.from(JSON.stringify({ packages: [{ name: 'smallvec', version: '1.6.0', source: 'crates.io' }] })),
          ),
        ),
      ]),
    )
    writeFileSync(join(src, 'bin/old'), Buffer.concat([ELF_HEAD, goBlob('go1.16', 'x', { flags: 0 }).subarray(0, 32)]))
    execFileSync('tar', ['-czf', join(dir, 'p.tar.gz'), '-C', src, 'bin'])
    const r = await scanPackage(join(dir, 'p.tar.gz'))
    expect(r.components.map((c) => `${c.ecosystem}:${c.name}@${c.version} ${c.location}`).sort()).toEqual([
      'Go:example.com/tool@v1.2.3 p.tar.gz!bin/tool',
      'Go:stdlib@1.21.3 p.tar.gz!bin/tool',
      'crates.io:smallvec@1.6.0 p.tar.gz!bin/tool',
    ])
    const bad = r.findings.filter((f) => f.rule === 'sbom.unreadable')
    expect(bad.map((f) => f.location)).toEqual(['p.tar.gz!bin/old'])
    expect(bad[0].message).toMatch(/^go-buildinfo: .*pre-Go 1\.18 pointer format.*rebuild with Go 1\.18/)
  })
})
