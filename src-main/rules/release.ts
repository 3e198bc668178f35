// Release validation of a draft's values (the wizard's fields, ../shared/spec/profiles.md), shared by the
// wizard (live), the release manifest and the CLI. Findings carry the dotted value path as location
// (`versions.0.name`, `product.tiers`), so the UI can put each message next to its field. Facts of the package
// the draft keeps (virtual size, the guest OS a scan found) are checked against what the seller stated.
import { makeFinding, type Finding } from '../reports/model'
import { SCP_OS_TYPES } from '../../src-preload/os-types'
import { bi, type Bilingual } from '../../src-preload/text'

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
export function forbiddenNameReason(name: string): Bilingual | null {
  if (/huawei\s*cloud/i.test(name)) return bi('it names "Huawei Cloud"', '包含“Huawei Cloud”')
  if (/[$¥€£]\s*\d|\d+(\.\d+)?\s*(usd|cny|rmb|元|美元)|\bfree\b|免费/i.test(name))
    return bi('it contains a price', '包含价格')
  if (/\bv?\d+\.\d+(\.\d+)?\b|\bV\d+\b/i.test(name)) return bi('it contains a version', '包含版本号')
  if (/(\+?\d[\d\s-]{6,}\d)/.test(name)) return bi('it contains a phone number', '包含电话号码')
  return null
}

/**
 * Why a registry address is not one a client can push to as `<registry>/<organization>/<repository>:<tag>`
 * (a host name or IPv4 address, an optional port 1–65535, nothing else), or null when it is.
 */
export function registryAddressProblem(address: string): Bilingual | null {
  if (address !== address.trim() || /\s/.test(address)) return bi('contains spaces', '含有空格')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address))
    return bi('starts with a scheme (leave out https://)', '以协议开头（请去掉 https://）')
  if (address.includes('/'))
    return bi(
      'contains a path (the organization and repository have their own fields)',
      '含有路径（组织和仓库各有自己的字段）',
    )
  if (address.includes('@'))
    return bi('contains a user name (the registry address never does)', '含有用户名（镜像仓库地址不含用户名）')
  const m = /^([^:]+)(?::(\d+))?$/.exec(address)
  if (!m)
    return /:\d*\D/.test(address) || /:$/.test(address)
      ? bi('has a port that is not a number', '的端口不是数字')
      : bi('is not a host name with an optional port', '不是主机名（可带端口）')
  const [, host, port] = m
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    return bi(`has port ${port}, outside 1–65535`, `的端口 ${port} 超出 1–65535`)
  if (host.length > 253) return bi('has a host name over 253 characters', '的主机名超过 253 个字符')
  const labels = host.split('.')
  if (labels.every((l) => /^\d+$/.test(l)))
    return labels.length === 4 && labels.every((l) => Number(l) <= 255)
      ? null
      : bi('is not a valid IPv4 address', '不是有效的 IPv4 地址')
  if (!labels.every((l) => HOST_LABEL.test(l)))
    return bi(
      'is not a valid host name (letters, digits and -, in dot-separated parts)',
      '不是有效的主机名（以点分隔的字母、数字和 -）',
    )
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
  const emit = (path: string, message: Bilingual) =>
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
        bi(
          `The stated OS type "${osType}" disagrees with the guest the scan found: ${found}, which is none of SCP's OS types.`,
          `所填操作系统类型“${osType}”与扫描发现的客户机不符：${found} 不属于 SCP 的任何操作系统类型。`,
        ),
      )
    else if (expected !== osType)
      emit(
        'attrs.osType',
        bi(
          `The stated OS type "${osType}" disagrees with the guest the scan found: ${found} is "${expected}".`,
          `所填操作系统类型“${osType}”与扫描发现的客户机不符：${found} 属于“${expected}”。`,
        ),
      )
  }
  if (profile === 'koogallery-image') {
    // the guests Preflight reads are Linux (ext4, XFS, btrfs, os-release): "Other" is left to the seller
    if (osType === 'Windows')
      emit(
        'attrs.osType',
        bi(
          `The stated OS type "Windows" disagrees with the guest the scan found: ${found} is "Linux".`,
          `所填操作系统类型“Windows”与扫描发现的客户机不符：${found} 属于“Linux”。`,
        ),
      )
    const osVersion = attrs.osVersion
    if (typeof osVersion === 'string' && osVersion.trim()) {
      const named = DISTRIBUTION_NAMES.filter((d) => d.name.test(osVersion))
      const own = DISTRIBUTION_NAMES.find((d) => d.ids.includes(os.id))
      // the first version number, not a word's digits (x86_64, SP5) nor a word size (64-bit)
      const version = [...osVersion.matchAll(/(?<![\w.])\d+(?:\.\d+)*(?![\w.]|\s*-?bits?\b)/gi)][0]?.[0]
      if (named.length && own && !named.includes(own))
        emit(
          'attrs.osVersion',
          bi(
            `The stated OS version "${osVersion}" names another system than the guest the scan found: ${found}.`,
            `所填操作系统版本“${osVersion}”与扫描发现的客户机不是同一系统：${found}。`,
          ),
        )
      else if (own && named.includes(own) && version && os.versionId && !versionsAgree(version, os.versionId))
        emit(
          'attrs.osVersion',
          bi(
            `The stated OS version "${osVersion}" disagrees with the guest the scan found: ${found} is version ${os.versionId}.`,
            `所填操作系统版本“${osVersion}”与扫描发现的客户机不符：${found} 的版本为 ${os.versionId}。`,
          ),
        )
    }
  }
  return out
}

