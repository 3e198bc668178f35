// The preload: exposes the narrow, typed window.api over Electron IPC (never raw ipcRenderer). Runs
// sandboxed, so it may import only 'electron' and bundled code.
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { createApiClient } from './client'
import { ipcChannel, ipcEvent, type Wire } from './contract'

const api = createApiClient({
  invoke: (channel, input) => ipcRenderer.invoke(ipcChannel(channel), input) as Promise<Wire<unknown>>,
  subscribe(event, listener) {
    const wrapped = (_e: unknown, payload: unknown) => listener(payload)
    ipcRenderer.on(ipcEvent(event), wrapped)
    return () => {
      ipcRenderer.removeListener(ipcEvent(event), wrapped)
    }
  },
  pathForFile: (file) => Promise.resolve(webUtils.getPathForFile(file)),
})

contextBridge.exposeInMainWorld('api', api)
