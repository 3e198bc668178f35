// The wizard's steps and fields per profile, after the marketplaces' consoles (../shared/spec/profiles.md).
// Field paths are the draft's value paths; validation findings carry the same paths as their location.
import type { FieldSpec, Text } from '../../components/form/Field'
import type { Values } from '../../components/form/paths'
import { isShown } from '../../../src-preload/release-fields'
import { labelOf } from '../../../src-preload/release-labels'

export type ProfileId = 'koogallery-app' | 'koogallery-container' | 'koogallery-image' | 'scp-image' | 'swr-image'

export type StepKind = 'profile' | 'package' | 'prescan' | 'fields' | 'review'

export interface StepSpec {
  id: string
  title: Text
  kind: StepKind
  fields?: FieldSpec[]
}

const T = (en: string, zh: string): Text => ({ en, 'zh-CN': zh })
/** Options shown as the marketplace's own values (formats, product names, protocols): the same in both languages. */
const opts = (...values: Array<string | number>) => values.map((value) => ({ value }))
/** Options whose value is a marketplace word a seller reads in their language: the value is kept, the label translated. */
const WORDS: Record<string, Text> = {
  Application: T('Application', '应用'),
  Image: T('Image', '镜像'),
  Other: T('Other', '其他'),
  DataImage: T('Data disk image (DataImage)', '数据盘镜像'),
  IsoImage: T('ISO image (IsoImage)', 'ISO 镜像'),
  Standard: T('Standard', '标准'),
  'Joint operation': T('Joint operation', '联营'),
  Private: T('Private', '私有'),
  Shared: T('Shared', '共享'),
  Public: T('Public', '公开'),
  Read: T('Read', '只读'),
  Write: T('Write', '读写'),
  Manage: T('Manage', '管理'),
}
const words = (...values: string[]) => values.map((value) => ({ value, label: WORDS[value] }))

export const PROFILES: Array<{ id: ProfileId; title: Text; summary: Text }> = [
  {
    id: 'koogallery-app',
    title: T('KooGallery application asset', 'KooGallery 应用资产'),
    summary: T('A software package (.zip, .tar, .tar.gz) up to 20 GB.', '软件包（.zip、.tar、.tar.gz），最大 20 GB。'),
  },
  {
    id: 'koogallery-container',
    title: T('KooGallery container package', 'KooGallery 容器包'),
    summary: T('One OCI image tar per image, bundled in one package.', '每个镜像一个 OCI 镜像 tar，打包为一个软件包。'),
  },
  {
    id: 'koogallery-image',
    title: T('KooGallery image asset and product', 'KooGallery 镜像资产与商品'),
    summary: T(
      'A VM image (qcow2, vmdk, vhd, ...) up to 128 GB, with its product release.',
      '虚拟机镜像（qcow2、vmdk、vhd 等），最大 128 GB，并发布商品。',
    ),
  },
  {
    id: 'scp-image',
    title: T('Samsung Cloud Platform image', 'Samsung Cloud Platform 镜像'),
    summary: T('A .qcow2 image in object storage for Virtual Server.', '存放在对象存储中的 .qcow2 镜像。'),
  },
  {
    id: 'swr-image',
    title: T('SWR container image', 'SWR 容器镜像'),
    summary: T('A container image pushed to an SWR-style registry.', '推送到 SWR 类镜像仓库的容器镜像。'),
  },
]

const versionList: FieldSpec = {
  path: 'versions',
  kind: 'list',
  label: labelOf('versions'),
  required: true,
  addLabel: T('Add version', '添加版本'),
  item: [
    {
      path: 'name',
      kind: 'text',
      label: labelOf('versions.name'),
      hint: T('V1.0 form', '格式如 V1.0'),
      required: true,
    },
  ],
}

const assetFields = (type: 'Application' | 'Image'): FieldSpec[] => [
  { path: 'asset.name', kind: 'text', label: labelOf('asset.name'), required: true },
  { path: 'asset.type', kind: 'select', label: labelOf('asset.type'), options: words(type), required: true },
  { path: 'asset.category', kind: 'text', label: labelOf('asset.category'), required: true },
  versionList,
]

