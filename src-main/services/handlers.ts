// Binds the contract's channels to the capability services. The services are made once (createServices); each
// capability contributes its handlers in its own function (app, scan, build, databases, queue, drafts, history);
// the Handlers type makes the compiler refuse a channel without a handler. Every operation of the
// work history (scan, repack, convert, waiver change, draft revision, export, upload, submit, compare) records one
// event through the context's event sink, by the service doing it or, for the task-shaped ones, around the task.
import { mkdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Channel, EventName, Events, ParsedInputOf, ResultOf } from '../../src-preload/contract'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'
import { DraftService } from '../drafts/service'
import { repack } from '../repack/repack'
import { convertToQcow2 } from '../vm/convert'
import { identifyFile } from '../inspect/identify'
import { scanPackage } from '../inspect/scan'
import { fileStamp, RecentScans } from '../inspect/recent'
import { renderReport, waiveReport } from '../reports/render'
import { setSetting, type Db } from '../store/db'
import { readSetting, validSetting } from './settings'
import { checkClientTarget, type FolderGrants } from './grants'
import type { TaskRunner } from '../tasks/runner'
import { BandwidthLimiter } from '../upload/limiter'
import {
  CredentialVault,
  envCredentials,
  jobConnection,
  vaultCredentials,
  type SecretCipher,
} from '../upload/credentials'
import { requeueForCredentials, UploadQueue } from '../upload/queue'
import { autoSyncRules, syncTargetRef } from '../upload/sync'
import { TOOL } from '../version'
import { SignatureStore } from '../malware/signatures'
import { engineFromSettings, engineStep } from '../malware/engine'
import { VulnDb } from '../vulns/osv'
import {
  currentActor,
  historyCsv,
  HistoryStore,
  osAccount,
  recordOutcome,
  type EventSink,
  type HistoryFilter,
} from '../history/history'
import { compareReports, importReport, normaliseLocation } from '../reports/compare'
import type { Report } from '../reports/model'
import { databaseVersions, scanOutcome } from '../inspect/scan-event'
import { identifyForScan } from '../inspect/scan'
import { copyRenamed, freeProposal, nameProblems, nameTaken, profilesFor, takenText } from '../inspect/rename'
import { checkStaged, stagedUrl, stagingDirIn } from '../web/staging'

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
  /** Where the work history is recorded (absent: nowhere). */
  events?: EventSink
}

export type Handler<C extends Channel> = (input: ParsedInputOf<C>) => Promise<ResultOf<C>> | ResultOf<C>
export type Handlers = { [C in Channel]: Handler<C> }

/** The services the handlers share, made once per host. */
interface Services {
  ctx: ServiceContext
  events?: EventSink
  history: HistoryStore
  drafts: DraftService
  recent: RecentScans
  limiter: BandwidthLimiter
  vault: CredentialVault
  queue: UploadQueue
}

/** The handlers of some of the contract's channels (a capability's, by their name prefixes). */
type HandlerGroup<K extends Channel> = { [C in K]: Handler<C> }

export function createHandlers(ctx: ServiceContext): Handlers {
  const s = createServices(ctx)
  return {
    ...appHandlers(s),
    ...scanHandlers(s),
    ...buildHandlers(s),
    ...databaseHandlers(s),
    ...queueHandlers(s),
    ...draftHandlers(s),
    ...historyHandlers(s),
    ...fixHandlers(s),
  }
}

function createServices(ctx: ServiceContext): Services {
  const history = new HistoryStore(ctx.db)
  const events = ctx.events
  const drafts = new DraftService(ctx.db, { sink: events, read: (subject) => history.list({ subject }).reverse() })
  const recent = new RecentScans(ctx.db)
  const limiter = new BandwidthLimiter(readSetting<number>(ctx.db, 'upload.bandwidth'))
  const vault = new CredentialVault(join(ctx.home, 'credentials.json'), ctx.cipher ?? null)
  const queue = new UploadQueue(ctx.db, {
    credentials: vaultCredentials(vault, envCredentials(process.env)),
    limiter,
    history: events,
    autoSync: () => autoSyncRules(ctx.db),
    onEvent: (e) => {
      if (e.type === 'job') ctx.emit('queue.job', { job: e.job })
      else if (e.type === 'progress') ctx.emit('queue.progress', { jobId: e.jobId, record: e.record })
    },
  })
  // jobs that lost the network are probed and resumed while the app runs
  queue.watchNetwork({ firstMs: 3000, maxMs: 60_000 })
  ctx.onClose(() => queue.stopWatching())
  return { ctx, events, history, drafts, recent, limiter, vault, queue }
}

