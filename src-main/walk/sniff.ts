// Identify a file's format from its magic bytes (head of the file, and its last 512 bytes for fixed VHDs).
// Pure function of bytes: no I/O here, so every caller (package identification, nested entries, layers)
// uses the same answer.
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
  if (at(head, 0, 'PK\x03\x04') || at(head, 0, 'PK\x05\x06') || at(head, 0, 'PK\x07\x08') || at(head, 0, 'PK\x06\x06')) return 'zip'
  if (at(head, 0, [0x1f, 0x8b])) return 'gzip'
  if (at(head, 0, 'QFI\xfb')) return 'qcow2'
  if (at(head, 0, 'QED\0')) return 'qed'
  if (at(head, 0, 'KDMV') || at(head, 0, '# Disk DescriptorFile')) return 'vmdk'
  if (at(head, 0, 'vhdxfile')) return 'vhdx'
  if (at(head, 0, 'conectix')) return 'vhd'
  if (at(head, 0x40, [0x7f, 0x10, 0xda, 0xbe])) return 'vdi'
  if (at(head, 0, "7z\xbc\xaf\x27\x1c")) return '7z'
  if (at(head, 0, 'Rar!\x1a\x07')) return 'rar'
  if (at(head, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz'
  if (at(head, 0, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd'
  if (at(head, 0, 'BZh')) return 'bzip2'
  if (looksLikeTar(head)) return 'tar'
  if (at(head, 0x8001, 'CD001')) return 'iso'
  if (tail && tail.length >= 512 && at(tail.subarray(tail.length - 512), 0, 'conectix')) return 'vhd'
  return 'unknown'
}
