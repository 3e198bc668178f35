// Upload targets: parsing `s3://bucket/key`, `file:///folder/` and `docker://registry/repo:tag`, checking
// them against the object-storage naming rules (../shared/spec/profiles.md, OBS / S3-compatible), and the
// interface every target implements.
import { PreflightError } from '../../src-preload/errors'
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
  if (bucket.length < 3 || bucket.length > 63) return 'must be 3–63 characters'
  if (!/^[a-z0-9.-]+$/.test(bucket)) return 'may contain only lowercase letters, digits, - and .'
  if (!/^[a-z0-9]/.test(bucket)) return 'must start with a letter or digit'
  if (/[-.]$/.test(bucket)) return 'must not end with - or .'
  if (/\.\.|\.-|-\./.test(bucket)) return 'must not contain "..", ".-" or "-."'
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return 'must not be an IP address'
  return null
}

export function parseTarget(target: string): ParsedTarget {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(target)
  if (s3) {
    const problem = bucketProblem(s3[1])
    if (problem) throw new PreflightError('invalid-input', `Bucket "${s3[1]}" ${problem} (OBS/S3 bucket naming rules).`)
    if (s3[2].length > 1024) throw new PreflightError('invalid-input', 'Object key must be 1–1024 characters.')
    return { kind: 's3', bucket: s3[1], key: s3[2] }
  }
  if (target.startsWith('file://')) {
    const path = decodeURIComponent(target.slice('file://'.length))
    if (!path.startsWith('/'))
      throw new PreflightError(
        'invalid-input',
        `file:// targets need an absolute path (file:///folder/), got ${target}`,
      )
    return path.endsWith('/')
      ? { kind: 'folder', dir: path, name: null }
      : { kind: 'folder', dir: path.slice(0, path.lastIndexOf('/') + 1), name: path.slice(path.lastIndexOf('/') + 1) }
  }
  const docker = /^docker:\/\/([^/]+)\/(.+?)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$/.exec(target)
  if (docker) return { kind: 'registry', registry: docker[1], repository: docker[2], tag: docker[3] ?? 'latest' }
  throw new PreflightError(
    'invalid-input',
    `Unknown upload target "${target}": use s3://bucket/key, docker://registry/repo:tag or file:///folder/`,
  )
}

/** Part size: at least 8 MiB, large enough to stay within 10,000 parts, at most 5 GiB (OBS/S3 limits). */
export function choosePartSize(fileSize: number, requested?: number): number {
  const MiB = 1024 * 1024
  const min = Math.ceil(fileSize / 10_000 / MiB) * MiB
  const size = Math.max(requested ?? 8 * MiB, min, 5 * MiB)
  if (size > 5 * 1024 * MiB)
    throw new PreflightError('invalid-input', 'The file is too large for a multipart upload (over 48.8 TB).')
  return size
}
