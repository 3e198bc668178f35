// Content classification in the entry pass: executables by format and architecture (ELF e_machine, PE
// machine, Mach-O cputype, fat binaries), source and manifest files by language, and filesystem or firmware
// images by magic. Facts for the summary; binaries for architectures the marketplace does not list get
// content.architecture-unsupported, and one content.summary info finding sums it up.
import { bi } from '../../src-preload/text'
import { makeFinding } from '../reports/model'
import { normalisePath } from '../walk/paths'
import { binaryArch } from '../walk/sniff'
import type { EntryScanner, ScanContext } from '../walk/types'

/** Architectures the marketplace lists: x86/x64, Arm/Arm64, MIPS, PowerPC. */
const SUPPORTED = new Set(['x86', 'x64', 'Arm', 'Arm64', 'MIPS', 'PowerPC', 'PowerPC64'])

const LANGUAGES: Array<[RegExp, string]> = [
  [/\.(c|h)$/i, 'C'],
  [/\.(cc|cpp|cxx|hpp|hh|hxx)$/i, 'C++'],
  [/\.(java|jar|war|ear|class)$|(^|\/)pom\.xml$|\.gradle$/i, 'Java'],
  [/\.go$|(^|\/)go\.(mod|sum)$/i, 'Go'],
  [/\.(js|mjs|cjs|jsx|ts|tsx)$|(^|\/)package(-lock)?\.json$|(^|\/)yarn\.lock$/i, 'JavaScript'],
  [
    /\.(py|pyc|pyw)$|(^|\/)(requirements[^/]*\.txt|setup\.py|pyproject\.toml|poetry\.lock|Pipfile(\.lock)?)$/i,
    'Python',
  ],
  [/\.rs$|(^|\/)Cargo\.(toml|lock)$/i, 'Rust'],
  [/\.swift$|(^|\/)Package\.(swift|resolved)$/i, 'Swift'],
  [/\.(cs|csproj|sln)$|\.deps\.json$/i, 'C#'],
  [/\.php$|(^|\/)composer\.(json|lock)$/i, 'PHP'],
]

function imageKind(head: Buffer): string | null {
  const at = (o: number, s: string) =>
    head.length >= o + s.length && head.subarray(o, o + s.length).toString('latin1') === s
  if (at(0, 'hsqs') || at(0, 'sqsh')) return 'SquashFS'
  if (head.length >= 1082 && head.readUInt16LE(1080) === 0xef53) return 'ext2/3/4'
  if (at(0x8001, 'CD001')) return 'ISO 9660'
  if (head.length >= 4 && (head.readUInt32LE(0) === 0x28cd3d45 || head.readUInt32BE(0) === 0x28cd3d45)) return 'cramfs'
  if (at(0, 'UBI#')) return 'UBI'
  if (at(0, 'KDMV') || at(0, '# Disk DescriptorFile')) return 'VMDK'
  if (at(0, 'QFI\xfb')) return 'QCOW2'
  if (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) return 'VDI'
  if (at(0, 'MSWIM')) return 'WIM'
  if (head.length >= 4 && head.readUInt32LE(0) === 0xed26ff3a) return 'Android sparse'
  if (head.length >= 4 && head.readUInt32BE(0) === 0x27051956) return 'U-Boot'
  return null
}

export function createClassifyScanner(ctx: ScanContext): EntryScanner {
  const languages = new Map<string, number>()
  const architectures = new Map<string, number>()
  const images: Array<{ location: string; kind: string }> = []
  const unsupported: Array<{ location: string; arch: string; format: string }> = []
  return {
    id: 'classify',
    wants(entry, head) {
      if (entry.type !== 'file') return false
      const path = normalisePath(entry.path)
      for (const [re, lang] of LANGUAGES)
        if (re.test(path)) {
          languages.set(lang, (languages.get(lang) ?? 0) + 1)
          break
        }
      const bin = binaryArch(head)
      if (bin)
        for (const a of bin.archs) {
          architectures.set(a, (architectures.get(a) ?? 0) + 1)
          if (!SUPPORTED.has(a) && unsupported.length < 1000)
            unsupported.push({ location: entry.location, arch: a, format: bin.format })
        }
      const img = imageKind(head)
      if (img && images.length < 1000) images.push({ location: entry.location, kind: img })
      return false // metadata and head are enough: the content is not needed
    },
    open: () => ({ write() {}, end() {} }),
    finish() {
      const findings = unsupported
        .slice(0, 50)
        .map((u) =>
          makeFinding(
            'content.architecture-unsupported',
            u.location,
            bi(
              `${u.format} binary for ${u.arch}: the marketplace lists x86/x64, Arm/Arm64, MIPS and PowerPC.`,
              `${u.arch} 架构的 ${u.format} 二进制文件：云商店只支持 x86/x64、Arm/Arm64、MIPS 和 PowerPC。`,
            ),
            { profile: ctx.profile, details: { architecture: u.arch } },
          ),
        )
      const langs = [...languages.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l)
      const archs = [...architectures.entries()].sort((a, b) => b[1] - a[1]).map(([a]) => a)
      const imageKinds = [...new Set(images.map((i) => i.kind))]
      if (langs.length || archs.length || images.length)
        findings.push(
          makeFinding(
            'content.summary',
            ctx.packageName,
            bi(
              `Languages: ${langs.join(', ') || 'none found'}. Binaries: ${archs.join(', ') || 'none'}. Filesystem/firmware images: ${imageKinds.join(', ') || 'none'}.`,
              `编程语言：${langs.join('、') || '未发现'}。二进制文件：${archs.join('、') || '无'}。文件系统/固件镜像：${imageKinds.join('、') || '无'}。`,
            ),
            { profile: ctx.profile },
          ),
        )
      return {
        findings,
        facts: { languages: Object.fromEntries(languages), architectures: Object.fromEntries(architectures), images },
      }
    },
  }
}
