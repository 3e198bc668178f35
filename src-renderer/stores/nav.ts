// Which screen is shown, with its parameters. Screens navigate with go(screenId, params).
import { create } from 'zustand'

export interface NavState {
  screen: string
  params: Record<string, unknown>
  go(screen: string, params?: Record<string, unknown>): void
}

export const useNav = create<NavState>((set) => ({
  screen: 'home',
  params: {},
  go: (screen, params = {}) => set({ screen, params }),
}))
