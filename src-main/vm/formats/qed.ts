// QED: the little-endian 'QED\0' header (cluster size, table size, feature bits, L1 table offset, image size,
// backing file name). Facts only: QED guest data is not read here (convert it with qemu-img first).
import { type ImageFacts, ImageInvalid, MAX_VIRTUAL, readAt, u64le, withImageFile } from './common'

const FEATURE_BACKING = 1n
const FEATURE_NEED_CHECK = 2n

export interface QedInfo {
  facts: ImageFacts
  problems: string[]
}

export async function readQed(path: string): Promise<QedInfo> {
  return withImageFile(path, async (fh, fileSize) => {
    if (fileSize < 64) throw new ImageInvalid(`the file has ${fileSize} bytes, a QED header needs 64`)
    const h = await readAt(fh, 0, 64, fileSize, 'QED header')
    if (h.toString('latin1', 0, 4) !== 'QED\0') throw new ImageInvalid('bad QED magic')
    const clusterSize = h.readUInt32LE(4)
    const tableSize = h.readUInt32LE(8)
    const features = h.readBigUInt64LE(16)
    const virtualSize = u64le(h, 48, 'image size')
    if (clusterSize < 4096 || clusterSize > 64 * 1024 * 1024 || (clusterSize & (clusterSize - 1)) !== 0) throw new ImageInvalid(`cluster size ${clusterSize} is not a power of two between 4 KiB and 64 MiB`)
    if (tableSize < 1 || tableSize > 16 || (tableSize & (tableSize - 1)) !== 0) throw new ImageInvalid(`table size ${tableSize} is not a power of two between 1 and 16`)
    if (virtualSize % 512 || virtualSize > MAX_VIRTUAL) throw new ImageInvalid(`image size ${virtualSize} is not a multiple of 512 or is out of range`)
    const entries = (tableSize * clusterSize) / 8
    if (virtualSize > entries * entries * clusterSize) throw new ImageInvalid(`image size ${virtualSize} exceeds what the tables can map`)
    const unknown = features & ~7n
    if (unknown) throw new ImageInvalid(`unknown feature bits 0x${unknown.toString(16)}`)
    let parent: string | null = null
    if (features & FEATURE_BACKING) {
      const off = h.readUInt32LE(56)
      const len = h.readUInt32LE(60)
      if (len > 1023) throw new ImageInvalid(`backing file name length ${len} is above 1023`)
      parent = (await readAt(fh, off, len, fileSize, 'backing file name')).toString('utf8')
    }
    const problems = features & FEATURE_NEED_CHECK ? ['the need-check bit is set: the image was not closed cleanly'] : []
    return { facts: { format: 'qed', subformat: null, virtualSize, allocatedSize: null, clusterSize, fileSize, parent, compressed: false }, problems }
  })
}
