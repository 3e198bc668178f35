// Structure-aware fuzzing of an OCI image tar (an image built with umoci): its index.json, manifest and config
// are mutated as JSON (a value replaced by any JSON value, a key removed, the document replaced) or as text
// (bytes changed, cut short), and the tar's member headers are damaged. A mutated manifest or config is
// stored under its new digest with the descriptors above it updated, so that most mutations get past the
// digest check into the schema and platform checks; some keep the old digest on purpose. The same image in
// docker-archive form (skopeo) has its manifest.json and config mutated the same way, scanned for SWR. Every
// scan must return a report whose findings are catalogue rules; a pass must still list the image (no silent
// loss), and an image that is not there must be explained by a blocker.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { Header } from 'tar'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import { hasRule } from '../../../src-preload/catalogue'
import { umociImage } from '../../fixtures/umoci-image'
import { fuzzOptions } from '../../fixtures/fuzz'

const RUNS = Math.round(Number(process.env.PREFLIGHT_FUZZ_RUNS ?? 2500) / 2)
type Doc = 'index' | 'manifest' | 'config'
let dir: string
/** The layout's files other than the three documents (oci-layout, layer blobs), by tar path. */
const others = new Map<string, Buffer>()
const docs = {} as Record<Doc, Buffer>
/** The docker-archive form: its members by path, and the paths of manifest.json and the config. */
const docker = { members: new Map<string, Buffer>(), config: '' }

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'oci-fuzz-'))
  const layout = umociImage(join(dir, 'layout'), '/app', { 'hello.txt': 'hello\n' })
  docs.index = readFileSync(join(layout, 'index.json'))
  const manifestHex = JSON.parse(String(docs.index)).manifests[0].digest.split(':')[1]
  docs.manifest = readFileSync(join(layout, 'blobs/sha256', manifestHex))
  const configHex = JSON.parse(String(docs.manifest)).config.digest.split(':')[1]
  docs.config = readFileSync(join(layout, 'blobs/sha256', configHex))
  others.set('oci-layout', readFileSync(join(layout, 'oci-layout')))
  for (const hex of readdirSync(join(layout, 'blobs/sha256')))
    if (hex !== manifestHex && hex !== configHex)
      others.set(`blobs/sha256/${hex}`, readFileSync(join(layout, 'blobs/sha256', hex)))
  const archive = join(dir, 'docker.tar')
  execFileSync('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${archive}:shop:1.0`])
  const unpacked = join(dir, 'docker')
  mkdirSync(unpacked)
  execFileSync('tar', ['-xf', archive, '-C', unpacked])
  for (const path of readdirSync(unpacked, { recursive: true }) as string[])
    if (statSync(join(unpacked, path)).isFile()) docker.members.set(path, readFileSync(join(unpacked, path)))
  docker.config = JSON.parse(String(docker.members.get('manifest.json')))[0].Config
})

/** A JSON-level mutation: the value at a path chosen by `pick` replaced, or its key removed. */
function mutateJson(doc: unknown, pick: number[], value: unknown, remove: boolean): unknown {
  if (pick.length === 0 || doc === null || typeof doc !== 'object') return value
  const keys = Object.keys(doc)
  if (keys.length === 0) return value
  const key = keys[pick[0] % keys.length]
  const copy: Record<string, unknown> = Array.isArray(doc)
    ? ([...doc] as unknown as Record<string, unknown>)
    : { ...(doc as Record<string, unknown>) }
  if (pick.length === 1 && remove) {
    if (Array.isArray(copy)) (copy as unknown as unknown[]).splice(Number(key), 1)
    else delete copy[key]
  } else copy[key] = mutateJson(copy[key], pick.slice(1), value, remove)
  return copy
}

