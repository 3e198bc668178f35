// A draft being edited: loads it, keeps the values and title locally, autosaves within a second of a change
// (coalescing keystrokes; the main process keeps a burst in one field as one revision), validates live through the
// shared schemas, and flushes on leave. The title shown is the one the main process saved (it follows the package
// until the seller names the draft).
import { useCallback, useEffect, useRef, useState } from 'react'
import type { DraftDto, FindingDto } from '../../../src-preload/contract'
import type { Worded } from '../../../src-preload/text'
import { api } from '../../api'
import type { FieldErrors } from '../../components/form/Field'
import type { Values } from '../../components/form/paths'
import { useText } from '../../i18n'
import type { ProfileId } from './spec'

export const AUTOSAVE_MS = 400

export interface DraftEditor {
  draft: DraftDto | null
  values: Values
  findings: FindingDto[]
  errors: FieldErrors
  saving: 'idle' | 'pending' | 'saving' | 'saved' | 'error'
  /** Why the last save failed (its sentence in both languages, as the error carried it). */
  saveError: Worded | null
  revision: number
  setValues(v: Values): void
  setTitle(title: string): void
  patch(change: Partial<DraftDto> & { values?: Values }): Promise<void>
  flush(): Promise<void>
  load(id: string): Promise<void>
}

export function useDraft(initialId: string | null): DraftEditor {
  const [draft, setDraft] = useState<DraftDto | null>(null)
  const [values, setLocal] = useState<Values>({})
  const [findings, setFindings] = useState<FindingDto[]>([])
  const [saving, setSaving] = useState<DraftEditor['saving']>('idle')
  const [saveError, setSaveError] = useState<Worded | null>(null)
  const [revision, setRevision] = useState(0)
  const pending = useRef<{ id: string; values: Values; title?: string } | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const validateTimer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const save = useCallback(async () => {
    if (timer.current) clearTimeout(timer.current)
    timer.current = null
    const p = pending.current
    if (!p) return
    pending.current = null
    setSaving('saving')
    try {
      const r = await api.invoke('drafts.save', { id: p.id, values: p.values, title: p.title })
      setRevision(r.revision)
      // the title the main process saved (it may follow the package), unless the seller is typing a new one
      const newer = pending.current as typeof p | null
      if (!newer?.title) setDraft((d) => (d && d.id === p.id && d.title !== r.title ? { ...d, title: r.title } : d))
      setSaving(pending.current ? 'pending' : 'saved')
      setSaveError(null)
    } catch (err) {
      pending.current = pending.current ?? p
      setSaving('error')
      setSaveError(err as Worded)
    }
  }, [])

  const validations = useRef(0)
  const validate = useCallback((profile: string, v: Values) => {
    if (validateTimer.current) clearTimeout(validateTimer.current)
    validateTimer.current = setTimeout(() => {
      // only the answer to the latest values counts: an earlier request answered late must not bring back old findings
      const n = ++validations.current
      api.invoke('drafts.validate', { profile: profile as ProfileId, values: v }).then(
        (r) => {
          if (n === validations.current) setFindings(r.findings)
        },
        () => {},
      )
    }, 150)
  }, [])

  const load = useCallback(
    async (id: string) => {
      const d = await api.invoke('drafts.get', { id })
      setDraft(d)
      setLocal(d.values)
      setRevision(d.revision)
      setSaving('saved')
      validate(d.profile, d.values)
    },
    [validate],
  )

  useEffect(() => {
    if (initialId) void load(initialId)
  }, [initialId, load])

  useEffect(() => {
    const onLeave = () => void save()
    window.addEventListener('beforeunload', onLeave)
    return () => {
      window.removeEventListener('beforeunload', onLeave)
      void save()
    }
  }, [save])

  const schedule = useCallback(() => {
    setSaving('pending')
    if (timer.current) clearTimeout(timer.current)
    timer.current = setTimeout(() => void save(), AUTOSAVE_MS)
  }, [save])

  const setValues = useCallback(
    (v: Values) => {
      setLocal(v)
      if (!draft) return
      pending.current = { id: draft.id, values: v, title: pending.current?.title }
      schedule()
      validate(draft.profile, v)
    },
    [draft, schedule, validate],
  )

  const setTitle = useCallback(
    (title: string) => {
      if (!draft) return
      setDraft({ ...draft, title })
      // a cleared title is not saved: the draft keeps its last one
      pending.current = {
        id: draft.id,
        values: pending.current?.values ?? values,
        title: title.trim() ? title : undefined,
      }
      schedule()
    },
    [draft, schedule, values],
  )

  const patch = useCallback(
    async (change: Partial<DraftDto> & { values?: Values }) => {
      if (!draft) return
      await save()
      const r = await api.invoke('drafts.save', {
        id: draft.id,
        values: change.values ?? values,
        title: change.title,
        waivers: change.waivers,
        lastReport: change.lastReport,
      })
      setRevision(r.revision)
      setDraft({ ...draft, ...change, title: r.title, values: change.values ?? values, revision: r.revision })
      if (change.values) {
        setLocal(change.values)
        validate(draft.profile, change.values)
      }
      setSaving('saved')
    },
    [draft, save, validate, values],
  )

  // each field's errors in the chosen language (a finding carries both)
  const text = useText()
  const errors: FieldErrors = {}
  for (const f of findings) {
    if (f.severity === 'info') continue
    ;(errors[f.location] ??= []).push(text(f))
  }
  return { draft, values, findings, errors, saving, saveError, revision, setValues, setTitle, patch, flush: save, load }
}
