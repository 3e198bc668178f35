// Browser mode's window.api: the same contract client as the preload, carried over a token-checked
// WebSocket to the local Preflight server (src-main/web/server.ts). Dropped files are staged on the server,
// since a page cannot hand over real paths.
import { createApiClient, type Api, type Transport } from '../../src-preload/client'
import type { Channel, EventName, Wire } from '../../src-preload/contract'
import { PreflightError } from '../../src-preload/errors'
import { bi } from '../../src-preload/text'

export function createWebApi(): Api {
  const token =
    document.querySelector<HTMLMetaElement>('meta[name="preflight-token"]')?.content ??
    new URLSearchParams(location.search).get('token') ??
    ''
  const wsUrl = `${location.origin.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`
  const pending = new Map<number, (w: Wire<unknown>) => void>()
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  let nextId = 1
  let socket: WebSocket | null = null
  let ready: Promise<WebSocket> | null = null

  function connect(): Promise<WebSocket> {
    if (ready) return ready
    ready = new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl)
      ws.onopen = () => {
        socket = ws
        resolve(ws)
      }
      ws.onerror = () => reject(new Error('Cannot reach the Preflight server'))
      ws.onclose = () => {
        socket = null
        ready = null
        for (const r of pending.values())
          r({ ok: false, error: { code: 'network', message: 'Connection to the Preflight server was lost' } })
        pending.clear()
      }
      ws.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data)) as {
          type: string
          id?: number
          wire?: Wire<unknown>
          event?: string
          payload?: unknown
        }
        if (msg.type === 'result' && typeof msg.id === 'number') {
          pending.get(msg.id)?.(msg.wire!)
          pending.delete(msg.id)
        } else if (msg.type === 'event' && msg.event) {
          for (const l of listeners.get(msg.event) ?? []) l(msg.payload)
        }
      }
    })
    return ready
  }

  const transport: Transport = {
    async invoke(channel: Channel, input: unknown) {
      const ws = socket ?? (await connect())
      const id = nextId++
      return new Promise<Wire<unknown>>((resolve) => {
        pending.set(id, resolve)
        ws.send(JSON.stringify({ id, token, channel, input }))
      })
    },
    subscribe(event: EventName, listener) {
      void connect()
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      return () => set.delete(listener)
    },
    async pathForFile(file: File) {
      const res = await fetch(`/stage?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        body: file,
        headers: { 'x-preflight-token': token },
      })
      if (!res.ok)
        throw new PreflightError(
          res.status === 403 ? 'forbidden' : 'unreadable',
          res.status === 403
            ? bi(
                `${file.name} was not handed to Preflight: this page is not part of its current session. Open the address Preflight printed when it started, then drop the file again.`,
                `${file.name} 未能交给 Preflight：此页面不属于它当前的会话。请打开 Preflight 启动时显示的地址，然后重新拖入文件。`,
              )
            : bi(
                `${file.name} could not be handed to Preflight (the server answered ${res.status}): check the free disk space of Preflight's data folder, then drop the file again.`,
                `${file.name} 未能交给 Preflight（服务器返回 ${res.status}）：请检查 Preflight 数据文件夹所在磁盘的可用空间，然后重新拖入文件。`,
              ),
        )
      return ((await res.json()) as { path: string }).path
    },
  }
  return createApiClient(transport)
}
