// swr.console-too-large: the SWR console counts an image's decompressed size against its 2 GB per-file limit; a
// small real image (umoci) scanned for swr-image is under it and gets no such finding.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SWR_CONSOLE_LIMIT, swrConsoleSize } from '../../../src-main/containers/scanner'
import { scanPackage } from '../../../src-main/inspect/scan'
import { umociImage } from '../../fixtures/umoci-image'

describe('the SWR console size limit', () => {
  it('counts the decompressed size where it is known, else the stored size', () => {
    expect(SWR_CONSOLE_LIMIT).toBe(2 * 1024 ** 3)
    expect(swrConsoleSize({ compressedSize: 900 * 1024 ** 2, uncompressedSize: 2.5 * 1024 ** 3 })).toBeGreaterThan(
      SWR_CONSOLE_LIMIT,
    )
    expect(swrConsoleSize({ compressedSize: 2.2 * 1024 ** 3, uncompressedSize: null })).toBeGreaterThan(
      SWR_CONSOLE_LIMIT,
    )
    expect(swrConsoleSize({ compressedSize: 10, uncompressedSize: 20 })).toBe(20)
  })

  it('is not raised for a small image', async () => {
    const dir = mkdtempSync(join(process.env.TMPDIR!, 'swr-'))
    const layout = umociImage(join(dir, 'oci'), 'app', { 'a.txt': 'a' })
    execFileSync('tar', ['-cf', join(dir, 'small.tar'), '-C', layout, '.'])
    const r = await scanPackage(join(dir, 'small.tar'), { profile: 'swr-image' })
    expect(r.findings.map((f) => f.rule)).not.toContain('swr.console-too-large')
    expect(r.findings.map((f) => f.rule)).toContain('swr.console-oci')
  })
})