const mutation = fc.record({
  doc: fc.constantFrom<Doc>('index', 'manifest', 'config'),
  kind: fc.oneof(
    fc.record({
      type: fc.constant('json' as const),
      pick: fc.array(fc.nat(), { minLength: 0, maxLength: 5 }),
      value: fc.jsonValue({ maxDepth: 2 }),
      remove: fc.boolean(),
    }),
    fc.record({
      type: fc.constant('bytes' as const),
      edits: fc.array(fc.record({ at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ type: fc.constant('cut' as const), at: fc.nat() }),
  ),
  /** Re-address a changed manifest or config (new digest, descriptors above updated), as a tool would. */
  readdress: fc.boolean(),
  /** Damage to the tar: a byte of one member's 512-byte header. */
  header: fc.option(fc.record({ member: fc.nat(), at: fc.nat(511), v: fc.integer({ min: 0, max: 255 }) }), { freq: 4 }),
})

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

function mutate(bytes: Buffer, kind: Mutation['kind']): Buffer {
  if (kind.type === 'json')
    return Buffer.from(
      JSON.stringify(mutateJson(JSON.parse(String(bytes)), kind.pick, kind.value, kind.remove)) ?? 'null',
    )
  if (kind.type === 'cut') return bytes.subarray(0, kind.at % (bytes.length + 1))
  const b = Buffer.from(bytes)
  for (const e of kind.edits) b[e.at % b.length] = e.v
  return b
}

/** The layout's members with one document mutated (and, if asked, the documents above it re-addressed). */
function members(m: Mutation): Array<[string, Buffer]> {
  let config = docs.config
  let manifest = docs.manifest
  let index = docs.index
  if (m.doc === 'config') config = mutate(config, m.kind)
  if (m.doc === 'manifest') manifest = mutate(manifest, m.kind)
  if (m.doc === 'index') index = mutate(index, m.kind)
  const descriptorOf = (b: Buffer) => ({ digest: `sha256:${sha(b)}`, size: b.length })
  if (m.readdress && m.doc === 'config') {
    const man = JSON.parse(String(manifest))
    man.config = { ...man.config, ...descriptorOf(config) }
    manifest = Buffer.from(JSON.stringify(man))
  }
  if (m.readdress && m.doc !== 'index') {
    const idx = JSON.parse(String(index))
    idx.manifests[0] = { ...idx.manifests[0], ...descriptorOf(manifest) }
    index = Buffer.from(JSON.stringify(idx))
  }
  // a blob is stored under its own digest when re-addressed, else under the original one
  const at = (b: Buffer, original: Buffer) => `blobs/sha256/${sha(m.readdress ? b : original)}`
  return [...others, ['index.json', index], [at(manifest, docs.manifest), manifest], [at(config, docs.config), config]]
}

/** A ustar archive of the members (node-tar's header encoder), one header byte changed if asked. */
function tarOf(files: Array<[string, Buffer]>, damage: { member: number; at: number; v: number } | null): Buffer {
  const parts: Buffer[] = []
  files.forEach(([path, data], i) => {
    const header = Buffer.alloc(512)
    new Header({ path, size: data.length, mode: 0o644, type: 'File', mtime: new Date(0) }).encode(header)
    if (damage && damage.member % files.length === i) header[damage.at] = damage.v
    parts.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512))
  })
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

/**
 * Scans `runs` mutated image tars for `profile`: a report every time, catalogue rules only, a pass lists the
 * image, no image means a blocker. Returns how many were scanned and the blocker rules seen.
 */
async function fuzzImages<M>(
  arbitrary: fc.Arbitrary<M>,
  tarFor: (m: M) => Buffer,
  file: string,
  profile: string,
  runs: number,
): Promise<{ n: number; seen: Set<string> }> {
  let n = 0
  const seen = new Set<string>()
  await fc.assert(
    fc.asyncProperty(arbitrary, async (m) => {
      writeFileSync(file, tarFor(m))
      const r = await scanPackage(file, { profile })
      n++
      expect(r.schema).toBe('preflight.report/1')
      for (const f of r.findings) expect(hasRule(f.rule), f.rule).toBe(true)
      const images = (r.facts.containers as { images?: unknown[] } | undefined)?.images ?? []
      const blockers = r.findings.filter((f) => f.severity === 'blocker')
      for (const f of blockers) seen.add(f.rule)
      if (r.verdict === 'pass') expect(images, 'a pass lists the image').toHaveLength(1)
      if (images.length === 0) expect(blockers.length, 'no image and no blocker').toBeGreaterThan(0)
    }),
    fuzzOptions(runs, 20261202),
  )
  return { n, seen }
}

describe('fuzz: OCI image documents and tar headers', () => {
  it('the unmutated image passes (the fuzz starts from a valid image)', async () => {
    const file = join(dir, 'seed.tar')
    writeFileSync(
      file,
      tarOf(
        [
          ...others,
          ['index.json', docs.index],
          [`blobs/sha256/${sha(docs.manifest)}`, docs.manifest],
          [`blobs/sha256/${sha(docs.config)}`, docs.config],
        ],
        null,
      ),
    )
    const r = await scanPackage(file, { profile: 'koogallery-container' })
    expect(r.findings.filter((f) => f.severity !== 'info' && f.rule !== 'vulndb.missing')).toEqual([])
    expect((r.facts.containers as { images: unknown[] }).images).toHaveLength(1)
  })

  it('mutated documents and headers: a report every time, catalogue rules only, no silent loss of the image', async () => {
    const { n, seen } = await fuzzImages(
      mutation,
      (m) => tarOf(members(m), m.header),
      join(dir, 'case.tar'),
      'koogallery-container',
      RUNS,
    )
    console.log(`OCI documents: ${n} mutated images scanned; blockers seen: ${[...seen].sort().join(', ')}`)
    expect(n).toBeGreaterThan(Math.min(200, RUNS / 2))
    // the mutations reach past the digest check into the layout, schema and platform rules
    expect([...seen]).toEqual(expect.arrayContaining(['oci.digest-mismatch', 'oci.invalid-layout']))
  }, 180_000)
})

const dockerMutation = fc.record({
  doc: fc.constantFrom('manifest.json', 'config'),
  kind: mutation.map((m) => m.kind),
  readdress: fc.boolean(),
  header: fc.option(fc.record({ member: fc.nat(), at: fc.nat(511), v: fc.integer({ min: 0, max: 255 }) }), { freq: 4 }),
})

/** The docker-archive's members with manifest.json or the config mutated (a changed config renamed to its new digest if asked). */
function dockerMembers(m: typeof dockerMutation extends fc.Arbitrary<infer M> ? M : never): Array<[string, Buffer]> {
  const files = new Map(docker.members)
  if (m.doc === 'manifest.json') files.set('manifest.json', mutate(files.get('manifest.json')!, m.kind))
  else {
    const config = mutate(files.get(docker.config)!, m.kind)
    if (m.readdress) {
      files.delete(docker.config)
      const name = `${sha(config)}.json`
      files.set(name, config)
      const manifest = JSON.parse(String(files.get('manifest.json')))
      manifest[0].Config = name
      files.set('manifest.json', Buffer.from(JSON.stringify(manifest)))
    } else files.set(docker.config, config)
  }
  return [...files]
}

describe('fuzz: docker-archive manifest.json, config and tar headers', () => {
  it('the unmutated docker-archive passes for SWR; mutations: a report every time, catalogue rules only, no silent loss of the image', async () => {
    const file = join(dir, 'docker-case.tar')
    writeFileSync(file, tarOf([...docker.members], null))
    const seed = await scanPackage(file, { profile: 'swr-image' })
    expect(seed.findings.filter((f) => f.severity === 'blocker')).toEqual([])
    expect((seed.facts.containers as { images: unknown[] }).images).toHaveLength(1)
    const { n, seen } = await fuzzImages(
      dockerMutation,
      (m) => tarOf(dockerMembers(m), m.header),
      file,
      'swr-image',
      Math.round(RUNS / 2),
    )
    console.log(`docker-archive documents: ${n} mutated images scanned; blockers seen: ${[...seen].sort().join(', ')}`)
    expect(n).toBeGreaterThan(Math.min(100, RUNS / 4))
  }, 180_000)
})
