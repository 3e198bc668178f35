// Validate one image tar's worth of files (recorded by the container scanner as they streamed by) against the
// image-spec schemas: an OCI layout (oci-layout, index.json, nested indexes, manifests, configs, blobs by digest
// and size) or a docker-archive (manifest.json, configs, layers against diff_ids; Docker 25+ hybrids), platforms,
// the legacy form. One ImageTarValidator per tar: each step of the walk is a method, findings go to one list.
import { bi, type Bilingual } from '../../src-preload/text'
import { makeFinding, type Finding } from '../reports/model'
import { normalisePath } from '../walk/paths'
import type { ScanContext } from '../walk/types'
import { imagePathProblemText } from './image-paths'
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
  private readonly notImages = new Map<string, Bilingual>()
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
        bi(
          'This image tar is a legacy docker-archive (manifest.json only, no oci-layout/index.json). Convert it with `preflight repack`.',
          '该镜像 tar 是旧版 docker-archive（只有 manifest.json，没有 oci-layout/index.json）。请用 `preflight repack` 转换。',
        ),
      )
      this.validateDocker('docker-archive')
    }
    return this.images
  }

  private f(rule: string, where: string, message: Bilingual, details?: Record<string, unknown>): void {
    this.findings.push(makeFinding(rule, where, message, { profile: this.ctx.profile, details }))
  }

  private validateOci(layout: FileRecord | undefined, index: FileRecord | undefined): void {
    const { location } = this
    const findingsBefore = this.findings.length
    if (!layout) this.f('oci.invalid-layout', location, bi('The oci-layout file is missing.', '缺少 oci-layout 文件。'))
    else if (!ociLayout.safeParse(layout.json).success) {
      const json = layout.jsonError ? jsonProblem(layout.jsonError) : null
      this.f(
        'oci.invalid-layout',
        `${location}!oci-layout`,
        bi(
          `oci-layout must be {"imageLayoutVersion": "1.0.0"}${json ? ` (${json.en})` : ''}.`,
          `oci-layout 的内容必须是 {"imageLayoutVersion": "1.0.0"}${json ? `（${json.zh}）` : ''}。`,
        ),
      )
    }
    const nullManifests = (index?.json as { manifests?: unknown } | undefined)?.manifests === null
    if (!index) this.f('oci.invalid-layout', location, bi('index.json is missing.', '缺少 index.json。'))
    else if (nullManifests && this.dockerOk)
      this.validateDocker('docker-hybrid') // Docker 25.0 wrote "manifests": null next to a valid manifest.json
    else {
      const parsed = imageIndex.safeParse(index.json)
      if (!parsed.success) {
        const why = issues(parsed.error, index.jsonError)
        this.f(
          'oci.invalid-layout',
          `${location}!index.json`,
          bi(`index.json is not a valid image index: ${why.en}`, `index.json 不是有效的镜像索引：${why.zh}`),
        )
      } else this.walkIndex(parsed.data.manifests, `${location}!index.json`, 0)
    }
    if (this.dockerOk) this.images.forEach((i) => (i.format = 'docker-hybrid'))
    // nothing wrong was found, yet no image came out: a runtime would load nothing from this tar
    if (this.images.length === 0 && this.findings.length === findingsBefore) {
      const listed = [...this.notImages.values()]
      this.f(
        'oci.invalid-layout',
        `${location}!index.json`,
        bi(
          `The layout holds no container image${listed.length ? `: it lists ${listed.map((w) => w.en).join('; ')}` : ': its manifest list is empty'}. A container package needs image manifests (${MT.ociManifest}).`,
          `该布局中没有容器镜像${listed.length ? `：其中列出的是${listed.map((w) => w.zh).join('；')}` : '：其清单列表为空'}。容器包需要镜像清单（${MT.ociManifest}）。`,
        ),
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
        bi(
          `${d.mediaType} ${d.digest} is referenced but blobs/${alg}/${hex} is not in the tar.`,
          `引用了 ${d.mediaType} ${d.digest}，但 tar 中没有 blobs/${alg}/${hex}。`,
        ),
        { digest: d.digest },
      )
      return null
    }
    if (alg === 'sha256' && rec.sha256 !== hex)
      this.f(
        'oci.digest-mismatch',
        `${this.location}!blobs/${alg}/${hex}`,
        bi(
          `The blob's sha256 is ${rec.sha256}, not ${hex}: the image is damaged.`,
          `该 blob 的 sha256 为 ${rec.sha256}，而不是 ${hex}：镜像已损坏。`,
        ),
        { digest: d.digest },
      )
    else if (rec.size !== d.size)
      this.f(
        'oci.digest-mismatch',
        `${this.location}!blobs/${alg}/${hex}`,
        bi(
          `The blob has ${rec.size} bytes; its descriptor says ${d.size}.`,
          `该 blob 有 ${rec.size} 字节，而其描述符写的是 ${d.size} 字节。`,
        ),
        { digest: d.digest },
      )
    return rec
  }

  private walkIndex(manifests: Descriptor[], where: string, depth: number): void {
    if (depth > 4) {
      this.f('oci.invalid-layout', where, bi('Image indexes nested deeper than 4 levels.', '镜像索引嵌套超过 4 层。'))
      return
    }
    for (const d of manifests) {
      const rec = this.blob(d, where)
      if (!rec) continue
      const mt = d.mediaType
      const blobWhere = `${this.location}!blobs/${d.digest.replace(':', '/')}`
      if (mt === MT.ociIndex || mt === MT.dockerList) {
        const idx = imageIndex.safeParse(rec.json)
        if (!idx.success) {
          const why = issues(idx.error, rec.jsonError)
          this.f('oci.invalid-layout', blobWhere, bi(`Nested index is invalid: ${why.en}`, `嵌套的索引无效：${why.zh}`))
        } else this.walkIndex(idx.data.manifests, blobWhere, depth + 1)
      } else if (mt === MT.ociManifest || mt === MT.dockerManifest) this.validateManifest(d, rec, blobWhere)
      else
        this.notImages.set(
          mt,
          bi(
            `a descriptor of media type ${mt}, neither an image manifest nor an index`,
            `媒体类型为 ${mt} 的描述符（既不是镜像清单，也不是索引）`,
          ),
        )
    }
  }

  /** An OCI/Docker image manifest of the index: its layers' types and blobs, then its config (an artifact has none). */
  private validateManifest(d: Descriptor, rec: FileRecord, mwhere: string): void {
    const man = imageManifest.safeParse(rec.json)
    if (!man.success) {
      const why = issues(man.error, rec.jsonError)
      this.f('oci.invalid-layout', mwhere, bi(`The image manifest is invalid: ${why.en}`, `镜像清单无效：${why.zh}`))
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
          bi(
            `Layer ${l.digest} has the media type "${l.mediaType}", which is not an image layer type.`,
            `层 ${l.digest} 的媒体类型为“${l.mediaType}”，不是镜像层类型。`,
          ),
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
      const cmt = man.data.config.mediaType
      this.notImages.set(
        `artifact ${cmt}`,
        bi(`an artifact (config media type ${cmt})`, `制品（配置的媒体类型为 ${cmt}）`),
      )
      return
    }
    if (!cfgRec) return
    const cfgWhere = `${this.location}!blobs/${man.data.config.digest.replace(':', '/')}`
    const c = imageConfig.safeParse(cfgRec.json)
    if (!c.success) {
      const why = issues(c.error, cfgRec.jsonError)
      this.f('oci.invalid-layout', cfgWhere, bi(`The image config is invalid: ${why.en}`, `镜像配置无效：${why.zh}`))
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
      const why = issues(parsed.error, docker.jsonError)
      this.f(
        'oci.invalid-layout',
        `${this.location}!manifest.json`,
        bi(
          `manifest.json is not a valid docker-archive manifest: ${why.en}`,
          `manifest.json 不是有效的 docker-archive 清单：${why.zh}`,
        ),
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
      .map(([what, p]) => [what, p, imagePathProblemText(p)] as const)
      .filter(([, , problem]) => problem)
    if (leaving.length) {
      for (const [what, p, problem] of leaving)
        this.f(
          'oci.invalid-layout',
          `${location}!manifest.json`,
          bi(
            `manifest.json ${what} names "${p.slice(0, 200)}", which ${problem!.en}: nothing is read from it.`,
            `manifest.json 的 ${what} 指向“${p.slice(0, 200)}”，该路径${problem!.zh}：不会读取其中任何内容。`,
          ),
        )
      return
    }
    const cfgPath = normalisePath(m.Config)
    const cfg = files.get(cfgPath)
    if (!cfg) {
      this.f(
        'oci.missing-blob',
        `${location}!manifest.json`,
        bi(`The config ${m.Config} is not in the tar.`, `配置 ${m.Config} 不在 tar 中。`),
      )
      return
    }
    const expect = /([a-f0-9]{64})(\.json)?$/.exec(cfgPath)?.[1]
    if (expect && cfg.sha256 !== expect)
      this.f(
        'oci.digest-mismatch',
        `${location}!${cfgPath}`,
        bi(
          `The config's sha256 is ${cfg.sha256}, not ${expect}.`,
          `配置的 sha256 为 ${cfg.sha256}，而不是 ${expect}。`,
        ),
      )
    const c = imageConfig.safeParse(cfg.json)
    if (!c.success) {
      const why = issues(c.error, cfg.jsonError)
      this.f(
        'oci.invalid-layout',
        `${location}!${cfgPath}`,
        bi(`The image config is invalid: ${why.en}`, `镜像配置无效：${why.zh}`),
      )
    }
    let compressed = 0
    const sizes: LayerSize[] = []
    const stack: string[] = []
    m.Layers.forEach((l, i) => {
      const rec = files.get(normalisePath(l))
      const walkedAt = `${location}!${known.aliases?.get(normalisePath(l)) ?? normalisePath(l)}`
      stack.push(walkedAt)
      if (!rec) {
        this.f(
          'oci.missing-blob',
          `${location}!manifest.json`,
          bi(`Layer ${l} is not in the tar.`, `层 ${l} 不在 tar 中。`),
        )
        return
      }
      compressed += rec.size
      sizes.push(this.layerSize(`sha256:${rec.sha256}`, rec, walkedAt))
      const diff = c.success ? c.data.rootfs.diff_ids[i] : undefined
      if (diff && !rec.gzip && rec.sha256 !== diff.split(':')[1])
        this.f(
          'oci.digest-mismatch',
          `${location}!${normalisePath(l)}`,
          bi(
            `Layer ${i + 1} has sha256 ${rec.sha256}; the config's diff_id is ${diff}.`,
            `第 ${i + 1} 层的 sha256 为 ${rec.sha256}，而配置中的 diff_id 为 ${diff}。`,
          ),
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
        bi(
          `The image is built for ${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''}; the marketplace accepts x86/x64 (386, amd64), Arm/Arm64, MIPS and PowerPC.`,
          `该镜像为 ${c.os}/${c.architecture}${c.variant ? `/${c.variant}` : ''} 构建；市场接受 x86/x64（386、amd64）、Arm/Arm64、MIPS 和 PowerPC。`,
        ),
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

/** Why a document failed its schema, in both languages: its JSON error, else its first three issues (field and what is wrong). */
function issues(err: import('zod').ZodError, jsonError?: string): Bilingual {
  if (jsonError) return jsonProblem(jsonError)
  const first = err.issues.slice(0, 3)
  return bi(
    first.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; '),
    first.map((i) => `${i.path.join('.') || '（文档）'}：${issueZh(i)}`).join('；'),
  )
}

/** What JSON.parse said of a document, as a sentence: where it fails, never the parser's own wording. */
function jsonProblem(jsonError: string): Bilingual {
  if (jsonError === 'not JSON') return bi('not JSON', '不是 JSON')
  const at = /at position (\d+)/.exec(jsonError)?.[1]
  return at
    ? bi(`not valid JSON (it breaks at byte ${at})`, `不是有效的 JSON（在第 ${at} 字节处出错）`)
    : bi('not valid JSON', '不是有效的 JSON')
}

/** One zod issue in Chinese, by its code (the schemas' own messages are those of schemas.ts). */
function issueZh(i: import('zod').ZodError['issues'][number]): string {
  switch (i.code) {
    case 'invalid_type': {
      // zod writes what it received into its message ("expected array, received null"), not into the issue
      const received = /received (\w+)/.exec(i.message)?.[1]
      return received === 'undefined' ? '缺少该字段' : `类型应为 ${i.expected}${received ? `，实际为 ${received}` : ''}`
    }
    case 'invalid_value':
      return `应为 ${i.values.map((v) => JSON.stringify(v)).join(' 或 ')}`
    case 'invalid_format':
      return i.message === 'not a valid media type'
        ? '不是有效的媒体类型'
        : i.message === 'not a valid digest'
          ? '不是有效的摘要'
          : '格式无效'
    case 'too_small':
      return i.origin === 'number' ? `不能小于 ${String(i.minimum)}` : '不能为空'
    case 'too_big':
      return `不能大于 ${String(i.maximum)}`
    default:
      return '取值无效'
  }
}
