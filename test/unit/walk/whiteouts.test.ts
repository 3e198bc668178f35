// Whiteouts applied across an image's layers, and per-layer sizes: images built here with umoci (a second
// layer added verbatim with `umoci raw add-layer`, holding .wh. markers) and converted with skopeo.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { hiddenBy, isWhiteout, LayerTree } from '../../../src-main/walk/whiteouts'
import { inspectPackage } from '../../../src-main/inspect/inspect'
import { scanPackage } from '../../../src-main/inspect/scan'
import { openDatabase, type Db } from '../../../src-main/store/db'
import { VulnDb } from '../../../src-main/vulns/osv'

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
const LOCK = (v: string) =>
  JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'web' }, 'node_modules/lodash': { version: v } } })

let dir: string
let db: Db

beforeAll(async () => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'wh-'))
  const osv = join(dir, 'osv')
  mkdirSync(osv)
  writeFileSync(
    join(osv, 'GHSA-lodash-1.json'),
    JSON.stringify({
      id: 'GHSA-lodash-1',
      modified: '2026-01-01T00:00:00Z',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [
        {
          package: { ecosystem: 'npm', name: 'lodash' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }],
        },
      ],
    }),
  )
  db = openDatabase(':memory:')
  await new VulnDb(db).importPath(osv)
})

/** An image whose layer 1 holds a vulnerable lockfile and an EICAR file, and whose layer 2 is `upper` (files → content). */
function image(name: string, upper: Record<string, string>): string {
  const layout = join(dir, `${name}-layout`)
  execFileSync('umoci', ['init', '--layout', layout])
  execFileSync('umoci', ['new', '--image', `${layout}:latest`])
  const base = join(dir, `${name}-base`)
  mkdirSync(join(base, 'app'), { recursive: true })
  mkdirSync(join(base, 'opt'), { recursive: true })
  writeFileSync(join(base, 'app/package-lock.json'), LOCK('4.17.20'))
  writeFileSync(join(base, 'opt/eicar.com'), EICAR)
  writeFileSync(join(base, 'opt/readme.txt'), 'kept\n')
  execFileSync('tar', ['-cf', join(dir, `${name}-base.tar`), '-C', base, '.'])
  execFileSync('umoci', ['raw', 'add-layer', '--image', `${layout}:latest`, join(dir, `${name}-base.tar`)])
  const top = join(dir, `${name}-top`)
  for (const [p, text] of Object.entries(upper)) {
    mkdirSync(join(top, p, '..'), { recursive: true })
    writeFileSync(join(top, p), text)
  }
  mkdirSync(top, { recursive: true })
  execFileSync('tar', ['-cf', join(dir, `${name}-top.tar`), '-C', top, '.'])
  execFileSync('umoci', ['raw', 'add-layer', '--image', `${layout}:latest`, join(dir, `${name}-top.tar`)])
  const out = join(dir, `${name}.tar`)
  execFileSync('tar', ['-cf', out, '-C', layout, '.'])
  return out
}

async function scan(path: string) {
  const r = await scanPackage(path, { profile: 'koogallery-container', db })
  return {
    r,
    malware: r.findings.filter((f) => f.rule === 'malware.detected').map((f) => f.location),
    deleted: r.findings.filter((f) => f.rule === 'oci.deleted-file-malware'),
    vulns: r.findings.filter((f) => f.rule.startsWith('vuln.')).map((f) => `${f.details?.version}@${f.location}`),
    lodash: r.components.filter((c) => c.name === 'lodash').map((c) => c.version),
  }
}

