// Where Preflight keeps its data: PREFLIGHT_HOME, else the per-user folder the Electron app also uses
// (Linux ~/.config/Preflight, macOS ~/Library/Application Support/Preflight, Windows %APPDATA%\Preflight),
// so the app and the CLI share drafts and the queue.
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.PREFLIGHT_HOME) return env.PREFLIGHT_HOME
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Preflight')
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Preflight')
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Preflight')
}

export function ensureHome(dir: string): string {
  mkdirSync(dir, { recursive: true })
  return dir
}
