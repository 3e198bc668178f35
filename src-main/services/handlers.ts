// Binds the contract's channels to the capability services. Each capability contributes its handlers in
// its own block; the Handlers type makes the compiler refuse a channel without a handler.
import { mkdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Channel, EventName, Events, ParsedInputOf, ResultOf } from '../../src-preload/contract'
import { PreflightError } from '../../src-preload/errors'
import { DraftService } from '../drafts/service'
import { repack } from '../repack/repack'
import { convertToQcow2 } from '../vm/convert'
import { identifyFile } from '../inspect/identify'
import { scanPackage } from '../inspect/scan'
import { renderReport, waiveReport } from '../reports/render'
import { editWaivers, type Waiver } from '../reports/waivers'
import { setSetting, type Db } from '../store/db'
import { readSetting, validSetting } from './settings'
import { checkClientTarget, type FolderGrants } from './grants'
import type { TaskRunner } from '../tasks/runner'
import { BandwidthLimiter } from '../upload/limiter'
import { CredentialVault, envCredentials, jobConnection, vaultCredentials, type SecretCipher } from '../upload/credentials'
import { requeueForCredentials, UploadQueue } from '../upload/queue'
import { TOOL } from '../version'
import { SignatureStore } from '../malware/signatures'
import { engineFromSettings, engineStep } from '../malware/engine'
import { VulnDb } from '../vulns/osv'

export interface ServiceContext {
  home: string
  db: Db
  runner: TaskRunner
  mode: 'electron' | 'browser'
  emit<E extends EventName>(event: E, payload: Events[E]): void
  /** Seals saved credentials (Electron safeStorage); absent: they are kept for the session only. */
  cipher?: SecretCipher | null
  /** Folders the user chose in the native folder dialog (the only file:// upload targets a client may name); absent: none. */
  grants?: FolderGrants
  /** Called when the host closes. */
  onClose(fn: () => void): void
}

export type Handler<C extends Channel> = (input: ParsedInputOf<C>) => Promise<ResultOf<C>> | ResultOf<C>
export type Handlers = { [C in Channel]: Handler<C> }

