// Release validation of a draft's values (the wizard's fields, ../shared/spec/profiles.md), shared by the
// wizard (live), the release manifest and the CLI. Findings carry the dotted value path as location
// (`versions.0.name`, `product.tiers`), so the UI can put each message next to its field. Facts of the package
// the draft keeps (virtual size, the guest OS a scan found) are checked against what the seller stated.
import { makeFinding, type Finding } from '../reports/model'
import { SCP_OS_TYPES } from '../../src-preload/os-types'

type Values = Record<string, unknown>

function get(v: unknown, path: string): unknown {
  let cur = v
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}

const isBlank = (x: unknown) =>
  x === undefined || x === null || (typeof x === 'string' && x.trim() === '') || (Array.isArray(x) && x.length === 0)

export const VERSION_FORM = /^V\d+(\.\d+)+$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const IMS_NAME = /^[A-Za-z0-9\-._ \u4e00-\u9fff\u3400-\u4dbf]{1,128}$/
const SCP_NAME = /^[A-Za-z0-9 _-]{1,255}$/
const SWR_ORG = /^[a-z]+(?:(?:_|__|-*)[a-z0-9]+)*$/
const SWR_REPO = /^[a-z0-9]+(?:(?:_|__|-*)[a-z0-9]+)*$/
const SWR_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const PORT_RANGE = /^(\d{1,5})(?:-(\d{1,5}))?$/
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

/** Why a product name is forbidden, or null (KooGallery: no "Huawei Cloud", price, version or phone number). */
export function forbiddenNameReason(name: string): string | null {
  if (/huawei\s*cloud/i.test(name)) return 'it names "Huawei Cloud"'
  if (/[$¥€£]\s*\d|\d+(\.\d+)?\s*(usd|cny|rmb|元|美元)|\bfree\b|免费/i.test(name)) return 'it contains a price'
  if (/\bv?\d+\.\d+(\.\d+)?\b|\bV\d+\b/i.test(name)) return 'it contains a version'
  if (/(\+?\d[\d\s-]{6,}\d)/.test(name)) return 'it contains a phone number'
  return null
}

/**
 * Why a registry address is not one a client can push to as `<registry>/<organization>/<repository>:<tag>`
 * (a host name or IPv4 address, an optional port 1–65535, nothing else), or null when it is.
 */
export function registryAddressProblem(address: string): string | null {
  if (address !== address.trim() || /\s/.test(address)) return 'contains spaces'
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) return 'starts with a scheme (leave out https://)'
  if (address.includes('/')) return 'contains a path (the organization and repository have their own fields)'
  if (address.includes('@')) return 'contains a user name (the registry address never does)'
  const m = /^([^:]+)(?::(\d+))?$/.exec(address)
  if (!m)
    return /:\d*\D/.test(address) || /:$/.test(address)
      ? 'has a port that is not a number'
      : 'is not a host name with an optional port'
  const [, host, port] = m
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `has port ${port}, outside 1–65535`
  if (host.length > 253) return 'has a host name over 253 characters'
  const labels = host.split('.')
  if (labels.every((l) => /^\d+$/.test(l)))
    return labels.length === 4 && labels.every((l) => Number(l) <= 255) ? null : 'is not a valid IPv4 address'
  if (!labels.every((l) => HOST_LABEL.test(l)))
    return 'is not a valid host name (letters, digits and -, in dot-separated parts)'
  return null
}

export interface ValidateOptions {
  /** The image's virtual size in bytes, when known, for image.min-disk-too-small. */
  virtualSize?: number
  /** The OS the scan found in the image's guest (report facts guest.os), when known, for image.os-mismatch. */
  guestOs?: DetectedOs | null
}

/** What a scan tells of a guest's OS: os-release's ID, VERSION_ID and PRETTY_NAME (or the release file's). */
export interface DetectedOs {
  id: string
  versionId: string
  name: string
}

