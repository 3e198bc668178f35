// Registry-to-registry image sync (ServiceStage's image synchronisation): one queue job copies the image a
// source tag names — its manifest, or its index with every child manifest — with config and layers to one target
// repository. Per target the policy is "overwrite a non-identical image of the same tag" or "keep it and say so";
// an identical image (same manifest digest) is skipped. Blobs the target holds are skipped (HEAD), blobs of the
// same registry are mounted across repositories, the others are streamed from source to target one chunk at a
// time with their sha256 verified on the way. Every blob done is checkpointed in the queue store, so a killed
// process resumes without sending finished blobs again. The transfer goes through the shared registry client.
import { z } from 'zod'
import { PreflightError } from '../../src-preload/errors'
import { bi, type Bilingual } from '../../src-preload/text'
import { imageIndex, imageManifest, MT, type Descriptor } from '../containers/schemas'
import { getSetting, type Db } from '../store/db'
import { throwIfCancelled } from '../tasks/cancel'
import {
  CHUNK,
  jobClient,
  streamChunks,
  type Manifest,
  type RegistryClient,
  type RegistryEndpoint,
} from './registry-client'
import type { JobOptions, UploadJob } from './store'
import { parseTarget, type TargetRun } from './target'

export type SyncType = 'manual' | 'automatic'
/** copied: the target had no image under the tag; overwritten: it had another; identical: the same; kept: another, left in place. */
export type SyncStatus = 'copied' | 'overwritten' | 'identical' | 'kept'

export interface SyncOutcome {
  status: SyncStatus
  /** registry/repository:tag of both ends. */
  source: string
  target: string
  /** The source image's manifest (or index) digest, and what the target's tag named before (null: nothing). */
  digest: string
  targetDigest: string | null
  manifests: number
  blobs: { total: number; sent: number; mounted: number; present: number; resumed: number }
  bytesSent: number
}

/** A docker:// reference as a sync end: registry, repository and tag (the tag is required for a source). */
export function syncEndpoint(
  ref: string,
  what: 'source' | 'target',
): RegistryEndpoint & { tag: string; tagGiven: boolean } {
  const whatZh = what === 'source' ? '源' : '目标'
  if (!ref.startsWith('docker://'))
    throw new PreflightError(
      'invalid-input',
      bi(
        `The sync ${what} "${ref.slice(0, 200)}" is not a docker:// reference: use docker://registry/organisation/repository[:tag].`,
        `同步${whatZh}“${ref.slice(0, 200)}”不是 docker:// 引用：请写成 docker://registry/organisation/repository[:tag]。`,
      ),
    )
  if (ref.includes('@'))
    throw new PreflightError(
      'invalid-input',
      bi(
        `The sync ${what} "${ref.slice(0, 200)}" names a digest: sync by tag (docker://registry/repository:tag).`,
        `同步${whatZh}“${ref.slice(0, 200)}”指定的是摘要：请按标签同步（docker://registry/repository:tag）。`,
      ),
    )
  const t = parseTarget(ref)
  if (t.kind !== 'registry')
    throw new PreflightError(
      'invalid-input',
      bi(
        `The sync ${what} "${ref.slice(0, 200)}" is not a registry reference.`,
        `同步${whatZh}“${ref.slice(0, 200)}”不是镜像仓库引用：请写成 docker://registry/organisation/repository[:tag]。`,
      ),
    )
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(t.repository))
    throw new PreflightError(
      'invalid-input',
      bi(
        `The sync ${what} "${ref.slice(0, 200)}" has a repository name the distribution spec refuses (lowercase letters, digits and . _ - between them, / between path parts).`,
        `同步${whatZh}“${ref.slice(0, 200)}”的仓库名不符合 distribution 规范（只能用小写字母和数字，中间可用 . _ -，各级路径之间用 /）。`,
      ),
    )
  return {
    registry: t.registry,
    repository: t.repository,
    tag: t.tag,
    tagGiven: /:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(ref.slice('docker://'.length + t.registry.length)),
  }
}

