// The CLI's view of the outside world, passed to every command so commands are testable in-process.
import { PreflightError } from '../../src-preload/errors'
import { formatBytes, formatEta, progressLine } from '../../src-preload/format'
import type { ProgressRecord, ProgressSink } from '../tasks/progress'

export { formatBytes, formatEta, progressLine }

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal
}

export interface CliCommand {
  name: string
  summary: string
  usage: string
  run(args: string[], io: CliIO): Promise<number>
}

/** Bad arguments: exit 2 with a one-line message and the usage hint. */
export function usageError(message: string): PreflightError {
  return new PreflightError('invalid-input', message)
}

/** Progress on stderr: a rewritten line on a TTY, else one line per record (already throttled). */
export function stderrProgress(io: CliIO, quiet = false): ProgressSink & { end(): void } {
  let drawn = false
  const sink = ((r: ProgressRecord) => {
    if (quiet) return
    if (io.stderr.isTTY) {
      io.stderr.write(`\r\x1b[2K${progressLine(r)}`)
      drawn = true
    } else io.stderr.write(`${progressLine(r)}\n`)
  }) as ProgressSink & { end(): void }
  sink.end = () => {
    if (drawn) io.stderr.write('\r\x1b[2K')
  }
  return sink
}