const imageAttrFields: FieldSpec[] = [
  {
    path: 'attrs.name',
    kind: 'text',
    label: labelOf('attrs.name'),
    required: true,
    hint: T('1–128 characters: letters, digits, -, ., _, space, CJK', '1–128 个字符：字母、数字、-、.、_、空格、中文'),
  },
  {
    path: 'attrs.description',
    kind: 'textarea',
    label: labelOf('attrs.description'),
    hint: T('At most 1024 characters, no <, > or line breaks', '最多 1024 个字符，不含 <、> 或换行'),
  },
  {
    path: 'attrs.osType',
    kind: 'select',
    label: labelOf('attrs.osType'),
    options: [...opts('Linux', 'Windows'), ...words('Other')],
    required: true,
  },
  { path: 'attrs.osVersion', kind: 'text', label: labelOf('attrs.osVersion'), required: true },
  {
    path: 'attrs.architecture',
    kind: 'select',
    label: labelOf('attrs.architecture'),
    options: opts('x86', 'arm'),
    required: true,
    hint: T('arm images boot with UEFI', 'arm 镜像使用 UEFI 启动'),
  },
  {
    path: 'attrs.virtualEnvType',
    kind: 'select',
    label: labelOf('attrs.virtualEnvType'),
    options: [...opts('FusionCompute', 'Ironic'), ...words('DataImage', 'IsoImage')],
    required: true,
  },
  {
    path: 'attrs.diskFormat',
    kind: 'select',
    label: labelOf('attrs.diskFormat'),
    options: opts('qcow2', 'vhd', 'zvhd', 'raw', 'iso'),
    required: true,
  },
  {
    path: 'attrs.minDiskGB',
    kind: 'number',
    label: labelOf('attrs.minDiskGB'),
    unit: 'GB',
    required: true,
    hint: T('System images: 40–1024 GB, at least the virtual size', '系统镜像：40–1024 GB，且不小于虚拟大小'),
  },
  {
    path: 'attrs.minRamMB',
    kind: 'number',
    label: labelOf('attrs.minRamMB'),
    unit: 'MB',
    hint: T('0 = no limit', '0 表示不限'),
  },
  {
    path: 'attrs.maxRamMB',
    kind: 'number',
    label: labelOf('attrs.maxRamMB'),
    unit: 'MB',
    hint: T('0 = no limit', '0 表示不限'),
  },
]

/** A field shown only while its condition (src-preload/release-fields.ts) holds. */
const shownWhen = (path: string) => (v: Values) => isShown(path, v)

