// The Electron shell under a stand-in 'electron' module (the real binary cannot run here): the window's
// security settings, window.open and navigation refusal, blocked remote requests, IPC sender checks, the folder dialog
// (its choice granted to the services for one upload) and downloads (the page's own exports only).
import { beforeAll, describe, expect, it, vi } from 'vitest'

const state = vi.hoisted(() => ({
  windows: [] as any[],
  handlers: new Map<string, (event: any, input: unknown) => Promise<any>>(),
  beforeRequest: null as null | ((details: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
  permission: null as null | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void),
  dispatched: [] as Array<{ channel: string; input: unknown }>,
  granted: [] as string[],
  willDownload: null as
    null | ((e: { preventDefault(): void }, item: { getURL(): string }, contents: { getURL(): string }) => void),
  cipher: undefined as any,
}))

vi.mock('electron', () => {
  class BrowserWindow {
    options: any
    webContents: any
    openHandler: any
    navigate: any
    loaded: string | null = null
    constructor(options: any) {
      this.options = options
      const self = this // eslint-disable-line @typescript-eslint/no-this-alias
      this.webContents = {
        mainFrame: { url: '' },
        setWindowOpenHandler(h: any) {
          self.openHandler = h
        },
        on(ev: string, h: any) {
          if (ev === 'will-navigate') self.navigate = h
        },
        send: vi.fn(),
      }
      state.windows.push(this)
    }
    once() {}
    show() {}
    loadFile(f: string) {
      this.loaded = f
      this.webContents.mainFrame.url = `file://${f}`
      return Promise.resolve()
    }
    loadURL(u: string) {
      this.loaded = u
      return Promise.resolve()
    }
    static getAllWindows() {
      return state.windows
    }
    static fromWebContents(wc: any) {
      return state.windows.find((w) => w.webContents === wc) ?? null
    }
  }
  return {
    app: { whenReady: () => Promise.resolve(), on: vi.fn(), getPath: () => process.env.TMPDIR, quit: vi.fn() },
    BrowserWindow,
    ipcMain: { handle: (name: string, h: any) => state.handlers.set(name, h) },
    dialog: { showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: ['/picked/pkg.zip'] })) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: any) => (state.permission = h),
        on: (ev: string, h: any) => {
          if (ev === 'will-download') state.willDownload = h
        },
        webRequest: { onBeforeRequest: (h: any) => (state.beforeRequest = h) },
      },
    },
    shell: { openExternal: vi.fn() },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8'),
    },
  }
})

vi.mock('../../../src-main/services/worker-client', () => ({
  startServiceWorker: (_init: unknown, _onEvent: unknown, cipher: unknown) => (
    (state.cipher = cipher),
    {
      dispatch: async (channel: string, input: unknown) => {
        state.dispatched.push({ channel, input })
        return { ok: true, result: { echoed: channel } }
      },
      grantFolder: (path: string) => state.granted.push(path),
      close: async () => {},
    }
  ),
}))

beforeAll(async () => {
  await import('../../../src-main/index')
  await new Promise((r) => setTimeout(r, 10))
})