/** The app itself: its facts, settings, native dialogs (desktop only) and tasks. */
function appHandlers({
  ctx,
  events,
  history,
  limiter,
}: Services): HandlerGroup<
  Extract<Channel, `app.${string}` | `settings.${string}` | `dialog.${string}` | `task.${string}`>
> {
  return {
    'app.info': () => ({
      name: 'Preflight',
      version: TOOL.version,
      home: ctx.home,
      mode: ctx.mode,
      platform: process.platform,
      nativeDialogs: ctx.mode === 'electron',
    }),
    'settings.get': ({ key }) => ({ value: readSetting(ctx.db, key) }),
    'settings.set': ({ key, value }) => {
      const valid = validSetting(key, value)
      const waiversBefore = key.startsWith('waivers:') ? readSetting<unknown[]>(ctx.db, key).length : 0
      setSetting(ctx.db, key, valid)
      if (key === 'upload.bandwidth') limiter.setRate(valid as number)
      // a package's waiver list (the package view's Waive… and Unwaive)
      if (key.startsWith('waivers:')) {
        const sha256 = key.slice('waivers:'.length)
        const name = history.list({ subject: sha256, kinds: ['scan'], limit: 1 })[0]?.subjectName // named as its last scan named it
        events?.({
          kind: 'waiver',
          subject: sha256,
          subjectName: name,
          result: 'done',
          details: { waivers: (valid as unknown[]).length, before: waiversBefore },
        })
      }
      return { ok: true as const }
    },
    'dialog.openPackage': () => {
      throw new PreflightError(
        'conflict',
        bi(
          'Native dialogs exist only in the desktop app; use the file picker.',
          `系统对话框只在桌面应用中可用；请使用文件选择器。`,
        ),
      )
    },
    'dialog.chooseFolder': () => {
      throw new PreflightError(
        'conflict',
        bi(
          'Native dialogs exist only in the desktop app: browser mode does not copy to folders on this computer. Upload to s3:// or docker:// instead.',
          `系统对话框只在桌面应用中可用：浏览器模式不会复制到这台电脑上的文件夹。请改为上传到 s3:// 或 docker://。`,
        ),
      )
    },
    'task.cancel': ({ taskId }) => ({ cancelled: ctx.runner.cancel(taskId) }),
    'task.list': () => ({ tasks: ctx.runner.list() }),
  }
}

/** Identify and scan a package, its Recent scans, its report (render, waive) and the marketplace's report set against it. */
function scanHandlers({
  ctx,
  events,
  recent,
}: Services): HandlerGroup<
  Extract<
    Channel,
    `inspect.${string}` | `scan.${string}` | `recent.${string}` | `report.${string}` | `compare.${string}`
  >
