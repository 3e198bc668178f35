// What each release field is called where the seller sees it: the wizard's field labels in both languages, keyed by
// the field's value path (a list item's field by `<list>.<item>`, e.g. `versions.name`). Data shared by the wizard
// (src-renderer, whose field specs take their labels from here) and the release manifest (src-main, which lists the
// fields by these labels), so it sits below both. Paths are the same in every profile that has them.
import type { Lang } from './catalogue'

export type LabelText = Record<Lang, string>

const T = (en: string, zh: string): LabelText => ({ en, 'zh-CN': zh })

export const FIELD_LABELS = {
  'asset.name': T('Asset name', '资产名称'),
  'asset.type': T('Asset type', '资产类型'),
  'asset.category': T('Category', '类别'),
  versions: T('Versions', '版本'),
  'versions.name': T('Version name', '版本名称'),
  'attrs.name': T('Image name', '镜像名称'),
  'attrs.description': T('Description', '描述'),
  'attrs.osType': T('OS type', '操作系统类型'),
  'attrs.osVersion': T('OS version', '操作系统版本'),
  'attrs.architecture': T('Architecture', '架构'),
  'attrs.virtualEnvType': T('Virtualization type', '虚拟化类型'),
  'attrs.diskFormat': T('Disk format', '磁盘格式'),
  'attrs.minDiskGB': T('Minimum disk', '最小磁盘'),
  'attrs.minRamMB': T('Minimum RAM', '最小内存'),
  'attrs.maxRamMB': T('Maximum RAM', '最大内存'),
  'attrs.minRamGB': T('Minimum RAM', '最小内存'),
  'attrs.visibility': T('Visibility', '可见性'),
  'attrs.protected': T('Protected', '受保护'),
  'attrs.shareWith': T('Share with accounts (comma separated)', '共享给账号（逗号分隔）'),
  'attrs.tags': T('Tags', '标签'),
  'attrs.organization': T('Organization', '组织'),
  'attrs.repository': T('Repository', '仓库'),
  'attrs.tag': T('Tag', '标签'),
  'product.name': T('Product name', '商品名称'),
  'product.salesType': T('Sales type', '销售类型'),
  'product.pricingMode': T('Pricing mode', '定价模式'),
  'product.template': T('Pricing template', '定价模板'),
  'product.billing': T('Billing modes', '计费模式'),
  'product.price': T('Price', '价格'),
  'product.tiers': T('vCPU tiers', 'vCPU 档位'),
  'product.tiers.vcpus': T('vCPUs', 'vCPU 数'),
  'product.tiers.price': T('Price per hour', '每小时价格'),
  'product.specifications': T('Specifications', '规格'),
  'product.specifications.imageVersion': T('Image asset version', '镜像资产版本'),
  'product.specifications.regions': T('Regions (comma separated)', '区域（逗号分隔）'),
  'product.version': T('Listing version', '上架版本'),
  'product.serviceEmail': T('Customer-service email', '客服邮箱'),
  'product.logoPath': T('Logo file (PNG 120×120 px, ≤ 5 MB)', 'Logo 文件（PNG 120×120 像素，≤ 5 MB）'),
  'image.regions': T('Image replication regions (comma separated)', '镜像复制区域（逗号分隔）'),
  'image.iamAgency': T('IAM agency (needs IMS Administrator)', 'IAM 委托（需 IMS Administrator 权限）'),
  'image.securityGroup': T('Recommended security group (inbound)', '推荐安全组（入方向）'),
  'image.securityGroup.protocol': T('Protocol', '协议'),
  'image.securityGroup.portRange': T('Port range', '端口范围'),
  'image.securityGroup.source': T('Source', '源地址'),
  'swr.registry': T('Registry address', '镜像仓库地址'),
  'swr.sharing': T('Sharing type', '共享类型'),
  'swr.sync': T('Automatic sync to other regions', '自动同步到其他区域'),
  'swr.sync.region': T('Target region', '目标区域'),
  'swr.sync.organization': T('Target organization', '目标组织'),
  'swr.sync.overwrite': T('Overwrite existing image', '覆盖已有镜像'),
  'swr.permissions': T('Permissions', '权限'),
  'swr.permissions.user': T('User', '用户'),
  'swr.permissions.level': T('Permission', '权限'),
  'upload.target': T(
    'Upload target (s3://bucket/key, docker://registry/repo:tag or file:///folder/)',
    '上传目标（s3://桶/对象键、docker://仓库/镜像:标签 或 file:///文件夹/）',
  ),
  'upload.endpoint': T('Object storage endpoint (optional)', '对象存储终端节点（可选）'),
  'package.name': T('Package file', '软件包文件'),
  'package.kind': T('Package type', '软件包类型'),
  'package.guestOs.name': T('Guest OS found by the scan', '扫描发现的客户机操作系统'),
} as const satisfies Record<string, LabelText>

export type LabeledPath = keyof typeof FIELD_LABELS

/** The label of a field path the wizard has (throws at compile time for one it has not). */
export function labelOf(path: LabeledPath): LabelText {
  return FIELD_LABELS[path]
}

/**
 * What a value path is called: `versions.0.name` → "Version name (1)", `attrs.tags.env` → "Tags: env",
 * `product.tiers.1` → "vCPU tiers (2)"; null when no field shows it.
 */
export function fieldLabel(path: string): LabelText | null {
  const own = (FIELD_LABELS as Record<string, LabelText>)[path]
  if (own) return own
  const parts = path.split('.')
  for (let n = parts.length - 1; n >= 1; n--) {
    const head = parts.slice(0, n).join('.')
    const rest = parts.slice(n)
    const list = (FIELD_LABELS as Record<string, LabelText>)[head]
    if (!list) continue
    if (/^\d+$/.test(rest[0])) {
      const i = Number(rest[0]) + 1
      const item = rest.length === 2 ? (FIELD_LABELS as Record<string, LabelText>)[`${head}.${rest[1]}`] : undefined
      const base = item ?? list
      return rest.length <= 2 ? T(`${base.en} (${i})`, `${base['zh-CN']}（${i}）`) : null
    }
    return T(`${list.en}: ${rest.join('.')}`, `${list['zh-CN']}：${rest.join('.')}`)
  }
  return null
}
