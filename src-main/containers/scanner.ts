// Container images in the entry pass: OCI image layouts and docker-archives (Docker 25+ hybrids included),
// whether the package is one, bundles several, or an application package holds one anywhere. Blob-like
// entries are hashed while they stream by (no second read); small JSON documents are kept; at the end each
// image tar is validated against the image-spec schemas: digests and sizes, missing blobs, media types,
// platforms, legacy docker-archive form. Layers are walked as filesystems by the pipeline itself (they are
// tar / tar.gz blobs), so malware and SBOM scanners reach inside images. Each layer's tree is recorded while it
// streams by, and its expanded size when it ends; after the pass, whiteouts are applied (whiteouts.ts): what
// an upper layer deletes is not in the image, so its components and content findings are dropped, and a
// malware hit there becomes oci.deleted-file-malware (its bytes still ship in the layer blob).
import { bi } from '../../src-preload/text'
import { makeFinding, type Component, type Finding } from '../reports/model'
import { displayPath, normalisePath, resolveLink } from '../walk/paths'
import type { EntryScanner, ScanContext, WalkEntry } from '../walk/types'
import { validateImageTar, type FileRecord, type ImageFacts } from './validate'
import { hiddenBy, LayerTree } from '../walk/whiteouts'

const JSON_LIMIT = 4 * 1024 * 1024
const INTERESTING =
  /(^|\/)(oci-layout|index\.json|manifest\.json|repositories)$|^blobs\/[a-z0-9+._-]+\/[a-zA-Z0-9=_-]+$|^[a-f0-9]{64}(\.json|\.tar|\/layer\.tar|\/json)$/
/** Content findings about files: when the file is not in the image's filesystem, neither is the finding. */
const CONTENT_RULES = new Set([
  'vuln.cvss-high',
  'vuln.cvss-low',
  'sbom.unreadable',
  'sbom.unmatched',
  'content.architecture-unsupported',
])

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
      if (
        (entry.type === 'hardlink' || entry.type === 'symlink') &&
        entry.linkTarget &&
        INTERESTING.test(normalisePath(entry.path))
      ) {
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
          const rec: FileRecord = {
            size,
            sha256: digests?.sha256 ?? '',
            gzip: firstTwo[0] === 0x1f && firstTwo[1] === 0x8b,
          }
          if (keep && kept === size && size > 0) {
            const text = Buffer.concat(keep)
            if (
              text[0] === 0x7b ||
              text[0] === 0x5b ||
              /^\s*(null|[{[])/.test(text.subarray(0, 16).toString('latin1'))
            ) {
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
          if (!imageTars.has(loc))
            findings.push(
              makeFinding(
                'oci.bundle-entry-not-image',
                loc,
                bi(
                  `"${p}" is not a container image tar: a container package holds only one .tar per image.`,
                  `“${p}”不是容器镜像 tar：容器包中每个镜像只能有一个 .tar 文件。`,
                ),
                { profile: ctx.profile },
              ),
            )
        }
        if (topFiles.length === 0 && !imageTars.has(ctx.packageName))
          findings.push(
            makeFinding(
              'oci.bundle-entry-not-image',
              ctx.packageName,
              bi('The container package holds no image tar.', '容器包中没有镜像 tar。'),
              { profile: ctx.profile },
            ),
          )
      }
      // an SWR image package is an image tar (or a tar of them): one in which no image tar is found, not even
      // a damaged one (no list of images in manifest.json, no index.json), has nothing to push
      if (ctx.profile === 'swr-image' && imageTars.size === 0)
        findings.push(
          makeFinding(
            'oci.invalid-layout',
            ctx.packageName,
            bi(
              'The package holds no container image: an SWR image is a docker-archive (`docker save`) or OCI image tar, with a list of images in manifest.json or an index.json at its root.',
              '包中没有容器镜像：SWR 镜像应为 docker-archive（`docker save`）或 OCI 镜像 tar，其根目录下有列出镜像的 manifest.json 或 index.json。',
            ),
            { profile: ctx.profile },
          ),
        )
      if (ctx.profile === 'swr-image')
        for (const i of images) {
          const size = swrConsoleSize(i)
          if (size > SWR_CONSOLE_LIMIT)
            findings.push(
              makeFinding(
                'swr.console-too-large',
                i.location,
                bi(
                  `The image is ${(size / 1024 ** 3).toFixed(2)} GiB${i.uncompressedSize !== null ? ' decompressed' : ''}: the SWR console takes at most 2 GB per file including the decompressed size. Push it with a client (docker push, or preflight upload --to docker://…).`,
                  `镜像${i.uncompressedSize !== null ? '解压后' : ''}为 ${(size / 1024 ** 3).toFixed(2)} GiB：SWR 控制台每个文件（含解压后大小）最多 2 GB。请用客户端推送（docker push，或 preflight upload --to docker://…）。`,
                ),
                { profile: ctx.profile, details: { bytes: size } },
              ),
            )
        }
      if (ctx.profile === 'swr-image' && images.some((i) => i.location === ctx.packageName && i.format === 'oci'))
        findings.push(
          makeFinding(
            'swr.console-oci',
            ctx.packageName,
            bi(
              'This is an OCI image: the SWR console upload refuses OCI images. Push it with a client, or repack it with --format docker-archive.',
              '这是 OCI 镜像：SWR 控制台上传不接受 OCI 镜像。请用客户端推送，或用 --format docker-archive 重新打包。',
            ),
            { profile: ctx.profile },
          ),
        )
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
          const hits = at.map(({ stack, index }) => ({
            by: hiddenBy(
              stack.map((l) => trees.get(l)),
              index,
              path,
            ),
            index,
            stack,
          }))
          if (hits.every((h) => h.by !== -1))
            found = { layer: hits[0].index + 1, by: hits[0].by + 1, image: parts.slice(0, i).join('!') }
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
          const named = f.details?.signature as string | undefined
          findings.push(
            makeFinding(
              'oci.deleted-file-malware',
              f.location,
              bi(
                `Layer ${d.layer} of ${d.image} adds a file matching ${named ?? 'a malware signature'}; layer ${d.by} deletes it, so it is not in the image's filesystem, but its bytes still ship in the layer blob.`,
                `${d.image} 的第 ${d.layer} 层添加了匹配${named ? `特征 ${named}` : '恶意软件特征'}的文件；第 ${d.by} 层删除了它，因此它不在镜像的文件系统中，但其字节仍随该层 blob 分发。`,
              ),
              { profile: ctx.profile, details: { ...f.details, layer: d.layer, deletedBy: d.by } },
            ),
          )
        }
      }
      const components: Component[] = out.components.filter((c) => !deletion(c.location))
      return {
        findings,
        components,
        facts: {
          whiteouts: {
            droppedFindings: dropped,
            downgradedMalware: downgraded,
            droppedComponents: out.components.length - components.length,
          },
        },
      }
    },
  }
}
