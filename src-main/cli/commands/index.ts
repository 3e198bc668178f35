// Every `preflight` subcommand, in the order --help lists them. One line per command.
import type { CliCommand } from '../io'
import { convertCommand } from './convert'
import { draftsCommand } from './drafts'
import { inspectCommand } from './inspect'
import { repackCommand } from './repack'
import { scanCommand } from './scan'
import { signaturesCommand } from './signatures'
import { uiCommand } from './ui'
import { queueCommand, uploadCommand } from './upload'
import { vulndbCommand } from './vulndb'

export const COMMANDS: CliCommand[] = [scanCommand, inspectCommand, repackCommand, convertCommand, uploadCommand, queueCommand, signaturesCommand, vulndbCommand, draftsCommand, uiCommand]
