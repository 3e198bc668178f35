// `preflight scan <file>... [--profile ID] [--format F] [--output FILE] [--waivers FILE] [--attrs FILE]`:
// inspect + pre-scan. Exit 0 pass, 1 fail (any file), 2 could not do the job.
import { readFile, rename, writeFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PreflightError } from '../../../src-preload/errors'
import { defaultHome, ensureHome } from '../../home'
import { scanPackage, type ScanOptions } from '../../inspect/scan'
import { openHomeDatabase } from '../../store/db'
import type { Report } from '../../reports/model'
import { applyWaivers, readWaivers } from '../../reports/waivers'
import { engineFromSettings, engineStep, type EngineOptions } from '../../malware/engine'
import { REPORT_WRITERS } from '../../reports/writers'
import { ProgressMeter } from '../../tasks/progress'
import { databaseVersions, scanOutcome } from '../../inspect/scan-event'
import { recorded } from '../history-sink'
import { stderrProgress, usageError, type CliCommand } from '../io'

async function readJsonFile(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw new PreflightError('not-found', `Cannot read the ${what} file: ${path}`)
  }
  try {
    const v = JSON.parse(text)
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object')
    return v as Record<string, unknown>
  } catch (err) {
    throw new PreflightError(
      'invalid-input',
      `The ${what} file ${path} is not a JSON object: ${(err as Error).message}`,
    )
  }
}

/** Hooks other capabilities add to a CLI scan (waivers, attrs checks), kept in one list. */
export const SCAN_OPTION_HOOKS: Array<
  (values: Record<string, unknown>, opts: ScanOptions, io: { cwd: string }) => Promise<void> | void
> = []

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'inspect + pre-scan against the marketplace rules (exit 0 pass, 1 fail)',
  usage: `preflight scan <file>... [--profile ID] [--format ${Object.keys(REPORT_WRITERS).join('|')}] [--output FILE] [--waivers FILE] [--attrs FILE] [--clamscan|--clamd [--clamav-db PATH]] [--lang en|zh-CN] [--quiet]`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        profile: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        waivers: { type: 'string' },
        attrs: { type: 'string' },
        lang: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        clamscan: { type: 'boolean' },
        clamd: { type: 'boolean' },
        'clamav-db': { type: 'string' },
      },
    })
    if (positionals.length === 0) throw usageError('scan needs at least one file')
    const format = values.format ?? (io.stdout.isTTY && !values.output ? 'table' : 'json')
    const writer = REPORT_WRITERS[format]
    if (!writer) throw usageError(`unknown --format ${format} (one of: ${Object.keys(REPORT_WRITERS).join(', ')})`)
    const lang = values.lang === 'zh-CN' ? 'zh-CN' : 'en'
    const opts: ScanOptions = {
      profile: values.profile,
      signal: io.signal,
      db: openHomeDatabase(ensureHome(defaultHome(io.env))),
    }
    if (values.attrs) opts.attrs = await readJsonFile(resolve(io.cwd, values.attrs), '--attrs')
    for (const hook of SCAN_OPTION_HOOKS) await hook(values, opts, io)
    if (values.waivers) {
      const waivers = await readWaivers(resolve(io.cwd, values.waivers))
      opts.postProcess = [...(opts.postProcess ?? []), (findings) => applyWaivers(findings, waivers)]
    }
    const reports: Report[] = []
    for (const file of positionals) {
      const progress = stderrProgress(io, values.quiet || !io.stderr.isTTY)
      const path = resolve(io.cwd, file)
      const engine: EngineOptions | null =
        values.clamscan || values.clamd
          ? {
              engine: values.clamd ? 'clamdscan' : 'clamscan',
              database: values['clamav-db'] ? resolve(io.cwd, values['clamav-db']) : undefined,
            }
          : opts.db
            ? engineFromSettings(opts.db)
            : null
      // The engine's findings come before the waivers so that they can be waived too.
      const postProcess = engine
        ? [engineStep(path, { ...engine, profile: values.profile, signal: io.signal }), ...(opts.postProcess ?? [])]
        : opts.postProcess
      const output = values.output ? resolve(io.cwd, values.output) : null
      reports.push(
        await recorded(
          io,
          {
            kind: 'scan',
            subject: path,
            subjectName: basename(path),
            link: output,
            details: { profile: values.profile ?? null, databases: opts.db ? databaseVersions(opts.db) : null },
          },
          () => scanPackage(path, { ...opts, postProcess, meter: new ProgressMeter(progress, { intervalMs: 250 }) }),
          scanOutcome,
        ),
      )
      progress.end()
    }
    const outputs = await Promise.all(
      reports.map((r) => writer(r, { lang, color: !values.output && !!io.stdout.isTTY })),
    )
    if (values.output) {
      if (outputs.length > 1 && typeof outputs[0] !== 'string')
        throw usageError(`--format ${format} writes one file: scan one package at a time`)
      const target = resolve(io.cwd, values.output)
      const tmp = `${target}.partial-${process.pid}`
      await writeFile(tmp, outputs.length === 1 ? outputs[0] : (outputs as string[]).join(''))
      await rename(tmp, target)
    } else for (const o of outputs) io.stdout.write(o)
    return reports.some((r) => r.verdict === 'fail') ? 1 : 0
  },
}
