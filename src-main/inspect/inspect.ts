// `inspect`: the structure of a package without the rule pass. Capabilities add their facts here
// (archive entries, container images, qcow2 header) keyed by kind.
import { resolve } from 'node:path'
import type { PackageFacts } from '../reports/model'
import type { ProgressMeter } from '../tasks/progress'
import { identifyFile } from './identify'

export interface InspectResult extends PackageFacts {
  [facts: string]: unknown
}

export async function inspectPackage(path: string, opts: { signal?: AbortSignal; meter?: ProgressMeter; cwd?: string } = {}): Promise<InspectResult> {
  const facts = await identifyFile(resolve(opts.cwd ?? process.cwd(), path), opts)
  return { ...facts }
}
