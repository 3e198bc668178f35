// The wizard's prefill from a pre-scan: SWR repository, organization and tag come from the tags the containers
// scanner records for a real image tar (made here with umoci and skopeo), and never overwrite typed values.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scanPackage } from '../../../../../src-main/inspect/scan'
import { parseImageRef, prefill } from '../../../../../src-renderer/screens/wizard/derive'
import { umociImage } from '../../../../fixtures/umoci-image'

describe('parseImageRef', () => {
  it('splits registry, organization, repository and tag as docker does', () => {
    expect(parseImageRef('swr.cn-north-4.myhuaweicloud.com/acme/web-app:2.0')).toEqual({
      registry: 'swr.cn-north-4.myhuaweicloud.com',
      organization: 'acme',
      repository: 'web-app',
      tag: '2.0',
    })
    expect(parseImageRef('acme/web:1')).toEqual({
      registry: undefined,
      organization: 'acme',
      repository: 'web',
      tag: '1',
    })
    expect(parseImageRef('localhost:5000/web:1')).toEqual({
      registry: 'localhost:5000',
      organization: undefined,
      repository: 'web',
      tag: '1',
    })
    expect(parseImageRef('web:1.0')).toEqual({
      registry: undefined,
      organization: undefined,
      repository: 'web',
      tag: '1.0',
    })
    expect(parseImageRef('web@sha256:0123')).toEqual({
      registry: undefined,
      organization: undefined,
      repository: 'web',
      tag: undefined,
    })
  })

  it('answers null for an OCI ref name that is only a tag, and for nothing', () => {
    expect(parseImageRef('latest')).toBeNull()
    expect(parseImageRef('')).toBeNull()
  })
})

describe('prefill from a scanned image tar', () => {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'derive-'))
  const layout = umociImage(join(dir, 'layout'), '/srv', { 'index.html': 'hi' })
  const tar = join(dir, 'web.tar')
  execFileSync('skopeo', [
    'copy',
    '-q',
    `oci:${layout}:latest`,
    `docker-archive:${tar}:swr.example.com/acme/web-app:2.0`,
  ])

  it('fills repository, organization and tag from the report facts', async () => {
    const report = await scanPackage(tar, { profile: 'swr-image' })
    const v = prefill('swr-image', {}, report.facts as never)
    expect(v.attrs).toEqual({ repository: 'web-app', organization: 'acme', tag: '2.0' })
  })

  it('keeps what the seller typed and fills only the empty fields', async () => {
    const report = await scanPackage(tar, { profile: 'swr-image' })
    const v = prefill('swr-image', { attrs: { repository: 'mine', tag: '' } }, report.facts as never)
    expect(v.attrs).toEqual({ repository: 'mine', organization: 'acme', tag: '2.0' })
  })

  it('fills nothing for another profile', async () => {
    const report = await scanPackage(tar)
    expect(prefill('koogallery-app', {}, report.facts as never).attrs).toBeUndefined()
  })
})
