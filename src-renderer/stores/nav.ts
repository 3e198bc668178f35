// Which screen is shown, with its parameters. Screens navigate with go(screenId, params). The last parameters
// a screen was opened with are remembered (`opened`), so a package view stays in the navigation while its
// package is open.
import { create } from 'zustand'

export interface NavState {
  screen: string
  params: Record<string, unknown>
  /** Screen id → the parameters it was last opened with (screens opened without any are not listed). */
  opened: Record<string, Record<string, unknown>>
  go(screen: string, params?: Record<string, unknown>): void
}

export const useNav = create<NavState>((set) => ({
  screen: 'home',
  params: {},
  opened: {},
  go: (screen, params = {}) => set((s) => ({ screen, params, opened: Object.keys(params).length ? { ...s.opened, [screen]: params } : s.opened })),
}))
