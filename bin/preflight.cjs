#!/usr/bin/env node
// `preflight` launcher: in a checkout, runs the TypeScript sources through tsx (its CommonJS hook for
// require, its ESM hook for the modules the sources load on use with import()); in a built/installed copy,
// runs the bundled out/main/cli.js.
const { existsSync } = require('node:fs')
const { join } = require('node:path')

async function load() {
  const source = join(__dirname, '..', 'src-main', 'cli', 'main.ts')
  if (!existsSync(source)) return require(join(__dirname, '..', 'out', 'main', 'cli.js'))
  require('tsx/cjs/api').register()
  // the ESM build of tsx's API: its CommonJS build registers the hook from a wrong path
  ;(await import('tsx/esm/api')).register()
  return require(source)
}

load()
  .then((cli) => cli.main())
  .catch((err) => {
    process.stderr.write(`preflight: internal error: ${err && err.message ? err.message : err}\n`)
    process.exitCode = 2
  })
