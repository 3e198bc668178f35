// English and Simplified Chinese. Each screen declares its own messages with defineMessages and reads them
// with useT, so screens never edit a shared dictionary; the language is a zustand store saved in settings.
import { create } from 'zustand'

export type Lang = 'en' | 'zh-CN'

export const useLang = create<{ lang: Lang; setLang(l: Lang): void }>((set) => ({
  lang: (typeof localStorage !== 'undefined' && (localStorage.getItem('preflight.lang') as Lang)) || (navigator.language?.startsWith('zh') ? 'zh-CN' : 'en'),
  setLang: (lang) => {
    localStorage.setItem('preflight.lang', lang)
    document.documentElement.lang = lang
    set({ lang })
  },
}))

export type Messages<K extends string> = { en: Record<K, string>; 'zh-CN': Record<K, string> }

export function defineMessages<K extends string>(m: Messages<K>): Messages<K> {
  return m
}

/** t(key, { name: 'x' }) replaces {name} in the message of the current language. */
export function useT<K extends string>(messages: Messages<K>): (key: K, vars?: Record<string, string | number>) => string {
  const lang = useLang((s) => s.lang)
  return (key, vars) => {
    let s = messages[lang][key] ?? messages.en[key] ?? key
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v))
    return s
  }
}

/** Dates and numbers in the chosen language (Intl), never the browser's default locale. */
export function useFormat(): { date(value: string | number | Date): string; number(n: number): string } {
  const lang = useLang((s) => s.lang)
  return {
    date: (value) => {
      const d = new Date(value)
      return Number.isNaN(d.getTime()) ? String(value) : new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d)
    },
    number: (n) => new Intl.NumberFormat(lang).format(n),
  }
}
