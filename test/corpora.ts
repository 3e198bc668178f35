// Where the shared public corpora are: PREFLIGHT_CORPORA, else ../shared/corpora beside the checkout.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

export function corporaDir(): string {
  const dir = process.env.PREFLIGHT_CORPORA ?? resolve(__dirname, '..', '..', 'shared', 'corpora')
  if (!existsSync(dir)) throw new Error(`shared corpora not found at ${dir} (set PREFLIGHT_CORPORA)`)
  return dir
}

export function corpus(...parts: string[]): string {
  return join(corporaDir(), ...parts)
}
