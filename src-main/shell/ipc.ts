// Binds every contract channel to ipcMain: checks the sender is one of our windows loading our own page,
// forwards the payload to the service host (which validates it with zod) and returns results or errors
// as data. Channels that need Electron itself (native dialogs) are answered here; a folder chosen in the folder dialog
// is granted to the services for one upload (services/grants.ts), the only way a file:// target is accepted.
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { CHANNEL_NAMES, ipcChannel, type Channel, type Wire } from '../../src-preload/contract'
import type { ServiceHost } from '../services/host'

export function isTrustedSender(event: IpcMainInvokeEvent, trustedUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame
  const win = BrowserWindow.fromWebContents(event.sender)
  return !!win && !!frame && frame === event.sender.mainFrame && trustedUrl(frame.url)
}

export function bindIpc(host: ServiceHost, trustedUrl: (url: string) => boolean): void {
  const shellHandlers: Partial<Record<Channel, (event: IpcMainInvokeEvent, input: unknown) => Promise<Wire<unknown>>>> =
    {
      'dialog.openPackage': async (event) => {
        const win = BrowserWindow.fromWebContents(event.sender)!
        const r = await dialog.showOpenDialog(win, {
          properties: ['openFile'],
          filters: [
            {
              name: 'Packages and images',
              extensions: ['zip', 'tar', 'gz', 'tgz', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'img', 'raw', 'iso'],
            },
            { name: 'All files', extensions: ['*'] },
          ],
        })
        return { ok: true, result: { path: r.canceled ? null : (r.filePaths[0] ?? null) } }
      },
      'dialog.chooseFolder': async (event) => {
        const win = BrowserWindow.fromWebContents(event.sender)!
        const r = await dialog.showOpenDialog(win, { properties: ['openDirectory', 'createDirectory'] })
        const path = r.canceled ? null : (r.filePaths[0] ?? null)
        if (path) host.grantFolder(path)
        return { ok: true, result: { path } }
      },
    }
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(ipcChannel(channel), async (event, input: unknown): Promise<Wire<unknown>> => {
      if (!isTrustedSender(event, trustedUrl))
        return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame' } }
      const own = shellHandlers[channel]
      if (own) return own(event, input)
      return host.dispatch(channel, input)
    })
  }
}
