// `preflight sync docker://registry/repo:tag --to docker://registry/org/repo [--to ...] [--overwrite] [--insecure]
// [--source-insecure] [--auto] [--format table|json] [--limit MiB/s] [--wait]`: copies a pushed image to more
// registries, organisations or regions as sync jobs of the persistent queue (upload/sync.ts), one per target, each
// recorded in the work history. A target without a tag gets the source's. --auto also saves the targets for the
// source's repository (setting sync.targets): its next pushes are synced to them automatically.
// Exit codes: 0 every target holds the source image (copied, overwritten, or identical already); 1 a target holds
// another image under the tag and was kept, as --overwrite was not given; 2 a sync could not be done (the source
// is missing, a login was refused, the network is gone: the job waits in the queue) or the arguments are wrong.
import { parseArgs } from 'node:util'
import { defaultHome, ensureHome } from '../../home'
import { readSetting, validSetting } from '../../services/settings'
import { openHomeDatabase, setSetting } from '../../store/db'
import type { UploadJob } from '../../upload/store'
import { syncEndpoint, syncTargetRef, type AutoSyncRule, type SyncOutcome } from '../../upload/sync'
import { usageError, type CliCommand, type CliIO } from '../io'
import { describe, openQueue, QUEUE_FLAGS, settle } from './upload'

/** Save the targets as the automatic sync rule of the source's repository (replacing its earlier rule). */
function saveAutoRule(io: CliIO, rule: AutoSyncRule): void {
  const db = openHomeDatabase(ensureHome(defaultHome(io.env)))
  const rules = readSetting<AutoSyncRule[]>(db, 'sync.targets').filter((r) => r.repository !== rule.repository)
  setSetting(db, 'sync.targets', validSetting('sync.targets', [...rules, rule]))
}

const statusOf = (job: UploadJob, outcome: SyncOutcome | undefined): string =>
  outcome?.status ?? (job.state === 'failed' ? 'error' : job.state)

export const syncCommand: CliCommand = {
  name: 'sync',
  summary:
    'copy a pushed image to more registries, organisations or regions (sync jobs of the queue, recorded in the history)',
  usage:
    'preflight sync docker://registry/repo:tag --to docker://registry/org/repo[:tag] [--to ...] [--overwrite] [--insecure] [--source-insecure] [--auto] [--format table|json] [--limit MiB/s] [--credentials FILE] [--profile NAME] [--wait]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        to: { type: 'string', multiple: true },
        overwrite: { type: 'boolean' },
        insecure: { type: 'boolean' },
        'source-insecure': { type: 'boolean' },
        auto: { type: 'boolean' },
        format: { type: 'string' },
        ...QUEUE_FLAGS,
      },
    })
    if (positionals.length !== 1)
      throw usageError('sync takes exactly one source image: docker://registry/repository:tag')
    const targets = values.to ?? []
    if (targets.length === 0)
      throw usageError('--to is required: one docker://registry/organisation/repository per target')
    const format = values.format ?? 'table'
    if (format !== 'table' && format !== 'json') throw usageError(`unknown --format ${format} (table or json)`)
    const source = positionals[0]
    const s = syncEndpoint(source, 'source')
    // every target is checked before any job is queued
    const refs = targets.map((t) => syncTargetRef(source, t))
    const dupe = refs.find((r, i) => refs.indexOf(r) !== i)
    if (dupe) throw usageError(`--to ${dupe} is given twice`)
    const queue = openQueue(io, values)
    const options = {
      overwrite: values.overwrite ?? false,
      insecure: values.insecure ?? false,
      sourceInsecure: values['source-insecure'] ?? values.insecure ?? false,
    }
    const jobs = refs.map((target) => queue.enqueueSync({ source, target, type: 'manual', ...options }))
    let auto: AutoSyncRule | null = null
    if (values.auto) {
      auto = {
        repository: `${s.registry}/${s.repository}`,
        targets,
        overwrite: options.overwrite,
        insecure: options.insecure,
      }
      saveAutoRule(io, auto)
    }
    const ran: UploadJob[] = []
    for (const job of jobs) {
      if (io.signal.aborted) break
      ran.push(await queue.run(job.id, io.signal))
    }
    const final = await settle(queue, io, ran, values.wait)
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[2K')
    if (format === 'json') {
      const out = final.map((j) => ({
        id: j.id,
        source,
        target: j.target,
        type: j.options.syncType,
        overwrite: Boolean(j.options.overwrite),
        state: j.state,
        status: statusOf(j, queue.syncOutcomes.get(j.id)),
        result: j.result,
        error: j.error,
        outcome: queue.syncOutcomes.get(j.id) ?? null,
      }))
      io.stdout.write(`${JSON.stringify({ schema: 'preflight.sync/1', source, jobs: out, auto }, null, 2)}\n`)
    } else {
      for (const j of final) io.stdout.write(`${describe(j)}\n`)
      if (auto)
        io.stdout.write(
          `Pushes to ${auto.repository} are synced to ${auto.targets.join(', ')} from now on (setting sync.targets).\n`,
        )
    }
    if (final.length < jobs.length) return 2
    const undone = final.filter((j) => j.state !== 'done' && queue.syncOutcomes.get(j.id)?.status !== 'kept')
    if (undone.length) {
      io.stderr.write(
        `preflight: ${undone.length} of ${jobs.length} sync(s) could not be done (${undone[0].target}: ${undone[0].error ?? undone[0].state}); they stay in the queue: preflight queue run\n`,
      )
      return 2
    }
    return final.every((j) => j.state === 'done') ? 0 : 1
  },
}
