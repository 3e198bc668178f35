// A new user's first steps, from a fresh clone of this repository (its committed HEAD) in an empty folder:
// the README's start command (`npm ci && npm start`) with the Electron binary absent (its download pointed at a closed
// port): the start script must say so in one line and serve browser mode with its token. Then the command line
// tool packed alone (`npm run pack:cli` in the clone) is installed and run from an empty folder by the very
// commands of the README's CI recipes (GitHub Actions and GitLab CI, which must run the same commands): a clean
// package passes (exit 0), one with EICAR fails (exit 1), and both write a SARIF 2.1.0 report.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import yazl from 'yazl'
import { ROOT, tmp } from './harness'

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync('bash', ['-c', cmd], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 })
}

function ok(r: SpawnSyncReturns<string>, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.slice(-2000)}`)
}

/** The README's fenced blocks of a language under a heading. */
function readmeBlocks(heading: string, lang: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(`\n## ${heading}\n`)
  expect(start, `README has a "## ${heading}" section`).toBeGreaterThan(0)
  const section = readme.slice(start + 1).split(/\n## /)[0]
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1])
}

/** The shell commands a CI recipe runs: GitHub's `- run:` steps, GitLab's `script:` items. */
function ciCommands(): { github: string[]; gitlab: string[] } {
  const [github, gitlab] = readmeBlocks('CI', 'yaml')
  const runSteps = [...github.matchAll(/^\s*- run: (.+)$/gm)].map((m) => m[1].trim())
  const script = gitlab.slice(gitlab.indexOf('script:'))
  const items: string[] = []
  for (const line of script.split('\n').slice(1)) {
    const m = /^\s{4}- (.+)$/.exec(line)
    if (m) items.push(m[1].trim())
    else if (!/^\s{4}/.test(line)) break
  }
  return { github: runSteps, gitlab: items }
}

function zipOf(file: string, entries: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile()
    for (const [name, text] of Object.entries(entries)) zip.addBuffer(Buffer.from(text), name)
    zip.end()
    zip.outputStream.pipe(createWriteStream(file)).on('finish', resolve).on('error', reject)
  })
}

