#!/usr/bin/env node
// `preflight` launcher: in a checkout, runs the TypeScript sources through tsx; in a built/installed copy,
// runs the bundled out/cli/main.js.
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const source = join(__dirname, '..', 'src-main', 'cli', 'main.ts')
let cli
if (existsSync(source)) {
  require('tsx/cjs/api').register()
  cli = require(source)
} else {
  cli = require(join(__dirname, '..', 'out', 'main', 'cli.js'))
}
cli.main().catch((err) => {
  process.stderr.write(`preflight: internal error: ${err && err.message ? err.message : err}\n`)
  process.exitCode = 2
})
