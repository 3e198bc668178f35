// `preflight ui`: browser mode. Serves the real UI on 127.0.0.1 with a per-run token and carries the IPC
// contract to the same services as the desktop app. For machines without a desktop or Electron binary
// (reach it through an SSH tunnel) and for the end-to-end tests.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultHome, ensureHome } from '../../home'
import { openHomeDatabase } from '../../store/db'
import { appRoot, rendererDir } from '../../paths'
import { startServiceWorker } from '../../services/worker-client'
import { startWebServer } from '../../web/server'
import { stagingDirIn } from '../../web/staging'
import { usageError, type CliCommand } from '../io'

function openBrowser(url: string): void {
  for (const cmd of ['xdg-open', 'open', 'chromium', 'google-chrome']) {
    const which = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
    if (which.status === 0 && which.stdout.trim()) {
      spawn(cmd, [url], { detached: true, stdio: 'ignore' }).unref()
      return
    }
  }
}

/** Staged files something still needs: an upload not finished, a draft's package. */
function stagedInUse(home: string): Set<string> {
  const db = openHomeDatabase(ensureHome(home))
  try {
    const used = new Set<string>()
    for (const r of db
      .prepare("SELECT file_path FROM upload_jobs WHERE state NOT IN ('done', 'cancelled')")
      .all() as Array<{ file_path: string }>)
      used.add(r.file_path)
    for (const r of db.prepare('SELECT values_json FROM drafts').all() as Array<{ values_json: string }>) {
      const path = (JSON.parse(r.values_json) as { package?: { path?: unknown } }).package?.path
      if (typeof path === 'string') used.add(path)
    }
    return used
  } finally {
    db.close()
  }
}

export const uiCommand: CliCommand = {
  name: 'ui',
  summary: 'serve the Preflight UI in a browser on 127.0.0.1 (token-protected)',
  usage: 'preflight ui [--port N] [--no-open]',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, 'no-open': { type: 'boolean' } } })
    const port = values.port === undefined ? 0 : Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw usageError(`--port must be 0..65535, got ${values.port}`)
    const dir = rendererDir()
    if (!existsSync(join(dir, 'index.html'))) {
      if (!existsSync(join(appRoot(), 'src-renderer')))
        throw new Error(
          'the UI is not part of this installation (the preflight-cli package has the command line tool only): install the Preflight app, or run `npx preflight ui` from a checkout',
        )
      io.stderr.write('Building the UI (first run)...\n')
      const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: appRoot(), stdio: ['ignore', 'ignore', 'inherit'] })
      if (r.status !== 0 || !existsSync(join(dir, 'index.html')))
        throw new Error('could not build the UI: run `npm run build` and try again')
    }
    const home = defaultHome(io.env)
    const server = await startWebServer({
      rendererDir: dir,
      stagingDir: stagingDirIn(home),
      inUse: () => stagedInUse(home),
      port,
      host: (onEvent) => startServiceWorker({ home, mode: 'browser' }, onEvent as never),
    })
    io.stdout.write(`Preflight UI: ${server.url}\n`)
    if (!values['no-open'] && !io.env.CI) openBrowser(server.url)
    await new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }))
    await server.close()
    return 0
  },
}
