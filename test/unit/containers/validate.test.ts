// Container image validation in the entry pass, against the public corpora (go-containerregistry,
// containers/image) and images built here with umoci and converted with skopeo.
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { corpus } from '../../corpora'

let dir: string
const rules = async (path: string, profile: string) =>
  (await scanPackage(path, { profile })).findings
    .filter((f) => f.rule.startsWith('oci.') || f.rule.startsWith('swr.'))
    .map((f) => f.rule)
    .sort()

/** Tar a layout folder as an OCI archive (members at the root). */
function tarDir(src: string, out: string): string {
  execFileSync('tar', ['-cf', out, '-C', src, '.'])
  return out
}

function umociImage(name: string, arch?: string): string {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  const content = join(dir, `${name}-content`)
  mkdirSync(join(content, 'app'), { recursive: true })
  writeFileSync(join(content, 'app/hello.txt'), `hello from ${name}\n`)
  execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(content, 'app'), '/app'])
  if (arch) execFileSync('umoci', ['config', '--image', `${layout}:latest`, '--architecture', arch])
  return layout
}

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'oci-'))
})

describe('corpora', () => {
  it('go-containerregistry layouts: valid ones pass, a layout with its blobs missing does not', async () => {
    const root = corpus('go-containerregistry/pkg/v1/layout/testdata')
    for (const name of ['test_index', 'test_index_one_image', 'test_index_media_type', 'test_gc_index'])
      expect(await rules(tarDir(join(root, name), join(dir, `${name}.tar`)), 'swr-image'), name).toEqual(
        name === 'test_index_one_image' || name === 'test_index'
          ? ['swr.console-oci']
          : expect.not.arrayContaining(['oci.missing-blob', 'oci.digest-mismatch', 'oci.invalid-layout']),
      )
    expect(
      await rules(tarDir(join(root, 'test_gc_image_unknown_mediatype'), join(dir, 'gc_unknown.tar')), 'swr-image'),
    ).toContain('oci.missing-blob')
  })

  it('go-containerregistry docker-archives: valid ones are not-oci only; null manifest is invalid; Docker 25 hybrid is OCI', async () => {
    const root = corpus('go-containerregistry/pkg/v1/tarball/testdata')
    for (const name of [
      'test_image_1.tar',
      'test_image_2.tar',
      'test_load_manifest.tar',
      'test_bundle.tar',
      'test_link.tar',
    ])
      expect(await rules(join(root, name), 'koogallery-container'), name).toEqual(['oci.not-oci'])
    expect(await rules(join(root, 'null_manifest.tar'), 'koogallery-container')).toContain('oci.invalid-layout')
    expect(await rules(join(root, 'hello-world-v25.tar'), 'koogallery-container')).toEqual([])
    expect(await rules(corpus('containers-image/docker/archive/fixtures/almostempty.tar'), 'swr-image')).toEqual([
      'oci.not-oci',
    ])
    const swr = (
      await scanPackage(corpus('containers-image/docker/archive/fixtures/almostempty.tar'), { profile: 'swr-image' })
    ).findings.find((f) => f.rule === 'oci.not-oci')!
    expect(swr.severity).toBe('info')
  })

  it('for SWR, a tar in which no image is found (manifest.json not a list; plain files) holds no container image', async () => {
    for (const [name, files] of [
      ['object-manifest', { 'manifest.json': '{}' }],
      ['plain', { 'readme.txt': 'hello\n' }],
    ] as const) {
      const src = join(dir, `swr-${name}`)
      mkdirSync(src)
      for (const [f, text] of Object.entries(files)) writeFileSync(join(src, f), text)
      const r = await scanPackage(tarDir(src, join(dir, `swr-${name}.tar`)), { profile: 'swr-image' })
      expect(r.verdict, name).toBe('fail')
      expect(
        r.findings.filter((f) => f.rule.startsWith('oci.')).map((f) => [f.rule, f.location, f.message.split(':')[0]]),
        name,
      ).toEqual([['oci.invalid-layout', `swr-${name}.tar`, 'The package holds no container image']])
    }
  })

  it('containers/image: an index-only folder and invalid manifests are found', async () => {
    const root = corpus('containers-image')
    const onlyIndex = join(dir, 'only-index')
    cpSync(join(root, 'oci/layout/fixtures/two_images_manifest'), onlyIndex, { recursive: true })
    expect(await rules(tarDir(onlyIndex, join(dir, 'only-index.tar')), 'swr-image')).toEqual(
      expect.arrayContaining(['oci.invalid-layout', 'oci.missing-blob']),
    )
    // a layout whose manifest blob is replaced by a fixture manifest (non-JSON, invalid media type)
    for (const [fixture, rule] of [
      ['non-json.manifest.json', 'oci.invalid-layout'],
      ['ociv1.invalid.mediatype.manifest.json', 'oci.invalid-layout'],
    ] as const) {
      const layout = umociImage(`fx-${fixture}`)
      const idx = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
      const bytes = readFileSync(join(root, 'manifest/fixtures', fixture))
      const hex = execFileSync('sha256sum', { input: bytes, encoding: 'utf8' }).split(' ')[0]
      writeFileSync(join(layout, 'blobs/sha256', hex), bytes)
      idx.manifests[0].digest = `sha256:${hex}`
      idx.manifests[0].size = bytes.length
      writeFileSync(join(layout, 'index.json'), JSON.stringify(idx))
      expect(await rules(tarDir(layout, join(dir, `${fixture}.tar`)), 'swr-image'), fixture).toContain(rule)
    }
  })
})

