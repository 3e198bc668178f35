// `preflight repack <image-tar>... --output <name>.(tar|tar.gz|zip) [--format oci|docker-archive] [--no-scan]`
// Exit 0 when the bundle passes its scan (or, with --no-scan, was written and verified), 1 when it fails.
import { basename, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { repack } from '../../repack/repack'
import { ProgressMeter } from '../../tasks/progress'
import { recorded } from '../history-sink'
import { stderrProgress, usageError, type CliCommand } from '../io'

export const repackCommand: CliCommand = {
  name: 'repack',
  summary: 'convert docker-archive images to OCI and bundle them into one compliant container package',
  usage:
    'preflight repack <image-tar>... --output <name>.(tar|tar.gz|zip) [--format oci|docker-archive] [--no-scan] [--quiet]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        format: { type: 'string' },
        'no-scan': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
      },
    })
    if (!positionals.length) throw usageError('repack needs at least one image tar')
    if (!values.output) throw usageError('--output is required')
    if (values.format && values.format !== 'oci' && values.format !== 'docker-archive')
      throw usageError(`--format must be oci or docker-archive`)
    const progress = stderrProgress(io, values.quiet || !io.stderr.isTTY)
    const output = resolve(io.cwd, values.output)
    const r = await recorded(
      io,
      {
        kind: 'repack',
        subject: output,
        subjectName: basename(output),
        details: { inputs: positionals.map((p) => basename(p)), format: values.format ?? 'oci' },
      },
      () =>
        repack(
          positionals.map((p) => resolve(io.cwd, p)),
          {
            output,
            format: values.format as 'oci' | 'docker-archive' | undefined,
            scan: !values['no-scan'],
            signal: io.signal,
            meter: new ProgressMeter(progress, { intervalMs: 250 }),
          },
        ),
      (r) => ({
        result: r.report ? r.report.verdict : 'done',
        subject: r.report?.package.sha256 ?? r.output,
        subjectName: basename(r.output),
        link: r.output,
        details: { images: r.images.length, scanned: !!r.report },
      }),
    )
    progress.end()
    if (r.renamedFrom)
      io.stderr.write(`"${r.renamedFrom}" is not a compliant package name: wrote ${r.output} instead\n`)
    for (const img of r.images)
      io.stdout.write(
        `${img.member}  (${img.from === 'docker-archive' ? 'converted from docker-archive' : 'OCI, kept'})${img.tags.length ? `  ${img.tags.join(', ')}` : ''}\n`,
      )
    if (!r.report) {
      // --no-scan: written and read back byte for byte; the verdict is `preflight scan`'s
      io.stdout.write(`${r.output}  verified (not scanned: run preflight scan ${r.output})\n`)
      return 0
    }
    io.stdout.write(`${r.output}  ${r.report.verdict}\n`)
    return r.report.verdict === 'pass' ? 0 : 1
  },
}
