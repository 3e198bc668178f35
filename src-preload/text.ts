// Sentences a user reads that are made outside the renderer (a finding's message, an error a service returns):
// each is written once in both languages where it is made, as a Bilingual, and travels as data — `message` is the
// English (reports, CLI, logs), `messageZh` the Simplified Chinese. The renderer and the report writers pick the
// one of the chosen language with textIn; switching language needs no new call. No electron, no Node.
import type { Lang } from './catalogue'

/** One sentence in English and in Simplified Chinese. */
export interface Bilingual {
  en: string
  zh: string
}

/** A sentence as it travels: the English, and the Chinese where its maker wrote one. */
export interface Worded {
  message: string
  messageZh?: string
}

/** bi('File "{path}" is empty.', '文件"{path}"为空。') — a tagless helper so call sites read as one sentence pair. */
export function bi(en: string, zh: string): Bilingual {
  return { en, zh }
}

export function isBilingual(v: unknown): v is Bilingual {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Bilingual).en === 'string' &&
    typeof (v as Bilingual).zh === 'string'
  )
}

/** Splits a maker's text into the fields that travel: `message` (English) and `messageZh` when there is one. */
export function worded(text: string | Bilingual): Worded {
  return typeof text === 'string' ? { message: text } : { message: text.en, messageZh: text.zh }
}

/** The sentence in `lang`: the Chinese where one was written, else the English. */
export function textIn(w: Worded, lang: Lang = 'en'): string {
  return lang === 'zh-CN' && w.messageZh ? w.messageZh : w.message
}

/** An error whose sentence its maker wrote in both languages (or English only): `message`, and `messageZh`. Every
 *  error class that carries a user's sentence (PreflightError, the readers' damage errors) extends it. */
export class WordedError extends Error implements Worded {
  readonly messageZh?: string
  constructor(message: string | Bilingual, opts?: { cause?: unknown }) {
    const w = worded(message)
    super(w.message, opts?.cause === undefined ? undefined : { cause: opts.cause })
    this.messageZh = w.messageZh
  }
}
