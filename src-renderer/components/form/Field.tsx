// Labelled, validated form fields driven by a FieldSpec. Every input has an accessible name, shows its
// error (aria-invalid + aria-describedby) and a unit or hint where the marketplace form has one.
import { useId, type JSX } from 'react'
import { useLang } from '../../i18n'
import { getPath, setPath, type Values } from './paths'

export type Text = { en: string; 'zh-CN': string }

export interface FieldSpec {
  path: string
  label: Text
  kind: 'text' | 'textarea' | 'number' | 'select' | 'multiselect' | 'checkbox' | 'tags' | 'list'
  options?: Array<{ value: string | number; label?: Text }>
  hint?: Text
  unit?: string
  required?: boolean
  /** For kind 'list': the fields of one item (paths relative to the item). */
  item?: FieldSpec[]
  /** For kind 'list': label of the add button. */
  addLabel?: Text
  /** Number input step (default 1). */
  step?: number
  /** Show only when this returns true for the current values. */
  when?: (values: Values) => boolean
}

export type FieldErrors = Record<string, string[]>

interface Props {
  spec: FieldSpec
  values: Values
  errors: FieldErrors
  onChange: (values: Values) => void
  prefix?: string
}

const ADD: Text = { en: 'Add', 'zh-CN': '添加' }
const REMOVE: Text = { en: 'Remove', 'zh-CN': '删除' }
const KEY: Text = { en: 'Key', 'zh-CN': '键' }
const VALUE: Text = { en: 'Value', 'zh-CN': '值' }

