// Human formatting of sizes, durations and progress lines for the CLI; the renderer formats sizes and speeds in the
// chosen language (i18n useFormat, Intl) and takes only formatEta and progressPercent from here.
import type { ProgressRecordDto } from './contract'

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--'
  const t = Math.round(s)
  const h = Math.floor(t / 3600)
  const m = Math.floor((t % 3600) / 60)
  const sec = t % 60
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`
}

export type ProgressLike = ProgressRecordDto

export function progressPercent(r: ProgressLike): number | null {
  return r.bytesTotal ? Math.min(100, (100 * r.bytesDone) / Math.max(1, r.bytesTotal)) : null
}

export function progressLine(r: ProgressLike): string {
  const pct = progressPercent(r)
  const total = r.bytesTotal !== null ? `/${formatBytes(r.bytesTotal)}` : ''
  return `${r.phase}${pct === null ? '' : ` ${pct.toFixed(1)}%`} ${formatBytes(r.bytesDone)}${total} ${formatBytes(r.bytesPerSecond)}/s ETA ${formatEta(r.etaSeconds)}${r.detail ? ` ${r.detail}` : ''}`
}
