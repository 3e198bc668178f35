// The desktop window's policy (shell/window-policy.ts, applied by index.ts): window.open is always denied and
// hands nothing to the OS; ELECTRON_RENDERER_URL is ignored in a packaged build and anywhere but loopback; only the
// app's own page is trusted for IPC and navigation, and only its files (or the dev server) may be requested.
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isAllowedRequest, isAppUrl, rendererSource, windowOpenAction } from '../../../src-main/shell/window-policy'

const index = '/opt/Preflight/resources/app.asar/out/renderer/index.html'

describe('window policy', () => {
  it('denies every window.open', () => {
    expect(windowOpenAction()).toEqual({ action: 'deny' })
  })

  it('loads a dev server only unpackaged and only on loopback', () => {
    const dev = { ELECTRON_RENDERER_URL: 'http://localhost:5173' }
    expect(rendererSource(dev, false, index).url).toBe('http://localhost:5173/')
    expect(rendererSource(dev, true, index)).toEqual({ url: null, file: index })
    expect(rendererSource({ ELECTRON_RENDERER_URL: 'https://evil.example/' }, false, index).url).toBeNull()
    expect(rendererSource({ ELECTRON_RENDERER_URL: 'file:///tmp/x.html' }, false, index).url).toBeNull()
    expect(rendererSource({}, false, index).url).toBeNull()
  })

  it('trusts the app page only, and requests for its own files only', () => {
    const built = rendererSource({}, true, index)
    const page = pathToFileURL(index).href
    expect(isAppUrl(built, page)).toBe(true)
    expect(isAppUrl(built, `${page}#/drafts`)).toBe(true)
    expect(isAppUrl(built, `${page}.evil.html`)).toBe(false)
    expect(isAppUrl(built, 'https://example.com/')).toBe(false)
    expect(isAllowedRequest(built, 'https://example.com/x.js')).toBe(false)
    expect(
      isAllowedRequest(built, pathToFileURL('/opt/Preflight/resources/app.asar/out/renderer/assets/a.js').href),
    ).toBe(true)
    const dev = rendererSource({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false, index)
    expect(isAppUrl(dev, 'http://localhost:5173/')).toBe(true)
    expect(isAppUrl(dev, 'http://localhost:51730/')).toBe(false)
    expect(isAllowedRequest(dev, 'http://localhost:5173/src/main.tsx')).toBe(true)
    expect(isAllowedRequest(dev, 'http://127.0.0.1:9999/')).toBe(false)
  })
})
