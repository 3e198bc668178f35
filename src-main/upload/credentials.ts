// Object-storage credentials: where the queue gets them, and the app's vault that keeps them.
// - The vault holds one key pair per connection (an S3/OBS endpoint, or AWS itself) sealed by an injected
//   cipher — Electron safeStorage in the desktop app (the OS keychain / DPAPI / libsecret) — in
//   credentials.json in the data folder, written atomically with mode 0600. Without a cipher (browser
//   mode, or Linux with no keyring where safeStorage would only obfuscate) keys live in memory for the
//   session and the UI says so. The access key id is sealed too; only a masked hint is stored in clear.
// - The CLI reads AWS_* environment variables or an AWS shared-credentials file (--credentials FILE,
//   AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE), as the AWS CLI and obsutil users already have them; for
//   registries PREFLIGHT_REGISTRY_USERNAME / _PASSWORD or the `auths` of docker's config.json (after
//   `docker login`; credential helpers are not run).
// - A registry login is kept like an S3 key pair: the registry's origin is the connection, the user name
//   the access key id, the password (or SWR login key) the secret.
// Nothing here writes a secret to the database or a log. Hand-written: the INI subset of the shared
// credentials file is a few lines, and the AWS SDK's loader would also consult ~/.aws behind our back.
import { randomBytes } from 'node:crypto'
import { readFile, rename, writeFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import type { UploadJob } from './store'
import { registryOrigin, type CredentialProvider, type RegistryCredentials, type S3Credentials } from './target'

/** Seals and opens secrets; in the app, Electron safeStorage (called in the main process). */
export interface SecretCipher {
  encrypt(plain: string): Promise<Buffer>
  decrypt(sealed: Buffer): Promise<string>
}

export interface SavedConnection {
  /** 'aws' or the endpoint's origin, e.g. https://obs.cn-north-4.myhuaweicloud.com */
  connection: string
  /** The access key id with all but its first and last four characters masked. */
  accessKeyHint: string
  hasSessionToken: boolean
  /** false: kept for this session only (no secure storage available). */
  persisted: boolean
  savedAt: string
}

interface VaultFile {
  version: 1
  connections: Record<string, { accessKeyHint: string; hasSessionToken: boolean; sealed: string; savedAt: string }>
}

/** The vault's key for an endpoint: its lower-cased origin, or 'aws' when there is none. */
export function connectionKey(endpoint?: string | null): string {
  if (!endpoint) return 'aws'
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new PreflightError(
      'invalid-input',
      bi(
        `Not an endpoint URL: "${endpoint}" (e.g. https://obs.cn-north-4.myhuaweicloud.com).`,
        `“${endpoint}”不是端点 URL（例如 https://obs.cn-north-4.myhuaweicloud.com）。`,
      ),
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new PreflightError(
      'invalid-input',
      bi(
        `An endpoint is http:// or https://, not ${url.protocol}: correct the endpoint.`,
        `端点须以 http:// 或 https:// 开头，而不是 ${url.protocol}：请更正端点地址。`,
      ),
    )
  return url.origin.toLowerCase()
}

export function maskKeyId(id: string): string {
  return id.length <= 8
    ? '•'.repeat(id.length)
    : `${id.slice(0, 4)}${'•'.repeat(Math.min(12, id.length - 8))}${id.slice(-4)}`
}

export class CredentialVault {
  private readonly session = new Map<string, { creds: S3Credentials; savedAt: string }>()

  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher | null,
  ) {}

  get persistent(): boolean {
    return this.cipher !== null
  }

  private async read(): Promise<VaultFile> {
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null
      throw err
    })
    if (text === null) return { version: 1, connections: {} }
    try {
      const data = JSON.parse(text) as VaultFile
      if (data.version !== 1 || typeof data.connections !== 'object' || data.connections === null)
        throw new Error('unknown layout')
      return data
    } catch (err) {
      throw new PreflightError(
        'unreadable',
        bi(
          `${this.file} is not a Preflight credentials file (${(err as Error).message}): remove it and enter the credentials again.`,
          `${this.file} 不是 Preflight 凭据文件：请删除它，然后重新输入凭据。`,
        ),
      )
    }
  }

  private async write(data: VaultFile): Promise<void> {
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`
    await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flush: true })
    try {
      await rename(tmp, this.file)
    } catch (err) {
      await unlink(tmp).catch(() => undefined)
      throw err
    }
  }

  async list(): Promise<SavedConnection[]> {
    const out: SavedConnection[] = []
    if (this.cipher) {
      for (const [connection, c] of Object.entries((await this.read()).connections))
        out.push({
          connection,
          accessKeyHint: c.accessKeyHint,
          hasSessionToken: c.hasSessionToken,
          persisted: true,
          savedAt: c.savedAt,
        })
    }
    for (const [connection, s] of this.session)
      out.push({
        connection,
        accessKeyHint: maskKeyId(s.creds.accessKeyId),
        hasSessionToken: Boolean(s.creds.sessionToken),
        persisted: false,
        savedAt: s.savedAt,
      })
    return out.sort((a, b) => a.connection.localeCompare(b.connection))
  }

  async save(endpoint: string | null | undefined, creds: S3Credentials): Promise<SavedConnection> {
    const connection = connectionKey(endpoint)
    const savedAt = new Date().toISOString()
    const clean: S3Credentials = {
      accessKeyId: creds.accessKeyId.trim(),
      secretAccessKey: creds.secretAccessKey.trim(),
      ...(creds.sessionToken?.trim() ? { sessionToken: creds.sessionToken.trim() } : {}),
    }
    if (!clean.accessKeyId || !clean.secretAccessKey)
      throw new PreflightError(
        'invalid-input',
        bi('Both the access key id and the secret access key are needed.', `访问密钥 ID 和秘密访问密钥都必须填写。`),
      )
    if (!this.cipher) {
      this.session.set(connection, { creds: clean, savedAt })
      return {
        connection,
        accessKeyHint: maskKeyId(clean.accessKeyId),
        hasSessionToken: Boolean(clean.sessionToken),
        persisted: false,
        savedAt,
      }
    }
    const sealed = (await this.cipher.encrypt(JSON.stringify(clean))).toString('base64')
    const data = await this.read()
    data.connections[connection] = {
      accessKeyHint: maskKeyId(clean.accessKeyId),
      hasSessionToken: Boolean(clean.sessionToken),
      sealed,
      savedAt,
    }
    await this.write(data)
    return {
      connection,
      accessKeyHint: data.connections[connection].accessKeyHint,
      hasSessionToken: Boolean(clean.sessionToken),
      persisted: true,
      savedAt,
    }
  }

  async remove(endpoint: string | null | undefined): Promise<boolean> {
    const connection = connectionKey(endpoint)
    const inSession = this.session.delete(connection)
    if (!this.cipher) return inSession
    const data = await this.read()
    if (!(connection in data.connections)) return inSession
    delete data.connections[connection]
    await this.write(data)
    return true
  }

  async get(endpoint: string | null | undefined): Promise<S3Credentials | undefined> {
    const connection = connectionKey(endpoint)
    const s = this.session.get(connection)
    if (s) return s.creds
    if (!this.cipher) return undefined
    const entry = (await this.read()).connections[connection]
    if (!entry) return undefined
    try {
      return JSON.parse(await this.cipher.decrypt(Buffer.from(entry.sealed, 'base64'))) as S3Credentials
    } catch {
      throw new PreflightError(
        'forbidden',
        bi(
          `The saved credentials for ${connection} cannot be opened on this machine or user account: enter them again in Settings.`,
          `${connection} 已保存的凭据无法在这台电脑或这个用户账户上打开：请在“设置”中重新输入。`,
        ),
      )
    }
  }
}

/** The vault connection a job uses: its registry for docker:// targets, else its S3 endpoint (or AWS). */
export function jobConnection(job: UploadJob): string {
  return connectionKey(registryOrigin(job) ?? job.options.endpoint)
}

/** The app's provider: the vault first, then the environment Preflight was started in. */
export function vaultCredentials(vault: CredentialVault, fallback?: CredentialProvider): CredentialProvider {
  return {
    async s3(job: UploadJob) {
      return (await vault.get(job.options.endpoint)) ?? (await fallback?.s3(job))
    },
    async registry(job: UploadJob) {
      const origin = registryOrigin(job)
      const saved = origin ? await vault.get(origin) : undefined
      return saved ? { username: saved.accessKeyId, password: saved.secretAccessKey } : await fallback?.registry?.(job)
    },
  }
}

/** A registry login from the environment, else from docker's config.json `auths` (what `docker login` wrote). */
async function envRegistry(env: NodeJS.ProcessEnv, job: UploadJob): Promise<RegistryCredentials | undefined> {
  if (env.PREFLIGHT_REGISTRY_USERNAME && env.PREFLIGHT_REGISTRY_PASSWORD)
    return { username: env.PREFLIGHT_REGISTRY_USERNAME, password: env.PREFLIGHT_REGISTRY_PASSWORD }
  const dir = env.DOCKER_CONFIG ?? (env.HOME ? join(env.HOME, '.docker') : null)
  const origin = registryOrigin(job)
  if (!dir || !origin) return undefined
  const text = await readFile(join(dir, 'config.json'), 'utf8').catch(() => null)
  if (!text) return undefined
  let auths: Record<string, { auth?: string }>
  try {
    auths = (JSON.parse(text) as { auths?: Record<string, { auth?: string }> }).auths ?? {}
  } catch {
    throw new PreflightError(
      'invalid-input',
      bi(
        `${join(dir, 'config.json')} is not valid JSON: fix it or log in again with docker login.`,
        `${join(dir, 'config.json')} 不是有效的 JSON：请修正它，或用 docker login 重新登录。`,
      ),
    )
  }
  const host = new URL(origin).host
  const entry = auths[host] ?? auths[`https://${host}`] ?? auths[`http://${host}`]
  if (!entry?.auth) return undefined
  const plain = Buffer.from(entry.auth, 'base64').toString('utf8')
  const at = plain.indexOf(':')
  return at > 0 ? { username: plain.slice(0, at), password: plain.slice(at + 1) } : undefined
}