describe('images built with umoci and skopeo', () => {
  it('an OCI archive passes; its docker-archive form is oci.not-oci; a flipped byte is a digest mismatch; riscv64 is refused', async () => {
    const layout = umociImage('web')
    const oci = tarDir(layout, join(dir, 'web-oci.tar'))
    expect(await rules(oci, 'koogallery-container')).toEqual([])
    const r = await scanPackage(oci, { profile: 'koogallery-container' })
    expect((r.facts.containers as { images: Array<{ platform: string }> }).images[0].platform).toBe('linux/amd64')
    const dockerTar = join(dir, 'web-docker.tar')
    execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${dockerTar}:web:1.0`])
    expect(await rules(dockerTar, 'koogallery-container')).toEqual(['oci.not-oci'])
    // flip one byte inside the layer blob
    const idx = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
    const manifest = JSON.parse(
      readFileSync(join(layout, 'blobs/sha256', idx.manifests[0].digest.split(':')[1]), 'utf8'),
    )
    const layer = join(layout, 'blobs/sha256', manifest.layers[0].digest.split(':')[1])
    const broken = join(dir, 'broken-layout')
    cpSync(layout, broken, { recursive: true })
    const target = join(broken, 'blobs/sha256', manifest.layers[0].digest.split(':')[1])
    const fd = openSync(target, 'r+')
    const pos = Math.floor(statSync(layer).size / 2)
    const b = Buffer.alloc(1)
    b[0] = readFileSync(layer)[pos] ^ 0xff
    writeSync(fd, b, 0, 1, pos)
    closeSync(fd)
    expect(await rules(tarDir(broken, join(dir, 'broken.tar')), 'koogallery-container')).toContain(
      'oci.digest-mismatch',
    )
    // a layout whose index names no image (an unknown media type; an empty list) loads nothing: not a pass
    const idxPath = join(broken, 'index.json')
    writeFileSync(
      idxPath,
      JSON.stringify({
        ...idx,
        manifests: [{ ...idx.manifests[0], mediaType: 'application/vnd.example.thing.v1+json' }],
      }),
    )
    const none = await scanPackage(tarDir(broken, join(dir, 'no-image.tar')), { profile: 'koogallery-container' })
    expect(none.findings.filter((x) => x.rule === 'oci.invalid-layout').map((x) => [x.location, x.message])).toEqual([
      [
        'no-image.tar!index.json',
        'The layout holds no container image: it lists a descriptor of media type application/vnd.example.thing.v1+json, neither an image manifest nor an index. A container package needs image manifests (application/vnd.oci.image.manifest.v1+json).',
      ],
    ])
    writeFileSync(idxPath, JSON.stringify({ ...idx, manifests: [] }))
    expect(
      (
        await scanPackage(tarDir(broken, join(dir, 'empty-index.tar')), { profile: 'koogallery-container' })
      ).findings.find((x) => x.rule === 'oci.invalid-layout')?.message,
    ).toMatch(/holds no container image: its manifest list is empty/)
    const riscv = umociImage('riscv', 'riscv64')
    expect(await rules(tarDir(riscv, join(dir, 'riscv.tar')), 'koogallery-container')).toEqual([
      'oci.platform-unsupported',
    ])
  })

  it('a bundle of image tars is picked as a container package; a stray file is refused; malware is found inside layers', async () => {
    const a = tarDir(umociImage('a'), join(dir, 'a.tar'))
    const layout = umociImage('b')
    const content = join(dir, 'evil')
    mkdirSync(content, { recursive: true })
    writeFileSync(join(content, 'eicar.com'), 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')
    execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(content, 'eicar.com'), '/opt/eicar.com'])
    const bt = tarDir(layout, join(dir, 'b.tar'))
    mkdirSync(join(dir, 'bundle'))
    cpSync(a, join(dir, 'bundle/a.tar'))
    cpSync(bt, join(dir, 'bundle/b.tar'))
    execFileSync('tar', ['-czf', join(dir, 'images.tar.gz'), '-C', join(dir, 'bundle'), 'a.tar', 'b.tar'])
    const r = await scanPackage(join(dir, 'images.tar.gz'))
    expect(r.profile).toBe('koogallery-container')
    const mw = r.findings.filter((f) => f.rule === 'malware.detected').map((f) => f.location)
    expect(mw).toHaveLength(1)
    expect(mw[0]).toMatch(/^images\.tar\.gz!b\.tar!blobs\/sha256\/[a-f0-9]{64}!opt\/eicar\.com$/)
    writeFileSync(join(dir, 'bundle/readme.txt'), 'hi')
    execFileSync('tar', ['-czf', join(dir, 'images2.tar.gz'), '-C', join(dir, 'bundle'), 'a.tar', 'readme.txt'])
    expect(await rules(join(dir, 'images2.tar.gz'), 'koogallery-container')).toEqual(['oci.bundle-entry-not-image'])
    void readdirSync
  })

  it('zstd layers (skopeo --dest-compress-format zstd) are walked: malware inside is found, the uncompressed size is known', async () => {
    const layout = umociImage('z')
    const content = join(dir, 'z-evil')
    mkdirSync(content, { recursive: true })
    writeFileSync(join(content, 'eicar.com'), 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')
    execFileSync('umoci', ['insert', '--image', `${layout}:latest`, join(content, 'eicar.com'), '/opt/eicar.com'])
    const zst = join(dir, 'z-zstd.tar')
    execFileSync('skopeo', [
      'copy',
      '-q',
      '--dest-compress-format',
      'zstd',
      `oci:${layout}:latest`,
      `oci-archive:${zst}:latest`,
    ])
    const r = await scanPackage(zst, { profile: 'koogallery-container' })
    const images = (
      r.facts.containers as { images: Array<{ layerSizes: Array<{ digest: string; uncompressed: number | null }> }> }
    ).images
    const manifest = JSON.parse(
      execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${zst}`], { encoding: 'utf8' }),
    )
    expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toContain(
      'application/vnd.oci.image.layer.v1.tar+zstd',
    )
    expect(images[0].layerSizes.every((l) => typeof l.uncompressed === 'number' && l.uncompressed > 0)).toBe(true)
    expect(r.findings.map((f) => f.rule)).not.toContain('archive.nested-unscanned')
    expect(r.findings.filter((f) => f.rule === 'malware.detected').map((f) => f.location)).toEqual([
      expect.stringMatching(/^z-zstd\.tar!blobs\/sha256\/[a-f0-9]{64}!opt\/eicar\.com$/),
    ])
  })
})