export const STEPS: Record<ProfileId, StepSpec[]> = {
  'koogallery-app': [
    { id: 'profile', kind: 'profile', title: T('Asset type', '资产类型') },
    { id: 'package', kind: 'package', title: T('Package', '软件包') },
    { id: 'prescan', kind: 'prescan', title: T('Pre-scan', '预扫描') },
    { id: 'asset', kind: 'fields', title: T('Asset and versions', '资产与版本'), fields: assetFields('Application') },
    { id: 'review', kind: 'review', title: T('Review and hand-off', '检查与交付') },
  ],
  'koogallery-container': [
    { id: 'profile', kind: 'profile', title: T('Asset type', '资产类型') },
    { id: 'package', kind: 'package', title: T('Package', '软件包') },
    { id: 'prescan', kind: 'prescan', title: T('Pre-scan', '预扫描') },
    { id: 'asset', kind: 'fields', title: T('Asset and versions', '资产与版本'), fields: assetFields('Application') },
    { id: 'review', kind: 'review', title: T('Review and hand-off', '检查与交付') },
  ],
  'koogallery-image': [
    { id: 'profile', kind: 'profile', title: T('Asset type', '资产类型') },
    { id: 'package', kind: 'package', title: T('Image file', '镜像文件') },
    { id: 'prescan', kind: 'prescan', title: T('Pre-scan', '预扫描') },
    {
      id: 'asset',
      kind: 'fields',
      title: T('Asset and image attributes', '资产与镜像属性'),
      fields: [...assetFields('Image'), ...imageAttrFields],
    },
    {
      id: 'product',
      kind: 'fields',
      title: T('Product and pricing', '商品与定价'),
      fields: [
        {
          path: 'product.name',
          kind: 'text',
          label: labelOf('product.name'),
          required: true,
          hint: T('No "Huawei Cloud", price, version or phone number', '不得包含“Huawei Cloud”、价格、版本或电话号码'),
        },
        {
          path: 'product.salesType',
          kind: 'select',
          label: labelOf('product.salesType'),
          options: words('Standard', 'Joint operation'),
          required: true,
        },
        {
          path: 'product.pricingMode',
          kind: 'select',
          label: labelOf('product.pricingMode'),
          options: [
            { value: 'free', label: T('Free image', '免费镜像') },
            { value: 'paid', label: T('Paid', '付费') },
          ],
          required: true,
        },
        {
          path: 'product.template',
          kind: 'select',
          label: labelOf('product.template'),
          options: [
            { value: 'simple', label: T('Simple (fixed price)', '简单（固定价格）') },
            { value: 'vcpu', label: T('By vCPU', '按 vCPU') },
          ],
          required: true,
        },
        {
          path: 'product.billing',
          kind: 'multiselect',
          label: labelOf('product.billing'),
          options: [
            { value: 'pay-per-use', label: T('Pay-per-use', '按需') },
            { value: 'monthly', label: T('Monthly', '包月') },
            { value: 'yearly', label: T('Yearly', '包年') },
          ],
          when: shownWhen('product.billing'),
        },
        {
          path: 'product.price',
          kind: 'number',
          label: labelOf('product.price'),
          unit: 'USD',
          step: 0.01,
          when: shownWhen('product.price'),
        },
        {
          path: 'product.tiers',
          kind: 'list',
          label: labelOf('product.tiers'),
          addLabel: T('Add tier', '添加档位'),
          when: shownWhen('product.tiers'),
          item: [
            { path: 'vcpus', kind: 'number', label: labelOf('product.tiers.vcpus'), required: true },
            {
              path: 'price',
              kind: 'number',
              label: labelOf('product.tiers.price'),
              unit: 'USD',
              step: 0.01,
              required: true,
            },
          ],
        },
        {
          path: 'product.specifications',
          kind: 'list',
          label: labelOf('product.specifications'),
          addLabel: T('Add specification', '添加规格'),
          required: true,
          item: [
            {
              path: 'imageVersion',
              kind: 'text',
              label: labelOf('product.specifications.imageVersion'),
              required: true,
            },
            {
              path: 'regions',
              kind: 'text',
              label: labelOf('product.specifications.regions'),
              required: true,
            },
          ],
        },
        {
          path: 'product.version',
          kind: 'text',
          label: labelOf('product.version'),
          hint: T('V1.0 form', '格式如 V1.0'),
          required: true,
        },
        { path: 'product.serviceEmail', kind: 'text', label: labelOf('product.serviceEmail'), required: true },
        {
          path: 'product.logoPath',
          kind: 'text',
          label: labelOf('product.logoPath'),
        },
      ],
    },
    {
      id: 'regions',
      kind: 'fields',
      title: T('Regions and access', '区域与访问'),
      fields: [
        {
          path: 'image.regions',
          kind: 'text',
          label: labelOf('image.regions'),
          required: true,
        },
        {
          path: 'image.iamAgency',
          kind: 'text',
          label: labelOf('image.iamAgency'),
          required: true,
        },
        {
          path: 'image.securityGroup',
          kind: 'list',
          label: labelOf('image.securityGroup'),
          addLabel: T('Add rule', '添加规则'),
          item: [
            {
              path: 'protocol',
              kind: 'select',
              label: labelOf('image.securityGroup.protocol'),
              options: opts('TCP', 'UDP', 'ICMP'),
              required: true,
            },
            {
              path: 'portRange',
              kind: 'text',
              label: labelOf('image.securityGroup.portRange'),
              hint: T('e.g. 22 or 8000-8080', '如 22 或 8000-8080'),
              required: true,
            },
            {
              path: 'source',
              kind: 'text',
              label: labelOf('image.securityGroup.source'),
              hint: T('CIDR, e.g. 0.0.0.0/0', 'CIDR，如 0.0.0.0/0'),
              required: true,
            },
          ],
        },
      ],
    },
    { id: 'review', kind: 'review', title: T('Review and hand-off', '检查与交付') },
  ],
  'scp-image': [
    { id: 'profile', kind: 'profile', title: T('Image type', '镜像类型') },
    { id: 'package', kind: 'package', title: T('Image file', '镜像文件') },
    { id: 'prescan', kind: 'prescan', title: T('Pre-scan', '预扫描') },
    {
      id: 'image',
      kind: 'fields',
      title: T('Image information', '镜像信息'),
      fields: [
        {
          path: 'attrs.name',
          kind: 'text',
          label: labelOf('attrs.name'),
          required: true,
          hint: T('1–255 characters: letters, digits, spaces, -, _', '1–255 个字符：字母、数字、空格、-、_'),
        },
        {
          path: 'attrs.osType',
          kind: 'select',
          label: labelOf('attrs.osType'),
          options: opts('Alma Linux', 'CentOS', 'Oracle Linux', 'RHEL', 'Rocky Linux', 'Ubuntu', 'SLES'),
          required: true,
        },
        {
          path: 'attrs.minDiskGB',
          kind: 'number',
          label: labelOf('attrs.minDiskGB'),
          unit: 'GB',
          hint: T('0–12,288 GB, at least the virtual size', '0–12,288 GB，且不小于虚拟大小'),
        },
        {
          path: 'attrs.minRamGB',
          kind: 'number',
          label: labelOf('attrs.minRamGB'),
          unit: 'GB',
          hint: T('0–2,097,151 GB (the API documents MB)', '0–2,097,151 GB（API 文档以 MB 计）'),
        },
      ],
    },
    {
      id: 'sharing',
      kind: 'fields',
      title: T('Sharing and tags', '共享与标签'),
      fields: [
        {
          path: 'attrs.visibility',
          kind: 'select',
          label: labelOf('attrs.visibility'),
          options: words('Private', 'Shared'),
          required: true,
        },
        { path: 'attrs.protected', kind: 'checkbox', label: labelOf('attrs.protected') },
        {
          path: 'attrs.shareWith',
          kind: 'text',
          label: labelOf('attrs.shareWith'),
          when: shownWhen('attrs.shareWith'),
        },
        {
          path: 'attrs.tags',
          kind: 'tags',
          label: labelOf('attrs.tags'),
          hint: T('At most 50; key 1–128, value 0–256 characters', '最多 50 个；键 1–128 个字符，值 0–256 个字符'),
          addLabel: T('Add tag', '添加标签'),
        },
      ],
    },
    { id: 'review', kind: 'review', title: T('Review and hand-off', '检查与交付') },
  ],
  'swr-image': [
    { id: 'profile', kind: 'profile', title: T('Image type', '镜像类型') },
    { id: 'package', kind: 'package', title: T('Image tar', '镜像 tar') },
    { id: 'prescan', kind: 'prescan', title: T('Pre-scan', '预扫描') },
    {
      id: 'repository',
      kind: 'fields',
      title: T('Repository', '仓库'),
      fields: [
        {
          path: 'attrs.organization',
          kind: 'text',
          label: labelOf('attrs.organization'),
          required: true,
          hint: T('1–64: lowercase letters, digits, _, __, -', '1–64：小写字母、数字、_、__、-'),
        },
        { path: 'attrs.repository', kind: 'text', label: labelOf('attrs.repository'), required: true },
        { path: 'attrs.tag', kind: 'text', label: labelOf('attrs.tag'), required: true },
        {
          path: 'swr.registry',
          kind: 'text',
          label: labelOf('swr.registry'),
          hint: T('e.g. swr.example.com or 127.0.0.1:5000', '如 swr.example.com 或 127.0.0.1:5000'),
          required: true,
        },
        {
          path: 'swr.sharing',
          kind: 'select',
          label: labelOf('swr.sharing'),
          options: words('Private', 'Public'),
          required: true,
        },
      ],
    },
    {
      id: 'sync',
      kind: 'fields',
      title: T('Sync and permissions', '同步与权限'),
      fields: [
        {
          path: 'swr.sync',
          kind: 'list',
          label: labelOf('swr.sync'),
          addLabel: T('Add sync rule', '添加同步规则'),
          item: [
            { path: 'region', kind: 'text', label: labelOf('swr.sync.region'), required: true },
            { path: 'organization', kind: 'text', label: labelOf('swr.sync.organization'), required: true },
            { path: 'overwrite', kind: 'checkbox', label: labelOf('swr.sync.overwrite') },
          ],
        },
        {
          path: 'swr.permissions',
          kind: 'list',
          label: labelOf('swr.permissions'),
          addLabel: T('Add user', '添加用户'),
          item: [
            { path: 'user', kind: 'text', label: labelOf('swr.permissions.user'), required: true },
            {
              path: 'level',
              kind: 'select',
              label: labelOf('swr.permissions.level'),
              options: words('Read', 'Write', 'Manage'),
              required: true,
            },
          ],
        },
      ],
    },
    { id: 'review', kind: 'review', title: T('Review and hand-off', '检查与交付') },
  ],
}