export function validateRelease(profile: string, values: Values, opts: ValidateOptions = {}): Finding[] {
  const out: Finding[] = []
  const field = (rule: string, path: string, message: Bilingual) =>
    out.push(makeFinding(rule, path, message, { profile }))
  const required = (path: string, label: Bilingual) => {
    if (isBlank(get(values, path)))
      field(
        'release.field-invalid',
        path,
        bi(`${label.en} is required: enter or choose a value.`, `${label.zh}为必填项：请输入或选择一个值。`),
      )
  }
  const num = (path: string) => {
    const x = get(values, path)
    return typeof x === 'number' && Number.isFinite(x) ? x : undefined
  }
  const range = (rule: string, path: string, label: Bilingual, min: number, max: number, unit: string) => {
    const x = get(values, path)
    if (x === undefined || x === null || x === '') return
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max)
      field(
        rule,
        path,
        bi(
          `${label.en} must be ${min}–${max.toLocaleString('en')} ${unit}.`,
          `${label.zh}须在 ${min}–${max.toLocaleString('en')} ${unit} 之间。`,
        ),
      )
  }
  const oneOf = (rule: string, path: string, label: Bilingual, allowed: readonly unknown[]) => {
    const x = get(values, path)
    if (!isBlank(x) && !allowed.includes(x))
      field(
        rule,
        path,
        bi(`${label.en} must be one of: ${allowed.join(', ')}.`, `${label.zh}须为以下之一：${allowed.join('、')}。`),
      )
  }

  if (profile.startsWith('koogallery-')) {
    required('asset.name', bi('Asset name', '资产名称'))
    required('asset.category', bi('Category', '类别'))
    const versions = get(values, 'versions')
    if (!Array.isArray(versions) || versions.length === 0)
      field('release.field-invalid', 'versions', bi('Add at least one version.', '请至少添加一个版本。'))
    else
      versions.forEach((v, i) => {
        const name = get(v, 'name')
        if (isBlank(name)) required(`versions.${i}.name`, bi('Version name', '版本名称'))
        else if (!VERSION_FORM.test(String(name)))
          field('release.version-format', `versions.${i}.name`, versionFormMessage(String(name)))
      })
  }

  if (profile === 'koogallery-image') {
    const name = get(values, 'attrs.name')
    required('attrs.name', bi('Image name', '镜像名称'))
    if (typeof name === 'string' && name && (!IMS_NAME.test(name) || name !== name.trim()))
      field(
        'image.attribute-invalid',
        'attrs.name',
        bi(
          'Image name: 1–128 letters, digits, -, ., _, spaces or CJK, no leading or trailing space.',
          '镜像名称须为 1–128 个字母、数字、-、.、_、空格或中文字符，首尾不能有空格。',
        ),
      )
    const desc = get(values, 'attrs.description')
    if (typeof desc === 'string' && (desc.length > 1024 || /[\r<>]/.test(desc)))
      field(
        'image.attribute-invalid',
        'attrs.description',
        bi(
          'Description: at most 1024 characters, no carriage return, < or >.',
          '描述最多 1024 个字符，不能含回车符、< 或 >。',
        ),
      )
    for (const [p, l] of [
      ['attrs.osType', OS_TYPE],
      ['attrs.osVersion', bi('OS version', '操作系统版本')],
      ['attrs.architecture', ARCHITECTURE],
      ['attrs.virtualEnvType', VIRT_TYPE],
      ['attrs.diskFormat', DISK_FORMAT],
      ['attrs.minDiskGB', MIN_DISK],
    ] as const)
      required(p, l)
    oneOf('image.attribute-invalid', 'attrs.osType', OS_TYPE, ['Linux', 'Windows', 'Other'])
    oneOf('image.attribute-invalid', 'attrs.architecture', ARCHITECTURE, ['x86', 'arm'])
    oneOf('image.attribute-invalid', 'attrs.virtualEnvType', VIRT_TYPE, [
      'FusionCompute',
      'Ironic',
      'DataImage',
      'IsoImage',
    ])
    oneOf('image.attribute-invalid', 'attrs.diskFormat', DISK_FORMAT, ['vhd', 'zvhd', 'raw', 'qcow2', 'iso'])
    range('image.attribute-invalid', 'attrs.minDiskGB', MIN_DISK, 40, 1024, 'GB')
    range('image.attribute-invalid', 'attrs.minRamMB', MIN_RAM, 0, 1_048_576, 'MB')
    range('image.attribute-invalid', 'attrs.maxRamMB', bi('Maximum RAM', '最大内存'), 0, 1_048_576, 'MB')
    const minRam = num('attrs.minRamMB')
    const maxRam = num('attrs.maxRamMB')
    if (minRam !== undefined && maxRam !== undefined && maxRam !== 0 && minRam > maxRam)
      field(
        'image.attribute-invalid',
        'attrs.maxRamMB',
        bi(
          'Maximum RAM is below the minimum RAM: raise it, or enter 0 for no limit.',
          '最大内存小于最小内存：请调高，或填 0 表示不限。',
        ),
      )
    required('image.regions', bi('Image replication regions', '镜像复制区域'))
    required('image.iamAgency', bi('IAM agency', 'IAM 委托'))
    validateSecurityGroup(values, field)
    validateProduct(values, field, required)
  }

  if (profile === 'scp-image') {
    required('attrs.name', bi('Image name', '镜像名称'))
    const name = get(values, 'attrs.name')
    if (typeof name === 'string' && name && !SCP_NAME.test(name))
      field(
        'image.attribute-invalid',
        'attrs.name',
        bi('Image name: 1–255 letters, digits, spaces, - or _.', '镜像名称须为 1–255 个字母、数字、空格、- 或 _。'),
      )
    required('attrs.osType', OS_TYPE)
    oneOf('image.attribute-invalid', 'attrs.osType', OS_TYPE, [
      'Alma Linux',
      'CentOS',
      'Oracle Linux',
      'RHEL',
      'Rocky Linux',
      'Ubuntu',
      'SLES',
    ])
    range('image.attribute-invalid', 'attrs.minDiskGB', MIN_DISK, 0, 12_288, 'GB')
    range('image.attribute-invalid', 'attrs.minRamGB', MIN_RAM, 0, 2_097_151, 'GB')
    const visibility = bi('Visibility', '可见性')
    required('attrs.visibility', visibility)
    oneOf('image.attribute-invalid', 'attrs.visibility', visibility, ['Private', 'Shared'])
    const share = get(values, 'attrs.shareWith')
    const accounts = (Array.isArray(share) ? share : typeof share === 'string' ? share.split(',') : [])
      .map((s) => String(s).trim())
      .filter(Boolean)
    if (accounts.length && get(values, 'attrs.visibility') !== 'Shared')
      field(
        'image.attribute-invalid',
        'attrs.shareWith',
        bi('Share with accounts only for Shared images.', '只有可见性为 Shared 的镜像才能共享给账号。'),
      )
    for (const a of accounts)
      if (!/^[A-Za-z0-9-]{1,64}$/.test(a))
        field(
          'image.attribute-invalid',
          'attrs.shareWith',
          bi(`Account id "${a}" must be 1–64 letters, digits or -.`, `账号 ID“${a}”须为 1–64 个字母、数字或 -。`),
        )
    const tags = get(values, 'attrs.tags')
    if (tags && typeof tags === 'object') {
      const entries = Object.entries(tags as Record<string, unknown>)
      if (entries.length > 50)
        field(
          'image.attribute-invalid',
          'attrs.tags',
          bi(`At most 50 tags (${entries.length} given).`, `最多 50 个标签（现有 ${entries.length} 个）。`),
        )
      for (const [k, v] of entries) {
        if (k.length < 1 || k.length > 128)
          field(
            'image.attribute-invalid',
            'attrs.tags',
            bi(`Tag key "${k.slice(0, 20)}" must be 1–128 characters.`, `标签键“${k.slice(0, 20)}”须为 1–128 个字符。`),
          )
        if (String(v ?? '').length > 256)
          field(
            'image.attribute-invalid',
            'attrs.tags',
            bi(`Tag "${k}" value must be at most 256 characters.`, `标签“${k}”的值最多 256 个字符。`),
          )
      }
    }
  }

  if (profile === 'swr-image') {
    for (const [p, l, re, max, example, first] of [
      [
        'attrs.organization',
        bi('Organization', '组织'),
        SWR_ORG,
        64,
        'acme-tools',
        bi('a lowercase letter', '小写字母'),
      ],
      [
        'attrs.repository',
        bi('Repository', '仓库'),
        SWR_REPO,
        128,
        'web-app',
        bi('a lowercase letter or digit', '小写字母或数字'),
      ],
    ] as const) {
      required(p, l)
      const x = get(values, p)
      if (typeof x === 'string' && x && (!re.test(x) || x.length > max))
        field(
          'swr.name-invalid',
          p,
          bi(
            `${l.en} "${x}" is not allowed by SWR: type 1–${max} lowercase letters, digits and single separators (_, __ or -), starting with ${first.en} and ending with a letter or digit, e.g. ${example}.`,
            `SWR 不接受${l.zh}“${x}”：请输入 1–${max} 个小写字母、数字和单个分隔符（_、__ 或 -），以${first.zh}开头，以字母或数字结尾，如 ${example}。`,
          ),
        )
    }
    required('attrs.tag', bi('Tag', '标签'))
    const tag = get(values, 'attrs.tag')
    if (typeof tag === 'string' && tag && !SWR_TAG.test(tag))
      field(
        'swr.name-invalid',
        'attrs.tag',
        bi(
          `Tag "${tag}" is not allowed by SWR: type 1–128 letters, digits, _, . or -, not starting with . or -, e.g. v1.0.`,
          `SWR 不接受标签“${tag}”：请输入 1–128 个字母、数字、_、. 或 -，不能以 . 或 - 开头，如 v1.0。`,
        ),
      )
    required('swr.registry', bi('Registry address', '镜像仓库地址'))
    const registry = get(values, 'swr.registry')
    const why = typeof registry === 'string' && registry ? registryAddressProblem(registry) : null
    if (why)
      field(
        'swr.registry-invalid',
        'swr.registry',
        bi(
          `Registry address "${registry}" ${why.en}: type the registry's host name and, if it has one, its port, e.g. swr.cn-north-4.myhuaweicloud.com or 127.0.0.1:5000.`,
          `镜像仓库地址“${registry}”${why.zh}：请输入镜像仓库的主机名，有端口时加上端口，如 swr.cn-north-4.myhuaweicloud.com 或 127.0.0.1:5000。`,
        ),
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
          bi(
            `Minimum disk ${minDisk} GB is below the image's virtual size (${needGB} GB): enter at least ${needGB}.`,
            `最小磁盘 ${minDisk} GB 小于镜像的虚拟大小（${needGB} GB）：请至少填写 ${needGB}。`,
          ),
        )
    }
  }
  return out
}

