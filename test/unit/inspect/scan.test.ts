// scanPackage over small packages built here: a clean tar.gz passes; traversal, link escape, nesting,
// encryption and naming problems are found with their locations; the CLI maps verdicts to exit codes.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'

const work = () => mkdtempSync(join(process.env.TMPDIR!, 'scan-'))
const rules = (r: Awaited<ReturnType<typeof scanPackage>>) =>
  r.findings.filter((f) => f.severity !== 'info' && f.rule !== 'vulndb.missing').map((f) => `${f.rule}@${f.location}`)

describe('scanPackage', () => {
  it('passes a clean tar.gz with nested zip and reports its entries and sha256', async () => {
    const d = work()
    mkdirSync(join(d, 'src/lib'), { recursive: true })
    writeFileSync(join(d, 'src/a.txt'), 'hello')
    writeFileSync(join(d, 'src/lib/x.txt'), 'x')
    execFileSync('zip', ['-q', '-r', join(d, 'src/lib/inner.zip'), 'x.txt'], { cwd: join(d, 'src/lib') })
    execFileSync('tar', ['-czf', join(d, 'app-1_0.tar.gz'), '-C', join(d, 'src'), '.'])
    const r = await scanPackage(join(d, 'app-1_0.tar.gz'))
    expect(rules(r)).toEqual([])
    expect(r.verdict).toBe('pass')
    expect(r.profile).toBe('koogallery-app')
    expect(r.package.kind).toBe('tar.gz')
    expect(r.package.sha256).toBe(
      execFileSync('sha256sum', [join(d, 'app-1_0.tar.gz')], { encoding: 'utf8' }).split(' ')[0],
    )
    expect(r.stats.entries).toBeGreaterThanOrEqual(6)
  })

  it('finds traversal, link escapes and bad names with full location chains', async () => {
    const d = work()
    mkdirSync(join(d, 'src'))
    writeFileSync(join(d, 'src/evil.txt'), 'x')
    symlinkSync('/etc/passwd', join(d, 'src/pw'))
    execFileSync('tar', [
      '-cf',
      join(d, 'inner.tar'),
      '-C',
      join(d, 'src'),
      '--transform',
      's,^evil,../../evil,',
      'evil.txt',
      'pw',
    ])
    execFileSync('zip', ['-q', join(d, 'outer.zip'), 'inner.tar'], { cwd: d })
    execFileSync('tar', ['-czf', join(d, 'my.pkg.tar.gz'), '-C', d, 'outer.zip'])
    const r = await scanPackage(join(d, 'my.pkg.tar.gz'))
    expect(rules(r).sort()).toEqual([
      'archive.link-escape@my.pkg.tar.gz!outer.zip!inner.tar!pw',
      'archive.path-traversal@my.pkg.tar.gz!outer.zip!inner.tar!../../evil.txt',
      'package.name-invalid@my.pkg.tar.gz',
    ])
    expect(r.verdict).toBe('fail')
  })

  it('stops nesting deeper than 8 levels as a bomb', async () => {
    const d = work()
    writeFileSync(join(d, 'f.txt'), 'deep')
    let cur = 'f.txt'
    for (let i = 0; i < 10; i++) {
      const next = `n${i}.zip`
      execFileSync('zip', ['-q', next, cur], { cwd: d })
      cur = next
    }
    const r = await scanPackage(join(d, cur))
    expect(r.findings.find((f) => f.rule === 'archive.bomb')?.location).toBe(
      'n9.zip!n8.zip!n7.zip!n6.zip!n5.zip!n4.zip!n3.zip!n2.zip!n1.zip!n0.zip',
    )
  })

  it('reports an encrypted zip entry and a zip named .tar.gz', async () => {
    const d = work()
    writeFileSync(join(d, 'secret.txt'), 'secret')
    execFileSync('zip', ['-q', '-P', 'pw', join(d, 'enc.zip'), 'secret.txt'], { cwd: d })
    expect(rules(await scanPackage(join(d, 'enc.zip')))).toEqual([
      'archive.encrypted@enc.zip!secret.txt',
      'malware.engine-limited@enc.zip!secret.txt',
    ])
    execFileSync('cp', [join(d, 'enc.zip'), join(d, 'fake.tar.gz')])
    expect(rules(await scanPackage(join(d, 'fake.tar.gz')))).toContain('package.extension-mismatch@fake.tar.gz')
  })

  it('CLI: exit 0 on pass, 1 on fail, 2 on a missing file; json per the stable schema', () => {
    const d = work()
    writeFileSync(join(d, 'a.txt'), 'a')
    execFileSync('tar', ['-cf', join(d, 'ok.tar'), '-C', d, 'a.txt'])
    execFileSync('tar', ['-cf', join(d, 'bad name.tar'), '-C', d, 'a.txt'])
    const bin = resolve(__dirname, '../../../bin/preflight.cjs')
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'scan', ...args], {
        encoding: 'utf8',
        env: { ...process.env, PREFLIGHT_HOME: join(d, 'home') },
      })
    const ok = run(join(d, 'ok.tar'), '--format', 'json')
    expect(ok.status).toBe(0)
    const json = JSON.parse(ok.stdout)
    expect(json).toMatchObject({
      schema: 'preflight.report/1',
      tool: { name: 'preflight' },
      package: { name: 'ok.tar', kind: 'tar' },
      profile: 'koogallery-app',
      verdict: 'pass',
    })
    expect(Object.keys(json.stats).sort()).toEqual(['bytesRead', 'durationMs', 'entries'])
    expect(run(join(d, 'bad name.tar'), '--format', 'json').status).toBe(1)
    const missing = run(join(d, 'nope.tar'))
    expect(missing.status).toBe(2)
    expect(missing.stderr.trim().split('\n')).toHaveLength(1)
    expect(run(join(d, 'ok.tar'), '--profile', 'nope').status).toBe(2)
  })
})
