// `npm run bench`: runs every test/bench/*.bench.ts in its own process (so peak RSS is per benchmark),
// in a temporary folder below .tmp/ that is removed afterwards. Each benchmark prints its own ratios
// against the baseline it measures in the same run. `npm run bench -- NAME` runs the matching ones only.
// The CLI they time is the bundle built here first (out/main/cli.js).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(__dirname, '..', '..')
const filter = process.argv.slice(2)
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort()
mkdirSync(join(root, '.tmp'), { recursive: true })
// the benches time the bundled CLI (util.preflight): build it from the current sources first
if (spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' }).status !== 0)
  throw new Error('electron-vite build failed')
const tmp = mkdtempSync(join(root, '.tmp', 'bench-'))
let failed = 0
try {
  for (const f of files) {
    process.stdout.write(`\n== ${f}\n`)
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, f)], {
      stdio: 'inherit',
      env: { ...process.env, TMPDIR: tmp, PREFLIGHT_BENCH_TMP: tmp },
      cwd: root,
    })
    if (r.status !== 0) {
      failed++
      process.stdout.write(`!! ${f} exited with ${r.status ?? r.signal}\n`)
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
