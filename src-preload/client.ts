// The narrow client that becomes window.api, built from the contract over any transport: Electron's
// ipcRenderer (preload) or browser mode's WebSocket. Errors arrive as data and are rebuilt as PreflightError.
import {
  isChannel,
  isEventName,
  type Channel,
  type EventName,
  type Events,
  type InputOf,
  type ResultOf,
  type Wire,
} from './contract'
import { PreflightError } from './errors'

export interface Transport {
  invoke(channel: Channel, input: unknown): Promise<Wire<unknown>>
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void
  pathForFile(file: File): Promise<string>
}

export interface Api {
  invoke<C extends Channel>(channel: C, input: InputOf<C>): Promise<ResultOf<C>>
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
  /** Absolute path of a dropped or picked file (Electron: webUtils; browser mode: staged on the server). */
  pathForFile(file: File): Promise<string>
}

export function createApiClient(transport: Transport): Api {
  return {
    async invoke(channel, input) {
      if (!isChannel(channel)) throw new PreflightError('invalid-input', `Unknown channel: ${String(channel)}`)
      const wire = await transport.invoke(channel, input)
      if (!wire.ok) throw PreflightError.fromData(wire.error)
      return wire.result as never
    },
    on(event, listener) {
      if (!isEventName(event)) throw new PreflightError('invalid-input', `Unknown event: ${String(event)}`)
      return transport.subscribe(event, listener as (p: unknown) => void)
    },
    pathForFile(file) {
      return transport.pathForFile(file)
    },
  }
}
