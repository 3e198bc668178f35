// Content classification: executables by format and architecture, languages, firmware images; binaries for
// architectures outside the marketplace's list are warned about.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { binaryArch } from '../../../src-main/walk/sniff'
import { scanPackage } from '../../../src-main/inspect/scan'
import { elf } from '../../fixtures/crafted'

function pe(machine: number): Buffer {
  const b = Buffer.alloc(256)
  b.write('MZ', 0, 'latin1')
  b.writeUInt32LE(0x80, 0x3c)
  b.writeUInt32LE(0x4550, 0x80)
  b.writeUInt16LE(machine, 0x84)
  return b
}
function fat(cpus: number[]): Buffer {
  const b = Buffer.alloc(8 + cpus.length * 20)
  b.writeUInt32BE(0xcafebabe, 0)
  b.writeUInt32BE(cpus.length, 4)
  cpus.forEach((c, i) => b.writeUInt32BE(c, 8 + i * 20))
  return b
}

describe('content classification', () => {
  it('recognises ELF, PE and Mach-O architectures', () => {
    expect(binaryArch(elf(62))).toEqual({ format: 'ELF', archs: ['x64'] })
    expect(binaryArch(elf(243))).toEqual({ format: 'ELF', archs: ['RISC-V'] })
    expect(binaryArch(pe(0xaa64))).toEqual({ format: 'PE', archs: ['Arm64'] })
    expect(binaryArch(fat([0x01000007, 0x0100000c]))).toEqual({ format: 'Mach-O (fat)', archs: ['x64', 'Arm64'] })
    expect(binaryArch(Buffer.from('#!/bin/sh\n'))).toBeNull()
  })

  it('summarises a package and warns about unsupported architectures', async () => {
    const d = mkdtempSync(join(process.env.TMPDIR!, 'cls-'))
    mkdirSync(join(d, 'src/bin'), { recursive: true })
    writeFileSync(join(d, 'src/bin/app-x64'), elf(62))
    writeFileSync(join(d, 'src/bin/app-riscv'), elf(243))
    writeFileSync(join(d, 'src/bin/tool.exe'), pe(0x8664))
    writeFileSync(join(d, 'src/main.go'), 'package main\n')
    writeFileSync(join(d, 'src/app.py'), 'print(1)\n')
    const sq = Buffer.alloc(128)
    sq.write('hsqs', 0, 'latin1')
    writeFileSync(join(d, 'src/rootfs.img'), sq)
    execFileSync('tar', ['-czf', join(d, 'app.tar.gz'), '-C', join(d, 'src'), '.'])
    const r = await scanPackage(join(d, 'app.tar.gz'))
    expect(
      r.findings.filter((f) => f.rule === 'content.architecture-unsupported').map((f) => `${f.location} ${f.severity}`),
    ).toEqual(['app.tar.gz!bin/app-riscv warning'])
    const facts = r.facts.classify as {
      languages: Record<string, number>
      architectures: Record<string, number>
      images: Array<{ kind: string }>
    }
    expect(facts.languages).toEqual({ Go: 1, Python: 1 })
    expect(facts.architectures).toEqual({ x64: 2, 'RISC-V': 1 })
    expect(facts.images.map((i) => i.kind)).toEqual(['SquashFS'])
    expect(r.findings.find((f) => f.rule === 'content.summary')?.message).toMatch(
      /Languages: (Go, Python|Python, Go)\. Binaries: x64, RISC-V/,
    )
  })
})
