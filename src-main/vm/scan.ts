// The VM-image path of a scan: header facts and the qcow2.* and image.* rules for koogallery-image and
// scp-image (and for any profile that receives a disk image), plus the --attrs checks that need the image.
import { PreflightError } from '../../src-preload/errors'
import { bi, textIn, type Bilingual } from '../../src-preload/text'
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
  const f = (rule: string, message: Bilingual, details?: Record<string, unknown>) =>
    findings.push(makeFinding(rule, loc, message, { profile, details }))
  const accepted = ACCEPTED[profile]
  if (accepted && !accepted.includes(kind))
    f(
      'image.format-unsupported',
      bi(
        `${kind} images are not accepted for ${profile}${profile === 'scp-image' ? ' (qcow2 only)' : ''}: convert it with \`preflight convert --output image.qcow2\`.`,
        `${profile} 不接受 ${kind} 镜像${profile === 'scp-image' ? '（只接受 qcow2）' : ''}：请用 \`preflight convert --output image.qcow2\` 转换。`,
      ),
    )
  let virtualSize: number | undefined
  if (kind === 'qcow2') {
    let info: Qcow2Info | null = null
    try {
      info = await readQcow2(path)
    } catch (err) {
      if (!(err instanceof Qcow2Invalid)) throw cannotRead(path, err)
      f('qcow2.invalid', bi(`Not a usable qcow2 image: ${err.message}.`, `不是可用的 qcow2 镜像：${zh(err)}。`))
    }
    if (info) {
      const q = info.facts
      facts.qcow2 = q
      virtualSize = q.virtualSize
      facts.virtualSize = q.virtualSize
      for (const problem of info.problems)
        f('qcow2.invalid', bi(`Not a usable qcow2 image: ${problem.en}.`, `不是可用的 qcow2 镜像：${problem.zh}。`))
      if (q.encryption)
        f(
          'qcow2.encrypted',
          bi(
            `The image is encrypted (${q.encryption === 'luks' ? 'LUKS' : 'legacy AES'}): encrypted images cannot be released.`,
            `镜像已加密（${q.encryption === 'luks' ? 'LUKS' : '旧式 AES'}）：加密镜像不能发布。`,
          ),
        )
      if (q.backingFile !== null)
        f(
          'qcow2.backing-file',
          bi(
            `The image depends on the backing file "${q.backingFile}"${q.backingFormat ? ` (${q.backingFormat})` : ''}: it is not self-contained.`,
            `镜像依赖后备文件“${q.backingFile}”${q.backingFormat ? `（${q.backingFormat}）` : ''}：它不是独立完整的镜像。`,
          ),
        )
      if (q.dataFile !== null)
        f(
          'qcow2.external-data-file',
          bi(
            `The image keeps its data in the external file "${q.dataFile}".`,
            `镜像的数据存放在外部文件“${q.dataFile}”中。`,
          ),
        )
      if (q.corrupt)
        f(
          'qcow2.corrupt',
          bi(
            'The corrupt bit is set: qemu marked the metadata as inconsistent.',
            '设置了 corrupt 位：qemu 已将元数据标记为不一致。',
          ),
        )
      if (q.dirty)
        f(
          'qcow2.dirty',
          bi(
            'The dirty bit is set: the image was not closed cleanly and its refcounts may be stale.',
            '设置了 dirty 位：镜像未正常关闭，其引用计数可能已过时。',
          ),
        )
      if (!info.problems.length && !q.encryption && q.dataFile === null) {
        const check = await checkQcow2(path, { info, signal: opts.signal })
        facts.check = check
        if (check.corruptions)
          f(
            'qcow2.corrupt',
            bi(
              `${check.corruptions} metadata inconsistenc${check.corruptions === 1 ? 'y' : 'ies'} (as qemu-img check counts them): ${check.messages.slice(0, 3).join('; ')}.`,
              `元数据有 ${check.corruptions} 处不一致（按 qemu-img check 的计数方式）：${check.messagesZh.slice(0, 3).join('；')}。`,
            ),
            { corruptions: check.corruptions, leaks: check.leaks },
          )
      }
      if (q.snapshots > 0)
        f(
          'qcow2.internal-snapshots',
          bi(
            `${q.snapshots} internal snapshot${q.snapshots === 1 ? '' : 's'}: old disk states ship with the image.`,
            `有 ${q.snapshots} 个内部快照：旧的磁盘状态会随镜像一起分发。`,
          ),
        )
    }
  }
  if (isImageFormat(kind)) {
    // vmdk, vhd, vhdx, vdi, qed, raw: header facts; a damaged header is a finding, never a crash
    try {
      const { facts: image, problems } = await readImage(path, kind)
      facts.image = image
      facts.virtualSize = virtualSize = image.virtualSize
      for (const problem of problems)
        f('image.invalid', bi(`The ${kind} image is damaged: ${problem.en}.`, `${kind} 镜像已损坏：${problem.zh}。`))
      const extents = image.extentFiles
      if (extents?.length)
        f(
          'image.external-extents',
          bi(
            `The ${kind} file is a descriptor (${image.subformat ?? 'no createType'}); the disk's data is in ${extents.length} separate extent file${extents.length === 1 ? '' : 's'} (${extents.slice(0, 3).join(', ')}${extents.length > 3 ? ', …' : ''}): the file alone is not the disk.`,
            `该 ${kind} 文件是描述符文件（${image.subformat ?? '无 createType'}）；磁盘数据在 ${extents.length} 个单独的 extent 文件中（${extents.slice(0, 3).join('、')}${extents.length > 3 ? '等' : ''}）：仅此文件并不是完整的磁盘。`,
          ),
          { extentFiles: extents },
        )
      if (image.parent !== null)
        f(
          'image.backing-file',
          bi(
            `The ${kind} image${image.subformat ? ` (${image.subformat})` : ''} depends on a parent image${image.parent ? ` "${image.parent}"` : ''}: it is not self-contained.`,
            `该 ${kind} 镜像${image.subformat ? `（${image.subformat}）` : ''}依赖父镜像${image.parent ? `“${image.parent}”` : ''}：它不是独立完整的镜像。`,
          ),
        )
    } catch (err) {
      if (!(err instanceof ImageInvalid)) throw cannotRead(path, err)
      f('image.invalid', bi(`Not a usable ${kind} image: ${err.message}.`, `不是可用的 ${kind} 镜像：${zh(err)}。`))
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
            bi(
              `The guest data cannot be read: ${(err as Error).message}.`,
              `无法读取客户机数据：${zh(err as Error)}。`,
            ),
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

/** An error's sentence in Chinese where its maker wrote one (PreflightError, ImageInvalid, Qcow2Invalid, GuestFsError), else its English. */
function zh(err: Error & { messageZh?: string }): string {
  return textIn(err, 'zh-CN')
}

/** A file the scan could not read at all (I/O, permissions): the user's own path and the system's reason. */
function cannotRead(path: string, err: unknown): PreflightError {
  const e = err as Error & { code?: string }
  return new PreflightError(
    'unreadable',
    bi(
      `Cannot read ${path}: ${e.message}`,
      `无法读取 ${path}（${e.code ?? e.message}）。请确认文件存在、可读且未被其他程序占用，然后重新扫描。`,
    ),
  )
}
