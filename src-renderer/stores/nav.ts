// Which screen is shown, with its parameters. Screens navigate with go(screenId, params). The last parameters
// a screen was opened with are remembered (`opened`), so a package view stays in the navigation while its
// package is open. Every go() is a browser history entry (history.pushState), so Back and Forward move between
// screens instead of out of the app; a reload shows the screen it was on.
import { create } from 'zustand'

export interface NavState {
  screen: string
  params: Record<string, unknown>
  /** Screen id → the parameters it was last opened with (screens opened without any are not listed). */
  opened: Record<string, Record<string, unknown>>
  go(screen: string, params?: Record<string, unknown>): void
}

interface NavEntry {
  screen: string
  params: Record<string, unknown>
}

const browser = typeof window !== 'undefined' && typeof history !== 'undefined'

/** Our entry in a history state (other keys of the state are left alone). */
function entryOf(state: unknown): NavEntry | null {
  const e = (state as { preflightNav?: NavEntry } | null)?.preflightNav
  return e && typeof e.screen === 'string' && e.params && typeof e.params === 'object' ? e : null
}

function remember(opened: NavState['opened'], { screen, params }: NavEntry): NavState['opened'] {
  return Object.keys(params).length ? { ...opened, [screen]: params } : opened
}

const initial: NavEntry = (browser && entryOf(history.state)) || { screen: 'home', params: {} }

export const useNav = create<NavState>((set, get) => ({
  ...initial,
  opened: remember({}, initial),
  go: (screen, params = {}) => {
    const cur = get()
    if (cur.screen === screen && JSON.stringify(cur.params) === JSON.stringify(params)) return
    set((s) => ({ screen, params, opened: remember(s.opened, { screen, params }) }))
    if (browser) history.pushState({ ...(history.state as object | null), preflightNav: { screen, params } }, '')
  },
}))

if (browser) {
  // the page's first entry names the screen it shows, so Back to it shows that screen again
  history.replaceState({ ...(history.state as object | null), preflightNav: initial }, '')
  window.addEventListener('popstate', (e) => {
    const entry = entryOf(e.state) ?? { screen: 'home', params: {} }
    useNav.setState((s) => ({ screen: entry.screen, params: entry.params, opened: remember(s.opened, entry) }))
  })
}
