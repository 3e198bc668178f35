// The package.* rules: judged from the file's name, extension, magic bytes and size, before any entry is read.
import { bi, type Bilingual } from '../../src-preload/text'
import { makeFinding, type Finding, type PackageKind } from '../reports/model'
import { GB, PROFILES, type ProfileId } from '../rules/profiles'

const VM_KINDS: PackageKind[] = ['qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'qed', 'raw', 'iso']

/** The extension a file name claims, longest match first (".tar.gz" before ".gz"). */
export function claimedExtension(name: string): string {
  const lower = name.toLowerCase()
  for (const ext of ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.zst']) if (lower.endsWith(ext)) return ext
  const dot = lower.lastIndexOf('.')
  return dot > 0 ? lower.slice(dot) : ''
}

/** What content an extension promises. */
const EXT_KIND: Record<string, PackageKind[]> = {
  '.zip': ['zip'],
  '.jar': ['zip'],
  '.tar': ['tar'],
  '.tar.gz': ['tar.gz'],
  '.tgz': ['tar.gz'],
  '.gz': ['gzip', 'tar.gz'],
  '.qcow2': ['qcow2'],
  '.qcow': ['qcow2'],
  '.vmdk': ['vmdk'],
  '.vhd': ['vhd'],
  '.vhdx': ['vhdx'],
  '.vdi': ['vdi'],
  '.qed': ['qed'],
  '.iso': ['iso'],
  '.7z': ['7z'],
  '.rar': ['rar'],
  '.xz': ['xz'],
  '.zst': ['zstd'],
  '.bz2': ['bzip2'],
}

export function isVmKind(kind: PackageKind): boolean {
  return VM_KINDS.includes(kind)
}

/** Package kinds walked as one byte stream (tar, possibly compressed); a zip is walked by random access. */
export function isStreamArchive(kind: PackageKind): kind is 'tar' | 'tar.gz' | 'gzip' | 'zstd' {
  return kind === 'tar' || kind === 'tar.gz' || kind === 'gzip' || kind === 'zstd'
}

/** The extensions a content kind is named with, the usual one first. */
export const KIND_EXTENSIONS: Partial<Record<PackageKind, string[]>> = {
  'tar.gz': ['.tar.gz', '.tgz'],
  tar: ['.tar'],
  zip: ['.zip'],
  gzip: ['.gz'],
  qcow2: ['.qcow2', '.qcow'],
  vmdk: ['.vmdk'],
  vhd: ['.vhd'],
  vhdx: ['.vhdx'],
  vdi: ['.vdi'],
  qed: ['.qed'],
  raw: ['.raw', '.img'],
  iso: ['.iso'],
  '7z': ['.7z'],
  rar: ['.rar'],
  xz: ['.xz'],
  zstd: ['.zst'],
  bzip2: ['.bz2'],
}

/** What the name is judged against: the profile of the scan and the file's content kind and size. */
export interface NameFacts {
  profile: ProfileId
  kind: PackageKind
  size: number
}

/** The extension a file of this kind should end with under this profile: the name's own when it fits. */
export function extensionFor(name: string, kind: PackageKind, profile: ProfileId): string {
  const claimed = claimedExtension(name)
  const accepts = PROFILES[profile].accepts
  const fits = KIND_EXTENSIONS[kind]
  if (!fits) return claimed // unknown content: renaming cannot say what it is
  if (fits.includes(claimed) && accepts.includes(claimed)) return claimed
  return fits.find((e) => accepts.includes(e)) ?? (fits.includes(claimed) ? claimed : fits[0])
}

/** A name the rules accept for this file: refused characters become `_`, the extension that of its real format. */
export function proposeName(name: string, facts: NameFacts): string {
  const claimed = claimedExtension(name)
  let base = claimed ? name.slice(0, name.length - claimed.length) : name
  // the name rule (KooGallery profiles) allows letters, digits, -, _, ( and ); others only need a plain file name
  base = facts.profile.startsWith('koogallery-')
    ? base.replace(/[^A-Za-z0-9_()-]/g, '_')
    : base.replace(/[/\\\p{Cc}]/gu, '_').replace(/^\.+/, '')
  return `${base || 'package'}${extensionFor(name, facts.kind, facts.profile)}`
}

export function packageFindings(profile: ProfileId, name: string, kind: PackageKind, size: number): Finding[] {
  const out: Finding[] = []
  const suggestion = proposeName(name, { profile, kind, size })
  const f = (rule: string, message: Bilingual, details?: Record<string, unknown>) =>
    out.push(makeFinding(rule, name, message, { profile, details }))
  const info = PROFILES[profile]
  const ext = claimedExtension(name)
  const base = ext ? name.slice(0, name.length - ext.length) : name
  if (profile.startsWith('koogallery-') && (!base || !/^[A-Za-z0-9_()-]+$/.test(base)))
    f(
      'package.name-invalid',
      bi(
        `"${name}": only letters, digits, -, _, ( and ) are allowed before the extension. Suggested: ${suggestion}`,
        `“${name}”：扩展名之前只能使用字母、数字、-、_、( 和 )。建议改为：${suggestion}`,
      ),
      { suggestion },
    )
  if (!info.accepts.includes(ext)) {
    const hint =
      ext === '.tgz'
        ? bi(' Rename it to .tar.gz.', '请改名为 .tar.gz。')
        : bi(` Accepted: ${info.accepts.join(', ')}.`, `可接受的格式：${info.accepts.join('、')}。`)
    f(
      'package.format-unsupported',
      bi(
        `"${ext || '(no extension)'}" is not accepted for ${info.title}.${hint.en}`,
        `${info.titleZh}不接受${ext ? `“${ext}”` : '无扩展名的文件'}。${hint.zh}`,
      ),
    )
  }
  const promised = EXT_KIND[ext]
  if (promised && kind !== 'unknown' && !promised.includes(kind) && !(kind === 'tar' && ext === '.tar'))
    f(
      'package.extension-mismatch',
      bi(
        `The name says ${ext} but the content is ${kind}. Rename it to match its content or repack it.`,
        `文件名表明是 ${ext}，但内容是 ${kind}。请按内容重命名，或重新打包。`,
      ),
      { content: kind },
    )
  if (promised && kind === 'unknown' && size > 0 && !['.iso', '.raw', '.img'].includes(ext))
    f(
      'package.extension-mismatch',
      bi(
        `The name says ${ext} but the content is not a recognisable ${ext} file.`,
        `文件名表明是 ${ext}，但内容无法识别为 ${ext} 文件。`,
      ),
      { content: kind },
    )
  const limit = kind === 'raw' && profile === 'koogallery-image' ? 1000 * GB : info.sizeLimit
  if (limit !== null && size > limit)
    f(
      'package.too-large',
      bi(
        `${(size / GB).toFixed(2)} GB is over the ${limit / GB} GB limit of ${info.title}.`,
        `${(size / GB).toFixed(2)} GB 超过了 ${info.titleZh}的 ${limit / GB} GB 上限。`,
      ),
    )
  if (profile.startsWith('koogallery-') && size > GB)
    f(
      'package.obs-required',
      bi(
        `${(size / GB).toFixed(2)} GB: upload it to an OBS bucket first (KooGallery: CN North-Beijing4) and give the console its URL.`,
        `${(size / GB).toFixed(2)} GB：请先上传到 OBS 桶（KooGallery：华北-北京四），再在控制台填写其 URL。`,
      ),
    )
  if (size === 0) f('package.empty', bi('The file is empty (0 bytes).', '文件为空（0 字节）。'))
  return out
}