/** Distributions as a seller names them in KooGallery's free-text OS version, by the os-release IDs they cover. */
const DISTRIBUTION_NAMES: Array<{ ids: string[]; name: RegExp }> = [
  { ids: ['ubuntu'], name: /ubuntu/i },
  { ids: ['debian'], name: /debian/i },
  { ids: ['centos'], name: /cent\s*os/i },
  { ids: ['rhel'], name: /\brhel\b|red\s*hat/i },
  { ids: ['rocky'], name: /rocky/i },
  { ids: ['almalinux'], name: /\balma/i },
  { ids: ['ol'], name: /oracle/i },
  { ids: ['sles', 'sles_sap'], name: /\bsles\b|suse\s+linux\s+enterprise/i },
  { ids: ['opensuse', 'opensuse-leap', 'opensuse-tumbleweed'], name: /open\s*suse/i },
  { ids: ['fedora'], name: /fedora/i },
  { ids: ['openEuler', 'openeuler'], name: /open\s*euler/i },
  { ids: ['euleros'], name: /\beuler\s*os/i },
  { ids: ['hce'], name: /huawei\s*cloud\s*euler|\bhce\b/i },
  { ids: ['alpine'], name: /alpine/i },
  { ids: ['amzn'], name: /amazon\s*linux/i },
  { ids: ['kylin'], name: /kylin|麒麟/i },
  { ids: ['uos'], name: /\buos\b|统信/i },
  { ids: ['arch'], name: /\barch\s*linux/i },
  { ids: [], name: /windows/i },
]

/** Two version strings agree when one is the other or starts it at a dot ('7' and '7.9', '15' and '15.5'). */
function versionsAgree(a: string, b: string): boolean {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
  return x.slice(0, Math.min(x.length, y.length)).every((n, i) => n === y[i])
}

/**
 * image.os-mismatch: the OS the seller picked (SCP's osType; KooGallery's osType and free-text osVersion) against
 * the OS the scan found in the guest. Only what the text makes certain is compared: a KooGallery OS version naming
 * no distribution, or no version, is not judged on it.
 */
export function osMismatchFindings(profile: string, attrs: Record<string, unknown>, os: DetectedOs): Finding[] {
  const out: Finding[] = []
  const found = `${os.name} (${[os.id, os.versionId].filter(Boolean).join(' ')})`
  const emit = (path: string, message: string) =>
    out.push(
      makeFinding('image.os-mismatch', path, message, {
        profile,
        details: {
          stated: attrs[path.slice('attrs.'.length)],
          detected: { id: os.id, versionId: os.versionId, name: os.name },
        },
      }),
    )
  const osType = attrs.osType
  if (profile === 'scp-image' && typeof osType === 'string' && osType) {
    const expected = SCP_OS_TYPES[os.id]
    if (expected === undefined)
      emit(
        'attrs.osType',
        `The stated OS type "${osType}" disagrees with the guest the scan found: ${found}, which is none of SCP's OS types.`,
      )
    else if (expected !== osType)
      emit(
        'attrs.osType',
        `The stated OS type "${osType}" disagrees with the guest the scan found: ${found} is "${expected}".`,
      )
  }
  if (profile === 'koogallery-image') {
    // the guests Preflight reads are Linux (ext4, XFS, btrfs, os-release): "Other" is left to the seller
    if (osType === 'Windows')
      emit('attrs.osType', `The stated OS type "Windows" disagrees with the guest the scan found: ${found} is "Linux".`)
    const osVersion = attrs.osVersion
    if (typeof osVersion === 'string' && osVersion.trim()) {
      const named = DISTRIBUTION_NAMES.filter((d) => d.name.test(osVersion))
      const own = DISTRIBUTION_NAMES.find((d) => d.ids.includes(os.id))
      // the first version number, not a word's digits (x86_64, SP5) nor a word size (64-bit)
      const version = [...osVersion.matchAll(/(?<![\w.])\d+(?:\.\d+)*(?![\w.]|\s*-?bits?\b)/gi)][0]?.[0]
      if (named.length && own && !named.includes(own))
        emit(
          'attrs.osVersion',
          `The stated OS version "${osVersion}" names another system than the guest the scan found: ${found}.`,
        )
      else if (own && named.includes(own) && version && os.versionId && !versionsAgree(version, os.versionId))
        emit(
          'attrs.osVersion',
          `The stated OS version "${osVersion}" disagrees with the guest the scan found: ${found} is version ${os.versionId}.`,
        )
    }
  }
  return out
}

