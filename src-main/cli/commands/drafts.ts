// `preflight drafts list | show <id> | export <id> [--output FILE] | import <file>`: the release drafts the
// app keeps, from the command line (ids may be given as a unique prefix).
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PreflightError } from '../../../src-preload/errors'
import { DraftService } from '../../drafts/service'
import { HistoryStore } from '../../history/history'
import { defaultHome, ensureHome } from '../../home'
import { openHomeDatabase } from '../../store/db'
import { usageError, type CliCommand } from '../io'

export const draftsCommand: CliCommand = {
  name: 'drafts',
  summary: 'release drafts: list | show <id> | export <id> [--output FILE] | import <file>',
  usage:
    'preflight drafts list [--query TEXT] [--format json] | show <id> | export <id> [--output FILE] | import <file>',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string' }, output: { type: 'string', short: 'o' }, query: { type: 'string' } },
    })
    const [action, arg] = positionals
    const db = openHomeDatabase(ensureHome(defaultHome(io.env)))
    // exports and imports are events of the work history
    const service = new DraftService(db, { sink: new HistoryStore(db).sink() })
    const store = service.store
    const find = (prefix: string | undefined) => {
      if (!prefix) throw usageError(`drafts ${action} needs a draft id (see preflight drafts list)`)
      const matches = store.list().filter((d) => d.id.startsWith(prefix))
      if (matches.length !== 1)
        throw new PreflightError(
          matches.length ? 'invalid-input' : 'not-found',
          matches.length ? `"${prefix}" matches ${matches.length} drafts: give more of the id` : `No draft ${prefix}`,
        )
      return store.get(matches[0].id)
    }
    switch (action) {
      case 'list': {
        const list = store.list(values.query ?? '')
        if (values.format === 'json') io.stdout.write(`${JSON.stringify(list, null, 2)}\n`)
        else if (!list.length) io.stdout.write('No drafts.\n')
        else
          for (const d of list)
            io.stdout.write(
              `${d.id.slice(0, 8)}  ${d.profile.padEnd(21)} rev ${String(d.revision).padEnd(4)} ${d.updatedAt}  ${d.verdict ?? '-'}  ${d.title}\n`,
            )
        return 0
      }
      case 'show': {
        const d = find(arg)
        io.stdout.write(
          `${JSON.stringify({ ...d, findings: service.validate(d.profile, d.values, d.lastReport) }, null, 2)}\n`,
        )
        return 0
      }
      case 'export': {
        const d = find(arg)
        const out = values.output ? resolve(io.cwd, values.output) : undefined
        const r = await service.exportTo(d.id, out)
        if (out) io.stdout.write(`${out}\n`)
        else io.stdout.write(r.content)
        return 0
      }
      case 'import': {
        if (!arg) throw usageError('drafts import needs a file')
        const d = await service.importFrom(resolve(io.cwd, arg))
        io.stdout.write(`${d.id}  ${d.title}\n`)
        return 0
      }
      default:
        throw new PreflightError(
          'invalid-input',
          `unknown drafts action "${action ?? ''}" (list, show, export, import)`,
        )
    }
  },
}
