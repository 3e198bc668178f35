// The Electron shell: app lifecycle, the one window with its security settings, and wiring the contract to
// the services worker. No logic lives here.
import { app, BrowserWindow, session } from 'electron'
import { join } from 'node:path'
import { ipcEvent, type EventName } from '../src-preload/contract'
import { startServiceWorker } from './services/worker-client'
import { bindIpc } from './shell/ipc'
import { safeStorageCipher } from './shell/secrets'
import { isAllowedDownload, isAllowedRequest, isAppUrl, rendererSource, windowOpenAction } from './shell/window-policy'
import type { ServiceHost } from './services/host'

// a dev server's URL only in an unpackaged build (shell/window-policy.ts)
const source = rendererSource(process.env, app.isPackaged, join(__dirname, '../renderer/index.html'))
const trustedUrl = (url: string) => isAppUrl(source, url)

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
  win.webContents.setWindowOpenHandler(() => windowOpenAction())
  win.webContents.on('will-navigate', (e, url) => {
    if (!trustedUrl(url)) e.preventDefault()
  })
  if (source.url) void win.loadURL(source.url)
  else void win.loadFile(source.file)
  return win
}

app.whenReady().then(() => {
  // No remote content: refuse every permission request but desktop notifications (the queue's "upload
  // finished/failed"), and every request that leaves the machine.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(permission === 'notifications'),
  )
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(source, details.url) })
  })
  // exports: the page's own blob: downloads only, and no save path set here, so the user picks it in the save dialog
  session.defaultSession.on('will-download', (e, item, contents) => {
    if (!isAllowedDownload(source, contents.getURL(), item.getURL())) e.preventDefault()
  })
  const onEvent = (event: EventName, payload: unknown) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(ipcEvent(event), payload)
  }
  // saved object-storage keys are sealed with safeStorage, which only the main process may call
  host = startServiceWorker(
    { home: process.env.PREFLIGHT_HOME ?? app.getPath('userData'), mode: 'electron' },
    onEvent,
    safeStorageCipher(),
  )
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
