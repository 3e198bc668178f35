// The screens of the app: id, navigation label (both languages), and component. To add a screen, import it
// in screens/index.ts and add one entry there; App.tsx builds the navigation from this list.
import type { ComponentType } from 'react'

export interface ScreenDef {
  id: string
  label: { en: string; 'zh-CN': string }
  component: ComponentType
  /** Hidden screens are reached by navigation only (e.g. a package view needs a path). */
  hidden?: boolean
  /** A hidden screen shown in the navigation once opened (with the parameters it was last opened with). */
  whileOpen?: boolean
}

const screens: ScreenDef[] = []

export function registerScreens(defs: ScreenDef[]): void {
  screens.push(...defs)
}

export function allScreens(): readonly ScreenDef[] {
  return screens
}

export function hasScreen(id: string): boolean {
  return screens.some((s) => s.id === id)
}
