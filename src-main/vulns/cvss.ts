// CVSS base scores computed from vectors (v2, v3.0, v3.1, v4.0) with ae-cvss-calculator; the highest score
// of an advisory decides. GHSA's database_specific.severity is used only when no vector exists, and says so.
import { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } from 'ae-cvss-calculator'
import { labelSource, NO_SCORE_SOURCE, vectorSource } from './score-text'

export interface Score {
  score: number | null
  vector: string | null
  version: '2.0' | '3.0' | '3.1' | '4.0' | 'label' | null
  /** How the score was obtained, for the finding's message. */
  source: string
}

export function baseScore(vector: string): { score: number; version: Score['version'] } | null {
  const v = vector.trim()
  try {
    if (v.startsWith('CVSS:4.0/')) return { score: new Cvss4P0(v).calculateScores().base as number, version: '4.0' }
    if (v.startsWith('CVSS:3.1/')) return { score: new Cvss3P1(v).calculateScores().base as number, version: '3.1' }
    if (v.startsWith('CVSS:3.0/')) return { score: new Cvss3P0(v).calculateScores().base as number, version: '3.0' }
    if (/^(\(|)AV:[LAN]\/AC:[HML]\/Au:[MSN]/.test(v))
      return { score: new Cvss2(v.replace(/^\(|\)$/g, '')).calculateScores().base as number, version: '2.0' }
  } catch {
    return null
  }
  return null
}

const LABEL_SCORES: Record<string, number> = { CRITICAL: 9.0, HIGH: 7.0, MODERATE: 4.0, MEDIUM: 4.0, LOW: 0.1 }

/** The highest base score among an OSV advisory's severity entries (CVSS_V2/V3/V4), else its severity label. */
export function advisoryScore(osv: {
  severity?: Array<{ type: string; score: string }>
  database_specific?: { severity?: string }
}): Score {
  let best: Score = { score: null, vector: null, version: null, source: NO_SCORE_SOURCE }
  for (const s of osv.severity ?? []) {
    if (!/^CVSS_V[234]$/.test(s.type)) continue
    const r = baseScore(s.score)
    if (r && (best.score === null || r.score > best.score))
      best = {
        score: r.score,
        vector: s.score.trim(),
        version: r.version,
        source: vectorSource(r.version!),
      }
  }
  if (best.score === null) {
    const label = osv.database_specific?.severity?.toUpperCase()
    if (label && label in LABEL_SCORES)
      best = {
        score: LABEL_SCORES[label],
        vector: null,
        version: 'label',
        source: labelSource(label),
      }
  }
  return best
}
