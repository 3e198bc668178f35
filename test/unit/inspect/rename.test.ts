// "Rename a copy…": the proposal is a name the scan's own package rules accept (refused characters replaced, the
// extension of the real format), a typed name is judged by those rules in both languages, and the copy is written
// next to the original, hashed and read back, never over an existing file and never outside the original's folder.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ruleAction } from '../../../src-preload/catalogue'
import { packageFindings } from '../../../src-main/inspect/package-rules'
import {
  copyRenamed,
  freeProposal,
  nameProblems,
  proposeName,
  RENAME_RULES,
  type NameFacts,
} from '../../../src-main/inspect/rename'
import { scanPackage } from '../../../src-main/inspect/scan'

const dir = mkdtempSync(join(process.env.TMPDIR!, 'rename-'))
const app = (kind: NameFacts['kind']): NameFacts => ({ profile: 'koogallery-app', kind, size: 1000 })
const renameFindings = (name: string, f: NameFacts) =>
  packageFindings(f.profile, name, f.kind, f.size).filter((x) => RENAME_RULES.includes(x.rule))

/** A small real tar.gz named `name` in its own folder. */
function tarGz(name: string): string {
  const d = mkdtempSync(join(dir, 'pkg-'))
  mkdirSync(join(d, 'src'))
  writeFileSync(join(d, 'src', 'README.md'), 'hello\n')
  execFileSync('tar', ['-czf', join(d, name), '-C', join(d, 'src'), 'README.md'])
  return join(d, name)
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

describe('the rule catalogue', () => {
  it('names "Rename a copy…" as the fix of exactly the rules a renamed copy fixes', () => {
    for (const rule of RENAME_RULES) expect(ruleAction(rule), rule).toEqual({ kind: 'rename' })
    expect(ruleAction('profile.auto-picked')).toEqual({ kind: 'pick-profile' })
    expect(ruleAction('package.too-large')).toBeNull()
  })
})

describe('the proposed name', () => {
  it('replaces refused characters and names the real format, and the rules accept it', () => {
    const cases: Array<[string, NameFacts, string]> = [
      ['my app 1.0.tgz', app('tar.gz'), 'my_app_1_0.tar.gz'],
      ['release.tar.gz', app('zip'), 'release.zip'],
      ['bundle.zip', app('tar'), 'bundle.tar'],
      ['site.gz', app('tar.gz'), 'site.tar.gz'],
      ['已发布 v2.tar', app('tar'), '____v2.tar'],
      ['.tgz', app('tar.gz'), '_tgz.tar.gz'],
      ['disk image.img', { profile: 'koogallery-image', kind: 'qcow2', size: 1000 }, 'disk_image.qcow2'],
      ['nginx 1.2.tgz', { profile: 'swr-image', kind: 'tar.gz', size: 1000 }, 'nginx 1.2.tar.gz'],
    ]
    for (const [name, facts, want] of cases) {
      expect(renameFindings(name, facts).length, name).toBeGreaterThan(0)
      const proposed = proposeName(name, facts)
      expect(proposed, name).toBe(want)
      expect(renameFindings(proposed, facts), proposed).toEqual([])
      expect(nameProblems(proposed, facts), proposed).toEqual([])
    }
  })

  it('is free in the original folder: a taken name gets -2, -3 before the extension', async () => {
    const pkg = tarGz('my app.tgz')
    const facts = app('tar.gz')
    expect(await freeProposal(pkg, facts)).toBe('my_app.tar.gz')
    writeFileSync(join(pkg, '..', 'my_app.tar.gz'), 'someone else')
    expect(await freeProposal(pkg, facts)).toBe('my_app-2.tar.gz')
    writeFileSync(join(pkg, '..', 'my_app-2.tar.gz'), 'someone else')
    expect(await freeProposal(pkg, facts)).toBe('my_app-3.tar.gz')
  })
})

describe('a typed name', () => {
  it('is judged by the scan rules, each problem in English and Chinese', () => {
    const facts = app('tar.gz')
    const spaces = nameProblems('my app.tar.gz', facts)
    expect(spaces).toEqual([
      {
        rule: 'package.name-invalid',
        message: 'Use only letters, digits, -, _, ( and ) before the extension, e.g. my_app.tar.gz.',
        messageZh: '扩展名前只能使用字母、数字、-、_、( 和 )，例如 my_app.tar.gz。',
      },
    ])
    const tgz = nameProblems('app.tgz', facts)
    expect(tgz.map((p) => p.rule)).toEqual(['package.format-unsupported'])
    expect(tgz[0].message).toBe(
      'koogallery-app accepts .tar.gz, .tar, .zip: end the name with .tar.gz (the content is tar.gz).',
    )
    expect(tgz[0].messageZh).toBe('koogallery-app 接受 .tar.gz、.tar、.zip：文件名请以 .tar.gz 结尾（内容为 tar.gz）。')
    const zip = nameProblems('app.zip', facts)
    expect(zip).toEqual([
      {
        rule: 'package.extension-mismatch',
        message: 'The content is tar.gz: end the name with .tar.gz.',
        messageZh: '内容为 tar.gz：文件名请以 .tar.gz 结尾。',
      },
    ])
    // content no accepted extension names: a rename cannot fix it, and the sentence says to repack
    const sevenZip = nameProblems('app.zip', app('7z'))
    expect(sevenZip[0].message).toMatch(/^The content is 7z, which koogallery-app does not accept: repack it/)
    expect(sevenZip[0].messageZh).toMatch(/^内容为 7z，koogallery-app 不接受此格式/)
  })

  it('must be a plain file name', () => {
    const facts = app('tar.gz')
    for (const bad of [
      '',
      '  ',
      '../app.tar.gz',
      'sub/app.tar.gz',
      'a\\b.tar.gz',
      '..',
      '.hidden.tar.gz',
      'a\u0000.tar.gz',
    ])
      expect(nameProblems(bad, facts).length, JSON.stringify(bad)).toBeGreaterThan(0)
    expect(nameProblems('../app.tar.gz', facts)[0]).toMatchObject({
      message: 'A file name cannot contain / or \\: the copy is written next to the original.',
      messageZh: '文件名不能包含 / 或 \\：副本会写在原文件旁边。',
    })
    expect(nameProblems(`${'a'.repeat(250)}.tar.gz`, facts)[0].message).toMatch(/too long/)
  })
})

describe('the copy', () => {
  it('is written next to the original, byte for byte, and the original is untouched', async () => {
    const pkg = tarGz('my app 1.0.tgz')
    const before = { sha: sha(pkg), mtime: statSync(pkg).mtimeMs }
    const r = await copyRenamed(pkg, 'my_app_1_0.tar.gz', { expectedSha256: before.sha })
    expect(r).toMatchObject({
      path: join(pkg, '..', 'my_app_1_0.tar.gz'),
      name: 'my_app_1_0.tar.gz',
      sha256: before.sha,
    })
    expect(sha(r.path)).toBe(before.sha)
    expect(r.size).toBe(statSync(pkg).size)
    expect({ sha: sha(pkg), mtime: statSync(pkg).mtimeMs }).toEqual(before)
    // no temporary file left behind
    expect(readdirSync(join(pkg, '..')).sort()).toEqual(['my app 1.0.tgz', 'my_app_1_0.tar.gz', 'src'])
    // and its scan no longer reports the name or the format
    const report = await scanPackage(r.path, { profile: 'koogallery-app' })
    expect(report.findings.filter((f) => RENAME_RULES.includes(f.rule))).toEqual([])
    const original = await scanPackage(pkg, { profile: 'koogallery-app' })
    expect(original.findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['package.name-invalid', 'package.format-unsupported']),
    )
  })

  it('never overwrites an existing file', async () => {
    const pkg = tarGz('app.tgz')
    const mine = join(pkg, '..', 'app.tar.gz')
    writeFileSync(mine, 'my own file')
    await expect(copyRenamed(pkg, 'app.tar.gz')).rejects.toMatchObject({
      code: 'conflict',
      message: 'A file named "app.tar.gz" is already next to the original: choose another name.',
      messageZh: '原文件旁已有名为“app.tar.gz”的文件：请换一个名称。',
    })
    expect(readFileSync(mine, 'utf8')).toBe('my own file')
    // nor the original itself
    await expect(copyRenamed(pkg, 'app.tgz')).rejects.toMatchObject({ code: 'conflict' })
    expect(readdirSync(join(pkg, '..')).sort()).toEqual(['app.tar.gz', 'app.tgz', 'src'])
  })

  it('refuses a name that leaves the folder', async () => {
    const pkg = tarGz('app.tgz')
    for (const bad of ['../app.tar.gz', '..', 'sub/app.tar.gz', `${dir}/app.tar.gz`, ''])
      await expect(copyRenamed(pkg, bad), bad).rejects.toMatchObject({ code: 'invalid-input' })
    expect(readdirSync(join(pkg, '..', '..')).filter((n) => n.startsWith('app'))).toEqual([])
  })

  it('is kept only when it reads back as the original (sha256), and only from the bytes that were scanned', async () => {
    const pkg = tarGz('app.tgz')
    await expect(
      copyRenamed(pkg, 'app.tar.gz', { onWritten: (partial) => writeFileSync(partial, 'flipped on the disk') }),
    ).rejects.toMatchObject({
      code: 'unreadable',
      message: expect.stringMatching(/differs from the original \(SHA-256\)/),
    })
    await expect(copyRenamed(pkg, 'app.tar.gz', { expectedSha256: 'f'.repeat(64) })).rejects.toMatchObject({
      code: 'conflict',
      messageZh: '“app.tgz”在扫描后已改变：请重新扫描后再重命名副本。',
    })
    expect(readdirSync(join(pkg, '..')).sort()).toEqual(['app.tgz', 'src'])
  })

  it('stops when cancelled, leaving nothing', async () => {
    const pkg = tarGz('app.tgz')
    const ac = new AbortController()
    ac.abort()
    await expect(copyRenamed(pkg, 'app.tar.gz', { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' })
    expect(readdirSync(join(pkg, '..')).sort()).toEqual(['app.tgz', 'src'])
  })
})
