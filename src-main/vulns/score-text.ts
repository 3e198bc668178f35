// How an advisory's score was obtained (cvss.ts writes it in English, the database keeps it), as the finding says it
// in both languages. Read by the scan, which never loads the CVSS calculator.
import { bi, type Bilingual } from '../../src-preload/text'

export const NO_SCORE_SOURCE = 'no CVSS vector or severity label'
export const vectorSource = (version: string): string => `CVSS ${version} base score computed from the vector`
export const labelSource = (label: string): string =>
  `no CVSS vector: the advisory's severity label ${label} (GHSA) was used`

/** The stored score source in both languages. */
export function scoreSourceText(source: string): Bilingual {
  if (source === NO_SCORE_SOURCE) return bi(source, '无 CVSS 向量或严重性标签')
  const vector = /^CVSS (\S+) base score computed from the vector$/.exec(source)
  if (vector) return bi(source, `CVSS ${vector[1]} 基础分由向量计算得出`)
  const label = /^no CVSS vector: the advisory's severity label (\S+) \(GHSA\) was used$/.exec(source)
  if (label) return bi(source, `无 CVSS 向量，采用了公告的严重性标签 ${label[1]}（GHSA）`)
  return bi(source, `评分依据：${source}`)
}