export function validateRelease(profile: string, values: Values, opts: ValidateOptions = {}): Finding[] {
  const out: Finding[] = []
  const field = (rule: string, path: string, message: string) => out.push(makeFinding(rule, path, message, { profile }))
  const required = (path: string, label: string) => {
    if (isBlank(get(values, path)))
      field('release.field-invalid', path, `${label} is required: enter or choose a value.`)
  }
  const num = (path: string) => {
    const x = get(values, path)
    return typeof x === 'number' && Number.isFinite(x) ? x : undefined
  }
  const range = (rule: string, path: string, label: string, min: number, max: number, unit: string) => {
    const x = get(values, path)
    if (x === undefined || x === null || x === '') return
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max)
      field(rule, path, `${label} must be ${min}–${max.toLocaleString('en')} ${unit}.`)
  }
  const oneOf = (rule: string, path: string, label: string, allowed: readonly unknown[]) => {
    const x = get(values, path)
    if (!isBlank(x) && !allowed.includes(x)) field(rule, path, `${label} must be one of: ${allowed.join(', ')}.`)
  }

  if (profile.startsWith('koogallery-')) {
    required('asset.name', 'Asset name')
    required('asset.category', 'Category')
    const versions = get(values, 'versions')
    if (!Array.isArray(versions) || versions.length === 0)
      field('release.field-invalid', 'versions', 'Add at least one version.')
    else
      versions.forEach((v, i) => {
        const name = get(v, 'name')
        if (isBlank(name))
          field('release.field-invalid', `versions.${i}.name`, 'Version name is required: enter or choose a value.')
        else if (!VERSION_FORM.test(String(name)))
          field('release.version-format', `versions.${i}.name`, `Version "${name}" is not of the form V1.0.`)
      })
  }

  if (profile === 'koogallery-image') {
    const name = get(values, 'attrs.name')
    required('attrs.name', 'Image name')
    if (typeof name === 'string' && name && (!IMS_NAME.test(name) || name !== name.trim()))
      field(
        'image.attribute-invalid',
        'attrs.name',
        'Image name: 1–128 letters, digits, -, ., _, spaces or CJK, no leading or trailing space.',
      )
    const desc = get(values, 'attrs.description')
    if (typeof desc === 'string' && (desc.length > 1024 || /[\r<>]/.test(desc)))
      field(
        'image.attribute-invalid',
        'attrs.description',
        'Description: at most 1024 characters, no carriage return, < or >.',
      )
    for (const [p, l] of [
      ['attrs.osType', 'OS type'],
      ['attrs.osVersion', 'OS version'],
      ['attrs.architecture', 'Architecture'],
      ['attrs.virtualEnvType', 'Virtualization type'],
      ['attrs.diskFormat', 'Disk format'],
      ['attrs.minDiskGB', 'Minimum disk'],
    ] as const)
      required(p, l)
    oneOf('image.attribute-invalid', 'attrs.osType', 'OS type', ['Linux', 'Windows', 'Other'])
    oneOf('image.attribute-invalid', 'attrs.architecture', 'Architecture', ['x86', 'arm'])
    oneOf('image.attribute-invalid', 'attrs.virtualEnvType', 'Virtualization type', [
      'FusionCompute',
      'Ironic',
      'DataImage',
      'IsoImage',
    ])
    oneOf('image.attribute-invalid', 'attrs.diskFormat', 'Disk format', ['vhd', 'zvhd', 'raw', 'qcow2', 'iso'])
    range('image.attribute-invalid', 'attrs.minDiskGB', 'Minimum disk', 40, 1024, 'GB')
    range('image.attribute-invalid', 'attrs.minRamMB', 'Minimum RAM', 0, 1_048_576, 'MB')
    range('image.attribute-invalid', 'attrs.maxRamMB', 'Maximum RAM', 0, 1_048_576, 'MB')
    const minRam = num('attrs.minRamMB')
    const maxRam = num('attrs.maxRamMB')
    if (minRam !== undefined && maxRam !== undefined && maxRam !== 0 && minRam > maxRam)
      field(
        'image.attribute-invalid',
        'attrs.maxRamMB',
        'Maximum RAM is below the minimum RAM: raise it, or enter 0 for no limit.',
      )
    required('image.regions', 'Image replication regions')
    required('image.iamAgency', 'IAM agency')
    validateSecurityGroup(values, field)
    validateProduct(values, field, required)
  }

  if (profile === 'scp-image') {
    required('attrs.name', 'Image name')
    const name = get(values, 'attrs.name')
    if (typeof name === 'string' && name && !SCP_NAME.test(name))
      field('image.attribute-invalid', 'attrs.name', 'Image name: 1–255 letters, digits, spaces, - or _.')
    required('attrs.osType', 'OS type')
    oneOf('image.attribute-invalid', 'attrs.osType', 'OS type', [
      'Alma Linux',
      'CentOS',
      'Oracle Linux',
      'RHEL',
      'Rocky Linux',
      'Ubuntu',
      'SLES',
    ])
    range('image.attribute-invalid', 'attrs.minDiskGB', 'Minimum disk', 0, 12_288, 'GB')
    range('image.attribute-invalid', 'attrs.minRamGB', 'Minimum RAM', 0, 2_097_151, 'GB')
    required('attrs.visibility', 'Visibility')
    oneOf('image.attribute-invalid', 'attrs.visibility', 'Visibility', ['Private', 'Shared'])
    const share = get(values, 'attrs.shareWith')
    const accounts = (Array.isArray(share) ? share : typeof share === 'string' ? share.split(',') : [])
      .map((s) => String(s).trim())
      .filter(Boolean)
    if (accounts.length && get(values, 'attrs.visibility') !== 'Shared')
      field('image.attribute-invalid', 'attrs.shareWith', 'Share with accounts only for Shared images.')
    for (const a of accounts)
      if (!/^[A-Za-z0-9-]{1,64}$/.test(a))
        field('image.attribute-invalid', 'attrs.shareWith', `Account id "${a}" must be 1–64 letters, digits or -.`)
    const tags = get(values, 'attrs.tags')
    if (tags && typeof tags === 'object') {
      const entries = Object.entries(tags as Record<string, unknown>)
      if (entries.length > 50)
        field('image.attribute-invalid', 'attrs.tags', `At most 50 tags (${entries.length} given).`)
      for (const [k, v] of entries) {
        if (k.length < 1 || k.length > 128)
          field('image.attribute-invalid', 'attrs.tags', `Tag key "${k.slice(0, 20)}" must be 1–128 characters.`)
        if (String(v ?? '').length > 256)
          field('image.attribute-invalid', 'attrs.tags', `Tag "${k}" value must be at most 256 characters.`)
      }
    }
  }

  if (profile === 'swr-image') {
    for (const [p, l, re, max, example, first] of [
      ['attrs.organization', 'Organization', SWR_ORG, 64, 'acme-tools', 'a lowercase letter'],
      ['attrs.repository', 'Repository', SWR_REPO, 128, 'web-app', 'a lowercase letter or digit'],
    ] as const) {
      required(p, l)
      const x = get(values, p)
      if (typeof x === 'string' && x && (!re.test(x) || x.length > max))
        field(
          'swr.name-invalid',
          p,
          `${l} "${x}" is not allowed by SWR: type 1–${max} lowercase letters, digits and single separators (_, __ or -), starting with ${first} and ending with a letter or digit, e.g. ${example}.`,
        )
    }
    required('attrs.tag', 'Tag')
    const tag = get(values, 'attrs.tag')
    if (typeof tag === 'string' && tag && !SWR_TAG.test(tag))
      field(
        'swr.name-invalid',
        'attrs.tag',
        `Tag "${tag}" is not allowed by SWR: type 1–128 letters, digits, _, . or -, not starting with . or -, e.g. v1.0.`,
      )
    required('swr.registry', 'Registry address')
    const registry = get(values, 'swr.registry')
    const why = typeof registry === 'string' && registry ? registryAddressProblem(registry) : null
    if (why)
      field(
        'swr.registry-invalid',
        'swr.registry',
        `Registry address "${registry}" ${why}: type the registry's host name and, if it has one, its port, e.g. swr.cn-north-4.myhuaweicloud.com or 127.0.0.1:5000.`,
      )
  }

  if (profile === 'koogallery-image' || profile === 'scp-image') {
    const attrs = get(values, 'attrs')
    if (opts.guestOs && attrs && typeof attrs === 'object')
      out.push(...osMismatchFindings(profile, attrs as Record<string, unknown>, opts.guestOs))
    const minDisk = num('attrs.minDiskGB')
    if (opts.virtualSize !== undefined && minDisk !== undefined) {
      const needGB = Math.ceil(opts.virtualSize / 1024 ** 3)
      if (minDisk < needGB)
        field(
          'image.min-disk-too-small',
          'attrs.minDiskGB',
          `Minimum disk ${minDisk} GB is below the image's virtual size (${needGB} GB): enter at least ${needGB}.`,
        )
    }
  }
  return out
}

