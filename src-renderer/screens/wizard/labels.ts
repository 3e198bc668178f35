// What a value path is called where the seller sees it: the wizard field (and step) a path such as
// `versions.0.name` or `attrs.tags.env` belongs to, its label in the chosen language ("Version name (1)"), and a
// value as the field shows it (an option's label, not its stored value). Used by the wizard's review (field
// labels, findings that link to their field) and by the drafts' revision history.
import type { FieldSpec, Text } from '../../components/form/Field'
import type { Lang } from '../../i18n'
import { isShown } from '../../../src-preload/release-fields'
import { labelOf } from '../../../src-preload/release-labels'
import { STEPS, type ProfileId } from './spec'

const T = (en: string, zh: string): Text => ({ en, 'zh-CN': zh })

/** The upload destination fields of the review step (not part of any profile's field steps). */
export const UPLOAD_FIELDS: FieldSpec[] = [
  {
    path: 'upload.target',
    kind: 'text',
    label: labelOf('upload.target'),
  },
  {
    path: 'upload.endpoint',
    kind: 'text',
    label: labelOf('upload.endpoint'),
    when: (v) => isShown('upload.endpoint', v),
  },
]

/** The package facts a draft keeps, as the history names them (the rest of package.* is not shown). */
const PACKAGE_FIELDS: Record<string, Text> = {
  'package.name': labelOf('package.name'),
  'package.kind': labelOf('package.kind'),
  'package.guestOs.name': labelOf('package.guestOs.name'),
}

export interface FieldPlace {
  /** The field's spec (for a list item's field, the item field's spec). */
  spec: FieldSpec
  /** The step the field is on (its index in the profile's steps), or -1 for the package facts. */
  stepIndex: number
  stepId: string
  /** The path of the element that shows it (`data-field`): the list item field, or the field itself. */
  fieldPath: string
  label: Text
}

/** The field a value path belongs to, or null when no field shows it. */
export function placeOf(profile: string, path: string): FieldPlace | null {
  const steps = STEPS[profile as ProfileId]
  if (!steps) return null
  if (PACKAGE_FIELDS[path])
    return {
      spec: { path, kind: 'text', label: PACKAGE_FIELDS[path] },
      stepIndex: steps.findIndex((s) => s.kind === 'package'),
      stepId: 'package',
      fieldPath: path,
      label: PACKAGE_FIELDS[path],
    }
  const reviewIndex = steps.findIndex((s) => s.kind === 'review')
  const candidates: Array<{ spec: FieldSpec; stepIndex: number; stepId: string }> = []
  steps.forEach((s, i) => s.fields?.forEach((spec) => candidates.push({ spec, stepIndex: i, stepId: s.id })))
  UPLOAD_FIELDS.forEach((spec) => candidates.push({ spec, stepIndex: reviewIndex, stepId: 'review' }))
  for (const { spec, stepIndex, stepId } of candidates) {
    if (path === spec.path) return { spec, stepIndex, stepId, fieldPath: path, label: spec.label }
    if (!path.startsWith(`${spec.path}.`)) continue
    const rest = path.slice(spec.path.length + 1).split('.')
    if (spec.kind === 'list' && /^\d+$/.test(rest[0])) {
      const n = Number(rest[0]) + 1
      const item = rest.length > 1 ? spec.item?.find((f) => f.path === rest[1]) : undefined
      if (item)
        return {
          spec: item,
          stepIndex,
          stepId,
          fieldPath: `${spec.path}.${rest[0]}.${item.path}`,
          label: numbered(item.label, n),
        }
      return { spec, stepIndex, stepId, fieldPath: spec.path, label: numbered(spec.label, n) }
    }
    if (spec.kind === 'tags')
      return {
        spec,
        stepIndex,
        stepId,
        fieldPath: spec.path,
        label: T(`${spec.label.en}: ${rest.join('.')}`, `${spec.label['zh-CN']}：${rest.join('.')}`),
      }
    return { spec, stepIndex, stepId, fieldPath: spec.path, label: spec.label }
  }
  return null
}

function numbered(label: Text, n: number): Text {
  return T(`${label.en} (${n})`, `${label['zh-CN']}（${n}）`)
}

const YES_NO: Record<Lang, [string, string]> = { en: ['Yes', 'No'], 'zh-CN': ['是', '否'] }
const EMPTY: Text = T('(empty)', '（空）')

/** A value as its field shows it: option labels, numbers with their unit, lists joined, yes/no, '—' for nothing. */
export function shownValue(spec: FieldSpec | undefined, value: unknown, lang: Lang): string {
  if (value === undefined || value === null || value === '') return '—'
  const option = (v: unknown) => spec?.options?.find((o) => o.value === v)?.label?.[lang] ?? String(v)
  if (typeof value === 'boolean') return YES_NO[lang][value ? 0 : 1]
  if (Array.isArray(value))
    return value.length === 0
      ? EMPTY[lang]
      : value.map((v) => (v !== null && typeof v === 'object' ? shownValue(undefined, v, lang) : option(v))).join(', ')
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    return entries.length === 0
      ? EMPTY[lang]
      : entries.map(([k, v]) => `${k}: ${shownValue(undefined, v, lang)}`).join(', ')
  }
  return typeof value === 'number' && spec?.unit ? `${value.toLocaleString(lang)} ${spec.unit}` : option(value)
}

/** Every filled field of the draft, in the wizard's order, as [path, label, shown value] rows. */
export function reviewRows(
  profile: string,
  values: Record<string, unknown>,
  lang: Lang,
): Array<{ path: string; label: string; value: string }> {
  const steps = STEPS[profile as ProfileId] ?? []
  const rows: Array<{ path: string; label: string; value: string }> = []
  const get = (path: string) =>
    path
      .split('.')
      .reduce<unknown>(
        (cur, k) => (cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined),
        values,
      )
  const blank = (v: unknown) =>
    v === undefined ||
    v === null ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && v !== null && Object.keys(v).length === 0)
  const add = (spec: FieldSpec, path: string, label: Text) => {
    if (spec.when && !spec.when(values)) return
    const value = get(path)
    if (spec.kind === 'list') {
      const items = Array.isArray(value) ? value : []
      items.forEach((_, i) => spec.item?.forEach((f) => add(f, `${path}.${i}.${f.path}`, numbered(f.label, i + 1))))
      return
    }
    if (!blank(value)) rows.push({ path, label: label[lang], value: shownValue(spec, value, lang) })
  }
  for (const s of steps) s.fields?.forEach((f) => add(f, f.path, f.label))
  UPLOAD_FIELDS.forEach((f) => add(f, f.path, f.label))
  return rows
}