> {
  return {
    'inspect.identify': ({ path }) => {
      const { taskId } = ctx.runner.start('inspect.identify', async ({ signal, meter }) => {
        const facts = await identifyFile(path, { signal, meter })
        ctx.db
          .prepare(
            `INSERT INTO recent_packages (path, name, size, sha256, kind) VALUES (@path, @name, @size, @sha256, @kind)
          ON CONFLICT(path) DO UPDATE SET name=excluded.name, size=excluded.size, sha256=excluded.sha256, kind=excluded.kind, seen_at=strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
          )
          .run(facts)
        return facts
      })
      return { taskId }
    },
    'scan.start': ({ path, profile, attrs }) => {
      const engine = engineFromSettings(ctx.db) // Settings: clamscan/clamd delegation (malware.engine)
      const { taskId } = ctx.runner.start('scan', ({ signal, meter }) =>
        recordOutcome(
          events,
          {
            kind: 'scan',
            subject: path,
            subjectName: basename(path),
            details: { profile: profile ?? null, databases: databaseVersions(ctx.db) },
          },
          async () => {
            const before = await fileStamp(path)
            const report = await scanPackage(path, {
              profile,
              attrs,
              signal,
              meter,
              db: ctx.db,
              postProcess: engine ? [engineStep(path, { ...engine, profile, signal })] : undefined,
            })
            // Recent scans: a report that depends on typed attributes is the wizard's, not the file's
            if (before && !attrs) await recent.record(report, before)
            return report
          },
          scanOutcome,
          signal,
        ),
      )
      return { taskId }
    },
    'report.render': async ({ report, format, lang, waivers }) => {
      const r = await renderReport(report as never, format, { lang, waivers })
      const pkg = (report as unknown as Report).package
      events?.({
        kind: 'export',
        subject: pkg?.sha256 ?? 'report',
        subjectName: pkg?.name,
        result: 'done',
        details: { what: 'report', format, waivers: waivers?.length ?? 0 },
      })
      return r
    },
    'report.waive': ({ report, waivers }) => ({ report: waiveReport(report as never, waivers) }),
    'recent.list': ({ limit }) => ({ scans: recent.list(limit) }),
    'recent.open': ({ path, profile, verify }) => recent.open(path, { profile, verify }),
    'compare.import': async ({ path, report }) => {
      const ours = report as unknown as Report
      return recordOutcome(
        events,
        {
          kind: 'compare',
          subject: ours.package.sha256,
          subjectName: ours.package.name,
          details: { report: basename(path) },
        },
        async () => {
          const theirs = await importReport(path)
          const read = new Set(
            ((ours.facts?.entries as Array<{ path: string }> | undefined) ?? []).map((e) =>
              normaliseLocation(e.path, ours.package.name),
            ),
          )
          return compareReports(ours, theirs, read)
        },
        (c) => ({
          result: 'done',
          details: {
            format: c.marketplace.format,
            agreement: c.agreement,
            both: c.both.length,
            onlyMarketplace: c.onlyMarketplace.length,
            onlyPreflight: c.onlyPreflight.length,
          },
        }),
      )
    },
  }
}

/** What the app builds from packages: a container bundle (repack, scanned) and a compact qcow2 (convert). */
function buildHandlers({
  ctx,
  events,
}: Services): HandlerGroup<Extract<Channel, `containers.${string}` | `vm.${string}`>> {
  return {
    'containers.repack': ({ inputs, name, format }) => {
      const { taskId } = ctx.runner.start('containers.repack', async ({ signal, meter }) => {
        const dir = join(ctx.home, 'bundles')
        await mkdir(dir, { recursive: true })
        // the screen's repack always scans the result: its verdict is shown, and its report opens in the package view
        const output = join(dir, basename(name))
        const r = await recordOutcome(
          events,
          {
            kind: 'repack',
            subject: output,
            subjectName: basename(output),
            details: { inputs: inputs.map((p) => basename(p)), format: format ?? 'oci' },
          },
          () => repack(inputs, { output, format, signal, meter, scan: true }),
          (r) => ({
            result: r.report ? r.report.verdict : 'done',
            subject: r.report?.package.sha256 ?? r.output,
            subjectName: basename(r.output),
            link: r.output,
            details: { images: r.images.length, scanned: !!r.report },
          }),
          signal,
        )
        return {
          output: r.output,
          renamedFrom: r.renamedFrom,
          images: r.images,
          verdict: r.report.verdict,
          report: r.report,
        }
      })
      return { taskId }
    },
    'vm.convert': ({ path, compress }) => {
      const { taskId } = ctx.runner.start('vm.convert', async ({ signal, meter }) => {
        const dir = join(ctx.home, 'images')
        await mkdir(dir, { recursive: true })
        const name = basename(path)
          .replace(/\.(qcow2|raw|img|iso)$/i, '')
          .replace(/[^A-Za-z0-9_()-]+/g, '_')
        return recordOutcome(
          events,
          { kind: 'convert', subject: path, subjectName: basename(path), details: { compress: !!compress } },
          () => convertToQcow2(path, join(dir, `${name}-compact.qcow2`), { compress, signal, meter }),
          (r) => ({ result: 'done', link: r.output, details: { virtualSize: r.virtualSize, fileSize: r.fileSize } }),
          signal,
        )
      })
      return { taskId }
    },
  }
}

/** The vulnerability and malware-signature databases. */
function databaseHandlers({
  ctx,
}: Services): HandlerGroup<Extract<Channel, `vulndb.${string}` | `signatures.${string}`>> {
  return {
    'vulndb.import': ({ path }) => ({
      taskId: ctx.runner.start('vulndb.import', ({ signal, meter }) =>
        new VulnDb(ctx.db).importPath(path, { signal, meter }),
      ).taskId,
    }),
    'vulndb.status': () => new VulnDb(ctx.db).status(),
    'signatures.import': ({ path, unsigned }) => ({
      taskId: ctx.runner.start('signatures.import', () => new SignatureStore(ctx.db).importFile(path, { unsigned }))
        .taskId,
    }),
    'signatures.status': () => new SignatureStore(ctx.db).status(),
  }
}

/** The upload queue, image sync and the credentials it uses. */
function queueHandlers({
  ctx,
  events,
  limiter,
  vault,
  queue,
}: Services): HandlerGroup<Extract<Channel, `queue.${string}` | `credentials.${string}`>> {
  return {
    'queue.list': () => ({ jobs: queue.list(), bandwidth: limiter.rate }),
    'queue.enqueue': ({ path, target, sha256, endpoint, region, concurrency, insecure, overwrite }) => {
      checkClientTarget(target, ctx.grants, ctx.mode) // file://: only a folder chosen in the native dialog
      const { taskId } = ctx.runner.start('upload', async ({ signal, meter }) => {
        // once queued, the job records its own event when it ends; an upload that cannot even be queued is one too
        const job = await queue
          .enqueue({
            file: path,
            target,
            sha256,
            options: { endpoint, region, concurrency, insecure, overwrite },
            signal,
            meter,
          })
          .catch((err: Error) => {
            events?.({
              kind: 'upload',
              subject: path,
              subjectName: `${basename(path)} → ${target}`,
              result: signal.aborted ? 'cancelled' : 'error',
              link: target,
              details: { error: err.message },
            })
            throw err
          })
        return queue.run(job.id, signal)
      })
      return { taskId }
    },
    'queue.sync': ({ source, targets, overwrite, insecure, sourceInsecure }) => {
      // every target is checked before one job is queued; a bad one is refused with what to write instead
      const refs = targets.map((target) => syncTargetRef(source, target))
      const twice = refs.find((r, i) => refs.indexOf(r) !== i)
      if (twice)
        throw new PreflightError(
          'invalid-input',
          bi(
            `The sync target ${twice} is named twice: name each target once.`,
            `同步目标 ${twice} 重复出现：每个目标只需填写一次。`,
          ),
        )
      const jobs = targets.map((target) =>
        queue.enqueueSync({
          source,
          target,
          type: 'manual',
          overwrite,
          insecure,
          sourceInsecure: sourceInsecure ?? insecure,
        }),
      )
      const { taskId } = ctx.runner.start('upload', async ({ signal }) => {
        const out = []
        for (const job of jobs) out.push(await queue.run(job.id, signal))
        return out
      })
      return { taskId, jobs: jobs.map((j) => j.id) }
    },
    'queue.run': ({ id }) => {
      const { taskId } = ctx.runner.start('upload', async ({ signal }): Promise<unknown> =>
        id ? queue.run(id, signal) : queue.runAll(signal),
      )
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
    'queue.clearFinished': () => queue.clearFinished(),
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
  }
}

/** Release drafts, their waivers and submission. */
function draftHandlers({
  drafts,
}: Services): HandlerGroup<Extract<Channel, `drafts.${string}` | `release.${string}` | `waivers.${string}`>> {
  return {
    'waivers.edit': ({ target, op, waiver }) => ({ waivers: drafts.editWaivers(target.draft, op, waiver) }),
    'drafts.list': ({ query }) => ({ drafts: drafts.list(query) }),
    'drafts.get': ({ id }) => drafts.store.get(id),
    'drafts.create': ({ profile, title, values, lang }) => drafts.create(profile, title, values, lang),
    'drafts.save': ({ id, ...change }) => drafts.save(id, change),
    'drafts.duplicate': ({ id }) => drafts.duplicate(id),
    'drafts.delete': ({ id }) => {
      drafts.store.delete(id)
      return { ok: true as const }
    },
    'drafts.revisions': ({ id }) => ({ revisions: drafts.store.revisions(id) }),
    'drafts.diff': ({ id, from, to }) => ({ changes: drafts.store.diff(id, from, to) }),
    'drafts.restore': ({ id, revision }) => drafts.restore(id, revision),
    'drafts.export': ({ id }) => drafts.exportTo(id),
    'drafts.import': ({ path }) => drafts.importFrom(path),
    'drafts.validate': ({ profile, values }) => ({ findings: drafts.validate(profile, values) }),
    'drafts.manifest': ({ id, format, lang }) => drafts.writeManifest(id, format, undefined, lang),
    'drafts.submit': ({ id }) => drafts.submit(id),
    'release.requests': () => ({ today: drafts.store.requestsOn() }),
  }
}

/** The work history, read and exported as content. */
function historyHandlers({ ctx, events, history }: Services): HandlerGroup<Extract<Channel, `history.${string}`>> {
  return {
    'history.list': (filter) => ({
      events: history.list(filter as HistoryFilter),
      actor: currentActor(ctx.db),
      account: osAccount(),
    }),
    'history.export': ({ format, ...filter }) => {
      const list = history.list(filter as HistoryFilter)
      events?.({
        kind: 'export',
        subject: 'history',
        subjectName: 'work history',
        result: 'done',
        details: { what: 'history', format, events: list.length },
      })
      return format === 'csv'
        ? { content: historyCsv(list), mime: 'text/csv', extension: 'csv', count: list.length }
        : {
            content: `${JSON.stringify({ schema: 'preflight.history/1', events: list }, null, 2)}\n`,
            mime: 'application/json',
            extension: 'json',
            count: list.length,
          }
    },
  }
}

/**
 * The package view's fix actions: the profiles that fit the file, and "Rename a copy…" (the proposal and a typed
 * name judged by the scan's rules, then the verified copy as a task, one 'rename' history event). In browser mode a
 * copy is written only beside a file dropped on the page (in the staging area), and the page downloads it from there.
 */
function fixHandlers({ ctx, events }: Services): HandlerGroup<Extract<Channel, `package.${string}`>> {
  const staging = stagingDirIn(ctx.home)
  const facts = async (path: string, profile: ParsedInputOf<'package.renameCheck'>['profile']) => {
    const { kind, size } = await identifyForScan(path, profile)
    return { profile, kind, size }
  }
  return {
    'package.profiles': async ({ path }) => {
      const { kind } = await identifyForScan(path, undefined)
      return { kind, profiles: profilesFor(kind) }
    },
    'package.renameCheck': async ({ path, profile, name }) => {
      const f = await facts(path, profile)
      const proposal = await freeProposal(path, f)
      const judged = name ?? proposal
      const problems = nameProblems(judged, f)
      const taken = !problems.length && (await nameTaken(path, judged))
      return { proposal, name: judged, problems, taken }
    },
    'package.renameCopy': async ({ path, profile, name, sha256 }) => {
      if (ctx.mode === 'browser') checkStaged(staging, path) // a page's client writes only beside a file it dropped
      const f = await facts(path, profile)
      const problems = nameProblems(name, f)
      if (problems.length)
        throw new PreflightError(
          'invalid-input',
          { en: problems[0].message, zh: problems[0].messageZh ?? problems[0].message },
          { rule: problems[0].rule },
        )
      if (await nameTaken(path, name)) throw new PreflightError('conflict', takenText(name))
      const { taskId } = ctx.runner.start('package.renameCopy', ({ signal, meter }) =>
        recordOutcome(
          events,
          {
            kind: 'rename',
            subject: sha256 ?? path,
            subjectName: name,
            details: { from: basename(path), to: name, profile },
          },
          async () => {
            const r = await copyRenamed(path, name, { expectedSha256: sha256, signal, meter })
            return { ...r, download: ctx.mode === 'browser' ? stagedUrl(staging, r.path) : null }
          },
          (r) => ({ result: 'done', subject: r.sha256, link: r.path, details: { size: r.size } }),
          signal,
        ),
      )
      return { taskId }
    },
  }
}
