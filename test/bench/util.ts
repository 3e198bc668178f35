// Helpers shared by the benchmarks: wall time, peak RSS of a child process, and ratio printing.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export interface Measured {
  seconds: number
  peakRssMiB: number | null
  stdout: string
}

/** GNU time, if present, wraps a command to report its peak RSS (in KiB, on the last line of stderr). */
function timed(cmd: string, args: string[]): { cmd: string; args: string[]; peak(stderr: string): number | null } {
  const hasTime = spawnSync('sh', ['-c', 'test -x /usr/bin/time']).status === 0
  return {
    cmd: hasTime ? '/usr/bin/time' : cmd,
    args: hasTime ? ['-f', '%M', cmd, ...args] : args,
    peak: (stderr) => (hasTime ? Number(stderr.trim().split('\n').at(-1)) / 1024 : null),
  }
}

/** Run a command, measuring wall time and (through GNU time, if present) its peak RSS. */
export function measure(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; shell?: boolean } = {},
): Measured {
  const t = timed(cmd, args)
  const start = performance.now()
  const r = spawnSync(t.cmd, t.args, { encoding: 'utf8', env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 })
  const seconds = (performance.now() - start) / 1000
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return { seconds, peakRssMiB: t.peak(r.stderr), stdout: r.stdout }
}

/** As measure, without blocking the event loop: for a benchmark whose server runs in this process. */
export function measureAsync(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
  const t = timed(cmd, args)
  const start = performance.now()
  const child = spawn(t.cmd, t.args, { env: opts.env ?? process.env })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1000
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr}`))
      resolve({ seconds, peakRssMiB: t.peak(stderr), stdout })
    })
  })
}

export function shell(script: string): Measured {
  return measure('sh', ['-c', script])
}

export function ratio(name: string, ours: number, baseline: number, baselineName: string, target?: string): void {
  const r = ours / baseline
  console.log(
    `${name}: ${ours.toFixed(3)} vs ${baselineName} ${baseline.toFixed(3)} → ratio ${r.toFixed(2)}${target ? ` (target ${target})` : ''}`,
  )
}

/**
 * The command line of the bundled CLI (out/main/cli.js), as an installed `npx preflight` runs it — the
 * checkout's launcher would transpile the sources first and time that too. run.ts builds it before the
 * benches. A one-line launcher file, not `node -e`: node would take an `inspect` argument as its debugger.
 */
export function preflight(args: string[]): [string, string[]] {
  const cli = join(resolve(__dirname, '..', '..'), 'out', 'main', 'cli.js')
  const launcher = join(process.env.TMPDIR ?? tmpdir(), 'preflight-bundled.cjs')
  if (!existsSync(launcher)) writeFileSync(launcher, `require(${JSON.stringify(cli)}).main()\n`)
  return [process.execPath, [launcher, ...args]]
}
