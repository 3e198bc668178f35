// `preflight vulndb import <osv all.zip | folder>...` and `preflight vulndb status`: the offline OSV database.
// An all.zip is a full snapshot of its ecosystem (what it no longer holds is removed); a folder is incremental;
// withdrawn advisories are removed either way (vulns/osv.ts).
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PreflightError } from '../../../src-preload/errors'
import { defaultHome, ensureHome } from '../../home'
import { openHomeDatabase } from '../../store/db'
import { ProgressMeter } from '../../tasks/progress'
import { VulnDb } from '../../vulns/osv'
import { progressLine, usageError, type CliCommand } from '../io'

export const vulndbCommand: CliCommand = {
  name: 'vulndb',
  summary:
    'offline OSV vulnerability database: import <all.zip (full snapshot of its ecosystem) | folder (incremental)>... | status',
  usage: 'preflight vulndb import <osv all.zip | folder>... | status [--format json]',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' } } })
    const [action, ...paths] = positionals
    const db = new VulnDb(openHomeDatabase(ensureHome(defaultHome(io.env))))
    if (action === 'import') {
      if (!paths.length) throw usageError('vulndb import needs an OSV all.zip or a folder of OSV JSON')
      for (const p of paths) {
        const meter = new ProgressMeter((r) => io.stderr.isTTY && io.stderr.write(`\r\x1b[2K${progressLine(r)}`), {
          intervalMs: 250,
        })
        const r = await db.importPath(resolve(io.cwd, p), { signal: io.signal, meter })
        if (io.stderr.isTTY) io.stderr.write('\r\x1b[2K')
        io.stdout.write(
          `${p}: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged${r.removed ? `, ${r.removed} removed (withdrawn or no longer in the snapshot)` : ''}${r.skipped ? `, ${r.skipped} not OSV JSON (skipped)` : ''}\n`,
        )
      }
      return 0
    }
    if (action === 'status') {
      const s = db.status()
      if (values.format === 'json') io.stdout.write(`${JSON.stringify(s, null, 2)}\n`)
      else {
        io.stdout.write(
          s.advisories
            ? `${s.advisories.toLocaleString('en')} advisories, imported ${s.lastImport} (${Math.floor(s.ageDays ?? 0)} days ago)\n`
            : 'No vulnerability database imported (preflight vulndb import all.zip)\n',
        )
        for (const [e, n] of Object.entries(s.byEcosystem))
          io.stdout.write(`  ${e.padEnd(14)} ${n.toLocaleString('en')}\n`)
      }
      return 0
    }
    throw new PreflightError('invalid-input', `unknown vulndb action "${action ?? ''}" (import, status)`)
  },
}
