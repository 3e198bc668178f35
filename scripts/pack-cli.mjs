#!/usr/bin/env node
// `npm run pack:cli [-- --out-dir DIR]`: packs the command line tool alone as preflight-cli-<version>.tgz, for
// CI machines (`npx ./preflight-cli-<version>.tgz scan app.zip`). The tarball holds the launcher, the bundled
// main-process build (out/main: cli.js and its chunks; not the Electron shell, the preload or the renderer) and
// a package.json whose dependencies are exactly the modules that build still requires at run time (found by
// reading the bundle, pinned to the versions installed here from package-lock.json): no Electron, React or Vite. `preflight ui` is
// not in it (it needs the renderer; install the app for the UI).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outIndex = process.argv.indexOf('--out-dir')
const outDir = resolve(outIndex > 0 ? process.argv[outIndex + 1] : root)
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

function fail(message) {
  process.stderr.write(`pack-cli: ${message}\n`)
  process.exit(2)
}

if (!existsSync(join(root, 'out', 'main', 'cli.js')) || process.argv.includes('--build')) {
  const build = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  if (build.status !== 0) fail('electron-vite build failed')
}

const mainOut = join(root, 'out', 'main')
const files = [
  ...readdirSync(mainOut)
    .filter((f) => f.endsWith('.js') && f !== 'index.js')
    .map((f) => join(mainOut, f)),
  ...readdirSync(join(mainOut, 'chunks'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(mainOut, 'chunks', f)),
]

// What the bundle still loads from node_modules: require("x"), import("x") and createRequire(...)("x").
const builtins = new Set(builtinModules)
const required = new Set()
for (const file of files) {
  const code = readFileSync(file, 'utf8')
  for (const m of code.matchAll(/(?:\brequire|\bimport|createRequire\)\(__filename\))\(\s*"([^"./][^"]*)"\s*\)/g)) {
    const spec = m[1].startsWith('node:')
      ? null
      : m[1].startsWith('@')
        ? m[1].split('/').slice(0, 2).join('/')
        : m[1].split('/')[0]
    if (spec && !builtins.has(spec)) required.add(spec)
  }
}
required.delete('electron') // only the Electron shell (index.js) loads it, and it is not packed
required.delete('tsx') // the launcher runs the sources through tsx only in a checkout

const dependencies = {}
const optionalDependencies = {}
for (const name of [...required].sort()) {
  if (!pkg.dependencies?.[name] && !pkg.optionalDependencies?.[name])
    fail(`the bundle requires ${name}, which is not a dependency in package.json`)
  // the version installed here (package-lock's), which the tests ran against
  const installed = join(root, 'node_modules', name, 'package.json')
  const version = existsSync(installed)
    ? JSON.parse(readFileSync(installed, 'utf8')).version
    : (pkg.dependencies?.[name] ?? pkg.optionalDependencies[name])
  if (pkg.optionalDependencies?.[name]) optionalDependencies[name] = version
  else dependencies[name] = version
}

const stage = mkdtempSync(join(tmpdir(), 'preflight-cli-'))
try {
  mkdirSync(join(stage, 'bin'))
  cpSync(join(root, 'bin', 'preflight.cjs'), join(stage, 'bin', 'preflight.cjs'))
  mkdirSync(join(stage, 'out', 'main', 'chunks'), { recursive: true })
  for (const file of files) cpSync(file, join(stage, file.slice(root.length + 1)))
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify(
      {
        name: 'preflight-cli',
        version: pkg.version,
        description: `${pkg.description} Command line tool.`,
        license: pkg.license,
        bin: { preflight: 'bin/preflight.cjs' },
        engines: { node: '>=20' },
        dependencies,
        optionalDependencies,
      },
      null,
      2,
    )}\n`,
  )
  writeFileSync(
    join(stage, 'README.md'),
    '# preflight-cli\n\nThe Preflight command line tool: `preflight scan`, `inspect`, `repack`, `convert`, `upload`, `queue`, ' +
      '`vulndb`, `signatures`, `drafts`. Run `preflight --help`. The desktop app and browser mode (`preflight ui`) ship separately.\n',
  )
  mkdirSync(outDir, { recursive: true })
  const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8' })
  if (packed.status !== 0) fail(`npm pack failed: ${packed.stderr}`)
  process.stdout.write(`${join(outDir, packed.stdout.trim().split('\n').pop())}\n`)
} finally {
  rmSync(stage, { recursive: true, force: true })
}
