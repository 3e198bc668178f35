// One temporary folder per test run (below the checkout's git-ignored .tmp/), exported as TMPDIR so that
// every file a test or the code under test creates lands there; removed when the run ends.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

export default function setup(): () => void {
  const root = resolve(__dirname, '..', '.tmp')
  mkdirSync(root, { recursive: true })
  const dir = mkdtempSync(join(root, 'run-'))
  process.env.TMPDIR = dir
  process.env.PREFLIGHT_TEST_TMP = dir
  return () => {
    if (!process.env.PREFLIGHT_KEEP_TMP) rmSync(dir, { recursive: true, force: true })
  }
}
