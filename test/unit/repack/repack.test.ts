// Repack against the real tools: docker-archives (from skopeo) become OCI layouts that `skopeo inspect
// oci-archive:` reads and `umoci unpack` turns into the same file tree as the source; the bundle scans with
// verdict pass; the docker-archive form is produced for SWR; a bad output name is made compliant.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { repack, verifyBundle } from '../../../src-main/repack/repack'
import { scanPackage } from '../../../src-main/inspect/scan'

let dir: string
function image(name: string): { layout: string; dockerTar: string } {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  const content = join(dir, `${name}-content`)
  mkdirSync(join(content, 'srv'), { recursive: true })
  writeFileSync(join(content, 'srv/index.html'), `<h1>${name}</h1>\n`)
  writeFileSync(join(content, 'srv/app.sh'), '#!/bin/sh\necho hi\n')
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(content, 'srv'), '/srv'])
  const dockerTar = join(dir, `${name}-docker.tar`)
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${dockerTar}:${name}:1.0`])
  return { layout, dockerTar }
}
const tree = (root: string): string[] =>
  (readdirSync(root, { recursive: true }) as string[]).filter((p) => !p.startsWith('.')).sort()

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'repack-'))
})

describe('repack', () => {
  it('two docker-archives → one OCI bundle the real tools accept', async () => {
    const a = image('web')
    const b = image('api')
    const r = await repack([a.dockerTar, b.dockerTar], { output: join(dir, 'images.tar.gz') })
    expect(r.report!.verdict).toBe('pass')
    expect(r.images.map((i) => i.member)).toEqual(['web-1_0.tar', 'api-1_0.tar'])
    const out = join(dir, 'out')
    mkdirSync(out)
    execFileSync('tar', ['-xzf', r.output, '-C', out])
    const inspect = JSON.parse(
      execFileSync('skopeo', ['inspect', `oci-archive:${join(out, 'web-1_0.tar')}`], { encoding: 'utf8' }),
    )
    expect(inspect.Layers.length).toBe(1)
    // umoci unpack of the converted image gives the same tree as the source image
    const lay = join(dir, 'converted-layout')
    mkdirSync(lay)
    execFileSync('tar', ['-xf', join(out, 'web-1_0.tar'), '-C', lay])
    const tag = JSON.parse(readFileSync(join(lay, 'index.json'), 'utf8')).manifests[0].annotations[
      'org.opencontainers.image.ref.name'
    ]
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${lay}:${tag}`, join(dir, 'unpacked-new')], {
      stdio: 'ignore',
    })
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${a.layout}:latest`, join(dir, 'unpacked-src')], {
      stdio: 'ignore',
    })
    expect(tree(join(dir, 'unpacked-new/rootfs'))).toEqual(tree(join(dir, 'unpacked-src/rootfs')))
    expect(readFileSync(join(dir, 'unpacked-new/rootfs/srv/index.html'), 'utf8')).toBe('<h1>web</h1>\n')
    expect((await scanPackage(r.output)).profile).toBe('koogallery-container')
  })

  it('zip bundles, compliant names, and the SWR docker-archive form; the CLI', async () => {
    const a = image('shop')
    const ociTar = join(dir, 'shop-oci.tar')
    execFileSync('tar', ['-cf', ociTar, '-C', a.layout, '.'])
    const r = await repack([ociTar], { output: join(dir, 'shop.v1.zip') })
    expect(r.output).toBe(join(dir, 'shop_v1.zip'))
    expect(r.renamedFrom).toBe('shop.v1.zip')
    expect(r.report!.verdict).toBe('pass')
    const swr = await repack([ociTar], { output: join(dir, 'shop-swr.tar'), format: 'docker-archive' })
    const inner = join(dir, 'swr-out')
    mkdirSync(inner)
    execFileSync('tar', ['-xf', swr.output, '-C', inner])
    const member = readdirSync(inner)[0]
    expect(
      JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${join(inner, member)}`], { encoding: 'utf8' }))
        .Layers.length,
    ).toBe(1)
    expect(
      (await scanPackage(join(inner, member), { profile: 'swr-image' })).findings.filter(
        (f) => (f.rule.startsWith('oci.') || f.rule === 'swr.console-oci') && f.severity !== 'info',
      ),
    ).toEqual([])
    const cli = execFileSync(
      process.execPath,
      [resolve(__dirname, '../../../bin/preflight.cjs'), 'repack', a.dockerTar, '--output', join(dir, 'cli.tar')],
      { encoding: 'utf8' },
    )
    expect(cli).toMatch(/shop-1_0\.tar +\(converted from docker-archive\)/)
    expect(cli).toMatch(/cli\.tar +pass/)
  })

  it('--no-scan: tar, tar.gz and zip bundles are read back byte for byte instead of scanned; a changed byte, a missing or foreign member fails', async () => {
    const a = image('nos')
    const ociTar = join(dir, 'nos-oci.tar')
    execFileSync('tar', ['-cf', ociTar, '-C', a.layout, '.'])
    for (const ext of ['tar', 'tar.gz', 'zip']) {
      const r = await repack([ociTar, a.dockerTar], { output: join(dir, `nos.${ext}`), scan: false })
      expect(r.report).toBeNull()
      expect(r.images.map((i) => i.from)).toEqual(['oci', 'docker-archive'])
      // what was written scans as the full repack would have
      expect((await scanPackage(r.output, { profile: 'koogallery-container' })).verdict, ext).toBe('pass')
    }
    // verifyBundle on its own: the bundle as written passes; a flipped byte, a missing member or an extra one fail
    const members = [{ name: 'nos-oci.tar', path: ociTar, size: readFileSync(ociTar).length }]
    const bundle = join(dir, 'one.tar')
    execFileSync('tar', ['-cf', bundle, '-C', dir, 'nos-oci.tar'])
    await verifyBundle(bundle, '.tar', members, { output: bundle })
    const bytes = readFileSync(bundle)
    bytes[512 + 3000] ^= 1
    writeFileSync(join(dir, 'flipped.tar'), bytes)
    await expect(verifyBundle(join(dir, 'flipped.tar'), '.tar', members, { output: bundle })).rejects.toThrow(
      /does not read back as written \(nos-oci\.tar differs from .* near byte 0\)/,
    )
    await expect(
      verifyBundle(bundle, '.tar', [...members, { ...members[0], name: 'two.tar' }], { output: bundle }),
    ).rejects.toThrow(/1 member\(s\) missing/)
    await expect(verifyBundle(bundle, '.tar', [], { output: bundle })).rejects.toThrow(
      /entry 1 is nos-oci\.tar .* expected no more entries/,
    )
    // a damaged .tar.gz is a failure, not an unhandled stream error
    const gz = execFileSync('gzip', ['-c', bundle])
    writeFileSync(join(dir, 'cut.tar.gz'), gz.subarray(0, Math.floor(gz.length / 2)))
    await expect(verifyBundle(join(dir, 'cut.tar.gz'), '.tar.gz', members, { output: bundle })).rejects.toThrow(
      /does not read back as written/,
    )
    const cli = execFileSync(
      process.execPath,
      [
        resolve(__dirname, '../../../bin/preflight.cjs'),
        'repack',
        ociTar,
        '--output',
        join(dir, 'cli-nos.tar'),
        '--no-scan',
      ],
      { encoding: 'utf8' },
    )
    expect(cli).toMatch(/cli-nos\.tar +verified \(not scanned: run preflight scan /)
  })
})
