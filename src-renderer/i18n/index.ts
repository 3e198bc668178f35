// English and Simplified Chinese. Each screen declares its own messages with defineMessages and reads them
// with useT, so screens never edit a shared dictionary; the language is a zustand store saved in settings.
import { useMemo } from 'react'
import { create } from 'zustand'
import { textIn, type Worded } from '../../src-preload/text'

export type Lang = 'en' | 'zh-CN'

export const useLang = create<{ lang: Lang; setLang(l: Lang): void }>((set) => ({
  lang:
    (typeof localStorage !== 'undefined' && (localStorage.getItem('preflight.lang') as Lang)) ||
    (navigator.language?.startsWith('zh') ? 'zh-CN' : 'en'),
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
export function useT<K extends string>(
  messages: Messages<K>,
): (key: K, vars?: Record<string, string | number>) => string {
  const lang = useLang((s) => s.lang)
  return (key, vars) => {
    let s = messages[lang][key] ?? messages.en[key] ?? key
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v))
    return s
  }
}

/** What useFormat gives: dates, counts, sizes, speeds and shares, in the chosen language. */
export interface Formats {
  date(value: string | number | Date): string
  number(n: number): string
  bytes(n: number): string
  rate(bytesPerSecond: number): string
  percent(fraction: number): string
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** The formats of one language (Intl), never the browser's default locale. */
export function formatsFor(lang: Lang): Formats {
  const whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 })
  const one = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  const pct = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 })
  const when = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' })
  const bytes = (n: number) => {
    let i = 0
    let v = Math.max(0, n)
    while (v >= 1024 && i < UNITS.length - 1) {
      v /= 1024
      i++
    }
    return `${i === 0 ? whole.format(v) : one.format(v)} ${UNITS[i]}`
  }
  return {
    date: (value) => {
      const d = new Date(value)
      return Number.isNaN(d.getTime()) ? String(value) : when.format(d)
    },
    number: (n) => whole.format(n),
    bytes,
    rate: (n) => `${bytes(n)}/s`,
    percent: (f) => pct.format(f),
  }
}

/** Dates and numbers in the chosen language. */
export function useFormat(): Formats {
  const lang = useLang((s) => s.lang)
  return useMemo(() => formatsFor(lang), [lang])
}

/** A finding's or an error's sentence in the chosen language (both travel as data: src-preload/text.ts). */
export function useText(): (w: Worded | null | undefined) => string {
  const lang = useLang((s) => s.lang)
  return (w) => (w ? textIn(w, lang) : '')
}
