// `inspect`: the structure of a package without the rule pass. Capabilities add their facts here
// (archive entries, container images, qcow2 header) keyed by kind.
import { resolve } from 'node:path'
import type { PackageFacts } from '../reports/model'
import type { ProgressMeter } from '../tasks/progress'
import { readGuest } from '../vm/scan'
import { readQcow2, Qcow2Invalid } from '../vm/qcow2/header'
import { ImageInvalid, isImageFormat, readImage } from '../vm/formats'
import { createContainerScanner } from '../containers/scanner'
import { kindFromBytes, readHeadTail } from '../walk/sniff'
import { identifyFile } from './identify'
import { isStreamArchive } from './package-rules'
import { scanPackage } from './scan'

export interface InspectResult extends PackageFacts {
  [facts: string]: unknown
}

export async function inspectPackage(
  path: string,
  opts: { signal?: AbortSignal; meter?: ProgressMeter; cwd?: string } = {},
): Promise<InspectResult> {
  const abs = resolve(opts.cwd ?? process.cwd(), path)
  const head = await readHeadTail(abs).catch(() => null)
  const sniffed = head ? kindFromBytes(head.head, head.tail) : 'unknown'
  if (sniffed === 'zip' || isStreamArchive(sniffed)) {
    // archives: one read gives the hash, the entries and any container images (no rules, only the structure)
    const r = await scanPackage(abs, { scanners: [createContainerScanner], signal: opts.signal, meter: opts.meter })
    const images = (r.facts.containers as { images?: unknown[] } | undefined)?.images ?? []
    return { ...r.package, entries: r.stats.entries, entryList: r.facts.entries, images }
  }
  const facts = await identifyFile(abs, opts)
  const result: InspectResult = { ...facts }
  if (facts.kind === 'qcow2') {
    try {
      result.qcow2 = (await readQcow2(facts.path)).facts
    } catch (err) {
      if (!(err instanceof Qcow2Invalid)) throw err
      result.qcow2 = null
      result.qcow2Error = err.message
    }
  }
  const imageKind = facts.kind === 'unknown' && /\.(raw|img)$/i.test(facts.name) && facts.size > 0 ? 'raw' : facts.kind
  if (isImageFormat(imageKind)) {
    // vmdk, vhd, vhdx, vdi, qed, raw: format, subformat, virtual and allocated size
    try {
      const { facts: image, problems } = await readImage(facts.path, imageKind)
      result.image = image
      if (problems.length) result.imageProblems = problems.map((p) => p.en)
    } catch (err) {
      if (!(err instanceof ImageInvalid)) throw err
      result.image = null
      result.imageError = err.message
    }
  }
  if (facts.kind === 'qcow2' || ['raw', 'vmdk', 'vhd', 'vdi'].includes(imageKind)) {
    const guest = await readGuest(facts.path, imageKind, {
      location: facts.name,
      profile: 'koogallery-image',
      signal: opts.signal,
    })
    if (guest) result.guest = guest.info
  }
  return result
}
