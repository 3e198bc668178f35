// OCI registry push (distribution API v2) of an OCI archive or docker-archive tar: each blob is skipped when
// the registry already has it (HEAD), otherwise uploaded in chunks through an upload session whose Range is
// asked again after a failure, and recorded in the checkpoint when committed; then the manifest is PUT and the
// pull address returned. A docker-archive is described by an OCI manifest computed from its config and layers.
// The login, HEAD, upload session and manifest PUT are the shared registry client's (../registry-client.ts); a
// refused login stops the job as needing credentials.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { x as extract } from 'tar'
import { PreflightError } from '../../../src-preload/errors'
import { bi } from '../../../src-preload/text'
import { blobPath, extractionError, resolveInImage } from '../../containers/image-paths'
import { dockerManifest, imageIndex, imageManifest, MT } from '../../containers/schemas'
import { sha256File } from '../../walk/hash'
import { throwIfCancelled } from '../../tasks/cancel'
import { CHUNK, fileChunks, jobClient } from '../registry-client'
import { parseTarget, type TargetRun, type UploadTarget } from '../target'

interface Blob {
  digest: string
  size: number
  file: string
}

async function digestOf(file: string): Promise<{ digest: string; size: number }> {
  const { size } = await stat(file)
  return { digest: `sha256:${await sha256File(file, size)}`, size }
}

/** The image's blobs and its manifest, from an extracted OCI layout or docker-archive. */
async function describe(dir: string): Promise<{ blobs: Blob[]; manifest: Buffer; mediaType: string }> {
  const has = (p: string) =>
    stat(join(dir, p)).then(
      () => true,
      () => false,
    )
  // every path the image's metadata names is resolved inside the image (containers/image-paths.ts) before it is read
  const json = async (name: string, what: string) => {
    const file = await resolveInImage(dir, name, what)
    try {
      return JSON.parse(await readFile(file, 'utf8')) as unknown
    } catch (err) {
      throw new PreflightError(
        'invalid-input',
        bi(
          `oci.invalid-layout: ${what} is not valid JSON: the image tar is damaged; save or repack the image again.`,
          `oci.invalid-layout：${what} 不是有效的 JSON：镜像 tar 包已损坏，请重新导出或重新打包镜像。`,
        ),
        { details: { error: (err as Error).message.split('\n')[0] } },
      )
    }
  }
  const valid = <T>(
    parsed:
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } },
    what: string,
  ): T => {
    if (parsed.success) return parsed.data
    throw new PreflightError(
      'invalid-input',
      bi(
        `oci.invalid-layout: ${what} is not valid (${parsed.error.issues
          .slice(0, 3)
          .map((i) => i.path.join('.') || '(document)')
          .join(', ')}): the image tar is damaged; save or repack the image again.`,
        `oci.invalid-layout：${what} 无效（${parsed.error.issues
          .slice(0, 3)
          .map((i) => i.path.join('.') || '文档')
          .join('、')}）：镜像 tar 包已损坏，请重新导出或重新打包镜像。`,
      ),
      {
        details: {
          issues: parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`),
        },
      },
    )
  }
  if ((await has('oci-layout')) && (await has('index.json'))) {
    const idx = valid(imageIndex.safeParse(await json('index.json', 'index.json')), 'index.json')
    const d = idx.manifests.find((m) => m.mediaType === MT.ociManifest || m.mediaType === MT.dockerManifest)
    if (!d)
      throw new PreflightError(
        'invalid-input',
        bi(
          'The OCI layout holds no image manifest to push: repack the image with preflight repack.',
          `该 OCI 布局中没有可推送的镜像清单：请用 preflight repack 重新打包镜像。`,
        ),
      )
    const manifestFile = await resolveInImage(dir, blobPath(d.digest), `index.json manifest ${d.digest}`)
    const manifest = await readFile(manifestFile)
    const m = valid(imageManifest.safeParse(JSON.parse(manifest.toString('utf8'))), `manifest ${d.digest}`)
    const blobs: Blob[] = []
    for (const b of [m.config, ...m.layers])
      blobs.push({
        digest: b.digest,
        size: b.size,
        file: await resolveInImage(dir, blobPath(b.digest), `blob ${b.digest}`),
      })
    return { manifest, mediaType: d.mediaType, blobs }
  }
  if (await has('manifest.json')) {
    const [m] = valid(dockerManifest.safeParse(await json('manifest.json', 'manifest.json')), 'manifest.json')
    const cfgFile = await resolveInImage(dir, m.Config, 'manifest.json Config')
    const cfg = await digestOf(cfgFile)
    const layers: Blob[] = []
    for (const [i, l] of m.Layers.entries()) {
      const file = await resolveInImage(dir, l, `manifest.json Layers[${i}]`)
      layers.push({ ...(await digestOf(file)), file })
    }
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MT.ociManifest,
        config: { mediaType: MT.ociConfig, digest: cfg.digest, size: cfg.size },
        layers: layers.map((l) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: l.digest,
          size: l.size,
        })),
      }),
    )
    return { manifest, mediaType: MT.ociManifest, blobs: [{ ...cfg, file: cfgFile }, ...layers] }
  }
  throw new PreflightError(
    'invalid-input',
    bi(
      'Not an image tar: no oci-layout/index.json and no manifest.json. Upload a docker save or OCI layout tar.',
      `这不是镜像 tar 包：既没有 oci-layout/index.json，也没有 manifest.json。请上传 docker save 或 OCI 布局的 tar 包。`,
    ),
  )
}

export const registryTarget: UploadTarget = {
  async run(r: TargetRun): Promise<string> {
    const t = parseTarget(r.job.target)
    if (t.kind !== 'registry') throw new PreflightError('invalid-input', `not a registry target: ${r.job.target}`)
    const client = jobClient(
      r,
      { registry: t.registry, repository: t.repository, insecure: r.job.options.insecure },
      'pull,push',
    )
    const dir = await mkdtemp(join(tmpdir(), 'preflight-push-'))
    try {
      await extract({ file: r.job.filePath, cwd: dir, strict: true, preservePaths: false }).catch((err: unknown) => {
        throw extractionError(r.job.filePath, err)
      })
      const { blobs, manifest, mediaType } = await describe(dir)
      const total = blobs.reduce((n, b) => n + b.size, 0) + manifest.length
      const done = new Map(
        r.store
          .parts(r.job.id)
          .filter((p) => p.state === 'done')
          .map((p) => [p.etag, p]),
      )
      if (!r.job.uploadId)
        r.store.startMultipart(
          r.job.id,
          'registry',
          CHUNK,
          blobs.map((b, i) => ({ partNumber: i + 1, offset: 0, size: b.size })),
        )
      let sent = 0
      for (const [i, b] of blobs.entries()) {
        throwIfCancelled(r.signal)
        if (done.has(b.digest)) {
          sent += b.size
          continue
        }
        if (!(await client.hasBlob(b.digest)))
          await client.pushBlob(b, () => fileChunks(b.file), {
            limiter: r.limiter,
            progress: (n) => r.progress(sent + n),
          })
        sent += b.size
        r.store.partDone(r.job.id, i + 1, b.digest, b.digest)
        r.progress(sent)
      }
      await client.putManifest(t.tag, manifest, mediaType)
      r.progress(total)
      return `${t.registry}/${t.repository}:${t.tag}`
    } finally {
      // an extraction that failed may still be finishing writes: retried rather than failing over the real error
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
    }
  },
}
