// A dialog shown in place, under what opened it (the waiver form, "Rename a copy…"): labelled by its title and
// described by its hint (ids `${id}-title` and `${id}-hint` inside it), Escape closes it and goes no further.
// Focus moving in and back is the opener's: each dialog knows which field should take it.
import type { ReactNode } from 'react'

export function InlineDialog({
  id,
  testId,
  onClose,
  children,
}: {
  id: string
  testId: string
  onClose: () => void
  children: ReactNode
}) {
  return (
    <div
      className="card waive-dialog"
      role="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-hint`}
      data-testid={testId}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return
        e.preventDefault()
        e.stopPropagation()
        onClose()
      }}
    >
      {children}
    </div>
  )
}
