import type { Api } from '../src-preload/client'

declare global {
  interface Window {
    /** Provided by the Electron preload (contextBridge) or, in browser mode, by bridge/web.ts. */
    api: Api
  }
}
export {}