/** Setting sync.targets: per pushed repository (registry/repository, no tag), the targets it is synced to. */
export const syncTargetsSetting = z
  .array(
    z
      .object({
        repository: z
          .string()
          .regex(
            /^[^/\s:@]+(?::\d+)?\/[a-z0-9]+(?:[._/-]+[a-z0-9]+)*$/,
            'registry/repository without a tag, e.g. swr.cn-north-4.myhuaweicloud.com/org/app',
          ),
        targets: z
          .array(
            z
              .string()
              .max(500)
              .refine((t) => {
                try {
                  syncEndpoint(t, 'target')
                  return true
                } catch {
                  return false
                }
              }, 'a docker://registry/organisation/repository[:tag] reference'),
          )
          .min(1)
          .max(20),
        overwrite: z.boolean().default(false),
        insecure: z.boolean().default(false),
      })
      .strict(),
  )
  .max(200)
export type AutoSyncRule = z.infer<typeof syncTargetsSetting>[number]

/** The saved automatic sync rules (setting sync.targets); none when unset or no longer valid. */
export function autoSyncRules(db: Db): AutoSyncRule[] {
  try {
    const parsed = syncTargetsSetting.safeParse(getSetting<unknown>(db, 'sync.targets', []))
    return parsed.success ? parsed.data : []
  } catch {
    return [] // not JSON: as if unset
  }
}

/** The target reference a job is queued with: the source's tag when the target names none. */
export function syncTargetRef(source: string, target: string): string {
  const s = syncEndpoint(source, 'source')
  const t = syncEndpoint(target, 'target')
  return t.tagGiven ? target : `${target}:${s.tag}`
}

export const isSyncJob = (job: Pick<UploadJob, 'options'>): boolean => typeof job.options.syncSource === 'string'

/** The options of a sync job: its source, how it was started, and the target's overwrite policy. */
export function syncOptions(
  source: string,
  o: { type: SyncType; overwrite?: boolean; insecure?: boolean; sourceInsecure?: boolean },
): JobOptions {
  syncEndpoint(source, 'source')
  return {
    syncSource: source,
    syncType: o.type,
    overwrite: o.overwrite ?? false,
    insecure: o.insecure,
    sourceInsecure: o.sourceInsecure ?? o.insecure,
  }
}

