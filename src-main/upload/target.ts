// Upload targets: parsing `s3://bucket/key`, `file:///folder/` and `docker://registry/repo:tag`, checking
// them against the object-storage naming rules (../shared/spec/profiles.md, OBS / S3-compatible), and the
// interface every target implements.
import { PreflightError } from '../../src-preload/errors'
import { bi, type Bilingual } from '../../src-preload/text'
import type { BandwidthLimiter } from './limiter'
import type { RetryPolicy } from './retry'
import type { UploadJob, UploadStore } from './store'

export type ParsedTarget =
  | { kind: 's3'; bucket: string; key: string }
  | { kind: 'folder'; dir: string; name: string | null }
  | { kind: 'registry'; registry: string; repository: string; tag: string }

export interface S3Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface RegistryCredentials {
  username: string
  password: string
}

/** Where credentials come from: environment or a file in the CLI, safeStorage in the app. Never the database. */
export interface CredentialProvider {
  s3(job: UploadJob): Promise<S3Credentials | undefined>
  /** For docker:// targets; none: push anonymously (a registry that wants a login answers 401). */
  registry?(job: UploadJob): Promise<RegistryCredentials | undefined>
}

/** The registry of a docker:// job as an origin (the credential vault's key for it). */
export function registryOrigin(job: UploadJob): string | null {
  const t = parseTarget(job.target)
  return t.kind === 'registry' ? `${job.options.insecure ? 'http' : 'https'}://${t.registry}` : null
}

export interface TargetRun {
  job: UploadJob
  store: UploadStore
  signal: AbortSignal
  limiter: BandwidthLimiter
  retry: RetryPolicy
  credentials: CredentialProvider
  /** Bytes confirmed so far (for progress). */
  progress(bytesDone: number): void
  log(message: string): void
}

export interface UploadTarget {
  /** Upload (or resume) the job; returns the result address (object URL, path, pull address). */
  run(run: TargetRun): Promise<string>
  /** Clean up server-side state of a cancelled job where the server supports it. */
  abort?(run: TargetRun): Promise<void>
}

export function bucketProblem(bucket: string): string | null {
  return bucketProblemIn(bucket)?.en ?? null
}

/** What is wrong with a bucket name, in both languages (null: nothing). */
function bucketProblemIn(bucket: string): Bilingual | null {
  if (bucket.length < 3 || bucket.length > 63) return bi('must be 3–63 characters', '须为 3–63 个字符')
  if (!/^[a-z0-9.-]+$/.test(bucket))
    return bi('may contain only lowercase letters, digits, - and .', '只能包含小写字母、数字、- 和 .')
  if (!/^[a-z0-9]/.test(bucket)) return bi('must start with a letter or digit', '须以字母或数字开头')
  if (/[-.]$/.test(bucket)) return bi('must not end with - or .', '不能以 - 或 . 结尾')
  if (/\.\.|\.-|-\./.test(bucket)) return bi('must not contain "..", ".-" or "-."', '不能包含“..”“.-”或“-.”')
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return bi('must not be an IP address', '不能是 IP 地址')
  return null
}

export function parseTarget(target: string): ParsedTarget {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(target)
  if (s3) {
    const problem = bucketProblemIn(s3[1])
    if (problem)
      throw new PreflightError(
        'invalid-input',
        bi(
          `Bucket "${s3[1]}" ${problem.en} (OBS/S3 bucket naming rules): correct the bucket name.`,
          `存储桶“${s3[1]}”${problem.zh}（OBS/S3 存储桶命名规则）：请更正存储桶名称。`,
        ),
      )
    if (s3[2].length > 1024)
      throw new PreflightError(
        'invalid-input',
        bi(
          'Object key must be 1–1024 characters: shorten the path after the bucket.',
          `对象键须为 1–1024 个字符：请缩短目标中存储桶之后的路径。`,
        ),
      )
    return { kind: 's3', bucket: s3[1], key: s3[2] }
  }
  if (target.startsWith('file://')) {
    const path = decodeURIComponent(target.slice('file://'.length))
    if (!path.startsWith('/'))
      throw new PreflightError(
        'invalid-input',
        bi(
          `file:// targets need an absolute path (file:///folder/), got ${target}`,
          `file:// 目标需要绝对路径（file:///folder/），收到的是 ${target}`,
        ),
      )
    return path.endsWith('/')
      ? { kind: 'folder', dir: path, name: null }
      : { kind: 'folder', dir: path.slice(0, path.lastIndexOf('/') + 1), name: path.slice(path.lastIndexOf('/') + 1) }
  }
  const docker = /^docker:\/\/([^/]+)\/(.+?)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$/.exec(target)
  if (docker) return { kind: 'registry', registry: docker[1], repository: docker[2], tag: docker[3] ?? 'latest' }
  throw new PreflightError(
    'invalid-input',
    bi(
      `Unknown upload target "${target}": use s3://bucket/key, docker://registry/repo:tag or file:///folder/`,
      `无法识别的上传目标“${target}”：请使用 s3://bucket/key、docker://registry/repo:tag 或 file:///folder/`,
    ),
  )
}

/** Part size: at least 8 MiB, large enough to stay within 10,000 parts, at most 5 GiB (OBS/S3 limits). */
export function choosePartSize(fileSize: number, requested?: number): number {
  const MiB = 1024 * 1024
  const min = Math.ceil(fileSize / 10_000 / MiB) * MiB
  const size = Math.max(requested ?? 8 * MiB, min, 5 * MiB)
  if (size > 5 * 1024 * MiB)
    throw new PreflightError(
      'invalid-input',
      bi(
        'The file is too large for a multipart upload (over 48.8 TB): split it first.',
        `文件过大，无法分段上传（超过 48.8 TB）：请先拆分文件。`,
      ),
    )
  return size
}
