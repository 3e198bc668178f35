// The desktop window's security decisions, as plain functions the Electron shell (index.ts) applies and tests run
// under Node: where the renderer is loaded from (a dev server's URL only in an unpackaged build, and only on this
// machine), which URLs count as the app's own page (IPC senders, navigation, requests), and window.open (always
// denied: the app opens no windows and hands no URL to the OS), and downloads (the page's own exports only, saved
// where the user says in the native save dialog).
import { pathToFileURL } from 'node:url'

export interface RendererSource {
  /** The dev server's URL (electron-vite dev), or null: the built index.html. */
  url: string | null
  file: string
}

/** ELECTRON_RENDERER_URL is honoured only in an unpackaged build and only for a loopback http(s) URL. */
export function rendererSource(env: NodeJS.ProcessEnv, isPackaged: boolean, indexFile: string): RendererSource {
  const dev = env.ELECTRON_RENDERER_URL
  if (!dev || isPackaged) return { url: null, file: indexFile }
  try {
    const u = new URL(dev)
    if ((u.protocol === 'http:' || u.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname))
      return { url: u.href, file: indexFile }
  } catch {
    // not a URL: the built page
  }
  return { url: null, file: indexFile }
}

/** Is this URL the app's own page (for IPC senders and navigation)? */
export function isAppUrl(source: RendererSource, url: string): boolean {
  if (source.url)
    return (
      url === source.url ||
      url.startsWith(source.url.endsWith('/') ? source.url : `${source.url}/`) ||
      url.startsWith(`${source.url}#`)
    )
  const page = pathToFileURL(source.file).href
  return url === page || url.startsWith(`${page}#`) || url.startsWith(`${page}?`)
}

/** May the window's session request this URL? The page's own files, devtools, and the dev server if there is one. */
export function isAllowedRequest(source: RendererSource, url: string): boolean {
  if (url.startsWith('devtools:')) return true
  if (source.url) return isAppUrl(source, url) || url.startsWith(new URL(source.url).origin + '/')
  return url.startsWith('file:')
}

/**
 * May this download go ahead? Only an export the app's page made itself (a blob: URL): report, manifest and draft
 * exports come back from the services as content and the page hands them over as a download; no save path is set, so
 * Electron asks for one in its native save dialog. The services never write to a path a page names.
 */
export function isAllowedDownload(source: RendererSource, pageUrl: string, downloadUrl: string): boolean {
  return isAppUrl(source, pageUrl) && downloadUrl.startsWith('blob:')
}

/** window.open and target=_blank: denied, nothing handed to the OS (the app has no links out). */
export function windowOpenAction(): { action: 'deny' } {
  return { action: 'deny' }
}