/** Credentials from the environment (CLI): AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. */
export function envCredentials(env: NodeJS.ProcessEnv): CredentialProvider {
  return {
    async s3() {
      if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined
      return {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN,
      }
    },
    registry: (job) => envRegistry(env, job),
  }
}

/** One profile of an AWS shared-credentials file (INI: [profile] then key = value lines). */
export function parseSharedCredentials(text: string, profile: string, source: string): S3Credentials {
  const sections = new Map<string, Record<string, string>>()
  let current: Record<string, string> | null = null
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line)
    if (header) {
      current = {}
      sections.set(header[1], current)
      continue
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line)
    if (!kv || !current)
      throw new PreflightError(
        'invalid-input',
        bi(
          `${source}:${i + 1}: not a "[profile]" header or "key = value" line: correct that line.`,
          `${source} 第 ${i + 1} 行既不是“[profile]”标题，也不是“key = value”行：请修正该行。`,
        ),
      )
    current[kv[1].toLowerCase()] = kv[2].trim()
  }
  const s = sections.get(profile)
  if (!s)
    throw new PreflightError(
      'invalid-input',
      bi(
        `${source} has no [${profile}] profile (it has: ${[...sections.keys()].join(', ') || 'none'}): name another profile or add it.`,
        `${source} 中没有 [${profile}] 配置（现有：${[...sections.keys()].join('、') || '无'}）：请换一个配置名，或添加该配置。`,
      ),
    )
  if (!s.aws_access_key_id || !s.aws_secret_access_key)
    throw new PreflightError(
      'invalid-input',
      bi(
        `${source} [${profile}] needs aws_access_key_id and aws_secret_access_key: add both.`,
        `${source} 的 [${profile}] 配置缺少 aws_access_key_id 和 aws_secret_access_key：请补上这两项。`,
      ),
    )
  return {
    accessKeyId: s.aws_access_key_id,
    secretAccessKey: s.aws_secret_access_key,
    ...(s.aws_session_token ? { sessionToken: s.aws_session_token } : {}),
  }
}

/**
 * The CLI's provider: --credentials FILE (or AWS_SHARED_CREDENTIALS_FILE) with AWS_PROFILE / --profile,
 * else the AWS_* variables. The file is read at each use, so a refreshed file is picked up on retry.
 */
export function cliCredentials(env: NodeJS.ProcessEnv, file?: string, profile?: string): CredentialProvider {
  const path = file ?? env.AWS_SHARED_CREDENTIALS_FILE
  if (!path) return envCredentials(env)
  const name = profile ?? env.AWS_PROFILE ?? 'default'
  return {
    registry: (job) => envRegistry(env, job),
    async s3() {
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new PreflightError(
          err.code === 'ENOENT' ? 'not-found' : 'unreadable',
          bi(
            `Cannot read the credentials file ${path} (${err.code ?? err.message}): check the path and its permissions.`,
            `无法读取凭据文件 ${path}（${err.code ?? err.message}）：请检查路径和文件权限。`,
          ),
        )
      })
      return parseSharedCredentials(text, name, path)
    },
  }
}
