// Validate one image tar's worth of files (recorded by the container scanner as they streamed by) against the
// image-spec schemas: an OCI layout (oci-layout, index.json, nested indexes, manifests, configs, blobs by digest
// and size) or a docker-archive (manifest.json, configs, layers against diff_ids; Docker 25+ hybrids), platforms,
// the legacy form. One ImageTarValidator per tar: each step of the walk is a method, findings go to one list.
import { makeFinding, type Finding } from '../reports/model'
import { normalisePath } from '../walk/paths'
import type { ScanContext } from '../walk/types'
import { imagePathProblem } from './image-paths'
import {
  dockerManifest,
  imageConfig,
  imageIndex,
  imageManifest,
  MT,
  ociLayout,
  SUPPORTED_ARCHITECTURES,
  type Descriptor,
} from './schemas'

type ImageConfig = import('zod').infer<typeof imageConfig>

const LAYER_TYPES = [
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
]

export interface FileRecord {
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

/** Validate one tar's worth of files as an image layout; returns its images, or null when it is not an image tar. */
export function validateImageTar(
  ctx: ScanContext,
  location: string,
  files: Map<string, FileRecord>,
  findings: Finding[],
  known: LayerKnowledge = {},
): ImageFacts[] | null {
  return new ImageTarValidator(ctx, location, files, findings, known).validate()
}

class ImageTarValidator {
  private readonly images: ImageFacts[] = []
  /** What index.json pointed at that is not an image (named when the layout turns out to hold none). */
  private readonly notImages = new Set<string>()
  private readonly docker: FileRecord | undefined
  private readonly dockerOk: boolean

  constructor(
    private readonly ctx: ScanContext,
    private readonly location: string,
    private readonly files: Map<string, FileRecord>,
    private readonly findings: Finding[],
    private readonly known: LayerKnowledge,
  ) {
    this.docker = files.get('manifest.json')
    const json = this.docker?.json
    this.dockerOk = Array.isArray(json) && json.every((x) => x && typeof x === 'object' && 'Config' in x)
  }

  validate(): ImageFacts[] | null {
    const { files, docker } = this
    const layout = files.get('oci-layout')
    const index = files.get('index.json')
    const isOci = !!layout || (!!index && (index.json as { schemaVersion?: unknown })?.schemaVersion === 2)
    if (!isOci && !this.dockerOk && !(docker && (docker.json === null || (docker.jsonError && files.size > 1))))
      return null
    if (isOci) this.validateOci(layout, index)
    else {
      this.f(
        'oci.not-oci',
        this.location,
        'This image tar is a legacy docker-archive (manifest.json only, no oci-layout/index.json). Convert it with `preflight repack`.',
      )
      this.validateDocker('docker-archive')
    }
    return this.images
  }

  private f(rule: string, where: string, message: string, details?: Record<string, unknown>): void {
    this.findings.push(makeFinding(rule, where, message, { profile: this.ctx.profile, details }))
  }

  private validateOci(layout: FileRecord | undefined, index: FileRecord | undefined): void {
    const { location } = this
    const findingsBefore = this.findings.length
    if (!layout) this.f('oci.invalid-layout', location, 'The oci-layout file is missing.')
    else if (!ociLayout.safeParse(layout.json).success)
      this.f(
        'oci.invalid-layout',
        `${location}!oci-layout`,
        `oci-layout must be {"imageLayoutVersion": "1.0.0"}${layout.jsonError ? ` (${layout.jsonError})` : ''}.`,
      )
    const nullManifests = (index?.json as { manifests?: unknown } | undefined)?.manifests === null
    if (!index) this.f('oci.invalid-layout', location, 'index.json is missing.')
    else if (nullManifests && this.dockerOk)
      this.validateDocker('docker-hybrid') // Docker 25.0 wrote "manifests": null next to a valid manifest.json
    else {
      const parsed = imageIndex.safeParse(index.json)
      if (!parsed.success)
        this.f(
          'oci.invalid-layout',
          `${location}!index.json`,
          `index.json is not a valid image index: ${issues(parsed.error, index.jsonError)}`,
        )
      else this.walkIndex(parsed.data.manifests, `${location}!index.json`, 0)
    }
    if (this.dockerOk) this.images.forEach((i) => (i.format = 'docker-hybrid'))
    // nothing wrong was found, yet no image came out: a runtime would load nothing from this tar
    if (this.images.length === 0 && this.findings.length === findingsBefore) {
      const what = this.notImages.size ? `: it lists ${[...this.notImages].join('; ')}` : ': its manifest list is empty'
      this.f(
        'oci.invalid-layout',
        `${location}!index.json`,
        `The layout holds no container image${what}. A container package needs image manifests (${MT.ociManifest}).`,
      )
    }
  }

