// One entry point for the disk image formats other than qcow2: facts (format, subformat, virtual and allocated
// size, parent) for inspect and scan, and a read-only BlockDevice for convert and the guest reader where the
// format's data can be read here (vmdk sparse/streamOptimized/descriptor with flat or sparse extents, vhd fixed/dynamic, vhdx fixed/dynamic, vdi
// dynamic/static, qed without a backing file, raw).
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { PreflightError } from '../../../src-preload/errors'
import { openRawDevice, type BlockDevice } from '../block'
import { ImageInvalid, type ImageFacts, type ImageFormat } from './common'
import { openVdiDevice, readVdi } from './vdi'
import { openVhdDevice, readVhd } from './vhd'
import { openVhdxDevice, readVhdx } from './vhdx'
import { openVmdkDevice, readVmdk } from './vmdk'
import { openQedDevice, readQed } from './qed'
import { bi, type Bilingual } from '../../../src-preload/text'

export { ImageInvalid, type ImageFacts, type ImageFormat }

export const IMAGE_FORMATS: readonly string[] = ['vmdk', 'vhd', 'vhdx', 'vdi', 'qed', 'raw']

export function isImageFormat(kind: string): kind is ImageFormat {
  return IMAGE_FORMATS.includes(kind)
}

/** Header facts of a vmdk/vhd/vhdx/vdi/qed/raw image; throws ImageInvalid when the header is unusable. */
export async function readImage(
  path: string,
  format: ImageFormat,
): Promise<{ facts: ImageFacts; problems: Bilingual[] }> {
  switch (format) {
    case 'vmdk':
      return readVmdk(path)
    case 'vhd':
      return readVhd(path)
    case 'vhdx':
      return readVhdx(path)
    case 'vdi':
      return readVdi(path)
    case 'qed':
      return readQed(path)
    case 'raw': {
      const { size } = await stat(path)
      return {
        facts: {
          format: 'raw',
          subformat: null,
          virtualSize: size,
          allocatedSize: null,
          clusterSize: null,
          fileSize: size,
          parent: null,
          compressed: false,
        },
        problems: [],
      }
    }
  }
}

/** Guest data of an image as a device; a clear 'invalid-input' error for formats and variants not read here. */
export async function openImageDevice(path: string, format: ImageFormat): Promise<BlockDevice> {
  const name = basename(path)
  try {
    switch (format) {
      case 'vmdk':
        return await openVmdkDevice(path)
      case 'vhd':
        return await openVhdDevice(path)
      case 'vhdx':
        return await openVhdxDevice(path, name)
      case 'vdi':
        return await openVdiDevice(path)
      case 'qed':
        return await openQedDevice(path, name)
      case 'raw':
        return await openRawDevice(path)
    }
  } catch (err) {
    if (err instanceof ImageInvalid)
      throw new PreflightError(
        'invalid-input',
        bi(
          `${name} is not a usable ${format} image: ${err.message}`,
          `${name} 不是可用的 ${format} 镜像：${err.messageZh ?? err.message}`,
        ),
      )
    if (err instanceof PreflightError)
      throw new PreflightError(err.code, bi(`${name}: ${err.message}`, `${name}：${err.messageZh ?? err.message}`))
    throw err
  }
}
