// A draft being edited: loads it, keeps the values locally, autosaves within a second of a change
// (coalescing keystrokes), validates live through the shared schemas, and flushes on leave.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { DraftDto, FindingDto } from '../../../src-preload/contract'
import { api } from '../../api'
import type { FieldErrors } from '../../components/form/Field'
import type { Values } from '../../components/form/paths'
import type { ProfileId } from './spec'

export const AUTOSAVE_MS = 400

export interface DraftEditor {
  draft: DraftDto | null
  values: Values
  findings: FindingDto[]
  errors: FieldErrors
  saving: 'idle' | 'pending' | 'saving' | 'saved' | 'error'
  saveError: string | null
  revision: number
  setValues(v: Values): void
  patch(change: Partial<DraftDto> & { values?: Values }): Promise<void>
  flush(): Promise<void>
  load(id: string): Promise<void>
}

export function useDraft(initialId: string | null): DraftEditor {
  const [draft, setDraft] = useState<DraftDto | null>(null)
  const [values, setLocal] = useState<Values>({})
  const [findings, setFindings] = useState<FindingDto[]>([])
  const [saving, setSaving] = useState<DraftEditor['saving']>('idle')
  const [saveError, setSaveError] = useState<string | null>(null)
  const [revision, setRevision] = useState(0)
  const pending = useRef<{ id: string; values: Values } | null>(null)
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
      const r = await api.invoke('drafts.save', { id: p.id, values: p.values })
      setRevision(r.revision)
      setSaving(pending.current ? 'pending' : 'saved')
      setSaveError(null)
    } catch (err) {
      pending.current = pending.current ?? p
      setSaving('error')
      setSaveError((err as Error).message)
    }
  }, [])

  const validate = useCallback((profile: string, v: Values) => {
    if (validateTimer.current) clearTimeout(validateTimer.current)
    validateTimer.current = setTimeout(() => {
      api.invoke('drafts.validate', { profile: profile as ProfileId, values: v }).then((r) => setFindings(r.findings), () => {})
    }, 150)
  }, [])

  const load = useCallback(async (id: string) => {
    const d = await api.invoke('drafts.get', { id })
    setDraft(d)
    setLocal(d.values)
    setRevision(d.revision)
    setSaving('saved')
    validate(d.profile, d.values)
  }, [validate])

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

  const setValues = useCallback((v: Values) => {
    setLocal(v)
    if (!draft) return
    pending.current = { id: draft.id, values: v }
    setSaving('pending')
    if (timer.current) clearTimeout(timer.current)
    timer.current = setTimeout(() => void save(), AUTOSAVE_MS)
    validate(draft.profile, v)
  }, [draft, save, validate])

  const patch = useCallback(async (change: Partial<DraftDto> & { values?: Values }) => {
    if (!draft) return
    await save()
    const r = await api.invoke('drafts.save', { id: draft.id, values: change.values ?? values, title: change.title, waivers: change.waivers, lastReport: change.lastReport })
    setRevision(r.revision)
    setDraft({ ...draft, ...change, values: change.values ?? values, revision: r.revision })
    if (change.values) {
      setLocal(change.values)
      validate(draft.profile, change.values)
    }
    setSaving('saved')
  }, [draft, save, validate, values])

  const errors: FieldErrors = {}
  for (const f of findings) {
    if (f.severity === 'info') continue
    ;(errors[f.location] ??= []).push(f.message)
  }
  return { draft, values, findings, errors, saving, saveError, revision, setValues, patch, flush: save, load }
}
