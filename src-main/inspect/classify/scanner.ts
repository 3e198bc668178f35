// Content classification in the entry pass: executables by format and architecture (ELF e_machine, PE
// machine, Mach-O cputype, fat binaries), source and manifest files by language, and filesystem or firmware
// images by magic. Facts for the summary; binaries for architectures the marketplace does not list get
// content.architecture-unsupported, and one content.summary info finding sums it up.
import { makeFinding } from '../../reports/model'
import { normalisePath } from '../../walk/paths'
import type { EntryScanner, ScanContext } from '../../walk/types'

const ELF: Record<number, string> = { 3: 'x86', 62: 'x64', 40: 'Arm', 183: 'Arm64', 8: 'MIPS', 10: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 243: 'RISC-V', 22: 'IBM Z', 2: 'SPARC', 43: 'SPARC64', 258: 'LoongArch', 50: 'IA-64' }
const PE: Record<number, string> = { 0x14c: 'x86', 0x8664: 'x64', 0x1c0: 'Arm', 0x1c4: 'Arm', 0xaa64: 'Arm64', 0x166: 'MIPS', 0x1f0: 'PowerPC', 0x5064: 'RISC-V', 0x200: 'IA-64' }
const MACHO: Record<number, string> = { 7: 'x86', 0x01000007: 'x64', 12: 'Arm', 0x0100000c: 'Arm64', 18: 'PowerPC', 0x01000012: 'PowerPC64' }
/** Architectures the marketplace lists: x86/x64, Arm/Arm64, MIPS, PowerPC. */
const SUPPORTED = new Set(['x86', 'x64', 'Arm', 'Arm64', 'MIPS', 'PowerPC', 'PowerPC64'])

const LANGUAGES: Array<[RegExp, string]> = [
  [/\.(c|h)$/i, 'C'], [/\.(cc|cpp|cxx|hpp|hh|hxx)$/i, 'C++'], [/\.(java|jar|war|ear|class)$|(^|\/)pom\.xml$|\.gradle$/i, 'Java'],
  [/\.go$|(^|\/)go\.(mod|sum)$/i, 'Go'], [/\.(js|mjs|cjs|jsx|ts|tsx)$|(^|\/)package(-lock)?\.json$|(^|\/)yarn\.lock$/i, 'JavaScript'],
  [/\.(py|pyc|pyw)$|(^|\/)(requirements[^/]*\.txt|setup\.py|pyproject\.toml|poetry\.lock|Pipfile(\.lock)?)$/i, 'Python'],
  [/\.rs$|(^|\/)Cargo\.(toml|lock)$/i, 'Rust'], [/\.swift$|(^|\/)Package\.(swift|resolved)$/i, 'Swift'], [/\.(cs|csproj|sln)$|\.deps\.json$/i, 'C#'],
  [/\.php$|(^|\/)composer\.(json|lock)$/i, 'PHP'],
]

function imageKind(head: Buffer): string | null {
  const at = (o: number, s: string) => head.length >= o + s.length && head.subarray(o, o + s.length).toString('latin1') === s
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
    if (magic === 0xfeedface || magic === 0xfeedfacf) return { format: 'Mach-O', archs: [MACHO[head.readUInt32BE(4)] ?? `Mach-O cpu ${head.readUInt32BE(4)}`] }
    if (magic === 0xcefaedfe || magic === 0xcffaedfe) return { format: 'Mach-O', archs: [MACHO[head.readUInt32LE(4)] ?? `Mach-O cpu ${head.readUInt32LE(4)}`] }
    if (magic === 0xcafebabe) {
      const n = head.readUInt32BE(4)
      if (n > 0 && n < 20) {
        const archs: string[] = []
        for (let i = 0; i < n && 8 + i * 20 + 4 <= head.length; i++) archs.push(MACHO[head.readUInt32BE(8 + i * 20)] ?? `Mach-O cpu ${head.readUInt32BE(8 + i * 20)}`)
        return { format: 'Mach-O (fat)', archs }
      }
    }
  }
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
      for (const [re, lang] of LANGUAGES) if (re.test(path)) {
        languages.set(lang, (languages.get(lang) ?? 0) + 1)
        break
      }
      const bin = binaryArch(head)
      if (bin) for (const a of bin.archs) {
        architectures.set(a, (architectures.get(a) ?? 0) + 1)
        if (!SUPPORTED.has(a) && unsupported.length < 1000) unsupported.push({ location: entry.location, arch: a, format: bin.format })
      }
      const img = imageKind(head)
      if (img && images.length < 1000) images.push({ location: entry.location, kind: img })
      return false // metadata and head are enough: the content is not needed
    },
    open: () => ({ write() {}, end() {} }),
    finish() {
      const findings = unsupported.slice(0, 50).map((u) => makeFinding('content.architecture-unsupported', u.location, `${u.format} binary for ${u.arch}: the marketplace lists x86/x64, Arm/Arm64, MIPS and PowerPC.`, { profile: ctx.profile, details: { architecture: u.arch } }))
      const langs = [...languages.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l)
      const archs = [...architectures.entries()].sort((a, b) => b[1] - a[1]).map(([a]) => a)
      if (langs.length || archs.length || images.length)
        findings.push(makeFinding('content.summary', ctx.packageName, `Languages: ${langs.join(', ') || 'none found'}. Binaries: ${archs.join(', ') || 'none'}. Filesystem/firmware images: ${[...new Set(images.map((i) => i.kind))].join(', ') || 'none'}.`, { profile: ctx.profile }))
      return { findings, facts: { languages: Object.fromEntries(languages), architectures: Object.fromEntries(architectures), images } }
    },
  }
}