export function createHandlers(ctx: ServiceContext): Handlers {
  const drafts = new DraftService(ctx.db)
  const limiter = new BandwidthLimiter(readSetting<number>(ctx.db, 'upload.bandwidth'))
  const vault = new CredentialVault(join(ctx.home, 'credentials.json'), ctx.cipher ?? null)
  const queue = new UploadQueue(ctx.db, {
    credentials: vaultCredentials(vault, envCredentials(process.env)),
    limiter,
    onEvent: (e) => {
      if (e.type === 'job') ctx.emit('queue.job', { job: e.job })
      else if (e.type === 'progress') ctx.emit('queue.progress', { jobId: e.jobId, record: e.record })
    },
  })
  // jobs that lost the network are probed and resumed while the app runs
  queue.watchNetwork({ firstMs: 3000, maxMs: 60_000 })
  ctx.onClose(() => queue.stopWatching())
  return {
    'app.info': () => ({ name: 'Preflight', version: TOOL.version, home: ctx.home, mode: ctx.mode, platform: process.platform, nativeDialogs: ctx.mode === 'electron' }),
    'settings.get': ({ key }) => ({ value: readSetting(ctx.db, key) }),
    'settings.set': ({ key, value }) => {
      const valid = validSetting(key, value)
      setSetting(ctx.db, key, valid)
      if (key === 'upload.bandwidth') limiter.setRate(valid as number)
      return { ok: true as const }
    },
    'dialog.openPackage': () => {
      throw new PreflightError('conflict', 'Native dialogs exist only in the desktop app; use the file picker.')
    },
    'dialog.chooseFolder': () => {
      throw new PreflightError('conflict', 'Native dialogs exist only in the desktop app: browser mode does not copy to folders on this computer.')
    },
    'inspect.identify': ({ path }) => {
      const { taskId } = ctx.runner.start('inspect.identify', async ({ signal, meter }) => {
        const facts = await identifyFile(path, { signal, meter })
        ctx.db.prepare(`INSERT INTO recent_packages (path, name, size, sha256, kind) VALUES (@path, @name, @size, @sha256, @kind)
          ON CONFLICT(path) DO UPDATE SET name=excluded.name, size=excluded.size, sha256=excluded.sha256, kind=excluded.kind, seen_at=strftime('%Y-%m-%dT%H:%M:%fZ','now')`).run(facts)
        return facts
      })
      return { taskId }
    },
    'scan.start': ({ path, profile, attrs }) => {
      const engine = engineFromSettings(ctx.db) // Settings: clamscan/clamd delegation (malware.engine)
      const { taskId } = ctx.runner.start('scan', ({ signal, meter }) =>
        scanPackage(path, { profile, attrs, signal, meter, db: ctx.db, postProcess: engine ? [engineStep(path, { ...engine, profile, signal })] : undefined }))
      return { taskId }
    },
    'report.render': ({ report, format, lang, waivers }) => renderReport(report as never, format, { lang, waivers }),
    'report.waive': ({ report, waivers }) => ({ report: waiveReport(report as never, waivers) }),
    'waivers.edit': ({ target, op, waiver }) => {
      const draft = drafts.store.get(target.draft)
      const next = editWaivers(draft.waivers as Waiver[], op, waiver)
      drafts.store.save(target.draft, { values: draft.values, waivers: next })
      return { waivers: next }
    },
    'queue.list': () => ({ jobs: queue.list(), bandwidth: limiter.rate }),
    'queue.enqueue': ({ path, target, sha256, endpoint, region, concurrency, insecure, overwrite }) => {
      checkClientTarget(target, ctx.grants, ctx.mode) // file://: only a folder chosen in the native dialog
      const { taskId } = ctx.runner.start('upload', async ({ signal, meter }) => {
        const job = await queue.enqueue({ file: path, target, sha256, options: { endpoint, region, concurrency, insecure, overwrite }, signal, meter })
        return queue.run(job.id, signal)
      })
      return { taskId }
    },
    'queue.run': ({ id }) => {
      const { taskId } = ctx.runner.start('upload', async ({ signal }): Promise<unknown> => (id ? queue.run(id, signal) : queue.runAll(signal)))
      return { taskId }
    },
    'queue.pause': ({ id }) => queue.pause(id),
    'queue.resume': ({ id }) => queue.resume(id),
    'queue.cancel': ({ id }) => queue.cancel(id),
    'queue.bandwidth': ({ bytesPerSecond }) => {
      limiter.setRate(bytesPerSecond)
      setSetting(ctx.db, 'upload.bandwidth', validSetting('upload.bandwidth', bytesPerSecond))
      return { bytesPerSecond }
    },
    'queue.clearFinished': () => ({ removed: queue.clearFinished() }),
    'credentials.list': async () => ({ connections: await vault.list(), persistent: vault.persistent }),
    'credentials.save': async ({ endpoint, accessKeyId, secretAccessKey, sessionToken }) => {
      const connection = await vault.save(endpoint, { accessKeyId, secretAccessKey, sessionToken })
      const resumed = requeueForCredentials(queue, (j) => jobConnection(j) === connection.connection)
      const taskId = resumed.length
        ? ctx.runner.start('upload', async ({ signal }) => {
          const out = []
          for (const j of resumed) out.push(await queue.run(j.id, signal))
          return out
        }).taskId
        : null
      return { connection, resumed: resumed.length, taskId }
    },
    'credentials.delete': async ({ endpoint }) => ({ removed: await vault.remove(endpoint) }),
    'vulndb.import': ({ path }) => ({ taskId: ctx.runner.start('vulndb.import', ({ signal, meter }) => new VulnDb(ctx.db).importPath(path, { signal, meter })).taskId }),
    'vulndb.status': () => new VulnDb(ctx.db).status(),
    'signatures.import': ({ path, unsigned }) => ({ taskId: ctx.runner.start('signatures.import', () => new SignatureStore(ctx.db).importFile(path, { unsigned })).taskId }),
    'signatures.status': () => new SignatureStore(ctx.db).status(),
    'containers.repack': ({ inputs, name, format }) => {
      const { taskId } = ctx.runner.start('containers.repack', async ({ signal, meter }) => {
        const dir = join(ctx.home, 'bundles')
        await mkdir(dir, { recursive: true })
        // the screen's repack always scans the result: its verdict is shown, and its report opens in the package view
        const r = await repack(inputs, { output: join(dir, basename(name)), format, signal, meter, scan: true })
        return { output: r.output, renamedFrom: r.renamedFrom, images: r.images, verdict: r.report.verdict, report: r.report }
      })
      return { taskId }
    },
    'vm.convert': ({ path, compress }) => {
      const { taskId } = ctx.runner.start('vm.convert', async ({ signal, meter }) => {
        const dir = join(ctx.home, 'images')
        await mkdir(dir, { recursive: true })
        const name = basename(path).replace(/\.(qcow2|raw|img|iso)$/i, '').replace(/[^A-Za-z0-9_()-]+/g, '_')
        return convertToQcow2(path, join(dir, `${name}-compact.qcow2`), { compress, signal, meter })
      })
      return { taskId }
    },
    'task.cancel': ({ taskId }) => ({ cancelled: ctx.runner.cancel(taskId) }),
    'task.list': () => ({ tasks: ctx.runner.list() }),
    // ---- drafts
    'drafts.list': ({ query }) => ({ drafts: drafts.store.list(query) }),
    'drafts.get': ({ id }) => drafts.store.get(id),
    'drafts.create': ({ profile, title, values }) => drafts.store.create(profile, title, values),
    'drafts.save': ({ id, ...change }) => drafts.store.save(id, change),
    'drafts.duplicate': ({ id }) => drafts.store.duplicate(id),
    'drafts.delete': ({ id }) => {
      drafts.store.delete(id)
      return { ok: true as const }
    },
    'drafts.revisions': ({ id }) => ({ revisions: drafts.store.revisions(id) }),
    'drafts.diff': ({ id, from, to }) => ({ changes: drafts.store.diff(id, from, to) }),
    'drafts.restore': ({ id, revision }) => drafts.store.restore(id, revision),
    'drafts.export': ({ id }) => drafts.store.exportTo(id),
    'drafts.import': ({ path }) => drafts.store.importFrom(path),
    'drafts.validate': ({ profile, values }) => ({ findings: drafts.validate(profile, values) }),
    'drafts.manifest': ({ id, format }) => drafts.writeManifest(id, format),
    'drafts.submit': ({ id }) => drafts.submit(id),
    'release.requests': () => ({ today: drafts.store.requestsOn() }),
  }
}