describe('LayerTree', () => {
  it('whiteouts, opaque directories and replacements hide lower paths; other paths stay', () => {
    expect(isWhiteout('app/.wh.x')).toBe(true)
    expect(isWhiteout('./.wh..wh..opq')).toBe(true)
    expect(isWhiteout('app/x.wh.y')).toBe(false)
    const t = new LayerTree()
    t.add('./app/.wh.package-lock.json', 'whiteout')
    t.add('lib/.wh.node_modules', 'whiteout')
    t.add('opt/.wh..wh..opq', 'whiteout')
    t.add('etc/passwd', 'file')
    t.add('srv', 'symlink')
    t.add('usr/', 'directory')
    for (const p of [
      'app/package-lock.json',
      'lib/node_modules/a/package.json',
      'opt/x',
      'opt/deep/y',
      'etc/passwd',
      'srv/www/index.js',
      '/app/package-lock.json',
      'usr',
    ])
      expect(t.hides(p), p).toBe(true)
    for (const p of ['app/other.json', 'lib/node_modules2/x', 'opt', 'etc/group', 'usr/bin/node'])
      expect(t.hides(p), p).toBe(false)
    const root = new LayerTree()
    root.add('.wh..wh..opq', 'whiteout')
    expect(root.hides('anything/at/all')).toBe(true)
    // the first layer above that hides it; unknown (unwalked) layers hide nothing
    expect(hiddenBy([undefined, new LayerTree(), undefined, t], 0, 'opt/x')).toBe(3)
    expect(hiddenBy([t, new LayerTree()], 0, 'opt/x')).toBe(-1)
  })
})

describe('whiteouts applied to image layers', () => {
  it('control: a later layer that deletes nothing leaves the vulnerable lockfile and the EICAR file blamed', async () => {
    const s = await scan(image('control', { 'srv/new.txt': 'x' }))
    expect(s.malware).toHaveLength(1)
    expect(s.malware[0]).toMatch(/^control\.tar!blobs\/sha256\/[a-f0-9]{64}!opt\/eicar\.com$/)
    expect(s.deleted).toEqual([])
    expect(s.lodash).toEqual(['4.17.20'])
    expect(s.vulns).toHaveLength(1)
    expect(s.r.verdict).toBe('fail')
  })

  it('.wh. markers in layer 2 remove the lockfile and the EICAR file of layer 1 from the report; the markers are no entries of their own', async () => {
    const s = await scan(image('deleted', { 'app/.wh.package-lock.json': '', 'opt/.wh.eicar.com': '' }))
    expect(s.malware).toEqual([])
    expect(s.lodash).toEqual([])
    expect(s.vulns).toEqual([])
    // the bytes still ship in layer 1's blob: said once, as a warning, not as malware in the image
    expect(s.deleted).toHaveLength(1)
    expect(s.deleted[0].severity).toBe('warning')
    expect(s.deleted[0].location).toMatch(/^deleted\.tar!blobs\/sha256\/[a-f0-9]{64}!opt\/eicar\.com$/)
    expect(s.deleted[0].message).toMatch(/Layer 1 of deleted\.tar .*eicar.*layer 2 deletes it/i)
    expect(s.r.findings.filter((f) => f.location.includes('.wh.'))).toEqual([])
    expect(s.r.facts.containers).toMatchObject({
      whiteouts: { droppedFindings: 1, downgradedMalware: 1, droppedComponents: 1 },
    })
    expect(s.r.findings.filter((f) => f.severity === 'blocker').map((f) => f.rule)).toEqual([])
    expect(s.r.verdict).toBe('pass')
  })

  it('an opaque directory hides only its own lower content; a replaced lockfile counts in its new version', async () => {
    const s = await scan(
      image('opaque', {
        'opt/.wh..wh..opq': '',
        'opt/readme.txt': 'new\n',
        'app/package-lock.json': LOCK('4.17.21'),
        'srv/.wh.x': EICAR,
      }),
    )
    // a marker carrying data is read like any file (runtimes never extract it, a layer scanner does)
    expect(s.malware).toEqual([expect.stringMatching(/!srv\/\.wh\.x$/)])
    expect(s.deleted).toHaveLength(1)
    expect(s.lodash).toEqual(['4.17.21'])
    expect(s.vulns).toEqual([])
  })

  it('the docker-archive form (skopeo) applies the same whiteouts', async () => {
    image('dock', { 'opt/.wh.eicar.com': '' })
    const tar = join(dir, 'dock-docker.tar')
    execFileSync('skopeo', ['copy', '-q', `oci:${join(dir, 'dock-layout')}:latest`, `docker-archive:${tar}:dock:1.0`])
    const s = await scan(tar)
    expect(s.malware).toEqual([])
    expect(s.deleted).toHaveLength(1)
    expect(s.lodash).toEqual(['4.17.20'])
    expect(s.vulns).toHaveLength(1)
  })

  it('a layer shared by two images is only cleared when every image deletes the file', async () => {
    // one layout, two tags: "clean" deletes the EICAR file in its layer 2, "dirty" is layer 1 alone
    const layout = join(dir, 'shared-layout')
    image('shared', { 'opt/.wh.eicar.com': '' })
    execFileSync('umoci', ['tag', '--image', `${layout}:latest`, 'clean'])
    // "dirty": a second manifest (and config) in the same layout listing layer 1 only
    const idx = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
    const base = JSON.parse(readFileSync(join(layout, 'blobs/sha256', idx.manifests[0].digest.split(':')[1]), 'utf8'))
    const cfg = JSON.parse(readFileSync(join(layout, 'blobs/sha256', base.config.digest.split(':')[1]), 'utf8'))
    cfg.rootfs.diff_ids = cfg.rootfs.diff_ids.slice(0, 1)
    cfg.history = []
    const put = (obj: unknown) => {
      const bytes = Buffer.from(JSON.stringify(obj))
      const hex = execFileSync('sha256sum', { input: bytes, encoding: 'utf8' }).split(' ')[0]
      writeFileSync(join(layout, 'blobs/sha256', hex), bytes)
      return { digest: `sha256:${hex}`, size: bytes.length }
    }
    const c = put(cfg)
    const m = put({ ...base, config: { ...base.config, ...c }, layers: base.layers.slice(0, 1) })
    idx.manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...m,
      annotations: { 'org.opencontainers.image.ref.name': 'dirty' },
    })
    writeFileSync(join(layout, 'index.json'), JSON.stringify(idx))
    const out = join(dir, 'shared2.tar')
    execFileSync('tar', ['-cf', out, '-C', layout, '.'])
    const s = await scan(out)
    expect(s.malware).toHaveLength(1)
    expect(s.deleted).toEqual([])
  })
})