export function Field({ spec, values, errors, onChange, prefix = '' }: Props) {
  const lang = useLang((s) => s.lang)
  const id = useId()
  const path = prefix ? `${prefix}.${spec.path}` : spec.path
  if (spec.when && !spec.when(values)) return null
  const value = getPath(values, path)
  const errs = errors[path] ?? []
  const errId = `${id}-err`
  const hintId = `${id}-hint`
  const describedBy = [errs.length ? errId : '', spec.hint ? hintId : ''].filter(Boolean).join(' ') || undefined
  const set = (v: unknown) => onChange(setPath(values, path, v))
  const common = {
    id,
    'aria-invalid': errs.length > 0 ? true : undefined,
    'aria-describedby': describedBy,
    'data-field': path,
  }
  const label = `${spec.label[lang]}${spec.required ? ' *' : ''}`

  let control: JSX.Element
  switch (spec.kind) {
    case 'textarea':
      control = <textarea {...common} rows={4} value={(value as string) ?? ''} onChange={(e) => set(e.target.value)} />
      break
    case 'number':
      control = (
        <input
          {...common}
          type="number"
          step={spec.step ?? 1}
          value={value === undefined || value === null ? '' : String(value)}
          onChange={(e) => set(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      )
      break
    case 'select':
      control = (
        <select
          {...common}
          value={value === undefined ? '' : String(value)}
          onChange={(e) => {
            const opt = spec.options!.find((o) => String(o.value) === e.target.value)
            set(opt ? opt.value : undefined)
          }}
        >
          <option value="">—</option>
          {spec.options!.map((o) => (
            <option key={String(o.value)} value={String(o.value)}>
              {o.label?.[lang] ?? String(o.value)}
            </option>
          ))}
        </select>
      )
      break
    case 'checkbox':
      return (
        <div className="field field-check">
          <label htmlFor={id}>
            <input {...common} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} />{' '}
            {label}
          </label>
          {spec.hint && (
            <span id={hintId} className="muted">
              {spec.hint[lang]}
            </span>
          )}
          {errs.length > 0 && (
            <span id={errId} className="field-error" role="alert">
              {errs.join(' ')}
            </span>
          )}
        </div>
      )
    case 'multiselect': {
      const selected = new Set((value as Array<string | number>) ?? [])
      return (
        <fieldset
          className="field"
          aria-describedby={describedBy}
          data-field={path}
          aria-invalid={errs.length > 0 ? true : undefined}
        >
          <legend>{label}</legend>
          <div className="checks">
            {spec.options!.map((o) => (
              <label key={String(o.value)}>
                <input
                  type="checkbox"
                  checked={selected.has(o.value)}
                  onChange={(e) => {
                    const next = new Set(selected)
                    if (e.target.checked) next.add(o.value)
                    else next.delete(o.value)
                    set(spec.options!.map((x) => x.value).filter((v) => next.has(v)))
                  }}
                />{' '}
                {o.label?.[lang] ?? String(o.value)}
              </label>
            ))}
          </div>
          {spec.hint && (
            <span id={hintId} className="muted">
              {spec.hint[lang]}
            </span>
          )}
          {errs.length > 0 && (
            <span id={errId} className="field-error" role="alert">
              {errs.join(' ')}
            </span>
          )}
        </fieldset>
      )
    }
    case 'tags': {
      const entries = Object.entries((value as Record<string, string>) ?? {})
      const write = (next: Array<[string, string]>) => set(Object.fromEntries(next))
      return (
        <fieldset className="field" aria-describedby={describedBy} data-field={path}>
          <legend>{label}</legend>
          {entries.map(([k, v], i) => (
            <div className="row" key={i}>
              <input
                aria-label={`${spec.label[lang]} ${i + 1} ${KEY[lang]}`}
                value={k}
                onChange={(e) => write(entries.map((x, j) => (j === i ? [e.target.value, x[1]] : x)))}
              />
              <input
                aria-label={`${spec.label[lang]} ${i + 1} ${VALUE[lang]}`}
                value={v}
                onChange={(e) => write(entries.map((x, j) => (j === i ? [x[0], e.target.value] : x)))}
              />
              <button
                type="button"
                className="btn btn-secondary"
                onClick={() => write(entries.filter((_, j) => j !== i))}
              >
                {REMOVE[lang]}
              </button>
            </div>
          ))}
          <div>
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => write([...entries, [`key${entries.length + 1}`, '']])}
            >
              {spec.addLabel?.[lang] ?? ADD[lang]}
            </button>
          </div>
          {spec.hint && (
            <span id={hintId} className="muted">
              {spec.hint[lang]}
            </span>
          )}
          {errs.length > 0 && (
            <span id={errId} className="field-error" role="alert">
              {errs.join(' ')}
            </span>
          )}
        </fieldset>
      )
    }
    case 'list': {
      const items = (value as unknown[]) ?? []
      return (
        <fieldset className="field list" aria-describedby={describedBy} data-field={path}>
          <legend>{label}</legend>
          {items.map((_, i) => (
            <div className="list-item card" key={i}>
              {spec.item!.map((f) => (
                <Field
                  key={f.path}
                  spec={{ ...f, label: { en: `${f.label.en} (${i + 1})`, 'zh-CN': `${f.label['zh-CN']}（${i + 1}）` } }}
                  values={values}
                  errors={errors}
                  onChange={onChange}
                  prefix={`${path}.${i}`}
                />
              ))}
              <div>
                <button
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => set(items.filter((_, j) => j !== i))}
                >
                  {REMOVE[lang]} {i + 1}
                </button>
              </div>
            </div>
          ))}
          <div>
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => set([...items, {}])}
              data-testid={`add-${path}`}
            >
              {spec.addLabel?.[lang] ?? ADD[lang]}
            </button>
          </div>
          {spec.hint && (
            <span id={hintId} className="muted">
              {spec.hint[lang]}
            </span>
          )}
          {errs.length > 0 && (
            <span id={errId} className="field-error" role="alert">
              {errs.join(' ')}
            </span>
          )}
        </fieldset>
      )
    }
    default:
      control = <input {...common} type="text" value={(value as string) ?? ''} onChange={(e) => set(e.target.value)} />
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {spec.unit && <span className="muted"> ({spec.unit})</span>}
      </label>
      {control}
      {spec.hint && (
        <span id={hintId} className="muted">
          {spec.hint[lang]}
        </span>
      )}
      {errs.length > 0 && (
        <span id={errId} className="field-error" role="alert">
          {errs.join(' ')}
        </span>
      )}
    </div>
  )
}
