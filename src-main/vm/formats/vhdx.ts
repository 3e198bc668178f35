// VHDX: the 'vhdxfile' identifier, the two 'head' headers (the one with the higher sequence number wins), the
// region table ('regi' at 192 KiB) locating the metadata region, and in it the File Parameters (block size,
// leave-blocks-allocated, has-parent) and Virtual Disk Size items. Facts only: VHDX guest data is not read
// here (convert it with qemu-img first). Every offset and count is bounds-checked against the file.
import type { FileHandle } from 'node:fs/promises'
import { type ImageFacts, ImageInvalid, MAX_VIRTUAL, readAt, u64le, withImageFile } from './common'

const KiB = 1024
const MiB = 1024 * KiB
const guid = (s: string): string => {
  // the on-disk (mixed-endian) bytes of a GUID written as text, in hex
  const h = s.replace(/-/g, '').toLowerCase()
  const sw = (x: string) => x.match(/../g)!.reverse().join('')
  return sw(h.slice(0, 8)) + sw(h.slice(8, 12)) + sw(h.slice(12, 16)) + h.slice(16)
}
const METADATA_REGION = guid('8B7CA206-4790-4B9A-B8FE-575F050F886E')
const FILE_PARAMETERS = guid('CAA16737-FA36-4D43-B3B6-33F0AA44E76B')
const VIRTUAL_DISK_SIZE = guid('2FA54224-CD1B-4876-B211-5DBED83BF4B8')
const PARENT_LOCATOR = guid('A8D35F2D-B30B-454D-ABF7-D3D84834AB0C')

export interface VhdxInfo {
  facts: ImageFacts
  problems: string[]
}

async function parse(fh: FileHandle, fileSize: number): Promise<VhdxInfo> {
  const ident = await readAt(fh, 0, Math.min(fileSize, 8), fileSize, 'VHDX identifier')
  if (ident.toString('latin1') !== 'vhdxfile') throw new ImageInvalid('no "vhdxfile" identifier')
  const problems: string[] = []
  let best: Buffer | null = null
  for (const at of [64 * KiB, 128 * KiB]) {
    if (at + 4 * KiB > fileSize) continue
    const h = await readAt(fh, at, 4 * KiB, fileSize, 'VHDX header')
    if (h.toString('latin1', 0, 4) !== 'head') continue
    if (!best || h.readBigUInt64LE(8) > best.readBigUInt64LE(8)) best = h
  }
  if (!best) throw new ImageInvalid('neither VHDX header (at 64 KiB and 128 KiB) has the "head" signature')
  if (best.subarray(48, 64).some((b) => b !== 0)) problems.push('the VHDX log is not empty: the image was not closed cleanly (open it once with Hyper-V or qemu-img check -r all)')
  let regions: Buffer | null = null
  for (const at of [192 * KiB, 256 * KiB]) {
    if (at + 64 * KiB > fileSize) continue
    const r = await readAt(fh, at, 64 * KiB, fileSize, 'VHDX region table')
    if (r.toString('latin1', 0, 4) === 'regi') {
      regions = r
      break
    }
  }
  if (!regions) throw new ImageInvalid('no VHDX region table with the "regi" signature at 192 KiB or 256 KiB')
  const count = regions.readUInt32LE(8)
  if (count > 2047) throw new ImageInvalid(`${count} region table entries (at most 2047)`)
  let meta: { offset: number; length: number } | null = null
  for (let i = 0; i < count; i++) {
    const e = 16 + i * 32
    if (regions.toString('hex', e, e + 16) === METADATA_REGION) meta = { offset: u64le(regions, e + 16, 'metadata region offset'), length: regions.readUInt32LE(e + 24) }
  }
  if (!meta) throw new ImageInvalid('the region table has no metadata region')
  if (meta.length < 64 * KiB || meta.length > 256 * MiB) throw new ImageInvalid(`metadata region length ${meta.length} is out of range`)
  const table = await readAt(fh, meta.offset, 64 * KiB, fileSize, 'VHDX metadata table')
  if (table.toString('latin1', 0, 8) !== 'metadata') throw new ImageInvalid('the metadata table has no "metadata" signature')
  const entries = table.readUInt16LE(10)
  if (entries > 2047) throw new ImageInvalid(`${entries} metadata entries (at most 2047)`)
  const item = async (id: string, length: number): Promise<Buffer | null> => {
    for (let i = 0; i < entries; i++) {
      const e = 32 + i * 32
      if (table.toString('hex', e, e + 16) !== id) continue
      const off = table.readUInt32LE(e + 16)
      const len = table.readUInt32LE(e + 20)
      if (len < length || off + len > meta.length) throw new ImageInvalid('a metadata item lies outside the metadata region')
      return readAt(fh, meta.offset + off, length, fileSize, 'VHDX metadata item')
    }
    return null
  }
  const params = await item(FILE_PARAMETERS, 8)
  const sizeItem = await item(VIRTUAL_DISK_SIZE, 8)
  if (!params || !sizeItem) throw new ImageInvalid('the metadata has no file parameters or no virtual disk size')
  const blockSize = params.readUInt32LE(0)
  const flags = params.readUInt32LE(4)
  if (blockSize < MiB || blockSize > 256 * MiB || (blockSize & (blockSize - 1)) !== 0) throw new ImageInvalid(`block size ${blockSize} is not a power of two between 1 MiB and 256 MiB`)
  const virtualSize = u64le(sizeItem, 0, 'virtual disk size')
  if (virtualSize > MAX_VIRTUAL) throw new ImageInvalid(`virtual disk size ${virtualSize} is out of range`)
  const hasParent = (flags & 2) !== 0 || (await item(PARENT_LOCATOR, 0)) !== null
  return {
    facts: { format: 'vhdx', subformat: hasParent ? 'differencing' : flags & 1 ? 'fixed' : 'dynamic', virtualSize, allocatedSize: null, clusterSize: blockSize, fileSize, parent: hasParent ? '' : null, compressed: false },
    problems,
  }
}

export async function readVhdx(path: string): Promise<VhdxInfo> {
  return withImageFile(path, async (fh, fileSize) => {
    return await parse(fh, fileSize)
  })
}
