// Every `preflight` subcommand, in the order --help lists them. One line per command.
import type { CliCommand } from '../io'
import { inspectCommand } from './inspect'
import { scanCommand } from './scan'
import { uiCommand } from './ui'

export const COMMANDS: CliCommand[] = [scanCommand, inspectCommand, uiCommand]