type Emit = (rule: string, path: string, message: string) => void

function validateSecurityGroup(values: Values, field: Emit): void {
  const rules = get(values, 'image.securityGroup')
  if (!Array.isArray(rules)) return
  rules.forEach((r, i) => {
    const proto = get(r, 'protocol')
    if (!['TCP', 'UDP', 'ICMP'].includes(String(proto)))
      field('release.field-invalid', `image.securityGroup.${i}.protocol`, 'Protocol must be TCP, UDP or ICMP.')
    const ports = String(get(r, 'portRange') ?? '')
    const m = PORT_RANGE.exec(ports)
    if (
      proto !== 'ICMP' &&
      (!m ||
        Number(m[1]) < 1 ||
        Number(m[1]) > 65535 ||
        (m[2] !== undefined && (Number(m[2]) < Number(m[1]) || Number(m[2]) > 65535)))
    )
      field(
        'release.field-invalid',
        `image.securityGroup.${i}.portRange`,
        'Port range must be a port 1–65535 or a range like 8000-8080.',
      )
    const src = String(get(r, 'source') ?? '')
    const c = CIDR.exec(src)
    if (!c || c.slice(1, 5).some((o) => Number(o) > 255) || Number(c[5]) > 32)
      field(
        'release.field-invalid',
        `image.securityGroup.${i}.source`,
        'Source must be an IPv4 CIDR such as 0.0.0.0/0.',
      )
  })
}

