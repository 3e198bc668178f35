// `preflight convert <raw|qcow2|vmdk|vhd|vhdx|vdi|qed> --output x.qcow2 [--compress]`: a compact qcow2 v3 (zero clusters skipped),
// verified before it replaces anything.
import { basename, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ProgressMeter } from '../../tasks/progress'
import { convertToQcow2 } from '../../vm/convert'
import { recorded } from '../history-sink'
import { formatBytes, stderrProgress, usageError, type CliCommand } from '../io'

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'write a compact, verified qcow2 v3 from a raw, qcow2, vmdk, vhd, vhdx, vdi or qed disk image',
  usage: 'preflight convert <image> --output <name>.qcow2 [--compress] [--quiet]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        compress: { type: 'boolean', short: 'c' },
        quiet: { type: 'boolean', short: 'q' },
      },
    })
    if (positionals.length !== 1) throw usageError('convert takes exactly one image')
    if (!values.output) throw usageError('--output is required')
    const progress = stderrProgress(io, values.quiet || !io.stderr.isTTY)
    const source = resolve(io.cwd, positionals[0])
    const r = await recorded(
      io,
      { kind: 'convert', subject: source, subjectName: basename(source), details: { compress: !!values.compress } },
      () =>
        convertToQcow2(source, resolve(io.cwd, values.output!), {
          compress: values.compress,
          signal: io.signal,
          meter: new ProgressMeter(progress, { intervalMs: 250 }),
        }),
      (r) => ({
        result: 'done',
        link: r.output,
        details: { virtualSize: r.virtualSize, fileSize: r.fileSize },
      }),
    )
    progress.end()
    const holes = r.bytesRead < r.virtualSize ? ` (${formatBytes(r.bytesRead)} read, the rest is holes)` : ''
    io.stdout.write(
      `${r.output}: ${formatBytes(r.virtualSize)} virtual${holes}, ${r.dataClusters} data clusters, ${formatBytes(r.fileSize)} on disk, read back and verified\n`,
    )
    return 0
  },
}