describe('Electron shell', () => {
  it('creates the window with context isolation, sandbox and no node integration', () => {
    const win = state.windows[0]
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    })
    expect(win.options.webPreferences.preload).toMatch(/preload[\\/]index\.cjs$/)
    expect(win.loaded).toMatch(/renderer[\\/]index\.html$/)
  })

  it('denies window.open and navigation away from the app', () => {
    const win = state.windows[0]
    expect(win.openHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    const e = { preventDefault: vi.fn() }
    win.navigate(e, 'https://evil.example/')
    expect(e.preventDefault).toHaveBeenCalled()
  })

  it('blocks every request that leaves the app and every permission', () => {
    const results: boolean[] = []
    state.beforeRequest!({ url: 'https://example.com/x.js' }, (r) => results.push(r.cancel))
    state.beforeRequest!({ url: 'file:///app/out/renderer/index.html' }, (r) => results.push(r.cancel))
    expect(results).toEqual([true, false])
    let granted: boolean | null = null
    state.permission!(null, 'media', (ok) => (granted = ok))
    expect(granted).toBe(false)
    state.permission!(null, 'notifications', (ok) => (granted = ok))
    expect(granted).toBe(true)
  })

  it('gives the services safeStorage as the credential cipher', async () => {
    const sealed: Buffer = await state.cipher.encrypt('secret-key')
    expect(sealed.toString('utf8')).not.toContain('secret-key')
    expect(await state.cipher.decrypt(sealed)).toBe('secret-key')
  })

  it('answers IPC only from our own main frame; forwards payloads to the services for validation', async () => {
    const win = state.windows[0]
    const handler = state.handlers.get('preflight:inspect.identify')!
    const trusted = { sender: win.webContents, senderFrame: win.webContents.mainFrame }
    expect(await handler(trusted, { path: '/x' })).toMatchObject({ ok: true })
    expect(state.dispatched.at(-1)).toEqual({ channel: 'inspect.identify', input: { path: '/x' } })
    const otherFrame = { sender: win.webContents, senderFrame: { url: 'https://evil.example/' } }
    expect(await handler(otherFrame, { path: '/x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    const stranger = { sender: { mainFrame: {} }, senderFrame: {} }
    expect(await handler(stranger, {})).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it('answers the native open dialog in the shell', async () => {
    const win = state.windows[0]
    const handler = state.handlers.get('preflight:dialog.openPackage')!
    expect(await handler({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, {})).toEqual({
      ok: true,
      result: { path: '/picked/pkg.zip' },
    })
  })

  it('grants the services a folder only when the user chose it in the folder dialog', async () => {
    const electron = await import('electron')
    const win = state.windows[0]
    const handler = state.handlers.get('preflight:dialog.chooseFolder')!
    const trusted = { sender: win.webContents, senderFrame: win.webContents.mainFrame }
    vi.mocked(electron.dialog.showOpenDialog).mockResolvedValueOnce({
      canceled: false,
      filePaths: ['/media/usb'],
    } as never)
    expect(await handler(trusted, {})).toEqual({ ok: true, result: { path: '/media/usb' } })
    expect((vi.mocked(electron.dialog.showOpenDialog).mock.lastCall as unknown[])[1]).toMatchObject({
      properties: expect.arrayContaining(['openDirectory']),
    })
    expect(state.granted).toEqual(['/media/usb'])
    vi.mocked(electron.dialog.showOpenDialog).mockResolvedValueOnce({ canceled: true, filePaths: [] } as never)
    expect(await handler(trusted, {})).toEqual({ ok: true, result: { path: null } })
    // not our frame: no dialog, no grant
    expect(await handler({ sender: win.webContents, senderFrame: { url: 'https://evil.example/' } }, {})).toMatchObject(
      { ok: false, error: { code: 'forbidden' } },
    )
    expect(state.granted).toEqual(['/media/usb'])
  })

  it("lets only the page's own exports download (to where the save dialog says)", () => {
    const win = state.windows[0]
    const page = { getURL: () => win.webContents.mainFrame.url }
    const outcome = (url: string, contents = page) => {
      const e = { preventDefault: vi.fn() }
      state.willDownload!(e, { getURL: () => url }, contents)
      return e.preventDefault.mock.calls.length ? 'cancelled' : 'save dialog'
    }
    expect(outcome('blob:file:///0b7c1d2e-aaaa-bbbb-cccc-0123456789ab')).toBe('save dialog')
    expect(outcome('https://evil.example/payload.sh')).toBe('cancelled')
    expect(outcome('file:///etc/passwd')).toBe('cancelled')
    expect(outcome('blob:https://evil.example/x', { getURL: () => 'https://evil.example/' })).toBe('cancelled')
  })
})