  /** The blob a descriptor names, checked by digest and size; null (and oci.missing-blob) when it is not in the tar. */
  private blob(d: Descriptor, where: string): FileRecord | null {
    const [alg, hex] = d.digest.split(':')
    const rec = this.files.get(`blobs/${alg}/${hex}`)
    if (!rec) {
      this.f(
        'oci.missing-blob',
        where,
        `${d.mediaType} ${d.digest} is referenced but blobs/${alg}/${hex} is not in the tar.`,
        { digest: d.digest },
      )
      return null
    }
    if (alg === 'sha256' && rec.sha256 !== hex)
      this.f(
        'oci.digest-mismatch',
        `${this.location}!blobs/${alg}/${hex}`,
        `The blob's sha256 is ${rec.sha256}, not ${hex}: the image is damaged.`,
        { digest: d.digest },
      )
    else if (rec.size !== d.size)
      this.f(
        'oci.digest-mismatch',
        `${this.location}!blobs/${alg}/${hex}`,
        `The blob has ${rec.size} bytes; its descriptor says ${d.size}.`,
        { digest: d.digest },
      )
    return rec
  }

  private walkIndex(manifests: Descriptor[], where: string, depth: number): void {
    if (depth > 4) {
      this.f('oci.invalid-layout', where, 'Image indexes nested deeper than 4 levels.')
      return
    }
    for (const d of manifests) {
      const rec = this.blob(d, where)
      if (!rec) continue
      const mt = d.mediaType
      const blobWhere = `${this.location}!blobs/${d.digest.replace(':', '/')}`
      if (mt === MT.ociIndex || mt === MT.dockerList) {
        const idx = imageIndex.safeParse(rec.json)
        if (!idx.success)
          this.f('oci.invalid-layout', blobWhere, `Nested index is invalid: ${issues(idx.error, rec.jsonError)}`)
        else this.walkIndex(idx.data.manifests, blobWhere, depth + 1)
      } else if (mt === MT.ociManifest || mt === MT.dockerManifest) this.validateManifest(d, rec, blobWhere)
      else this.notImages.add(`a descriptor of media type ${mt}, neither an image manifest nor an index`)
    }
  }

  /** An OCI/Docker image manifest of the index: its layers' types and blobs, then its config (an artifact has none). */
  private validateManifest(d: Descriptor, rec: FileRecord, mwhere: string): void {
    const man = imageManifest.safeParse(rec.json)
    if (!man.success) {
      this.f('oci.invalid-layout', mwhere, `The image manifest is invalid: ${issues(man.error, rec.jsonError)}`)
      return
    }
    const isImage = man.data.config.mediaType === MT.ociConfig || man.data.config.mediaType === MT.dockerConfig
    const cfgRec = this.blob(man.data.config, mwhere)
    let compressed = 0
    const sizes: LayerSize[] = []
    const stack: string[] = []
    for (const l of man.data.layers) {
      if (isImage && !LAYER_TYPES.includes(l.mediaType))
        this.f(
          'oci.invalid-layout',
          mwhere,
          `Layer ${l.digest} has the media type "${l.mediaType}", which is not an image layer type.`,
        )
      const lr = this.blob(l, mwhere)
      const walkedAt = `${this.location}!blobs/${l.digest.replace(':', '/')}`
      stack.push(walkedAt)
      if (lr) {
        compressed += lr.size
        sizes.push(this.layerSize(l.digest, lr, walkedAt))
      }
    }
    if (!isImage) {
      // an artifact (Helm chart, signature ...): blobs checked, no image config
      this.notImages.add(`an artifact (config media type ${man.data.config.mediaType})`)
      return
    }
    if (!cfgRec) return
    const cfgWhere = `${this.location}!blobs/${man.data.config.digest.replace(':', '/')}`
    const c = imageConfig.safeParse(cfgRec.json)
    if (!c.success) {
      this.f('oci.invalid-layout', cfgWhere, `The image config is invalid: ${issues(c.error, cfgRec.jsonError)}`)
      return
    }
    this.checkPlatform(c.data, cfgWhere)
    const ref = d.annotations?.['org.opencontainers.image.ref.name'] ?? d.annotations?.['io.containerd.image.name']
    this.images.push(this.facts('oci', ref ? [ref] : [], c.data, man.data.layers.length, compressed, sizes))
    this.known.stacks?.push(stack)
  }

