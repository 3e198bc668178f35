// `preflight scan` of every file of the shared corpora (hostile and odd zips and tars with traversal, absolute and
// link-escaping names, bombs, damaged archives, qcow2 headers, image layouts) writes nothing but its --output files
// and what it keeps in its own TMPDIR and PREFLIGHT_HOME: the checkout, the corpora, /tmp and the real home folder
// are snapshot (path, size, mtime) before and after, and compared.
import { spawnSync } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, type Stats } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { corporaDir } from '../../corpora'

const ROOT = resolve(__dirname, '../../..')
const BIN = join(ROOT, 'bin', 'preflight.cjs')
const SKIP = new Set(['node_modules', '.git', '.tmp', 'test-output', 'out', 'dist'])

function snapshot(root: string, depth: number, skip = SKIP, out = new Map<string, string>()): Map<string, string> {
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return out
  }
  for (const name of names) {
    // the developer's shell sessions keep their own folders in /tmp; nothing of Preflight's is named so
    if (skip.has(name) || /^bash_(tool|jobs)/.test(name)) continue
    const path = join(root, name)
    let st: Stats
    try {
      st = lstatSync(path)
    } catch {
      continue
    }
    out.set(path, `${st.size}:${st.mtimeMs}`)
    if (st.isDirectory() && depth > 0) snapshot(path, depth - 1, skip, out)
  }
  return out
}

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) files(p, out)
    else if (e.isFile() && e.name !== 'SOURCE.txt') out.push(p)
  }
  return out
}

describe('scanning the corpora', () => {
  it('writes nothing outside its TMPDIR, its PREFLIGHT_HOME and the --output files', () => {
    const run = mkdtempSync(join(process.env.TMPDIR!, 'corpora-writes-'))
    const ownTmp = join(run, 'tmp')
    const home = join(run, 'home')
    const outputs = join(run, 'out')
    for (const d of [ownTmp, home, outputs]) mkdirSync(d)
    const corpora = files(corporaDir()).sort()
    expect(corpora.length).toBeGreaterThan(100)
    // the vitest run's own TMPDIR (other tests write there) is left out; everything else that could be written is watched
    const watched = () => {
      const snap = new Map<string, string>()
      snapshot(ROOT, 6, SKIP, snap)
      snapshot(corporaDir(), 8, new Set(), snap)
      snapshot(tmpdir() === process.env.TMPDIR ? '/tmp' : tmpdir(), 0, new Set(), snap)
      snapshot('/tmp', 0, new Set(), snap)
      snapshot(homedir(), 1, new Set(['.npm', '.cache']), snap)
      return snap
    }
    const before = watched()
    const exits: number[] = []
    for (let i = 0; i < corpora.length; i += 60) {
      const batch = corpora.slice(i, i + 60)
      const r = spawnSync(
        process.execPath,
        [BIN, 'scan', ...batch, '--format', 'json', '--output', join(outputs, `batch-${i}.json`), '--quiet'],
        {
          encoding: 'utf8',
          cwd: outputs,
          env: { ...process.env, TMPDIR: ownTmp, PREFLIGHT_HOME: home, HOME: join(run, 'user-home') },
          maxBuffer: 64 << 20,
        },
      )
      exits.push(r.status ?? -1)
      if (r.status === 2) {
        // one file Preflight could not do its job on stops a batch: scan that batch's files one by one
        for (const f of batch) {
          const one = spawnSync(
            process.execPath,
            [BIN, 'scan', f, '--format', 'json', '--output', join(outputs, `one-${exits.length}.json`), '--quiet'],
            {
              encoding: 'utf8',
              cwd: outputs,
              env: { ...process.env, TMPDIR: ownTmp, PREFLIGHT_HOME: home, HOME: join(run, 'user-home') },
            },
          )
          exits.push(one.status ?? -1)
          expect(one.stderr.trim().split('\n').length, f).toBeLessThanOrEqual(1)
        }
      }
    }
    expect(exits.every((e) => e === 0 || e === 1 || e === 2)).toBe(true)
    const after = watched()
    const changed = [...after].filter(([p, v]) => before.get(p) !== v).map(([p]) => p)
    const removed = [...before.keys()].filter((p) => !after.has(p))
    expect({ changed, removed }).toEqual({ changed: [], removed: [] })
    // the reports were written where asked, and name the files they scanned
    const written = readdirSync(outputs)
    expect(written.length).toBeGreaterThan(0)
    expect(readFileSync(join(outputs, written[0]), 'utf8')).toContain('preflight.report/1')
  }, 600_000)
})
