// The VM-image path of a scan: header facts and the qcow2.* and image.* rules for koogallery-image and
// scp-image (and for any profile that receives a disk image), plus the --attrs checks that need the image.
import { PreflightError } from '../../src-preload/errors'
import { makeFinding, type Finding, type PackageKind } from '../reports/model'
import { validateAttrs } from '../rules/attrs'
import { osMismatchFindings } from '../rules/release'
import type { EntryPipeline } from '../walk/pipeline'
import type { BlockDevice } from './block'
import { inspectGuest, type GuestScan } from './guest/guest'
import { openQcow2Device } from './qcow2/device'
import { checkQcow2 } from './qcow2/check'
import { Qcow2Invalid, readQcow2, type Qcow2Info } from './qcow2/header'
import { ImageInvalid, isImageFormat, openImageDevice, readImage } from './formats'

export interface VmScanResult {
  findings: Finding[]
  facts: Record<string, unknown>
}

const ACCEPTED: Record<string, PackageKind[]> = {
  'koogallery-image': ['qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'qed', 'raw', 'iso'],
  'scp-image': ['qcow2'],
}

export async function scanVmImage(
  path: string,
  opts: {
    profile: string
    kind: PackageKind
    packageName: string
    attrs?: Record<string, unknown>
    signal?: AbortSignal
  },
): Promise<VmScanResult> {
  const { profile, kind, packageName: loc } = opts
  const findings: Finding[] = []
  const facts: Record<string, unknown> = { format: kind }
  const f = (rule: string, message: string, details?: Record<string, unknown>) =>
    findings.push(makeFinding(rule, loc, message, { profile, details }))
  const accepted = ACCEPTED[profile]
  if (accepted && !accepted.includes(kind))
    f(
      'image.format-unsupported',
      `${kind} images are not accepted for ${profile}${profile === 'scp-image' ? ' (qcow2 only)' : ''}: convert it with \`preflight convert --output image.qcow2\`.`,
    )
  let virtualSize: number | undefined
  if (kind === 'qcow2') {
    let info: Qcow2Info | null = null
    try {
      info = await readQcow2(path)
    } catch (err) {
      if (!(err instanceof Qcow2Invalid))
        throw new PreflightError('unreadable', `Cannot read ${path}: ${(err as Error).message}`)
      f('qcow2.invalid', `Not a usable qcow2 image: ${err.message}.`)
    }
    if (info) {
      const q = info.facts
      facts.qcow2 = q
      virtualSize = q.virtualSize
      facts.virtualSize = q.virtualSize
      for (const problem of info.problems) f('qcow2.invalid', `Not a usable qcow2 image: ${problem}.`)
      if (q.encryption)
        f(
          'qcow2.encrypted',
          `The image is encrypted (${q.encryption === 'luks' ? 'LUKS' : 'legacy AES'}): encrypted images cannot be released.`,
        )
      if (q.backingFile !== null)
        f(
          'qcow2.backing-file',
          `The image depends on the backing file "${q.backingFile}"${q.backingFormat ? ` (${q.backingFormat})` : ''}: it is not self-contained.`,
        )
      if (q.dataFile !== null)
        f('qcow2.external-data-file', `The image keeps its data in the external file "${q.dataFile}".`)
      if (q.corrupt) f('qcow2.corrupt', 'The corrupt bit is set: qemu marked the metadata as inconsistent.')
      if (q.dirty)
        f('qcow2.dirty', 'The dirty bit is set: the image was not closed cleanly and its refcounts may be stale.')
      if (!info.problems.length && !q.encryption && q.dataFile === null) {
        const check = await checkQcow2(path, { info, signal: opts.signal })
        facts.check = check
        if (check.corruptions)
          f(
            'qcow2.corrupt',
            `${check.corruptions} metadata inconsistenc${check.corruptions === 1 ? 'y' : 'ies'} (as qemu-img check counts them): ${check.messages.slice(0, 3).join('; ')}.`,
            { corruptions: check.corruptions, leaks: check.leaks },
          )
      }
      if (q.snapshots > 0)
        f(
          'qcow2.internal-snapshots',
          `${q.snapshots} internal snapshot${q.snapshots === 1 ? '' : 's'}: old disk states ship with the image.`,
        )
    }
  }
  if (isImageFormat(kind)) {
    // vmdk, vhd, vhdx, vdi, qed, raw: header facts; a damaged header is a finding, never a crash
    try {
      const { facts: image, problems } = await readImage(path, kind)
      facts.image = image
      facts.virtualSize = virtualSize = image.virtualSize
      for (const problem of problems) f('image.invalid', `The ${kind} image is damaged: ${problem}.`)
      const extents = image.extentFiles
      if (extents?.length)
        f(
          'image.external-extents',
          `The ${kind} file is a descriptor (${image.subformat ?? 'no createType'}); the disk's data is in ${extents.length} separate extent file${extents.length === 1 ? '' : 's'} (${extents.slice(0, 3).join(', ')}${extents.length > 3 ? ', …' : ''}): the file alone is not the disk.`,
          { extentFiles: extents },
        )
      if (image.parent !== null)
        f(
          'image.backing-file',
          `The ${kind} image${image.subformat ? ` (${image.subformat})` : ''} depends on a parent image${image.parent ? ` "${image.parent}"` : ''}: it is not self-contained.`,
        )
    } catch (err) {
      if (!(err instanceof ImageInvalid))
        throw new PreflightError('unreadable', `Cannot read ${path}: ${(err as Error).message}`)
      f('image.invalid', `Not a usable ${kind} image: ${err.message}.`)
    }
  }
  if (opts.attrs) findings.push(...validateAttrs(profile, opts.attrs, { virtualSize }))
  return { findings, facts }
}

/** Read the guest of a raw, qcow2, vmdk, vhd, vdi, vhdx or qed image (partitions, OS, hygiene, and a walk of its files through `pipeline`). */
export async function readGuest(
  path: string,
  kind: PackageKind,
  opts: {
    location: string
    profile: string
    pipeline?: EntryPipeline
    signal?: AbortSignal
    attrs?: Record<string, unknown>
  },
): Promise<GuestScan | null> {
  let dev: BlockDevice
  try {
    if (kind === 'qcow2') {
      const q = await readQcow2(path)
      if (q.backingFile !== null || q.problems.length) return null
      dev = await openQcow2Device(path)
    } else if (isImageFormat(kind)) dev = await openImageDevice(path, kind)
    else return null
  } catch {
    return null
  }
  try {
    let g: GuestScan
    try {
      g = await inspectGuest(dev, opts)
    } catch (err) {
      // damaged image metadata met while reading the guest: a finding, never a crash
      if ((err as { code?: string }).code === 'cancelled') throw err
      return {
        info: { os: null, partitions: [] },
        findings: [
          makeFinding(
            kind === 'qcow2' ? 'qcow2.corrupt' : kind === 'raw' ? 'archive.corrupt' : 'image.invalid',
            opts.location,
            `The guest data cannot be read: ${(err as Error).message}.`,
            { profile: opts.profile },
          ),
        ],
      }
    }
    if (g.info.os && opts.attrs) g.findings.push(...osMismatchFindings(opts.profile, opts.attrs, g.info.os))
    return g
  } finally {
    await dev.close()
  }
}
