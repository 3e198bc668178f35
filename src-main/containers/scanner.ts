// Container images in the entry pass: OCI image layouts and docker-archives (Docker 25+ hybrids included),
// whether the package is one, bundles several, or an application package holds one anywhere. Blob-like
// entries are hashed while they stream by (no second read); small JSON documents are kept; at the end each
// image tar is validated against the image-spec schemas: digests and sizes, missing blobs, media types,
// platforms, legacy docker-archive form. Layers are walked as filesystems by the pipeline itself (they are
// tar / tar.gz blobs), so malware and SBOM scanners reach inside images. Each layer's tree is recorded while it
// streams by, and its expanded size when it ends; after the pass, whiteouts are applied (whiteouts.ts): what
// an upper layer deletes is not in the image, so its components and content findings are dropped, and a
// malware hit there becomes oci.deleted-file-malware (its bytes still ship in the layer blob).
import { makeFinding, type Component, type Finding } from '../reports/model'
import { displayPath, normalisePath, resolveLink } from '../walk/paths'
import type { EntryScanner, ScanContext, WalkEntry } from '../walk/types'
import { imagePathProblem } from './image-paths'
import { dockerManifest, imageConfig, imageIndex, imageManifest, MT, ociLayout, SUPPORTED_ARCHITECTURES, type Descriptor } from './schemas'
import { hiddenBy, LayerTree } from '../walk/whiteouts'

const JSON_LIMIT = 4 * 1024 * 1024
const INTERESTING = /(^|\/)(oci-layout|index\.json|manifest\.json|repositories)$|^blobs\/[a-z0-9+._-]+\/[a-zA-Z0-9=_-]+$|^[a-f0-9]{64}(\.json|\.tar|\/layer\.tar|\/json)$/
const LAYER_TYPES = [
  'application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'application/vnd.docker.image.rootfs.diff.tar',
]

interface FileRecord {
  size: number
  /** The content is gzip-compressed (a compressed layer: its sha256 is not its diff_id). */
  gzip?: boolean
  sha256: string
  json?: unknown
  jsonError?: string
}

export interface ImageFacts {
  location: string
  format: 'oci' | 'docker-archive' | 'docker-hybrid'
  tags: string[]
  platform: string | null
  layers: number
  /** Sum of the layer blobs' sizes as stored. */
  compressedSize: number
  /** Sum of the layers' expanded sizes (after gunzip, tar included); null when a layer could not be read to its end. */
  uncompressedSize: number | null
  /** Per layer, bottom first. */
  layerSizes: LayerSize[]
  created: string | null
  user: string | null
  entrypoint: string[] | null
  exposedPorts: string[]
  envNames: string[]
}

export interface LayerSize {
  digest: string
  compressed: number
  uncompressed: number | null
}

/** What validateImageTar learns from the walk beyond the tar's own files. */
export interface LayerKnowledge {
  /** Expanded size of a walked layer by its location. */
  expanded?: Map<string, number | null>
  /** Normalised link path → target path (docker save links identical layers). */
  aliases?: Map<string, string>
  /** Receives each image's layer locations, bottom first. */
  stacks?: string[][]
}

/** Content findings about files: when the file is not in the image's filesystem, neither is the finding. */
const CONTENT_RULES = new Set(['vuln.cvss-high', 'vuln.cvss-low', 'sbom.unreadable', 'sbom.unmatched', 'content.architecture-unsupported'])

function containerOf(entry: WalkEntry): string {
  return entry.location.slice(0, entry.location.length - displayPath(entry.path).length - 1)
}

/** The SWR console's limit per file, including the decompressed size (profiles.md: 2 GB, read as GiB). */
export const SWR_CONSOLE_LIMIT = 2 * 1024 ** 3

/** What the SWR console counts of an image: its layers decompressed where known, else as stored. */
export function swrConsoleSize(image: { compressedSize: number; uncompressedSize: number | null }): number {
  return Math.max(image.compressedSize, image.uncompressedSize ?? 0)
}

