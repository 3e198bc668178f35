// A reader's reason in both languages: Preflight's own reasons carry their Chinese, known reader messages are
// translated with their figures kept, and an unknown one never reaches a Chinese reader as parser text.
import { describe, expect, it } from 'vitest'
import { PreflightError } from '../../../src-preload/errors'
import { bi } from '../../../src-preload/text'
import { damage, reasonError, reasonZh } from '../../../src-main/walk/reasons'
import { ZstdChecksumError, ZstdWindowError } from '../../../src-main/walk/zstd'

describe('damage reasons', () => {
  it("keeps the maker's Chinese: reasonError, PreflightError, the zstd errors", () => {
    expect(damage(reasonError(bi('CRC-32 mismatch', 'CRC-32 不符')))).toEqual({
      en: 'CRC-32 mismatch',
      zh: 'CRC-32 不符',
    })
    expect(damage(new PreflightError('cancelled', bi('Cancelled by the user.', '已由用户取消。'))).zh).toBe(
      '已由用户取消。',
    )
    expect(damage(new ZstdWindowError(512 * 1024 * 1024)).zh).toBe(
      '一个 zstd 帧需要 512 MiB 的窗口，超过解码器默认允许的 128 MiB',
    )
    expect(damage(new ZstdChecksumError(2, 1, 255)).zh).toBe(
      '第 2 个 zstd 帧解压后内容的校验和为 000000ff，与帧中记录的 00000001 不符',
    )
  })

  it('translates known reader messages with their figures, each of several', () => {
    expect(damage(new Error('invalid local file header signature: 0x3034b50'))).toEqual({
      en: 'invalid local file header signature: 0x3034b50',
      zh: '本地文件头签名无效（0x3034b50）',
    })
    expect(reasonZh('Truncated input (needed 512 more bytes, only 488 available); checksum failure')).toBe(
      '数据意外结束：还需 512 字节，只剩 488 字节；文件头校验和错误',
    )
    expect(reasonZh('too many bytes in the stream. expected 82496. got at least 98304')).toBe(
      '数据比声明的多：应为 82496 字节，实际至少 98304 字节',
    )
  })

  it('an unknown message: the English keeps it, the Chinese names a damaged structure instead', () => {
    expect(damage(new Error('some new parser complaint'))).toEqual({
      en: 'some new parser complaint',
      zh: '结构已损坏，读取器无法解析',
    })
    expect(damage('plain text').en).toBe('plain text')
  })
})
