// `preflight compare REPORT --package FILE [--profile ID] [--format json|html] [--output FILE]`: the
// marketplace's scan report of a package (XLSX, CSV, SARIF or a Preflight JSON report) against Preflight's own
// report of it: FILE is the package (scanned now) or a Preflight JSON report of it. Exit 0 when the comparison
// was made (whatever it shows), 2 when it could not be.
import { readFile, rename, writeFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultHome, ensureHome } from '../../home'
import { scanPackage } from '../../inspect/scan'
import { compareHtml, compareReports, importReport, normaliseLocation } from '../../reports/compare'
import type { Report } from '../../reports/model'
import { openHomeDatabase } from '../../store/db'
import { recorded } from '../history-sink'
import { usageError, type CliCommand } from '../io'

async function preflightReport(
  path: string,
  profile: string | undefined,
  io: Parameters<CliCommand['run']>[1],
): Promise<Report> {
  const head = await readFile(path).then(
    (b) => b.subarray(0, 4096).toString('utf8'),
    () => '',
  )
  if (/^\s*\{/.test(head) && head.includes('"preflight.report/1"'))
    return JSON.parse(await readFile(path, 'utf8')) as Report
  return scanPackage(path, { profile, signal: io.signal, db: openHomeDatabase(ensureHome(defaultHome(io.env))) })
}

export const compareCommand: CliCommand = {
  name: 'compare',
  summary: "set the marketplace's scan report against Preflight's: found by both, only by either",
  usage: 'preflight compare REPORT --package FILE [--profile ID] [--format json|html] [--output FILE]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        package: { type: 'string' },
        profile: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
      },
    })
    if (positionals.length !== 1) throw usageError('compare needs one report: preflight compare REPORT --package FILE')
    if (!values.package)
      throw usageError('compare needs --package FILE (the package, or a Preflight JSON report of it)')
    const format = values.format ?? 'json'
    if (format !== 'json' && format !== 'html') throw usageError(`unknown --format ${format} (json or html)`)
    const packagePath = resolve(io.cwd, values.package)
    const link = values.output ? resolve(io.cwd, values.output) : null
    // one event, its error too (a report of another package, a file that is no report)
    const comparison = await recorded(
      io,
      {
        kind: 'compare',
        subject: packagePath,
        subjectName: basename(packagePath),
        link,
        details: { report: basename(positionals[0]) },
      },
      async () => {
        const theirs = await importReport(resolve(io.cwd, positionals[0]))
        const ours = await preflightReport(packagePath, values.profile, io)
        const entries = (ours.facts.entries as Array<{ path: string }> | undefined) ?? []
        const read = new Set(entries.map((e) => normaliseLocation(e.path, ours.package.name)))
        return compareReports(ours, theirs, read)
      },
      (c) => ({
        result: 'done',
        subject: c.package.sha256,
        subjectName: c.package.name,
        details: {
          format: c.marketplace.format,
          agreement: c.agreement,
          both: c.both.length,
          onlyMarketplace: c.onlyMarketplace.length,
          onlyPreflight: c.onlyPreflight.length,
        },
      }),
    )
    const text = format === 'html' ? compareHtml(comparison) : `${JSON.stringify(comparison, null, 2)}\n`
    if (values.output) {
      const target = resolve(io.cwd, values.output)
      const tmp = `${target}.partial-${process.pid}`
      await writeFile(tmp, text)
      await rename(tmp, target)
    } else io.stdout.write(text)
    return 0
  },
}
