// Hand a generated file (report, manifest, draft export) to the user as a download.
export function download(filename: string, content: string | Blob, type = 'application/octet-stream'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * A title as a file name on every OS: characters Windows, macOS or Linux refuse (and spaces) become `_`; letters of
 * any script, a Chinese draft title included, are kept.
 */
export function fileNameOf(title: string): string {
  const name = title
    .replace(/[\\/:*?"<>|\p{Cc}\s]+/gu, '_')
    .replace(/^[._]+|[._]+$/g, '')
    .slice(0, 120)
  return name || 'draft'
}