describe('a fresh machine', () => {
  const work = tmp('fresh-')
  const clone = join(work, 'preflight')
  // npm's cache is the machine's (as a user's is); the Electron download goes to a closed port, into an empty cache
  const env = {
    ...process.env,
    CI: '1',
    ELECTRON_MIRROR: 'http://127.0.0.1:9/',
    electron_config_cache: join(work, 'electron-cache'),
    PREFLIGHT_HOME: join(work, 'home'),
  }

  beforeAll(() => {
    ok(sh(`git clone --quiet ${JSON.stringify(ROOT)} ${JSON.stringify(clone)}`, work), 'git clone')
  }, 120_000)

  it('starts with the README start command and falls back to browser mode without the Electron binary', async () => {
    const [setUp] = readmeBlocks('Set up', 'sh')
    const start = setUp.trim()
    expect(start).toBe('npm ci && npm start')
    const child = spawn('bash', ['-c', start], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += String(d)))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no browser mode URL; stderr: ${stderr.slice(-2000)}`)),
          400_000,
        )
        child.stdout.on('data', (d) => {
          stdout += String(d)
          const m = /Preflight UI: (\S+)/.exec(stdout)
          if (m) {
            clearTimeout(timer)
            resolve(m[1])
          }
        })
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${stderr.slice(-2000)}`)))
      })
      // one clear line about Electron, then browser mode
      const notes = stderr.split('\n').filter((l) => /Electron binary/.test(l))
      expect(notes).toHaveLength(1)
      expect(notes[0]).toMatch(/starting browser mode instead/)
      const u = new URL(url)
      expect(u.hostname).toBe('127.0.0.1')
      expect(u.searchParams.get('token')).toMatch(/^[\w-]{20,}$/)
      const page = await fetch(url)
      expect(page.status).toBe(200)
      expect(await page.text()).toMatch(/<div id="root"/)
      const noToken = await fetch(u.origin + '/')
      expect(noToken.status).toBe(403)
      const favicon = await fetch(`${u.origin}/favicon.svg`, {
        headers: { 'x-preflight-token': u.searchParams.get('token')! },
      })
      expect(favicon.status).toBe(200)
      expect(favicon.headers.get('content-type')).toBe('image/svg+xml')
    } finally {
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {
        /* already gone */
      }
    }
  }, 600_000)

  describe('the packed command line tool, run by the README CI recipes from an empty folder', () => {
    const ci = join(work, 'ci')
    const globalPrefix = join(work, 'global')
    const ciEnv: NodeJS.ProcessEnv = {
      ...env,
      npm_config_prefix: globalPrefix,
      PATH: `${join(globalPrefix, 'bin')}:${process.env.PATH}`,
    }
    const commands = ciCommands()

    beforeAll(() => {
      // the start command above ran `npm ci`; run alone, this part installs first
      if (!existsSync(join(clone, 'node_modules', '.package-lock.json')))
        ok(sh('npm ci --no-fund --no-audit', clone, env), 'npm ci')
      const packed = sh(`npm run --silent pack:cli -- --out-dir ${JSON.stringify(join(work, 'packed'))}`, clone, env)
      ok(packed, 'npm run pack:cli')
      mkdirSync(ci)
      for (const f of readdirSync(join(work, 'packed'))) cpSync(join(work, 'packed', f), join(ci, f))
      // better-sqlite3's prebuilt binary, where its install looks first: a CI runner with network downloads it, this
      // machine has none and would compile it from source a second time (over a minute). It is the binary `npm ci`
      // compiled from the same version's sources in the clone above (so building it from source is proven there).
      const sqlite = join(clone, 'node_modules', 'better-sqlite3')
      const { version } = JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string }
      const prebuilds = join(work, 'prebuilds')
      mkdirSync(prebuilds)
      const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
      ok(sh(`tar -czf ${JSON.stringify(join(prebuilds, name))} build/Release/better_sqlite3.node`, sqlite), 'prebuild')
      ciEnv.npm_config_better_sqlite3_local_prebuilds = prebuilds
    }, 600_000)

    it('holds the CLI without Electron, React or the renderer', () => {
      const [tgz] = readdirSync(ci).filter((f) => /^preflight-cli-.*\.tgz$/.test(f))
      expect(tgz).toBeTruthy()
      const listing = sh(`tar tzf ${tgz}`, ci)
      ok(listing, 'tar tzf')
      const files = listing.stdout.trim().split('\n')
      expect(files).toContain('package/out/main/cli.js')
      expect(files).toContain('package/bin/preflight.cjs')
      expect(files.filter((f) => /renderer|preload|out\/main\/index\.js/.test(f))).toEqual([])
      const pkg = JSON.parse(sh(`tar xzf ${tgz} -O package/package.json`, ci).stdout) as {
        dependencies: Record<string, string>
      }
      for (const name of ['electron', 'react', 'react-dom', 'vite', 'electron-vite', 'zustand'])
        expect(pkg.dependencies).not.toHaveProperty(name)
    })

    it('the GitHub and GitLab recipes run the same commands', () => {
      expect(commands.github.length).toBeGreaterThanOrEqual(2)
      expect(commands.gitlab).toEqual(commands.github)
    })

    it('passes a clean package (exit 0) and fails one with EICAR (exit 1), with a SARIF report each time', async () => {
      mkdirSync(join(ci, 'dist'))
      const run = () => commands.github.map((cmd) => ({ cmd, r: sh(cmd, ci, ciEnv) }))

      await zipOf(join(ci, 'dist', 'app.zip'), { 'app/README.txt': 'hello', 'app/run.sh': '#!/bin/sh\necho ok\n' })
      const clean = run()
      for (const { cmd, r } of clean)
        expect({ cmd, status: r.status, stderr: r.stderr.slice(-1500) }).toMatchObject({ status: 0 })
      const passed = JSON.parse(readFileSync(join(ci, 'preflight.sarif'), 'utf8')) as {
        version: string
        runs: Array<{ results: Array<{ ruleId: string; level: string }> }>
      }
      expect(passed.version).toBe('2.1.0')
      expect(passed.runs[0].results.filter((r) => r.level === 'error')).toEqual([])

      await zipOf(join(ci, 'dist', 'app.zip'), { 'app/README.txt': 'hello', 'app/eicar.com': EICAR })
      const scan = commands.github.find((c) => /preflight scan/.test(c))!
      const infected = sh(scan, ci, ciEnv)
      expect(infected.status, infected.stderr).toBe(1)
      const failed = JSON.parse(readFileSync(join(ci, 'preflight.sarif'), 'utf8')) as typeof passed
      expect(failed.runs[0].results.some((r) => /^malware\./.test(r.ruleId) && r.level === 'error')).toBe(true)

      // exit 2 when Preflight cannot do its job: one line on stderr
      const missing = sh(scan.replace('dist/app.zip', 'dist/missing.zip'), ci, ciEnv)
      expect(missing.status).toBe(2)
      expect(missing.stderr.trim().split('\n')).toHaveLength(1)
      expect(existsSync(join(ROOT, 'preflight.sarif'))).toBe(false)
    }, 600_000)
  })
})
