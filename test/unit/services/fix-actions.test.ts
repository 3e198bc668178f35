// The package view's fix actions through the service host (the app's and browser mode's): the profiles that fit a
// file, "Rename a copy…" (the proposal, a typed name judged by the scan's rules, the copy as a task next to the
// original, never over a file and never out of its folder), and in browser mode only beside a dropped file, which
// the page then downloads from the staging area.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import type { Events, RenameCheckDto, RenameCopyDto } from '../../../src-preload/contract'
import { createServiceHost } from '../../../src-main/services/host'
import { StagingArea, stagingDirIn } from '../../../src-main/web/staging'

const dir = mkdtempSync(join(process.env.TMPDIR!, 'fix-actions-'))
const events: Array<{ event: string; payload: unknown }> = []
const onEvent = (event: string, payload: unknown) => events.push({ event, payload })
const desktop = createServiceHost({ home: join(dir, 'home'), mode: 'electron', onEvent })
const browserHome = join(dir, 'browser-home')
const browser = createServiceHost({ home: browserHome, mode: 'browser', onEvent })
afterAll(async () => {
  await desktop.close()
  await browser.close()
})

type Host = typeof desktop
async function call<T>(host: Host, channel: string, input: unknown): Promise<T> {
  const wire = await host.dispatch(channel, input)
  if (!wire.ok) throw Object.assign(new Error(wire.error.message), wire.error)
  return wire.result as T
}
async function task<T>(host: Host, channel: string, input: unknown): Promise<T> {
  const { taskId } = await call<{ taskId: string }>(host, channel, input)
  for (;;) {
    const e = events.find((x) => x.event === 'task.finished' && (x.payload as { taskId: string }).taskId === taskId)
    if (e) {
      const done = e.payload as Events['task.finished']
      if (!done.ok) throw Object.assign(new Error(done.error.message), done.error)
      return done.result as T
    }
    await new Promise((r) => setTimeout(r, 5))
  }
}

function tarGz(folder: string, name: string): string {
  mkdirSync(join(folder, 'src'), { recursive: true })
  writeFileSync(join(folder, 'src', 'README.md'), 'hello\n')
  execFileSync('tar', ['-czf', join(folder, name), '-C', join(folder, 'src'), 'README.md'])
  return join(folder, name)
}

describe('fix actions in the desktop app', () => {
  const folder = join(dir, 'desk')
  const pkg = tarGz(folder, 'my app 1.0.tgz')

  it('lists the profiles that fit the content', async () => {
    expect(await call(desktop, 'package.profiles', { path: pkg })).toEqual({
      kind: 'tar.gz',
      profiles: ['koogallery-app', 'koogallery-container', 'swr-image'],
    })
  })

  it('proposes a name the rules accept and judges a typed one', async () => {
    const check = (name?: string) =>
      call<RenameCheckDto>(desktop, 'package.renameCheck', { path: pkg, profile: 'koogallery-app', name })
    expect(await check()).toEqual({
      proposal: 'my_app_1_0.tar.gz',
      name: 'my_app_1_0.tar.gz',
      problems: [],
      taken: false,
    })
    const tgz = await check('my_app.tgz')
    expect(tgz.problems.map((p) => p.rule)).toEqual(['package.format-unsupported'])
    expect(tgz.problems[0].messageZh).toMatch(/文件名请以 \.tar\.gz 结尾/)
    expect((await check('../my_app.tar.gz')).problems[0].message).toMatch(/cannot contain \//)
    const original = await check('my app 1.0.tgz')
    expect(original.problems.map((p) => p.rule)).toEqual(['package.name-invalid', 'package.format-unsupported'])
    writeFileSync(join(folder, 'mine.tar.gz'), 'a file of the seller')
    expect(await check('mine.tar.gz')).toMatchObject({ problems: [], taken: true })
  })

  it('refuses traversal, refused names and existing files before anything is written', async () => {
    const copy = (name: string) =>
      desktop.dispatch('package.renameCopy', { path: pkg, profile: 'koogallery-app', name })
    const before = readdirSync(folder).sort()
    expect(await copy('../escaped.tar.gz')).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', messageZh: '文件名不能包含 / 或 \\：副本会写在原文件旁边。' },
    })
    expect(await copy('..')).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(await copy('my app.tar.gz')).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', rule: 'package.name-invalid' },
    })
    expect(await copy('mine.tar.gz')).toMatchObject({ ok: false, error: { code: 'conflict' } })
    expect(readFileSync(join(folder, 'mine.tar.gz'), 'utf8')).toBe('a file of the seller')
    expect(readdirSync(folder).sort()).toEqual(before)
    expect(existsSync(join(dir, 'escaped.tar.gz'))).toBe(false)
  })

  it('writes the verified copy next to the original', async () => {
    const r = await task<RenameCopyDto>(desktop, 'package.renameCopy', {
      path: pkg,
      profile: 'koogallery-app',
      name: 'my_app_1_0.tar.gz',
    })
    expect(r).toMatchObject({ path: join(folder, 'my_app_1_0.tar.gz'), original: pkg, download: null })
    expect(readFileSync(r.path)).toEqual(readFileSync(pkg))
  })
})

describe('fix actions in browser mode', () => {
  it('copies a dropped file inside the staging area, gives its download path, and refuses any other file', async () => {
    const src = tarGz(join(dir, 'drop'), 'my app.tgz')
    const staged = await new StagingArea({ dir: stagingDirIn(browserHome) }).stage(
      Readable.from(readFileSync(src)),
      'my app.tgz',
    )
    const r = await task<RenameCopyDto>(browser, 'package.renameCopy', {
      path: staged,
      profile: 'koogallery-app',
      name: 'my_app.tar.gz',
    })
    expect(r.path).toBe(join(staged, '..', 'my_app.tar.gz'))
    expect(r.download).toBe(`/staged/${r.sha256}/my_app.tar.gz`)
    expect(
      await browser.dispatch('package.renameCopy', { path: src, profile: 'koogallery-app', name: 'x.tar.gz' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'forbidden', messageZh: '在浏览器中只能复制拖放到页面上的软件包：请先在首页拖入它。' },
    })
    expect(existsSync(join(dir, 'drop', 'x.tar.gz'))).toBe(false)
  })
})
