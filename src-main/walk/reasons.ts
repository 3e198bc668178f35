// Why an archive or a stream could not be read, in both languages. The English is the reader's own reason, as
// before; the Chinese is written here for the reasons Preflight and its readers (yauzl, node-tar, zlib, the
// zstd decoder) give, so that a finding never shows a Chinese reader an untranslated parser message.
import type { Bilingual } from '../../src-preload/text'

/** A reason whose Chinese its maker wrote (CRC mismatch, zstd limits): `reasonZh` beside the English message. */
export interface Reasoned {
  message: string
  reasonZh: string
}

/** An Error carrying its reason in both languages. */
export function reasonError(reason: Bilingual): Error & Reasoned {
  return Object.assign(new Error(reason.en), { reasonZh: reason.zh })
}

/** Known reader messages → the Chinese. First match wins; `$1`… are kept from the English. */
const KNOWN: Array<[RegExp, string]> = [
  // zlib
  [/^unexpected end of file$/i, '数据意外结束（文件被截断）'],
  [/^incorrect header check$/i, '压缩数据头校验失败'],
  [/^incorrect data check$/i, '压缩数据校验失败'],
  [
    /^invalid (block type|stored block lengths|distance too far back|distance code|literal\/length code|code lengths set|bit length repeat|literal\/lengths set|distances set)$/i,
    '压缩数据已损坏',
  ],
  [/^too many length or distance symbols$/i, '压缩数据已损坏'],
  [/^incorrect length check$/i, '解压后的长度与记录不符'],
  // yauzl
  [
    /^end of central directory record signature not found\b/i,
    '找不到中央目录结束记录：它不是 zip 文件，或者文件不完整',
  ],
  [
    /^invalid comment length\. expected: (\d+)\. found: (\d+)\b/i,
    'zip 注释长度应为 $1，实际为 $2，文件末尾可能有多余的字节',
  ],
  [/^multi-disk zip files are not supported: found disk number: (\d+)$/i, '不支持分卷 zip（磁盘编号 $1）'],
  [/^extra field length exceeds extra field buffer size$/i, '扩展字段长度超出其所在的数据区'],
  [/^zip64 extended information extra field does not include compressed size$/i, 'zip64 扩展信息字段缺少压缩后大小'],
  [/^zip64 extended information extra field does not include uncompressed size$/i, 'zip64 扩展信息字段缺少解压后大小'],
  [
    /^zip64 extended information extra field does not include relative header offset$/i,
    'zip64 扩展信息字段缺少本地文件头偏移量',
  ],
  [/^invalid central directory file header signature: (0x[0-9a-f]+)$/i, '中央目录文件头签名无效（$1）'],
  [/^invalid local file header signature: (0x[0-9a-f]+)$/i, '本地文件头签名无效（$1）'],
  [/^invalid zip64 end of central directory (record|locator) signature$/i, 'zip64 中央目录结束记录签名无效'],
  [/^file data overflows file bounds: (.*)$/i, '条目数据超出文件末尾（$1）'],
  [/^invalid characters in fileName: (.*)$/i, '文件名含有无效字符：$1'],
  [/^absolute path: (.*)$/i, '绝对路径：$1'],
  [/^invalid relative path: (.*)$/i, '无效的相对路径：$1'],
  [/^unsupported compression method: (\d+)$/i, '不支持的压缩方法：$1'],
  [/^strong encryption is not supported$/i, '不支持强加密'],
  [/^expected uncompressed size (\d+), got (\d+)$/i, '解压后大小应为 $1，实际为 $2'],
  [
    /^too many bytes in the stream\. expected (\d+)\. got at least (\d+)$/i,
    '数据比声明的多：应为 $1 字节，实际至少 $2 字节',
  ],
  [
    /^not enough bytes in the stream\. expected (\d+)\. got only (\d+)$/i,
    '数据比声明的少：应为 $1 字节，实际只有 $2 字节',
  ],
  [/^unexpected EOF$/i, '数据意外结束（文件被截断）'],
  [
    /^compressed\/uncompressed size mismatch for stored file: (\d+) != (\d+)$/i,
    '未压缩存储的条目，压缩前后大小不一致：$1 ≠ $2',
  ],
  [/^(\d+) entries declared, only (\d+) found$/i, '声明了 $1 个条目，实际只找到 $2 个'],
  // zstd (zstd.ts, fzstd)
  [/^not a zstd frame$/i, '不是 zstd 帧'],
  [/^a zstd frame header sets the reserved bit$/i, 'zstd 帧头设置了保留位'],
  [/^a zstd block has the reserved type$/i, 'zstd 数据块使用了保留类型'],
  [/^zstd data decompresses to more blocks than its frames hold$/i, 'zstd 数据解压出的数据块多于其帧声明的数量'],
  // node-tar
  [/^checksum failure$/i, '文件头校验和错误'],
  [/^invalid entry$/i, '条目无效'],
  [/^invalid base256 encoding$/i, '数值字段的 base256 编码无效'],
  [/^unrecognized archive format$/i, '无法识别的归档格式'],
  [/^truncated input \(needed (\d+) more bytes, only (\d+) available\)$/i, '数据意外结束：还需 $1 字节，只剩 $2 字节'],
  [/^truncated input\b/i, '数据意外结束（文件被截断）'],
  [/^path is required$/i, '条目缺少路径'],
  [/^encountered unexpected EOF$/i, '数据意外结束（文件被截断）'],
  [/^path is absolute$/i, '路径是绝对路径'],
  [/^linkpath (is )?required$/i, '链接条目缺少链接目标'],
  [/^linkpath (is )?forbidden$/i, '非链接条目带有链接目标'],
]

/** The Chinese of a reader's message; an unknown one is named as a damaged structure without its parser text. */
export function reasonZh(en: string): string {
  const parts = en.split('; ')
  if (parts.length > 1) return parts.map(reasonZh).join('；')
  for (const [re, zh] of KNOWN) {
    const m = re.exec(en.trim())
    if (m) return zh.replace(/\$(\d)/g, (_s, i: string) => m[Number(i)] ?? '')
  }
  return '结构已损坏，读取器无法解析'
}

/** Why `err` stopped a read, in both languages. */
export function damage(err: unknown): Bilingual {
  const en = err instanceof Error ? err.message : String(err)
  const own = (err as Partial<Reasoned> | null)?.reasonZh ?? (err as { messageZh?: string } | null)?.messageZh
  return { en, zh: own ?? reasonZh(en) }
}
