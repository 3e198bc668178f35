// The package.* rules: judged from the file's name, extension, magic bytes and size, before any entry is read.
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

/** Suggest a compliant file name: forbidden characters (dots included) become `_`. */
export function suggestName(name: string): string {
  const ext = claimedExtension(name)
  const base = ext ? name.slice(0, name.length - ext.length) : name
  return `${base.replace(/[^A-Za-z0-9_()-]/g, '_') || 'package'}${ext === '.tgz' ? '.tar.gz' : ext}`
}

export function packageFindings(profile: ProfileId, name: string, kind: PackageKind, size: number): Finding[] {
  const out: Finding[] = []
  const f = (rule: string, message: string, details?: Record<string, unknown>) =>
    out.push(makeFinding(rule, name, message, { profile, details }))
  const info = PROFILES[profile]
  const ext = claimedExtension(name)
  const base = ext ? name.slice(0, name.length - ext.length) : name
  if (profile.startsWith('koogallery-') && (!base || !/^[A-Za-z0-9_()-]+$/.test(base)))
    f(
      'package.name-invalid',
      `"${name}": only letters, digits, -, _, ( and ) are allowed before the extension. Suggested: ${suggestName(name)}`,
      { suggestion: suggestName(name) },
    )
  if (!info.accepts.includes(ext)) {
    const hint = ext === '.tgz' ? ' Rename it to .tar.gz.' : ` Accepted: ${info.accepts.join(', ')}.`
    f('package.format-unsupported', `"${ext || '(no extension)'}" is not accepted for ${info.title}.${hint}`)
  }
  const promised = EXT_KIND[ext]
  if (promised && kind !== 'unknown' && !promised.includes(kind) && !(kind === 'tar' && ext === '.tar'))
    f(
      'package.extension-mismatch',
      `The name says ${ext} but the content is ${kind}. Rename it to match its content or repack it.`,
      { content: kind },
    )
  if (promised && kind === 'unknown' && size > 0 && !['.iso', '.raw', '.img'].includes(ext))
    f('package.extension-mismatch', `The name says ${ext} but the content is not a recognisable ${ext} file.`, {
      content: kind,
    })
  const limit = kind === 'raw' && profile === 'koogallery-image' ? 1000 * GB : info.sizeLimit
  if (limit !== null && size > limit)
    f('package.too-large', `${(size / GB).toFixed(2)} GB is over the ${limit / GB} GB limit of ${info.title}.`)
  if (profile.startsWith('koogallery-') && size > GB)
    f(
      'package.obs-required',
      `${(size / GB).toFixed(2)} GB: upload it to an OBS bucket first (KooGallery: CN North-Beijing4) and give the console its URL.`,
    )
  if (size === 0) f('package.empty', 'The file is empty (0 bytes).')
  return out
}
