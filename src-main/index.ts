// The Electron shell: app lifecycle, the one window with its security settings, and wiring the contract to
// the services worker. No logic lives here.
import { app, BrowserWindow, session, shell } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ipcEvent, type EventName } from '../src-preload/contract'
import { startServiceWorker } from './services/worker-client'
import { bindIpc } from './shell/ipc'
import { safeStorageCipher } from './shell/secrets'
import type { ServiceHost } from './services/host'

const rendererUrl = process.env.ELECTRON_RENDERER_URL
const indexFile = join(__dirname, '../renderer/index.html')
const trustedUrl = (url: string) => (rendererUrl ? url.startsWith(rendererUrl) : url.startsWith(pathToFileURL(indexFile).href))

let host: ServiceHost | null = null

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Preflight',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  win.once('ready-to-show', () => win.show())
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (e, url) => {
    if (!trustedUrl(url)) e.preventDefault()
  })
  if (rendererUrl) void win.loadURL(rendererUrl)
  else void win.loadFile(indexFile)
  return win
}

app.whenReady().then(() => {
  // No remote content: refuse every permission request but desktop notifications (the queue's "upload
  // finished/failed"), and every request that leaves the machine.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'notifications'))
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith('file:') || details.url.startsWith('devtools:') || (rendererUrl !== undefined && details.url.startsWith(rendererUrl))
    callback({ cancel: !ok })
  })
  const onEvent = (event: EventName, payload: unknown) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(ipcEvent(event), payload)
  }
  // saved object-storage keys are sealed with safeStorage, which only the main process may call
  host = startServiceWorker({ home: process.env.PREFLIGHT_HOME ?? app.getPath('userData'), mode: 'electron' }, onEvent, safeStorageCipher())
  bindIpc(host, trustedUrl)
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

app.on('will-quit', () => {
  void host?.close()
})
