// The renderer's handle on the main process: window.api from the preload in the desktop app, or the
// browser-mode bridge. Everything in the renderer talks to main only through this.
import type { Api } from '../src-preload/client'
import { createWebApi } from './bridge/web'

export const api: Api = window.api ?? (window.api = createWebApi())
