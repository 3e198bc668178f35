// The one small chart component: plain SVG, no library. A chart is a picture with its numbers in words
// (role="img" and an aria-label listing every value), so a screen reader hears what the eye sees. Two shapes:
// bars (counts, sizes) and a line over time (upload speed, with an optional limit drawn as a dashed line).
// Numbers are formatted by the caller (useFormat in i18n: Intl in the chosen language).

export interface ChartBar {
  /** What the bar is (shown left of it and read out). */
  label: string
  value: number
  /** A class for the bar's fill (bar-blocker, bar-warning, bar-info, bar-accent, bar-muted). */
  tone?: string
}

const LABEL_CHAR_PX = 7.2
/** A Chinese (or other full-width) character of the same 12px text is about as wide as its font size. */
const WIDE_CHAR_PX = 12.5
const WIDE = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/

/** The width a label takes in the chart's 12px text, full-width characters counted as such. */
function textPx(s: string): number {
  let w = 0
  for (const ch of s) w += WIDE.test(ch) ? WIDE_CHAR_PX : LABEL_CHAR_PX
  return w
}

/** The label cut to `px` with an ellipsis, if it is wider. */
function fitText(s: string, px: number): string {
  if (textPx(s) <= px) return s
  let out = ''
  for (const ch of s) {
    if (textPx(`${out}${ch}…`) > px) break
    out += ch
  }
  return `${out}…`
}
const ROW = 24

/** Horizontal bars, one per row, each with its label and its value written next to it. */
export function BarChart({
  title,
  bars,
  format,
  testId,
  width = 480,
}: {
  title: string
  bars: ChartBar[]
  format: (n: number) => string
  testId?: string
  width?: number
}) {
  const labelWidth = Math.min(220, Math.max(40, ...bars.map((b) => textPx(b.label))) + 8)
  const valueWidth = Math.max(40, ...bars.map((b) => textPx(format(b.value)))) + 8
  const barSpace = Math.max(40, width - labelWidth - valueWidth)
  const max = Math.max(0, ...bars.map((b) => b.value))
  const height = Math.max(1, bars.length) * ROW
  const words = `${title}: ${bars.map((b) => `${b.label} ${format(b.value)}`).join(', ')}`
  return (
    <div className="chart">
      <div className="chart-title" aria-hidden="true">
        {title}
      </div>
      <svg
        role="img"
        aria-label={words}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        data-testid={testId}
      >
        {bars.map((b, i) => {
          const w = max > 0 ? Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / max) * barSpace)) : 0
          const label = fitText(b.label, labelWidth - 8)
          return (
            <g key={`${b.label}-${i}`} transform={`translate(0,${i * ROW})`}>
              <text x="0" y="16" className="chart-text">
                {label}
              </text>
              <rect x={labelWidth} y="4" height="16" rx="2" width={w} className={b.tone ?? 'bar-accent'} />
              <text x={labelWidth + w + 6} y="16" className="chart-text">
                {format(b.value)}
              </text>
            </g>
          )
        })}
      </svg>
    </div>
  )
}

/** A line of values over time (oldest first), scaled to the larger of its peak and the limit; the limit dashed. */
export function LineChart({
  title,
  values,
  limit,
  summary,
  testId,
  width = 240,
  height = 48,
}: {
  title: string
  values: number[]
  limit?: number
  summary: string
  testId?: string
  width?: number
  height?: number
}) {
  const top = Math.max(1, ...values, limit ?? 0) * 1.1
  const step = values.length > 1 ? width / (values.length - 1) : width
  const y = (v: number) => height - 2 - (Math.max(0, v) / top) * (height - 4)
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
  return (
    <svg
      role="img"
      aria-label={`${title}: ${summary}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      className="chart-line"
      data-testid={testId}
    >
      <line x1="0" x2={width} y1={height - 1} y2={height - 1} className="chart-axis" />
      {limit ? <line x1="0" x2={width} y1={y(limit)} y2={y(limit)} className="chart-limit" /> : null}
      {values.length > 1 && <polyline points={points} className="chart-series" />}
      {values.length === 1 && <circle cx={width - 2} cy={y(values[0])} r="2" className="chart-dot" />}
    </svg>
  )
}
