// `preflight signatures import <file>... | status`: malware hash databases (ClamAV .hdb .hsb .mdb .msb,
// .cvd/.cld containers) kept in the Preflight database, next to the built-in EICAR signature.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PreflightError } from '../../../src-preload/errors'
import { defaultHome, ensureHome } from '../../home'
import { SignatureStore } from '../../malware/signatures'
import { openHomeDatabase } from '../../store/db'
import { usageError, type CliCommand } from '../io'

export const signaturesCommand: CliCommand = {
  name: 'signatures',
  summary: 'malware signatures: import <.hdb|.hsb|.mdb|.msb|.cvd|.cld>... | status',
  usage: 'preflight signatures import <file>... [--unsigned] | status [--format json]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string' }, unsigned: { type: 'boolean' } },
    })
    const [action, ...files] = positionals
    const store = new SignatureStore(openHomeDatabase(ensureHome(defaultHome(io.env))))
    if (action === 'import') {
      if (!files.length) throw usageError('signatures import needs at least one file')
      for (const f of files) {
        const r = await store.importFile(resolve(io.cwd, f), { unsigned: values.unsigned })
        io.stdout.write(
          `${r.source}: ${r.signatures.toLocaleString('en')} signatures imported, ${r.verified ? "verified (ClamAV's signature)" : 'UNVERIFIED'}\n`,
        )
      }
      return 0
    }
    if (action === 'status') {
      const s = store.status()
      if (values.format === 'json') io.stdout.write(`${JSON.stringify(s, null, 2)}\n`)
      else {
        io.stdout.write(`built-in: ${s.builtin} (EICAR test file)\n`)
        if (!s.sources.length)
          io.stdout.write('no imported databases (preflight signatures import main.cvd daily.cvd)\n')
        for (const x of s.sources)
          io.stdout.write(
            `${x.source}: ${x.signatures.toLocaleString('en')} signatures${x.version ? `, version ${x.version}` : ''}, imported ${x.importedAt}, ${x.verified ? 'verified' : 'UNVERIFIED'}\n`,
          )
        for (const [k, n] of Object.entries(s.byKind)) io.stdout.write(`  ${k}: ${n.toLocaleString('en')}\n`)
      }
      return 0
    }
    throw new PreflightError('invalid-input', `unknown signatures action "${action ?? ''}" (import, status)`)
  },
}