export function createContainerScanner(ctx: ScanContext): EntryScanner {
  const groups = new Map<string, Map<string, FileRecord>>()
  const aliases = new Map<string, Map<string, string>>()
  const topFiles: string[] = []
  const trees = new Map<string, LayerTree>()
  const expanded = new Map<string, number | null>()
  const stacks: string[][] = []
  return {
    id: 'containers',
    digests: ['sha256'],
    wants(entry) {
      if (entry.container === 'layer') {
        const layer = containerOf(entry)
        let tree = trees.get(layer)
        if (!tree) trees.set(layer, (tree = new LayerTree()))
        tree.add(entry.path, entry.type)
        if (entry.type === 'whiteout') return false
      }
      if ((entry.type === 'hardlink' || entry.type === 'symlink') && entry.linkTarget && INTERESTING.test(normalisePath(entry.path))) {
        // docker save links identical layers: the link stands for its target's content
        const container = containerOf(entry)
        const target = resolveLink(entry.path, entry.linkTarget, entry.type)
        const a = aliases.get(container) ?? new Map<string, string>()
        if (target !== null) a.set(normalisePath(entry.path), target)
        aliases.set(container, a)
        return false
      }
      if (entry.type !== 'file') return false
      if (entry.depth === 0) topFiles.push(normalisePath(entry.path))
      return INTERESTING.test(normalisePath(entry.path))
    },
    open(entry) {
      const keep: Buffer[] | null = entry.size <= JSON_LIMIT ? [] : null
      let size = 0
      let kept = 0
      const firstTwo: number[] = []
      return {
        write(chunk) {
          if (firstTwo.length < 2) firstTwo.push(...chunk.subarray(0, 2 - firstTwo.length))
          size += chunk.length
          if (keep && kept + chunk.length <= JSON_LIMIT) {
            keep.push(chunk)
            kept += chunk.length
          }
        },
        end(digests) {
          const rec: FileRecord = { size, sha256: digests?.sha256 ?? '',  gzip: firstTwo[0] === 0x1f && firstTwo[1] === 0x8b }
          if (keep && kept === size && size > 0) {
            const text = Buffer.concat(keep)
            if (text[0] === 0x7b || text[0] === 0x5b || /^\s*(null|[{[])/.test(text.subarray(0, 16).toString('latin1'))) {
              try {
                rec.json = JSON.parse(text.toString('utf8'))
              } catch (err) {
                rec.jsonError = (err as Error).message
              }
            } else rec.jsonError = 'not JSON'
          }
          const container = containerOf(entry)
          const g = groups.get(container) ?? new Map<string, FileRecord>()
          g.set(normalisePath(entry.path), rec)
          groups.set(container, g)
        },
      }
    },
    walked(c) {
      if (c.kind === 'layer') expanded.set(c.location, c.bytes)
    },
    finish() {
      const findings: Finding[] = []
      const images: ImageFacts[] = []
      const imageTars = new Set<string>()
      for (const [location, files] of groups) {
        for (const [from, to] of aliases.get(location) ?? []) {
          const rec = files.get(to)
          if (rec && !files.has(from)) files.set(from, rec)
        }
        const r = validateImageTar(ctx, location, files, findings, { expanded, aliases: aliases.get(location), stacks })
        if (r) {
          imageTars.add(location)
          images.push(...r)
        }
      }
      if (ctx.profile === 'koogallery-container' && !imageTars.has(ctx.packageName)) {
        for (const p of topFiles) {
          const loc = `${ctx.packageName}!${p}`
          if (!imageTars.has(loc)) findings.push(makeFinding('oci.bundle-entry-not-image', loc, `"${p}" is not a container image tar: a container package holds only one .tar per image.`, { profile: ctx.profile }))
        }
        if (topFiles.length === 0 && !imageTars.has(ctx.packageName)) findings.push(makeFinding('oci.bundle-entry-not-image', ctx.packageName, 'The container package holds no image tar.', { profile: ctx.profile }))
      }
      // an SWR image package is an image tar (or a tar of them): one in which no image tar is found, not even
      // a damaged one (no list of images in manifest.json, no index.json), has nothing to push
      if (ctx.profile === 'swr-image' && imageTars.size === 0)
        findings.push(makeFinding('oci.invalid-layout', ctx.packageName, 'The package holds no container image: an SWR image is a docker-archive (`docker save`) or OCI image tar, with a list of images in manifest.json or an index.json at its root.', { profile: ctx.profile }))
      if (ctx.profile === 'swr-image')
        for (const i of images) {
          const size = swrConsoleSize(i)
          if (size > SWR_CONSOLE_LIMIT)
            findings.push(makeFinding('swr.console-too-large', i.location, `The image is ${(size / 1024 ** 3).toFixed(2)} GiB${i.uncompressedSize !== null ? ' decompressed' : ''}: the SWR console takes at most 2 GB per file including the decompressed size. Push it with a client (docker push, or preflight upload --to docker://…).`, { profile: ctx.profile, details: { bytes: size } }))
        }
      if (ctx.profile === 'swr-image' && images.some((i) => i.location === ctx.packageName && i.format === 'oci'))
        findings.push(makeFinding('swr.console-oci', ctx.packageName, 'This is an OCI image: the SWR console upload refuses OCI images. Push it with a client, or repack it with --format docker-archive.', { profile: ctx.profile }))
      return { findings, facts: { images } }
    },
    revise(out) {
      if (!stacks.some((s) => s.length > 1)) return out
      // layer location → every (image, position) it takes
      const uses = new Map<string, Array<{ stack: string[]; index: number }>>()
      for (const stack of stacks) stack.forEach((l, index) => uses.set(l, [...(uses.get(l) ?? []), { stack, index }]))
      const deleted = new Map<string, { layer: number; by: number; image: string } | null>()
      /** Where the image deletes the file a location lies in (in every image using that layer), or null. */
      const deletion = (location: string) => {
        if (deleted.has(location)) return deleted.get(location)!
        let found: { layer: number; by: number; image: string } | null = null
        const parts = location.split('!')
        for (let i = 1; i < parts.length - 1 && !found; i++) {
          const layer = parts.slice(0, i + 1).join('!')
          const at = uses.get(layer)
          if (!at) continue
          const path = parts[i + 1]
          const hits = at.map(({ stack, index }) => ({ by: hiddenBy(stack.map((l) => trees.get(l)), index, path), index, stack }))
          if (hits.every((h) => h.by !== -1)) found = { layer: hits[0].index + 1, by: hits[0].by + 1, image: parts.slice(0, i).join('!') }
        }
        deleted.set(location, found)
        return found
      }
      const findings: Finding[] = []
      let dropped = 0
      let downgraded = 0
      for (const f of out.findings) {
        const d = CONTENT_RULES.has(f.rule) || f.rule === 'malware.detected' ? deletion(f.location) : null
        if (!d) findings.push(f)
        else if (f.rule !== 'malware.detected') dropped++
        else {
          downgraded++
          const signature = (f.details?.signature as string | undefined) ?? 'a malware signature'
          findings.push(makeFinding('oci.deleted-file-malware', f.location, `Layer ${d.layer} of ${d.image} adds a file matching ${signature}; layer ${d.by} deletes it, so it is not in the image's filesystem, but its bytes still ship in the layer blob.`, { profile: ctx.profile, details: { ...f.details, layer: d.layer, deletedBy: d.by } }))
        }
      }
      const components: Component[] = out.components.filter((c) => !deletion(c.location))
      return { findings, components, facts: { whiteouts: { droppedFindings: dropped, downgradedMalware: downgraded, droppedComponents: out.components.length - components.length } } }
    },
  }
}

/** Validate one tar's worth of files as an image layout; returns its images, or null when it is not an image tar. */
export function validateImageTar(ctx: ScanContext, location: string, files: Map<string, FileRecord>, findings: Finding[], known: LayerKnowledge = {}): ImageFacts[] | null {
  const f = (rule: string, where: string, message: string, details?: Record<string, unknown>) => findings.push(makeFinding(rule, where, message, { profile: ctx.profile, details }))
  const layout = files.get('oci-layout')
  const index = files.get('index.json')
  const docker = files.get('manifest.json')
  const dockerOk = docker && Array.isArray(docker.json) && docker.json.every((x) => x && typeof x === 'object' && 'Config' in x)
  const isOci = !!layout || (!!index && (index.json as { schemaVersion?: unknown })?.schemaVersion === 2)
  if (!isOci && !dockerOk && !(docker && (docker.json === null || (docker.jsonError && files.size > 1)))) return null
  const images: ImageFacts[] = []
  const findingsBefore = findings.length
  // what index.json pointed at that is not an image (named when the layout turns out to hold none)
  const notImages = new Set<string>()

  const blob = (d: Descriptor, where: string): FileRecord | null => {
    const [alg, hex] = d.digest.split(':')
    const rec = files.get(`blobs/${alg}/${hex}`)
    if (!rec) {
      f('oci.missing-blob', where, `${d.mediaType} ${d.digest} is referenced but blobs/${alg}/${hex} is not in the tar.`, { digest: d.digest })
      return null
    }
    if (alg === 'sha256' && rec.sha256 !== hex) f('oci.digest-mismatch', `${location}!blobs/${alg}/${hex}`, `The blob's sha256 is ${rec.sha256}, not ${hex}: the image is damaged.`, { digest: d.digest })
    else if (rec.size !== d.size) f('oci.digest-mismatch', `${location}!blobs/${alg}/${hex}`, `The blob has ${rec.size} bytes; its descriptor says ${d.size}.`, { digest: d.digest })
    return rec
  }

  if (isOci) {
    if (!layout) f('oci.invalid-layout', location, 'The oci-layout file is missing.')
    else if (!ociLayout.safeParse(layout.json).success) f('oci.invalid-layout', `${location}!oci-layout`, `oci-layout must be {"imageLayoutVersion": "1.0.0"}${layout.jsonError ? ` (${layout.jsonError})` : ''}.`)
    const nullManifests = (index?.json as { manifests?: unknown } | undefined)?.manifests === null
    if (!index) f('oci.invalid-layout', location, 'index.json is missing.')
    else if (nullManifests && dockerOk) validateDocker('docker-hybrid') // Docker 25.0 wrote "manifests": null next to a valid manifest.json
    else {
      const parsed = imageIndex.safeParse(index.json)
      if (!parsed.success) f('oci.invalid-layout', `${location}!index.json`, `index.json is not a valid image index: ${issues(parsed.error, index.jsonError)}`)
      else walkIndex(parsed.data.manifests, `${location}!index.json`, 0)
    }
    if (dockerOk) images.forEach((i) => (i.format = 'docker-hybrid'))
    // nothing wrong was found, yet no image came out: a runtime would load nothing from this tar
    if (images.length === 0 && findings.length === findingsBefore) {
      const what = notImages.size ? `: it lists ${[...notImages].join('; ')}` : ': its manifest list is empty'
      f('oci.invalid-layout', `${location}!index.json`, `The layout holds no container image${what}. A container package needs image manifests (${MT.ociManifest}).`)
    }
  } else {
    // legacy docker-archive
    f('oci.not-oci', location, 'This image tar is a legacy docker-archive (manifest.json only, no oci-layout/index.json). Convert it with `preflight repack`.')
    validateDocker('docker-archive')
  }
  return images

  function validateDocker(format: 'docker-archive' | 'docker-hybrid'): void {
    const parsed = dockerManifest.safeParse(docker!.json)
    if (!parsed.success) {
      f('oci.invalid-layout', `${location}!manifest.json`, `manifest.json is not a valid docker-archive manifest: ${issues(parsed.error, docker!.jsonError)}`)
      return
    }
    for (const m of parsed.data) {
      // a path that leaves the image is named, never looked up (repack and the registry push refuse it too)
      const leaving = [['Config', m.Config], ...m.Layers.map((l, i) => [`Layers[${i}]`, l])].map(([what, p]) => [what, p, imagePathProblem(p)] as const).filter(([, , problem]) => problem)
      if (leaving.length) {
        for (const [what, p, problem] of leaving) f('oci.invalid-layout', `${location}!manifest.json`, `manifest.json ${what} names "${p.slice(0, 200)}", which ${problem}: nothing is read from it.`)
        continue
      }
      const cfgPath = normalisePath(m.Config)
      const cfg = files.get(cfgPath)
      if (!cfg) {
        f('oci.missing-blob', `${location}!manifest.json`, `The config ${m.Config} is not in the tar.`)
        continue
      }
      const expect = /([a-f0-9]{64})(\.json)?$/.exec(cfgPath)?.[1]
      if (expect && cfg.sha256 !== expect) f('oci.digest-mismatch', `${location}!${cfgPath}`, `The config's sha256 is ${cfg.sha256}, not ${expect}.`)
      const c = imageConfig.safeParse(cfg.json)
      if (!c.success) f('oci.invalid-layout', `${location}!${cfgPath}`, `The image config is invalid: ${issues(c.error, cfg.jsonError)}`)
      let compressed = 0
      const sizes: LayerSize[] = []
      const stack: string[] = []
      m.Layers.forEach((l, i) => {
        const rec = files.get(normalisePath(l))
        const walkedAt = `${location}!${known.aliases?.get(normalisePath(l)) ?? normalisePath(l)}`
        stack.push(walkedAt)
        if (!rec) {
          f('oci.missing-blob', `${location}!manifest.json`, `Layer ${l} is not in the tar.`)
          return
        }
        compressed += rec.size
        sizes.push(layerSize(`sha256:${rec.sha256}`, rec, walkedAt))
        const diff = c.success ? c.data.rootfs.diff_ids[i] : undefined
        if (diff && !rec.gzip && rec.sha256 !== diff.split(':')[1]) f('oci.digest-mismatch', `${location}!${normalisePath(l)}`, `Layer ${i + 1} has sha256 ${rec.sha256}; the config's diff_id is ${diff}.`)
      })
      if (c.success) {
        checkPlatform(c.data.architecture, c.data.os, c.data.variant, `${location}!${cfgPath}`)
        images.push(facts(format, m.RepoTags ?? [], c.data, m.Layers.length, compressed, sizes))
        known.stacks?.push(stack)
      }
    }
  }

  function walkIndex(manifests: Descriptor[], where: string, depth: number): void {
    if (depth > 4) {
      f('oci.invalid-layout', where, 'Image indexes nested deeper than 4 levels.')
      return
    }
    for (const d of manifests) {
      const rec = blob(d, where)
      if (!rec) continue
      const mt = d.mediaType
      if (mt === MT.ociIndex || mt === MT.dockerList) {
        const idx = imageIndex.safeParse(rec.json)
        if (!idx.success) f('oci.invalid-layout', `${location}!blobs/${d.digest.replace(':', '/')}`, `Nested index is invalid: ${issues(idx.error, rec.jsonError)}`)
        else walkIndex(idx.data.manifests, `${location}!blobs/${d.digest.replace(':', '/')}`, depth + 1)
      } else if (mt === MT.ociManifest || mt === MT.dockerManifest) {
        const mwhere = `${location}!blobs/${d.digest.replace(':', '/')}`
        const man = imageManifest.safeParse(rec.json)
        if (!man.success) {
          f('oci.invalid-layout', mwhere, `The image manifest is invalid: ${issues(man.error, rec.jsonError)}`)
          continue
        }
        const isImage = man.data.config.mediaType === MT.ociConfig || man.data.config.mediaType === MT.dockerConfig
        const cfgRec = blob(man.data.config, mwhere)
        let compressed = 0
        const sizes: LayerSize[] = []
        const stack: string[] = []
        for (const l of man.data.layers) {
          if (isImage && !LAYER_TYPES.includes(l.mediaType)) f('oci.invalid-layout', mwhere, `Layer ${l.digest} has the media type "${l.mediaType}", which is not an image layer type.`)
          const lr = blob(l, mwhere)
          const walkedAt = `${location}!blobs/${l.digest.replace(':', '/')}`
          stack.push(walkedAt)
          if (lr) {
            compressed += lr.size
            sizes.push(layerSize(l.digest, lr, walkedAt))
          }
        }
        if (!isImage) {
          // an artifact (Helm chart, signature ...): blobs checked, no image config
          notImages.add(`an artifact (config media type ${man.data.config.mediaType})`)
          continue
        }
        if (cfgRec) {
          const c = imageConfig.safeParse(cfgRec.json)
          if (!c.success) f('oci.invalid-layout', `${location}!blobs/${man.data.config.digest.replace(':', '/')}`, `The image config is invalid: ${issues(c.error, cfgRec.jsonError)}`)
          else {
            checkPlatform(c.data.architecture, c.data.os, c.data.variant, `${location}!blobs/${man.data.config.digest.replace(':', '/')}`)
            const ref = d.annotations?.['org.opencontainers.image.ref.name'] ?? d.annotations?.['io.containerd.image.name']
            images.push(facts('oci', ref ? [ref] : [], c.data, man.data.layers.length, compressed, sizes))
            known.stacks?.push(stack)
          }
        }
      } else notImages.add(`a descriptor of media type ${mt}, neither an image manifest nor an index`)
    }
  }

  function checkPlatform(arch: string, os: string, variant: string | undefined, where: string): void {
    if (!SUPPORTED_ARCHITECTURES.includes(arch)) f('oci.platform-unsupported', where, `The image is built for ${os}/${arch}${variant ? `/${variant}` : ''}; the marketplace accepts x86/x64 (386, amd64), Arm/Arm64, MIPS and PowerPC.`, { architecture: arch })
  }

  function layerSize(digest: string, rec: FileRecord, walkedAt: string): LayerSize {
    const bytes = known.expanded?.get(walkedAt)
    // a layer that was not walked to its end (damaged, a bomb, a zstd window over 128 MiB) has no known expanded size
    return { digest, compressed: rec.size, uncompressed: bytes ?? null }
  }

  function facts(format: ImageFacts['format'], tags: string[], c: import('zod').infer<typeof imageConfig>, layers: number, compressed: number, sizes: LayerSize[]): ImageFacts {
    return {
      location,
      format,
      tags,
      platform: `${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''}`,
      layers,
      compressedSize: compressed,
      uncompressedSize: sizes.length === layers && sizes.every((l) => l.uncompressed !== null) ? sizes.reduce((n, l) => n + l.uncompressed!, 0) : null,
      layerSizes: sizes,
      created: c.created ?? null,
      user: c.config?.User || null,
      entrypoint: c.config?.Entrypoint ?? null,
      exposedPorts: Object.keys(c.config?.ExposedPorts ?? {}),
      envNames: (c.config?.Env ?? []).map((e) => e.split('=')[0]),
    }
  }
}

function issues(err: import('zod').ZodError, jsonError?: string): string {
  if (jsonError) return jsonError
  return err.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')
}
