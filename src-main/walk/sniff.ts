// What these bytes are: a file's format from its magic bytes (head of the file, and its last 512 bytes for fixed
// VHDs), and an executable's format and architectures. Pure functions of bytes (readHeadTail reads them), so
// every caller (package identification, nested entries, layers, conversion, SBOM, classification) uses the same
// answer.
import { open } from 'node:fs/promises'
import { constants as zc, gunzipSync } from 'node:zlib'
import type { PackageKind } from '../reports/model'

export const SNIFF_HEAD_BYTES = 64 * 1024

export type SniffKind = Exclude<PackageKind, 'tar.gz' | 'oci-archive' | 'docker-archive' | 'container-bundle' | 'raw'>

function at(buf: Buffer, offset: number, magic: string | number[]): boolean {
  const bytes = typeof magic === 'string' ? Buffer.from(magic, 'latin1') : Buffer.from(magic)
  return buf.length >= offset + bytes.length && buf.subarray(offset, offset + bytes.length).equals(bytes)
}

/** True when the 512-byte block is a tar header whose checksum matches (ustar, gnu or v7). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim()
  if (!/^[0-7]{1,8}$/.test(field)) return false
  const stored = parseInt(field, 8)
  let unsigned = 0
  for (let i = 0; i < 512; i++) unsigned += i >= 148 && i < 156 ? 32 : block[i]
  return stored === unsigned && block[0] !== 0
}

/** A tar's first bytes: a ustar magic at 257 or a checksummed header block (decompressed heads are asked too). */
export function looksLikeTar(head: Buffer): boolean {
  return at(head, 257, 'ustar') || isTarHeader(head.subarray(0, 512))
}

export function sniff(head: Buffer, tail?: Buffer): SniffKind {
  if (at(head, 0, 'PK\x03\x04') || at(head, 0, 'PK\x05\x06') || at(head, 0, 'PK\x07\x08') || at(head, 0, 'PK\x06\x06'))
    return 'zip'
  if (at(head, 0, [0x1f, 0x8b])) return 'gzip'
  if (at(head, 0, 'QFI\xfb')) return 'qcow2'
  if (at(head, 0, 'QED\0')) return 'qed'
  if (at(head, 0, 'KDMV') || at(head, 0, '# Disk DescriptorFile')) return 'vmdk'
  if (at(head, 0, 'vhdxfile')) return 'vhdx'
  if (at(head, 0, 'conectix')) return 'vhd'
  if (at(head, 0x40, [0x7f, 0x10, 0xda, 0xbe])) return 'vdi'
  if (at(head, 0, '7z\xbc\xaf\x27\x1c')) return '7z'
  if (at(head, 0, 'Rar!\x1a\x07')) return 'rar'
  if (at(head, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz'
  if (at(head, 0, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd'
  if (at(head, 0, 'BZh')) return 'bzip2'
  if (looksLikeTar(head)) return 'tar'
  if (at(head, 0x8001, 'CD001')) return 'iso'
  if (tail && tail.length >= 512 && at(tail.subarray(tail.length - 512), 0, 'conectix')) return 'vhd'
  return 'unknown'
}

/** Decide the package kind from the head and tail bytes; gzip is looked into to tell tar.gz from .gz. */
export function kindFromBytes(head: Buffer, tail: Buffer | undefined): PackageKind {
  const k = sniff(head, tail)
  if (k !== 'gzip') return k
  try {
    const inner = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH })
    if (inner.length >= 512 && looksLikeTar(inner)) return 'tar.gz'
  } catch {
    /* not inflatable from the head: leave it as plain gzip, the walker reports corruption */
  }
  return 'gzip'
}

export async function readHeadTail(path: string): Promise<{ head: Buffer; tail: Buffer; size: number }> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const head = Buffer.alloc(Math.min(SNIFF_HEAD_BYTES, size))
    await fh.read(head, 0, head.length, 0)
    const tailLen = Math.min(512, size)
    const tail = Buffer.alloc(tailLen)
    await fh.read(tail, 0, tailLen, size - tailLen)
    return { head, tail, size }
  } finally {
    await fh.close()
  }
}

const ELF: Record<number, string> = {
  3: 'x86',
  62: 'x64',
  40: 'Arm',
  183: 'Arm64',
  8: 'MIPS',
  10: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  243: 'RISC-V',
  22: 'IBM Z',
  2: 'SPARC',
  43: 'SPARC64',
  258: 'LoongArch',
  50: 'IA-64',
}
const PE: Record<number, string> = {
  0x14c: 'x86',
  0x8664: 'x64',
  0x1c0: 'Arm',
  0x1c4: 'Arm',
  0xaa64: 'Arm64',
  0x166: 'MIPS',
  0x1f0: 'PowerPC',
  0x5064: 'RISC-V',
  0x200: 'IA-64',
}
const MACHO: Record<number, string> = {
  7: 'x86',
  0x01000007: 'x64',
  12: 'Arm',
  0x0100000c: 'Arm64',
  18: 'PowerPC',
  0x01000012: 'PowerPC64',
}

/** An executable's format and the architectures it is built for (ELF e_machine, PE machine, Mach-O cputype, fat binaries). */
export function binaryArch(head: Buffer): { format: string; archs: string[] } | null {
  if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
    const m = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)
    return { format: 'ELF', archs: [ELF[m] ?? `ELF machine ${m}`] }
  }
  if (head.length >= 64 && head[0] === 0x4d && head[1] === 0x5a) {
    const pe = head.readUInt32LE(0x3c)
    if (pe + 6 <= head.length && head.readUInt32LE(pe) === 0x4550) {
      const m = head.readUInt16LE(pe + 4)
      return { format: 'PE', archs: [PE[m] ?? `PE machine 0x${m.toString(16)}`] }
    }
    return null
  }
  if (head.length >= 8) {
    const magic = head.readUInt32BE(0)
    if (magic === 0xfeedface || magic === 0xfeedfacf)
      return { format: 'Mach-O', archs: [MACHO[head.readUInt32BE(4)] ?? `Mach-O cpu ${head.readUInt32BE(4)}`] }
    if (magic === 0xcefaedfe || magic === 0xcffaedfe)
      return { format: 'Mach-O', archs: [MACHO[head.readUInt32LE(4)] ?? `Mach-O cpu ${head.readUInt32LE(4)}`] }
    if (magic === 0xcafebabe) {
      const n = head.readUInt32BE(4)
      if (n > 0 && n < 20) {
        const archs: string[] = []
        for (let i = 0; i < n && 8 + i * 20 + 4 <= head.length; i++)
          archs.push(MACHO[head.readUInt32BE(8 + i * 20)] ?? `Mach-O cpu ${head.readUInt32BE(8 + i * 20)}`)
        return { format: 'Mach-O (fat)', archs }
      }
    }
  }
  return null
}
