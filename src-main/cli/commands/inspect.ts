// `preflight inspect <file> [--format json|table]`: structure only — kind, size, sha256 (and, as the
// capabilities land, entries, images and qcow2 header facts).
import { parseArgs } from 'node:util'
import { inspectPackage } from '../../inspect/inspect'
import { ProgressMeter } from '../../tasks/progress'
import { formatBytes, stderrProgress, usageError, type CliCommand } from '../io'

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'structure only: kind, size, sha256, entries, images, qcow2 header facts',
  usage: 'preflight inspect <file> [--format json|table] [--quiet]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } },
    })
    if (positionals.length !== 1) throw usageError('inspect takes exactly one file')
    const format = values.format ?? (io.stdout.isTTY ? 'table' : 'json')
    if (format !== 'json' && format !== 'table') throw usageError(`unknown --format ${format} (json or table)`)
    const progress = stderrProgress(io, values.quiet || !io.stderr.isTTY)
    const result = await inspectPackage(positionals[0], {
      signal: io.signal,
      meter: new ProgressMeter(progress, { intervalMs: 250 }),
      cwd: io.cwd,
    })
    progress.end()
    if (format === 'json') io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else {
      const rows: Array<[string, string]> = [
        ['file', result.path],
        ['kind', result.kind],
        ['size', `${result.size} (${formatBytes(result.size)})`],
        ['sha256', result.sha256],
      ]
      for (const [k, v] of rows) io.stdout.write(`${k.padEnd(8)} ${v}\n`)
    }
    return 0
  },
}
