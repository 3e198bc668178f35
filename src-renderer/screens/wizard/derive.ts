// Values the package itself answers: pre-filled into empty fields after identification and pre-scan
// (minimum disk from the virtual size, disk format from the image kind, architecture and OS from the guest,
// SWR tag from the image tags). Never overwrites what the seller typed; the guest OS a scan found is kept in the
// package snapshot (package.guestOs) for the release validation.
import type { PackageFactsDto } from '../../../src-preload/contract'
import { SCP_OS_TYPES } from '../../../src-preload/os-types'
import { getPath, setPath, type Values } from '../../components/form/paths'

interface ReportFacts {
  qcow2?: { virtualSize?: number }
  virtualSize?: number
  guest?: { os?: { id?: string; versionId?: string; name?: string; arch?: string } | null }
  /** The containers scanner's facts: one entry per image found (docker-archive RepoTags, OCI ref names). */
  containers?: { images?: Array<{ tags?: string[] }> }
}

export interface ImageRef {
  registry?: string
  organization?: string
  repository: string
  tag?: string
}

/**
 * Split an image reference as docker does: the first component is a registry only when it has a dot, a port or
 * is localhost; the next is the organization (SWR's namespace) and the last the repository. An OCI ref name
 * that is only a tag ("latest") has no repository: null. A digest pin (`@sha256:…`) names no tag.
 */
export function parseImageRef(ref: string): ImageRef | null {
  const [named] = ref.trim().split('@')
  const slash = named.lastIndexOf('/')
  const colon = named.lastIndexOf(':')
  const tag = colon > slash ? named.slice(colon + 1) : undefined
  const parts = (colon > slash ? named.slice(0, colon) : named).split('/').filter(Boolean)
  if (parts.length === 0 || (parts.length === 1 && tag === undefined && !ref.includes('@'))) return null
  const registry = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.shift() : undefined
  const repository = parts.pop()!
  return { registry, organization: parts[0], repository, tag: tag || undefined }
}

export function prefill(profile: string, values: Values, facts: ReportFacts | undefined): Values {
  let v = values
  const put = (path: string, value: unknown) => {
    const cur = getPath(v, path)
    if (value !== undefined && value !== null && (cur === undefined || cur === '' || cur === null))
      v = setPath(v, path, value)
  }
  const pkg = v.package as (PackageFactsDto & { virtualSize?: number }) | undefined
  const virtualSize = facts?.qcow2?.virtualSize ?? facts?.virtualSize ?? pkg?.virtualSize
  if (virtualSize) {
    put('package.virtualSize', virtualSize)
    const gb = Math.ceil(virtualSize / 1024 ** 3)
    if (profile === 'koogallery-image') put('attrs.minDiskGB', Math.max(40, gb))
    if (profile === 'scp-image') put('attrs.minDiskGB', gb)
  }
  if (profile === 'koogallery-image' && pkg && ['qcow2', 'vhd', 'raw', 'iso'].includes(pkg.kind))
    put('attrs.diskFormat', pkg.kind)
  // the OS the scan found is a fact of the package (release validation compares the seller's OS fields with it): set on every scan
  if (facts?.guest) {
    const found = facts.guest.os
    v = setPath(
      v,
      'package.guestOs',
      found?.id ? { id: found.id, versionId: found.versionId ?? '', name: found.name ?? found.id } : null,
    )
  }
  const os = facts?.guest?.os
  if (os) {
    if (profile === 'koogallery-image') {
      put('attrs.osType', 'Linux')
      put('attrs.osVersion', os.name ?? [os.id, os.versionId].filter(Boolean).join(' '))
      if (os.arch) put('attrs.architecture', /arm|aarch/.test(os.arch) ? 'arm' : 'x86')
    }
    if (profile === 'scp-image' && os.id && SCP_OS_TYPES[os.id]) put('attrs.osType', SCP_OS_TYPES[os.id])
  }
  if (profile === 'swr-image') {
    // the first image's first tag that names a repository
    const tags = (facts?.containers?.images ?? []).flatMap((i) => i.tags ?? [])
    const ref = tags.map(parseImageRef).find((r) => r !== null)
    if (ref) {
      put('attrs.repository', ref.repository)
      put('attrs.tag', ref.tag)
      put('attrs.organization', ref.organization)
    }
  }
  if (pkg?.name) {
    const base = pkg.name.replace(/\.(tar\.gz|tgz|tar|zip|qcow2|vmdk|vhdx?|vdi|qed|img|raw|iso)$/i, '')
    if (profile === 'scp-image') put('attrs.name', base.replace(/[^A-Za-z0-9 _-]+/g, '_').slice(0, 255))
    if (profile === 'koogallery-image') put('attrs.name', base.replace(/[^A-Za-z0-9\-._ ]+/g, '_').slice(0, 128))
  }
  return v
}
