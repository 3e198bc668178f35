// The app's side of image sync through the service host (as the Queue screen's "Sync to…" calls it): queue.sync
// queues one job per target and runs them, each recorded in the home's work history; a bad target is refused with
// nothing queued; with setting sync.targets a push of the repository syncs its targets (automatic).
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Events, UploadJobDto } from '../../../src-preload/contract'
import { HistoryStore } from '../../../src-main/history/history'
import { createServiceHost, type ServiceHost } from '../../../src-main/services/host'
import { openHomeDatabase } from '../../../src-main/store/db'
import { umociImage } from '../../fixtures/umoci-image'
import { startRegistry, type TestRegistry } from '../upload/registry-server'

let home: string
let host: ServiceHost
let a: TestRegistry
let b: TestRegistry
const events: Array<{ event: string; payload: unknown }> = []

beforeAll(async () => {
  home = mkdtempSync(join(process.env.TMPDIR!, 'sync-host-'))
  host = createServiceHost({ home, mode: 'browser', onEvent: (event, payload) => events.push({ event, payload }) })
  a = await startRegistry(join(home, 'reg-a'))
  b = await startRegistry(join(home, 'reg-b'))
})
afterAll(() => {
  host?.close()
  a?.stop()
  b?.stop()
})

async function call<T>(channel: string, input: unknown): Promise<T> {
  const wire = await host.dispatch(channel, input)
  if (!wire.ok) throw new Error(`${wire.error.code}: ${wire.error.message}`)
  return wire.result as T
}

function finished(taskId: string): Promise<Events['task.finished']> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const e = events.find((x) => x.event === 'task.finished' && (x.payload as { taskId: string }).taskId === taskId)
      if (e) {
        clearInterval(timer)
        resolve(e.payload as Events['task.finished'])
      }
    }, 10)
  })
}

function ociTar(name: string, text: string): Promise<string> {
  const layout = umociImage(join(home, name), '/data', { 'release.txt': text })
  const tar = join(home, `${name}.tar`)
  return new Promise((res, rej) => execFile('tar', ['-cf', tar, '-C', layout, '.'], (e) => (e ? rej(e) : res(tar))))
}

const digestOf = (ref: string) =>
  new Promise<string>((res, rej) =>
    execFile('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }, (e, out) =>
      e ? rej(e) : res(`sha256:${createHash('sha256').update(out).digest('hex')}`),
    ),
  )

async function pushed(tar: string, ref: string): Promise<void> {
  const { taskId } = await call<{ taskId: string }>('queue.enqueue', {
    path: tar,
    target: `docker://${ref}`,
    insecure: true,
  })
  expect(await finished(taskId)).toMatchObject({ ok: true, result: { state: 'done' } })
}

describe('queue.sync', () => {
  it('syncs a pushed image to two targets and records both runs; a bad target queues nothing', async () => {
    const src = `127.0.0.1:${a.port}/acme/web:1.0`
    await pushed(await ociTar('web', 'web 1.0\n'.repeat(10_000)), src)
    const before = (await call<{ jobs: UploadJobDto[] }>('queue.list', {})).jobs.length
    const refused = await host.dispatch('queue.sync', {
      source: `docker://${src}`,
      targets: [`docker://127.0.0.1:${b.port}/org1/web`, `docker://127.0.0.1:${b.port}/Org1/Web`],
      insecure: true,
    })
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-input',
        message: expect.stringMatching(/Org1\/Web.*repository name the distribution spec refuses/),
      },
    })
    expect((await call<{ jobs: UploadJobDto[] }>('queue.list', {})).jobs).toHaveLength(before)

    const { taskId, jobs } = await call<{ taskId: string; jobs: string[] }>('queue.sync', {
      source: `docker://${src}`,
      targets: [`docker://127.0.0.1:${b.port}/org1/web`, `docker://127.0.0.1:${a.port}/org2/web:stable`],
      insecure: true,
    })
    expect(await finished(taskId)).toMatchObject({ ok: true, result: [{ state: 'done' }, { state: 'done' }] })
    const list = (await call<{ jobs: UploadJobDto[] }>('queue.list', {})).jobs.filter((j) => jobs.includes(j.id))
    expect(list.map((j) => [j.state, j.options.syncSource, j.options.syncType])).toEqual([
      ['done', `docker://${src}`, 'manual'],
      ['done', `docker://${src}`, 'manual'],
    ])
    const digest = await digestOf(src)
    expect(await digestOf(`127.0.0.1:${b.port}/org1/web:1.0`)).toBe(digest)
    expect(await digestOf(`127.0.0.1:${a.port}/org2/web:stable`)).toBe(digest)
    const records = new HistoryStore(openHomeDatabase(home)).list({ kinds: ['sync'] })
    expect(records.map((e) => [e.details.status, e.details.type, e.details.tag])).toEqual([
      ['copied', 'manual', 'stable'],
      ['copied', 'manual', '1.0'],
    ])
  }, 120_000)

  it('with sync.targets set, a push of the repository syncs its targets', async () => {
    await call('settings.set', {
      key: 'sync.targets',
      value: [
        {
          repository: `127.0.0.1:${a.port}/acme/app`,
          targets: [`docker://127.0.0.1:${b.port}/org1/app`],
          overwrite: true,
          insecure: true,
        },
      ],
    })
    const bad = await host.dispatch('settings.set', {
      key: 'sync.targets',
      value: [{ repository: 'no-registry', targets: ['s3://x/y'] }],
    })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    const src = `127.0.0.1:${a.port}/acme/app:2.0`
    await pushed(await ociTar('app', 'app 2.0\n'.repeat(10_000)), src)
    expect(await digestOf(`127.0.0.1:${b.port}/org1/app:2.0`)).toBe(await digestOf(src))
    const auto = (await call<{ jobs: UploadJobDto[] }>('queue.list', {})).jobs.filter(
      (j) => j.options.syncType === 'automatic',
    )
    expect(auto.map((j) => [j.state, j.target])).toEqual([['done', `docker://127.0.0.1:${b.port}/org1/app:2.0`]])
  }, 120_000)
})