type Emit = (rule: string, path: string, message: Bilingual) => void

const OS_TYPE = bi('OS type', '操作系统类型')
const ARCHITECTURE = bi('Architecture', '架构')
const VIRT_TYPE = bi('Virtualization type', '虚拟化类型')
const DISK_FORMAT = bi('Disk format', '磁盘格式')
const MIN_DISK = bi('Minimum disk', '最小磁盘')
const MIN_RAM = bi('Minimum RAM', '最小内存')

export function versionFormMessage(version: string): Bilingual {
  return bi(`Version "${version}" is not of the form V1.0.`, `版本“${version}”不符合 V1.0 这样的格式。`)
}

function validateSecurityGroup(values: Values, field: Emit): void {
  const rules = get(values, 'image.securityGroup')
  if (!Array.isArray(rules)) return
  rules.forEach((r, i) => {
    const proto = get(r, 'protocol')
    if (!['TCP', 'UDP', 'ICMP'].includes(String(proto)))
      field(
        'release.field-invalid',
        `image.securityGroup.${i}.protocol`,
        bi('Protocol must be TCP, UDP or ICMP.', '协议须为 TCP、UDP 或 ICMP。'),
      )
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
        bi(
          'Port range must be a port 1–65535 or a range like 8000-8080.',
          '端口范围须为 1–65535 之间的一个端口，或 8000-8080 这样的范围。',
        ),
      )
    const src = String(get(r, 'source') ?? '')
    const c = CIDR.exec(src)
    if (!c || c.slice(1, 5).some((o) => Number(o) > 255) || Number(c[5]) > 32)
      field(
        'release.field-invalid',
        `image.securityGroup.${i}.source`,
        bi('Source must be an IPv4 CIDR such as 0.0.0.0/0.', '源地址须为 IPv4 CIDR，如 0.0.0.0/0。'),
      )
  })
}