function validateProduct(values: Values, field: Emit, required: (path: string, label: string) => void): void {
  required('product.name', 'Product name')
  const name = get(values, 'product.name')
  if (typeof name === 'string' && name) {
    const why = forbiddenNameReason(name)
    if (why) field('release.name-forbidden', 'product.name', `Product name "${name}" is not allowed: ${why}.`)
  }
  required('product.salesType', 'Sales type')
  required('product.pricingMode', 'Pricing mode')
  required('product.template', 'Pricing template')
  const mode = get(values, 'product.pricingMode')
  const template = get(values, 'product.template')
  if (mode === 'free' && template === 'vcpu')
    field(
      'release.free-vcpu',
      'product.template',
      'A vCPU-priced image cannot be a free image: choose paid pricing or the simple template.',
    )
  if (mode === 'paid') {
    const billing = get(values, 'product.billing')
    if (!Array.isArray(billing) || billing.length === 0)
      field('release.field-invalid', 'product.billing', 'Choose at least one billing mode.')
    if (template === 'simple') {
      const price = get(values, 'product.price')
      if (typeof price !== 'number' || !(price > 0))
        field('release.field-invalid', 'product.price', 'A paid simple-priced image needs a price above 0.')
    }
  }
  const tiers = get(values, 'product.tiers')
  if (template === 'vcpu') {
    if (!Array.isArray(tiers) || tiers.length === 0)
      field('release.field-invalid', 'product.tiers', 'Add at least one vCPU tier.')
    else {
      const seen = new Set<number>()
      tiers.forEach((t, i) => {
        const v = get(t, 'vcpus')
        const p = get(t, 'price')
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
          field('release.field-invalid', `product.tiers.${i}.vcpus`, 'vCPUs must be a whole number of at least 1.')
        else if (seen.has(v))
          field('release.field-invalid', `product.tiers.${i}.vcpus`, `Tier ${v} vCPUs appears twice.`)
        else seen.add(v)
        if (typeof p !== 'number' || !(p >= 0))
          field('release.field-invalid', `product.tiers.${i}.price`, 'Price must be 0 or more.')
      })
    }
  }
  const released = get(values, 'released.tiers')
  if (Array.isArray(released) && released.length) {
    const now = new Set(template === 'vcpu' && Array.isArray(tiers) ? tiers.map((t) => get(t, 'vcpus')) : [])
    for (const r of released) {
      const v = get(r, 'vcpus')
      if (!now.has(v))
        field(
          'release.vcpu-tier-removed',
          'product.tiers',
          `The released ${v}-vCPU tier was deleted: tiers can be repriced, not deleted.`,
        )
    }
  }
  const specs = get(values, 'product.specifications')
  if (!Array.isArray(specs) || specs.length === 0)
    field('release.field-invalid', 'product.specifications', 'Add at least one specification.')
  else
    specs.forEach((s, i) => {
      if (isBlank(get(s, 'imageVersion')))
        field(
          'release.field-invalid',
          `product.specifications.${i}.imageVersion`,
          'Name the released image asset version.',
        )
      if (isBlank(get(s, 'regions')))
        field('release.field-invalid', `product.specifications.${i}.regions`, 'Name at least one region.')
    })
  const version = get(values, 'product.version')
  required('product.version', 'Listing version')
  if (typeof version === 'string' && version && !VERSION_FORM.test(version))
    field('release.version-format', 'product.version', `Version "${version}" is not of the form V1.0.`)
  required('product.serviceEmail', 'Customer-service email')
  const email = get(values, 'product.serviceEmail')
  if (typeof email === 'string' && email && !EMAIL.test(email))
    field(
      'release.field-invalid',
      'product.serviceEmail',
      `"${email}" is not an email address: enter one such as support@example.com.`,
    )
}