const parsed = <T>(schema: z.ZodType<T>, m: Manifest, where: string): T => {
  let json: unknown
  try {
    json = JSON.parse(m.body.toString('utf8'))
  } catch (err) {
    throw new PreflightError(
      'invalid-input',
      bi(
        `${where} (${m.digest}) is not valid JSON: the source registry holds a damaged image; push it again.`,
        `${where}（${m.digest}）不是有效的 JSON：源仓库中的镜像已损坏，请重新推送。`,
      ),
      { details: { error: (err as Error).message.split('\n')[0] } },
    )
  }
  const r = schema.safeParse(json)
  if (!r.success)
    throw new PreflightError(
      'invalid-input',
      bi(
        `${where} (${m.digest}) is not a valid ${m.mediaType} (${r.error.issues
          .slice(0, 3)
          .map((i) => i.path.join('.') || '(document)')
          .join(', ')}): the source registry holds a damaged image; push it again.`,
        `${where}（${m.digest}）不是有效的 ${m.mediaType}（${r.error.issues
          .slice(0, 3)
          .map((i) => i.path.join('.') || '文档')
          .join('、')}）：源仓库中的镜像已损坏，请重新推送。`,
      ),
      {
        details: {
          issues: r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`),
        },
      },
    )
  return r.data
}

const isIndex = (mediaType: string) => mediaType === MT.ociIndex || mediaType === MT.dockerList
/** Layers a registry never holds (Windows base layers): their descriptors name where they are downloaded from. */
const foreign = (d: Descriptor) => Boolean(d.urls?.length) && /foreign|nondistributable/.test(d.mediaType)

/** Every manifest the source tag reaches (children before the index naming them) and every blob they name, once. */
async function collect(
  src: RegistryClient,
  top: Manifest,
  where: string,
  signal: AbortSignal,
): Promise<{ manifests: Manifest[]; blobs: Descriptor[] }> {
  const manifests: Manifest[] = []
  const blobs = new Map<string, Descriptor>()
  const visit = async (m: Manifest, depth: number): Promise<void> => {
    if (isIndex(m.mediaType)) {
      if (depth > 3)
        throw new PreflightError(
          'invalid-input',
          bi(
            `${where}: indexes nested more than 3 deep.`,
            `${where}：索引嵌套超过 3 层，Preflight 最多同步 3 层索引。`,
          ),
        )
      for (const d of parsed(imageIndex, m, where).manifests) {
        throwIfCancelled(signal)
        const child = await src.getManifest(d.digest)
        if (!child)
          throw new PreflightError(
            'not-found',
            bi(
              `${where}: its index names manifest ${d.digest}, which the source registry does not hold.`,
              `${where}：其索引引用的清单 ${d.digest} 在源仓库中不存在。请重新向源仓库推送该镜像。`,
            ),
          )
        await visit(child, depth + 1)
      }
    } else {
      const image = parsed(imageManifest, m, where)
      for (const d of [image.config, ...image.layers]) if (!foreign(d) && !blobs.has(d.digest)) blobs.set(d.digest, d)
    }
    if (!manifests.some((x) => x.digest === m.digest)) manifests.push(m)
  }
  await visit(top, 0)
  return { manifests, blobs: [...blobs.values()] }
}

/** Sync one job's source image to its target. Returns what happened; a `kept` image was left as it was. */
export async function runSync(r: TargetRun, sizeKnown: (bytes: number) => void = () => {}): Promise<SyncOutcome> {
  const job = r.job
  const source = job.options.syncSource
  if (!source) throw new PreflightError('invalid-input', `Job ${job.id.slice(0, 8)} is not a sync job.`)
  const s = syncEndpoint(source, 'source')
  const t = syncEndpoint(job.target, 'target')
  const srcEnd = { registry: s.registry, repository: s.repository, insecure: job.options.sourceInsecure }
  const dstEnd = { registry: t.registry, repository: t.repository, insecure: job.options.insecure }
  // the source's login is the one saved for the source registry
  const srcJob: UploadJob = {
    ...job,
    target: source,
    options: { ...job.options, insecure: job.options.sourceInsecure },
  }
  const sameRegistry = s.registry === t.registry && Boolean(srcEnd.insecure) === Boolean(dstEnd.insecure)
  const mountFrom = sameRegistry && s.repository !== t.repository ? s.repository : undefined
  const src = jobClient(r, srcEnd, 'pull', [], srcJob)
  const dst = jobClient(r, dstEnd, 'pull,push', mountFrom ? [mountFrom] : [])
  const sourceName = `${s.registry}/${s.repository}:${s.tag}`
  const targetName = `${t.registry}/${t.repository}:${t.tag}`

  const top = await src.getManifest(s.tag)
  if (!top)
    throw new PreflightError(
      'not-found',
      bi(
        `${sourceName} does not exist in the source registry: check the repository and tag (push the image first).`,
        `源仓库中不存在 ${sourceName}：请检查仓库名和标签（先推送该镜像）。`,
      ),
    )
  const { manifests, blobs } = await collect(src, top, sourceName, r.signal)
  const total = blobs.reduce((n, b) => n + b.size, 0)
  sizeKnown(total)
  const outcome: SyncOutcome = {
    status: 'copied',
    source: sourceName,
    target: targetName,
    digest: top.digest,
    targetDigest: null,
    manifests: manifests.length,
    blobs: { total: blobs.length, sent: 0, mounted: 0, present: 0, resumed: 0 },
    bytesSent: 0,
  }

  outcome.targetDigest = await dst.manifestDigest(t.tag)
  if (outcome.targetDigest === top.digest) {
    r.progress(total)
    return { ...outcome, status: 'identical' }
  }
  if (outcome.targetDigest && !job.options.overwrite) return { ...outcome, status: 'kept' }

  // the checkpoint: one part per blob of this source digest (a source tag moved since: planned again)
  const plan = `sync:${top.digest}`
  if (job.uploadId !== plan)
    r.store.startMultipart(
      job.id,
      plan,
      CHUNK,
      blobs.map((b, i) => ({ partNumber: i + 1, offset: 0, size: b.size })),
    )
  const done = new Set(
    r.store
      .parts(job.id)
      .filter((p) => p.state === 'done')
      .map((p) => p.etag),
  )
  let confirmed = 0
  for (const [i, b] of blobs.entries()) {
    throwIfCancelled(r.signal)
    if (done.has(b.digest)) {
      outcome.blobs.resumed++
    } else if (await dst.hasBlob(b.digest)) {
      outcome.blobs.present++
      r.store.partDone(job.id, i + 1, b.digest, 'present')
    } else {
      const how = await dst.pushBlob(
        b,
        async () => streamChunks((await src.getBlob(b.digest)).body, b, sourceName, job.options.requestTimeoutMs),
        {
          limiter: r.limiter,
          progress: (n) => r.progress(confirmed + n),
          mountFrom,
        },
      )
      if (how === 'mounted') outcome.blobs.mounted++
      else {
        outcome.blobs.sent++
        outcome.bytesSent += b.size
      }
      r.store.partDone(job.id, i + 1, b.digest, how)
    }
    confirmed += b.size
    r.progress(confirmed)
  }
  // children by digest first, then the tag: a registry refuses an index naming manifests it does not hold
  for (const m of manifests) {
    throwIfCancelled(r.signal)
    await dst.putManifest(m === manifests.at(-1) ? t.tag : m.digest, m.body, m.mediaType)
  }
  const now = await dst.manifestDigest(t.tag)
  if (now !== top.digest)
    throw new PreflightError(
      'conflict',
      bi(
        `${targetName} names ${now ?? 'nothing'} after the sync, not ${top.digest}: the target registry changed the manifest, or another push raced this one.`,
        `同步后 ${targetName} 指向 ${now ?? '空'}，而不是 ${top.digest}：目标仓库改动了清单，或有另一次推送同时进行。请重新同步。`,
      ),
    )
  return { ...outcome, status: outcome.targetDigest ? 'overwritten' : 'copied' }
}

/** Why a kept sync failed, in both languages: the job's error (the app shows the chosen one). */
export function keptError(o: SyncOutcome): Bilingual {
  return bi(
    describeOutcome(o),
    `已保留：${o.target} 中是另一个镜像（${o.targetDigest}），与 ${o.source}（${o.digest}）不同；由于此目标不覆盖，已保持原样。如需替换，请使用 --overwrite 重新同步（在应用中：“同步到…”并勾选“覆盖同一标签下的不同镜像”）。`,
  )
}

/** One line for the queue and the CLI. */
export function describeOutcome(o: SyncOutcome): string {
  const b = o.blobs
  const counts = `${b.sent} blob(s) sent, ${b.mounted} mounted, ${b.present + b.resumed} already there`
  switch (o.status) {
    case 'identical':
      return `identical: ${o.target} already holds ${o.digest}; nothing sent`
    case 'kept':
      return `kept: ${o.target} holds another image (${o.targetDigest}) than ${o.source} (${o.digest}); left in place because this target does not overwrite. Sync again with --overwrite (in the app: "Sync to…" with "Replace a different image under the same tag") to replace it.`
    case 'overwritten':
      return `overwritten: ${o.target} now holds ${o.digest} (was ${o.targetDigest}); ${counts}`
    default:
      return `copied: ${o.target} holds ${o.digest}; ${counts}`
  }
}
