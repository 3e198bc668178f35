// Every `preflight` subcommand, in the order --help lists them, loaded only when it runs (or for --help): a
// command's modules and libraries (zod, yaml, tar, the AWS SDK, sqlite...) cost tens of milliseconds each to
// load, and `preflight convert` need not pay for `scan`'s.
import type { CliCommand } from '../io'

export const COMMAND_LOADERS: Record<string, () => Promise<CliCommand>> = {
  scan: () => import('./scan').then((m) => m.scanCommand),
  inspect: () => import('./inspect').then((m) => m.inspectCommand),
  repack: () => import('./repack').then((m) => m.repackCommand),
  convert: () => import('./convert').then((m) => m.convertCommand),
  upload: () => import('./upload').then((m) => m.uploadCommand),
  queue: () => import('./upload').then((m) => m.queueCommand),
  sync: () => import('./sync').then((m) => m.syncCommand),
  signatures: () => import('./signatures').then((m) => m.signaturesCommand),
  vulndb: () => import('./vulndb').then((m) => m.vulndbCommand),
  drafts: () => import('./drafts').then((m) => m.draftsCommand),
  compare: () => import('./compare').then((m) => m.compareCommand),
  history: () => import('./history').then((m) => m.historyCommand),
  ui: () => import('./ui').then((m) => m.uiCommand),
}

/** All commands, loaded (for the full --help). */
export function loadAllCommands(): Promise<CliCommand[]> {
  return Promise.all(Object.values(COMMAND_LOADERS).map((load) => load()))
}
