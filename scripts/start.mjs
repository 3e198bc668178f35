#!/usr/bin/env node
// `npm start`: builds the app (electron-vite), then starts it in Electron. Where the Electron binary is not
// installed and cannot be fetched (no network to its download host, an unsupported platform), it says so in
// one line and starts browser mode instead (`preflight ui`: the same UI and services, served on 127.0.0.1
// with a per-run token), so the app runs on any machine. Extra arguments go to `preflight ui` in that case
// (e.g. `npm start -- --port 8080 --no-open`). PREFLIGHT_BROWSER_MODE=1 skips the Electron attempt.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

function run(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0)
  })
}

/** The Electron binary's path, fetching it as electron's own module does; null with the reason when it can't. */
function electronBinary() {
  if (process.env.PREFLIGHT_BROWSER_MODE === '1') return { path: null, why: 'PREFLIGHT_BROWSER_MODE=1' }
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = (probe.stdout ?? '').trim().split('\n').pop() ?? ''
  if (probe.status === 0 && out && existsSync(out)) return { path: out, why: '' }
  const text = `${probe.stderr ?? ''}`.split('\n').map((l) => l.trim())
  const why =
    text.find((l) => /^(TypeError|Error|RequestError)\b/.test(l)) ??
    (probe.error ? probe.error.message : 'not installed')
  return { path: null, why: why.replace(/^Error: /, '') }
}

const build = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  },
)
if (build.status !== 0) {
  process.stderr.write('preflight: the build failed (see above); fix it and run npm start again\n')
  process.exit(2)
}

const electron = electronBinary()
if (electron.path) {
  run(electron.path, ['.', ...args])
} else {
  process.stderr.write(
    `preflight: the Electron binary is not available here (${electron.why}); starting browser mode instead: the same app at the URL below (npx preflight ui)\n`,
  )
  run(process.execPath, [join(root, 'bin', 'preflight.cjs'), 'ui', ...args])
}
