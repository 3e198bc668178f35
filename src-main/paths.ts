// Where Preflight's own files are: the folder holding its package.json (checkout, build output or
// installed app, or the preflight-cli package), found by walking up from this module, wherever the bundler put it.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

let cached: string | null = null

export function appRoot(): string {
  if (cached) return cached
  let dir = __dirname
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name
        if (name === 'preflight' || name === 'preflight-cli') return (cached = dir)
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`cannot find Preflight's package.json above ${__dirname}`)
    dir = up
  }
}

/** Bundled resources (signatures, ...). */
export function resourcesDir(): string {
  return join(appRoot(), 'resources')
}

/** The built renderer served by browser mode. */
export function rendererDir(): string {
  return join(appRoot(), 'out', 'renderer')
}

/** The built services worker, if this is a build. */
export function builtWorkerFile(): string {
  return join(appRoot(), 'out', 'main', 'services-worker.js')
}
