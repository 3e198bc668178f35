// The CLI's view of the outside world, passed to every command so commands are testable in-process.
import { PreflightError } from '../../src-preload/errors'
import type { ProgressRecord, ProgressSink } from '../tasks/progress'

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

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--'
  const t = Math.round(s)
  const h = Math.floor(t / 3600)
  const m = Math.floor((t % 3600) / 60)
  const sec = t % 60
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`
}

export function progressLine(r: ProgressRecord): string {
  const pct = r.bytesTotal ? ` ${((100 * r.bytesDone) / Math.max(1, r.bytesTotal)).toFixed(1)}%` : ''
  const total = r.bytesTotal !== null ? `/${formatBytes(r.bytesTotal)}` : ''
  return `${r.phase}${pct} ${formatBytes(r.bytesDone)}${total} ${formatBytes(r.bytesPerSecond)}/s ETA ${formatEta(r.etaSeconds)}${r.detail ? ` ${r.detail}` : ''}`
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
