// The one IPC contract: every invoke channel with its zod input schema and result type, and every
// main→renderer event. Imported by main (handlers, validation), preload (the narrow client) and renderer
// (types). Plain TypeScript + zod only: no electron, no Node.
import { z } from 'zod'
import type { ErrorData } from './errors'

/** Phantom marker carrying a result type (no runtime value). */
function result<T>(): T {
  return undefined as unknown as T
}

// ---- shared result shapes (mirrors of main's models, kept structural so the renderer needs no main import)
export interface ProgressRecordDto {
  phase: string
  bytesDone: number
  bytesTotal: number | null
  bytesPerSecond: number
  etaSeconds: number | null
  detail?: string
}

export interface PackageFactsDto {
  path: string
  name: string
  size: number
  sha256: string
  kind: string
}

export interface AppInfo {
  name: string
  version: string
  home: string
  mode: 'electron' | 'browser'
  platform: string
  /** The Electron app has native open dialogs; browser mode uses the page's file picker. */
  nativeDialogs: boolean
}

export const taskId = z.string().uuid()
const filePath = z.string().min(1).max(4096)

export const channels = {
  'app.info': { input: z.object({}).strict(), result: result<AppInfo>() },
  'settings.get': { input: z.object({ key: z.string().min(1).max(200) }).strict(), result: result<{ value: unknown }>() },
  'settings.set': { input: z.object({ key: z.string().min(1).max(200), value: z.unknown() }).strict(), result: result<{ ok: true }>() },
  'dialog.openPackage': { input: z.object({ title: z.string().max(200).optional() }).strict(), result: result<{ path: string | null }>() },
  /** Starts a task: identify the file (magic bytes) and hash it. The task's result is a PackageFactsDto. */
  'inspect.identify': { input: z.object({ path: filePath }).strict(), result: result<{ taskId: string }>() },
  'task.cancel': { input: z.object({ taskId }).strict(), result: result<{ cancelled: boolean }>() },
  'task.list': { input: z.object({}).strict(), result: result<{ tasks: Array<{ taskId: string; kind: string }> }>() },
} as const

export type Channels = typeof channels
export type Channel = keyof Channels
export type InputOf<C extends Channel> = z.input<Channels[C]['input']>
export type ParsedInputOf<C extends Channel> = z.output<Channels[C]['input']>
export type ResultOf<C extends Channel> = Channels[C]['result']

export const CHANNEL_NAMES = Object.keys(channels) as Channel[]

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name)
}

// ---- events (main → renderer)
export interface Events {
  'task.progress': { taskId: string; kind: string; record: ProgressRecordDto }
  'task.finished': { taskId: string; kind: string; ok: true; result: unknown } | { taskId: string; kind: string; ok: false; error: ErrorData }
}
export type EventName = keyof Events
export const EVENT_NAMES: EventName[] = ['task.progress', 'task.finished']

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as string[]).includes(name)
}

/** What crosses the wire for one invoke: a result or an error as data. */
export type Wire<T> = { ok: true; result: T } | { ok: false; error: ErrorData }

/** The IPC channel names used by Electron (one per contract channel, prefixed). */
export const ipcChannel = (c: Channel): string => `preflight:${c}`
export const ipcEvent = (e: EventName): string => `preflight-event:${e}`
