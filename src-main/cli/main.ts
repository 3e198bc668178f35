// The `preflight` command: subcommand plumbing, --help/--version, exit codes and error style per
// ../shared/spec/cli.md (0 pass, 1 fail, 2 could not do the job: one line on stderr, a stack only with --debug).
import { PreflightError, toErrorData } from '../../src-preload/errors'
import { TOOL } from '../version'
import { COMMAND_LOADERS, loadAllCommands } from './commands'
import type { CliIO } from './io'

async function help(): Promise<string> {
  const COMMANDS = await loadAllCommands()
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    `Preflight ${TOOL.version}: prepare cloud marketplace releases offline.`,
    '',
    'Usage: preflight <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options: --help, --version, --debug',
    'Environment: PREFLIGHT_HOME names the data folder (database, vulnerability database, queue, drafts).',
    'Exit codes: 0 pass, 1 fail (blockers found), 2 Preflight could not do its job.',
    '',
  ].join('\n')
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug')
  const args = argv.filter((a) => a !== '--debug')
  const [name, ...rest] = args
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await help())
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${TOOL.version}\n`)
    return 0
  }
  const load = Object.hasOwn(COMMAND_LOADERS, name) ? COMMAND_LOADERS[name] : undefined
  if (!load) {
    io.stderr.write(`preflight: unknown command '${name}' (see preflight --help)\n`)
    return 2
  }
  const cmd = await load()
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: ${cmd.usage}\n\n${cmd.summary}\n`)
    return 0
  }
  try {
    return await cmd.run(rest, io)
  } catch (err) {
    const data = toErrorData(err)
    const isUsage = data.code === 'invalid-input' || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    const message = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? (err as Error).message
      : data.message
    io.stderr.write(`preflight ${cmd.name}: ${message.split('\n')[0]}${isUsage ? ` (usage: ${cmd.usage})` : ''}\n`)
    if (debug && err instanceof Error) io.stderr.write(`${err.stack}\n`)
    return 2
  }
}

/** Entry point used by bin/preflight.cjs and the built out/cli.js. */
export async function main(): Promise<void> {
  // The AWS SDK warns about Node 20 on every run; keep other warnings, one line each.
  process.removeAllListeners('warning')
  process.on('warning', (w) => {
    if (w.name !== 'NodeVersionSupportWarning' && !w.message.startsWith('NodeVersionSupportWarning'))
      process.stderr.write(`preflight: warning: ${w.message.split('\n')[0]}\n`)
  })
  // Until the command finishes, an empty event loop means Preflight lost track of its work: never exit 0 then.
  process.exitCode = 2
  let finished = false
  process.once('exit', () => {
    if (!finished) process.stderr.write('preflight: internal error: the command stopped before finishing (no result)\n')
  })
  const controller = new AbortController()
  const onSignal = () => controller.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  })
  finished = true
  process.exitCode = code
  if (code !== 0 && controller.signal.aborted) process.exitCode = 2
}

export { PreflightError }