function validateProduct(values: Values, field: Emit, required: (path: string, label: Bilingual) => void): void {
  required('product.name', bi('Product name', '商品名称'))
  const name = get(values, 'product.name')
  if (typeof name === 'string' && name) {
    const why = forbiddenNameReason(name)
    if (why)
      field(
        'release.name-forbidden',
        'product.name',
        bi(`Product name "${name}" is not allowed: ${why.en}.`, `商品名称“${name}”不可用：${why.zh}。`),
      )
  }
  required('product.salesType', bi('Sales type', '销售类型'))
  required('product.pricingMode', bi('Pricing mode', '定价模式'))
  required('product.template', bi('Pricing template', '定价模板'))
  const mode = get(values, 'product.pricingMode')
  const template = get(values, 'product.template')
  if (mode === 'free' && template === 'vcpu')
    field(
      'release.free-vcpu',
      'product.template',
      bi(
        'A vCPU-priced image cannot be a free image: choose paid pricing or the simple template.',
        '按 vCPU 定价的镜像不能是免费镜像：请选择付费，或选择简单定价模板。',
      ),
    )
  if (mode === 'paid') {
    const billing = get(values, 'product.billing')
    if (!Array.isArray(billing) || billing.length === 0)
      field(
        'release.field-invalid',
        'product.billing',
        bi('Choose at least one billing mode.', '请至少选择一种计费模式。'),
      )
    if (template === 'simple') {
      const price = get(values, 'product.price')
      if (typeof price !== 'number' || !(price > 0))
        field(
          'release.field-invalid',
          'product.price',
          bi('A paid simple-priced image needs a price above 0.', '付费且按简单定价的镜像需要填写大于 0 的价格。'),
        )
    }
  }
  const tiers = get(values, 'product.tiers')
  if (template === 'vcpu') {
    if (!Array.isArray(tiers) || tiers.length === 0)
      field('release.field-invalid', 'product.tiers', bi('Add at least one vCPU tier.', '请至少添加一个 vCPU 档位。'))
    else {
      const seen = new Set<number>()
      tiers.forEach((t, i) => {
        const v = get(t, 'vcpus')
        const p = get(t, 'price')
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
          field(
            'release.field-invalid',
            `product.tiers.${i}.vcpus`,
            bi('vCPUs must be a whole number of at least 1.', 'vCPU 数须为不小于 1 的整数。'),
          )
        else if (seen.has(v))
          field(
            'release.field-invalid',
            `product.tiers.${i}.vcpus`,
            bi(`Tier ${v} vCPUs appears twice.`, `${v} vCPU 档位重复了。`),
          )
        else seen.add(v)
        if (typeof p !== 'number' || !(p >= 0))
          field('release.field-invalid', `product.tiers.${i}.price`, bi('Price must be 0 or more.', '价格须不小于 0。'))
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
          bi(
            `The released ${v}-vCPU tier was deleted: tiers can be repriced, not deleted.`,
            `已发布的 ${v} vCPU 档位被删除了：档位只能改价，不能删除。`,
          ),
        )
    }
  }
  const specs = get(values, 'product.specifications')
  if (!Array.isArray(specs) || specs.length === 0)
    field(
      'release.field-invalid',
      'product.specifications',
      bi('Add at least one specification.', '请至少添加一个规格。'),
    )
  else
    specs.forEach((s, i) => {
      if (isBlank(get(s, 'imageVersion')))
        field(
          'release.field-invalid',
          `product.specifications.${i}.imageVersion`,
          bi('Name the released image asset version.', '请填写已发布的镜像资产版本。'),
        )
      if (isBlank(get(s, 'regions')))
        field(
          'release.field-invalid',
          `product.specifications.${i}.regions`,
          bi('Name at least one region.', '请至少填写一个区域。'),
        )
    })
  const version = get(values, 'product.version')
  required('product.version', bi('Listing version', '上架版本'))
  if (typeof version === 'string' && version && !VERSION_FORM.test(version))
    field('release.version-format', 'product.version', versionFormMessage(version))
  required('product.serviceEmail', bi('Customer-service email', '客服邮箱'))
  const email = get(values, 'product.serviceEmail')
  if (typeof email === 'string' && email && !EMAIL.test(email))
    field(
      'release.field-invalid',
      'product.serviceEmail',
      bi(
        `"${email}" is not an email address: enter one such as support@example.com.`,
        `“${email}”不是邮箱地址：请输入如 support@example.com 这样的地址。`,
      ),
    )
}
