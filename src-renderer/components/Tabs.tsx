// Accessible tabs (WAI-ARIA tabs pattern): a tablist of buttons, arrow keys move between them, one tabpanel shown.
import { useId, useRef, useState, type ReactNode } from 'react'

export interface TabDef {
  id: string
  label: string
  content: () => ReactNode
}

/** Uncontrolled, or controlled with `selected` and `onSelect`. */
export function Tabs({
  tabs,
  label,
  selected,
  onSelect,
}: {
  tabs: TabDef[]
  label: string
  selected?: string
  onSelect?(id: string): void
}) {
  const [own, setOwn] = useState(tabs[0].id)
  const current = selected ?? own
  const setCurrent = (id: string) => {
    setOwn(id)
    onSelect?.(id)
  }
  const base = useId()
  const refs = useRef<Record<string, HTMLButtonElement | null>>({})
  const shown = tabs.find((t) => t.id === current) ?? tabs[0]
  const move = (delta: number) => {
    const i = (tabs.findIndex((t) => t.id === shown.id) + delta + tabs.length) % tabs.length
    setCurrent(tabs[i].id)
    refs.current[tabs[i].id]?.focus()
  }
  return (
    <div className="tabs">
      <div
        role="tablist"
        aria-label={label}
        className="tablist"
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight') move(1)
          else if (e.key === 'ArrowLeft') move(-1)
        }}
      >
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${t.id}`}
            aria-controls={`${base}-panel-${t.id}`}
            aria-selected={t.id === shown.id}
            tabIndex={t.id === shown.id ? 0 : -1}
            className={`tab${t.id === shown.id ? ' active' : ''}`}
            onClick={() => setCurrent(t.id)}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${base}-panel-${shown.id}`}
        aria-labelledby={`${base}-tab-${shown.id}`}
        className="tabpanel"
      >
        {shown.content()}
      </div>
    </div>
  )
}