  private validateDocker(format: 'docker-archive' | 'docker-hybrid'): void {
    const docker = this.docker!
    const parsed = dockerManifest.safeParse(docker.json)
    if (!parsed.success) {
      this.f(
        'oci.invalid-layout',
        `${this.location}!manifest.json`,
        `manifest.json is not a valid docker-archive manifest: ${issues(parsed.error, docker.jsonError)}`,
      )
      return
    }
    for (const m of parsed.data) this.validateDockerImage(format, m)
  }

  /** One image of manifest.json: paths that stay in the image, its config by digest, layers against diff_ids. */
  private validateDockerImage(
    format: 'docker-archive' | 'docker-hybrid',
    m: { Config: string; RepoTags?: string[] | null; Layers: string[] },
  ): void {
    const { location, files, known } = this
    // a path that leaves the image is named, never looked up (repack and the registry push refuse it too)
    const leaving = [['Config', m.Config], ...m.Layers.map((l, i) => [`Layers[${i}]`, l])]
      .map(([what, p]) => [what, p, imagePathProblem(p)] as const)
      .filter(([, , problem]) => problem)
    if (leaving.length) {
      for (const [what, p, problem] of leaving)
        this.f(
          'oci.invalid-layout',
          `${location}!manifest.json`,
          `manifest.json ${what} names "${p.slice(0, 200)}", which ${problem}: nothing is read from it.`,
        )
      return
    }
    const cfgPath = normalisePath(m.Config)
    const cfg = files.get(cfgPath)
    if (!cfg) {
      this.f('oci.missing-blob', `${location}!manifest.json`, `The config ${m.Config} is not in the tar.`)
      return
    }
    const expect = /([a-f0-9]{64})(\.json)?$/.exec(cfgPath)?.[1]
    if (expect && cfg.sha256 !== expect)
      this.f('oci.digest-mismatch', `${location}!${cfgPath}`, `The config's sha256 is ${cfg.sha256}, not ${expect}.`)
    const c = imageConfig.safeParse(cfg.json)
    if (!c.success)
      this.f(
        'oci.invalid-layout',
        `${location}!${cfgPath}`,
        `The image config is invalid: ${issues(c.error, cfg.jsonError)}`,
      )
    let compressed = 0
    const sizes: LayerSize[] = []
    const stack: string[] = []
    m.Layers.forEach((l, i) => {
      const rec = files.get(normalisePath(l))
      const walkedAt = `${location}!${known.aliases?.get(normalisePath(l)) ?? normalisePath(l)}`
      stack.push(walkedAt)
      if (!rec) {
        this.f('oci.missing-blob', `${location}!manifest.json`, `Layer ${l} is not in the tar.`)
        return
      }
      compressed += rec.size
      sizes.push(this.layerSize(`sha256:${rec.sha256}`, rec, walkedAt))
      const diff = c.success ? c.data.rootfs.diff_ids[i] : undefined
      if (diff && !rec.gzip && rec.sha256 !== diff.split(':')[1])
        this.f(
          'oci.digest-mismatch',
          `${location}!${normalisePath(l)}`,
          `Layer ${i + 1} has sha256 ${rec.sha256}; the config's diff_id is ${diff}.`,
        )
    })
    if (c.success) {
      this.checkPlatform(c.data, `${location}!${cfgPath}`)
      this.images.push(this.facts(format, m.RepoTags ?? [], c.data, m.Layers.length, compressed, sizes))
      known.stacks?.push(stack)
    }
  }

  private checkPlatform(c: ImageConfig, where: string): void {
    if (!SUPPORTED_ARCHITECTURES.includes(c.architecture))
      this.f(
        'oci.platform-unsupported',
        where,
        `The image is built for ${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''}; the marketplace accepts x86/x64 (386, amd64), Arm/Arm64, MIPS and PowerPC.`,
        { architecture: c.architecture },
      )
  }

  private layerSize(digest: string, rec: FileRecord, walkedAt: string): LayerSize {
    const bytes = this.known.expanded?.get(walkedAt)
    // a layer that was not walked to its end (damaged, a bomb, a zstd window over 128 MiB) has no known expanded size
    return { digest, compressed: rec.size, uncompressed: bytes ?? null }
  }

  private facts(
    format: ImageFacts['format'],
    tags: string[],
    c: ImageConfig,
    layers: number,
    compressed: number,
    sizes: LayerSize[],
  ): ImageFacts {
    return {
      location: this.location,
      format,
      tags,
      platform: `${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''}`,
      layers,
      compressedSize: compressed,
      uncompressedSize:
        sizes.length === layers && sizes.every((l) => l.uncompressed !== null)
          ? sizes.reduce((n, l) => n + l.uncompressed!, 0)
          : null,
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
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`)
    .join('; ')
}