describe('layer sizes', () => {
  it('each layer: compressed size as stored, uncompressed size as gunzip gives it; in the report and in inspect', async () => {
    const path = image('sizes', { 'srv/big.txt': 'y'.repeat(100_000) })
    const layout = join(dir, 'sizes-layout')
    const idx = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
    const manifest = JSON.parse(
      readFileSync(join(layout, 'blobs/sha256', idx.manifests[0].digest.split(':')[1]), 'utf8'),
    ) as { layers: Array<{ digest: string; size: number }> }
    const expected = manifest.layers
      .map((l) => {
        const blob = join(layout, 'blobs/sha256', l.digest.split(':')[1])
        expect(statSync(blob).size).toBe(l.size)
        return {
          digest: l.digest,
          compressed: l.size,
          uncompressed: execFileSync('sh', ['-c', `gzip -dc '${blob}' | wc -c`], { encoding: 'utf8' }).trim(),
        }
      })
      .map((l) => ({ ...l, uncompressed: Number(l.uncompressed) }))
    expect(expected).toHaveLength(2)
    expect(expected[1].uncompressed).toBeGreaterThan(100_000)
    type Img = { layers: number; compressedSize: number; uncompressedSize: number | null; layerSizes: typeof expected }
    const r = await scanPackage(path, { profile: 'koogallery-container' })
    const img = (r.facts.containers as { images: Img[] }).images[0]
    expect(img.layerSizes).toEqual(expected)
    expect(img.compressedSize).toBe(expected[0].compressed + expected[1].compressed)
    expect(img.uncompressedSize).toBe(expected[0].uncompressed + expected[1].uncompressed)
    const ins = await inspectPackage(path)
    expect((ins.images as Img[])[0].layerSizes).toEqual(expected)
    // docker-archive: uncompressed layer tars, so both sizes are the tar's size
    const tar = join(dir, 'sizes-docker.tar')
    execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${tar}:sizes:1.0`])
    const d = ((await scanPackage(tar, { profile: 'swr-image' })).facts.containers as { images: Img[] }).images[0]
    expect(d.layerSizes.map((l) => l.uncompressed)).toEqual(d.layerSizes.map((l) => l.compressed))
    expect(d.uncompressedSize).toBe(expected[0].uncompressed + expected[1].uncompressed)
  })
})
