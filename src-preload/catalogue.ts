// The rule catalogue: every rule id Preflight reports, its default severity, and its title and fix hint in
// English and Simplified Chinese. Ids are a public interface (../shared/spec/rules.md): never rename one.
// Scanners create findings by id only; text, fix hints and severity come from here.

export type Severity = 'blocker' | 'warning' | 'info'
export type Lang = 'en' | 'zh-CN'

export interface RuleText {
  title: string
  fix: string
}

export interface Rule {
  id: string
  severity: Severity
  /** Profiles where the severity differs from the default. */
  severityByProfile?: Partial<Record<string, Severity>>
  source: string
  en: RuleText
  zh: RuleText
  /** Fix advice the app can do itself (see RuleAction); absent: the fix is the seller's. */
  action?: RuleAction
}

/**
 * A rule's fix as an action in the app. `screen`: the screen that does it opens (with the package when
 * `withPackage`), its button labelled by `label`; `rename`: "Rename a copy…" on the package view (a copy under a
 * compliant name, scanned in its turn); `pick-profile`: the package view's profile picker (a scan under another
 * profile).
 */
export type RuleAction =
  | {
      kind: 'screen'
      label: 'importVulnDb' | 'openDatabases' | 'repack'
      screen: 'databases' | 'containers'
      withPackage?: boolean
    }
  | { kind: 'rename' }
  | { kind: 'pick-profile' }

/** The rules whose fix is an action in the app (every id is a rule of RULES: checked when the catalogue loads). */
const ACTIONS: Record<string, RuleAction> = {
  'package.name-invalid': { kind: 'rename' },
  'package.extension-mismatch': { kind: 'rename' },
  'package.format-unsupported': { kind: 'rename' },
  'profile.auto-picked': { kind: 'pick-profile' },
  'vulndb.missing': { kind: 'screen', label: 'importVulnDb', screen: 'databases' },
  'malware.database-unverified': { kind: 'screen', label: 'openDatabases', screen: 'databases' },
  'oci.not-oci': { kind: 'screen', label: 'repack', screen: 'containers', withPackage: true },
}

const KG_APP = 'KooGallery seller guide: application assets, Asset Security Standards'
const KG_IMG = 'KooGallery seller guide: image assets and releasing images'
const IMS = 'Huawei IMS image attribute documentation'

const SWR = 'Huawei SWR documentation'
const ARCHIVE = 'bsdtar/libarchive safe-extraction defaults; KooGallery package scan'

function rule(
  id: string,
  severity: Severity,
  source: string,
  en: [string, string],
  zh: [string, string],
  severityByProfile?: Rule['severityByProfile'],
): Rule {
  return { id, severity, source, severityByProfile, en: { title: en[0], fix: en[1] }, zh: { title: zh[0], fix: zh[1] } }
}

const RULES: Rule[] = [
  // Package
  rule(
    'package.name-invalid',
    'blocker',
    KG_APP,
    [
      'File name has characters the marketplace refuses',
      'Rename the file using only letters, digits, -, _, ( and ) before the extension (e.g. app-1_0.tar.gz).',
    ],
    ['文件名包含市场不接受的字符', '重命名文件，扩展名前只使用字母、数字、-、_、( 和 )（例如 app-1_0.tar.gz）。'],
  ),
  rule(
    'package.format-unsupported',
    'blocker',
    KG_APP,
    [
      'Container format not accepted by this profile',
      'Repack as one of the formats the profile accepts (.zip, .tar or .tar.gz; rename .tgz to .tar.gz).',
    ],
    ['该配置不接受此包格式', '重新打包为该配置接受的格式（.zip、.tar 或 .tar.gz；将 .tgz 重命名为 .tar.gz）。'],
  ),
  rule(
    'package.extension-mismatch',
    'blocker',
    KG_APP,
    [
      'Extension disagrees with the file content',
      'Rename the file to the extension of its real format, or repack it in the format its name claims.',
    ],
    ['扩展名与文件内容不符', '按真实格式重命名文件，或按文件名声明的格式重新打包。'],
  ),
  rule(
    'package.too-large',
    'blocker',
    KG_APP,
    [
      'Package is over the profile size limit',
      'Reduce the package (remove unneeded files, compress) or split the release.',
    ],
    ['包大小超过该配置的上限', '缩小包（删除不需要的文件、压缩）或拆分发布。'],
  ),
  rule(
    'package.obs-required',
    'info',
    KG_APP,
    [
      'Over 1 GB: upload to an OBS bucket first',
      'Upload the package to your OBS bucket (KooGallery: CN North-Beijing4) and give its URL in the console.',
    ],
    ['超过 1 GB：需先上传到 OBS 桶', '将包上传到您的 OBS 桶（KooGallery：华北-北京四），并在控制台填写其 URL。'],
  ),
  rule(
    'package.empty',
    'blocker',
    KG_APP,
    ['Package is empty', 'Add the application files to the package and build it again.'],
    ['包为空', '将应用文件加入包后重新构建。'],
  ),

  // Archive safety
  rule(
    'archive.corrupt',
    'blocker',
    ARCHIVE,
    [
      'Archive is corrupt',
      'Rebuild the archive from the original files and check it (e.g. unzip -t, tar -tzf) before uploading.',
    ],
    ['压缩包已损坏', '用原始文件重新生成压缩包，并在上传前校验（如 unzip -t、tar -tzf）。'],
  ),
  rule(
    'archive.path-traversal',
    'blocker',
    ARCHIVE,
    [
      'Entry path is absolute or climbs out of the archive',
      'Rebuild the archive with relative paths only (no leading /, drive letters or .. components).',
    ],
    ['条目路径为绝对路径或跳出压缩包根目录', '仅使用相对路径重新打包（不含开头的 /、盘符或 .. 组件）。'],
  ),
  rule(
    'archive.link-escape',
    'blocker',
    ARCHIVE,
    [
      'Link points outside the archive',
      'Replace the link with the file it points to, or make it point inside the package.',
    ],
    ['链接指向压缩包外部', '用链接目标文件替换该链接，或让其指向包内。'],
  ),
  rule(
    'archive.bomb',
    'blocker',
    ARCHIVE,
    ['Decompression bomb', 'Remove the over-compressed, overlapping or deeply nested content and rebuild the archive.'],
    ['解压炸弹', '删除过度压缩、重叠或嵌套过深的内容后重新打包。'],
  ),
  rule(
    'archive.encrypted',
    'blocker',
    KG_APP,
    [
      'Encrypted entry: the marketplace scanner cannot read it',
      'Repack without a password; protect secrets another way.',
    ],
    ['加密条目：市场扫描器无法读取', '不设密码重新打包；用其他方式保护敏感信息。'],
  ),
  rule(
    'archive.special-file',
    'warning',
    ARCHIVE,
    ['Device node, FIFO or socket in the archive', 'Remove special files; create them at install time if needed.'],
    ['压缩包中含设备节点、FIFO 或套接字', '删除特殊文件；如需要请在安装时创建。'],
  ),
  rule(
    'archive.setuid',
    'warning',
    ARCHIVE,
    ['setuid/setgid file', 'Clear the setuid/setgid bits (chmod u-s,g-s) unless the program truly needs them.'],
    ['setuid/setgid 文件', '除非程序确实需要，否则清除 setuid/setgid 位（chmod u-s,g-s）。'],
  ),
  rule(
    'archive.duplicate-entry',
    'warning',
    ARCHIVE,
    [
      'The same path appears twice',
      'Rebuild the archive so each path occurs once; extractors disagree on which copy wins.',
    ],
    ['同一路径出现两次', '重新打包使每个路径只出现一次；不同解压工具保留的副本不同。'],
  ),
  rule(
    'archive.nested-unscanned',
    'warning',
    ARCHIVE,
    [
      'Nested content Preflight could not open',
      'Repack the nested content in a supported format (zip, tar, tar.gz) or check it by hand.',
    ],
    ['无法打开的嵌套内容', '将嵌套内容改为支持的格式（zip、tar、tar.gz）重新打包，或手动检查。'],
  ),

  // Content classification
  rule(
    'content.architecture-unsupported',
    'warning',
    KG_APP,
    [
      'Binary for an architecture outside the marketplace list',
      'Ship binaries for x86/x64, Arm/Arm64, MIPS or PowerPC only, or explain the binary in the listing.',
    ],
    [
      '二进制文件的架构不在市场支持列表中',
      '仅提供 x86/x64、Arm/Arm64、MIPS 或 PowerPC 的二进制文件，或在上架说明中解释。',
    ],
  ),
  rule('content.summary', 'info', KG_APP, ['Content summary', 'No action needed.'], ['内容摘要', '无需操作。']),
  rule(
    'profile.auto-picked',
    'info',
    KG_APP,
    ['Profile picked from the content', 'Choose another profile in the package view (command line: pass --profile).'],
    ['已根据内容选择配置', '在软件包视图中选择其他配置（命令行：使用 --profile）。'],
  ),
  rule(
    'scan.not-run',
    'info',
    KG_APP,
    ['A check was not run', 'The report says which check is not available yet; no result is implied.'],
    ['有检查未运行', '报告会说明哪项检查尚不可用；不代表检查通过。'],
  ),

  // Malware
  rule(
    'malware.detected',
    'blocker',
    KG_APP,
    [
      'Malware signature match',
      'Remove or replace the infected file and rebuild the package; if it is a false positive, appeal with evidence.',
    ],
    ['匹配恶意软件特征', '删除或替换受感染文件后重新打包；如为误报，请附证据申诉。'],
  ),
  rule(
    'malware.database-unverified',
    'info',
    KG_APP,
    [
      'Malware signatures from an unverified database were used',
      "Import ClamAV's signed .cvd files (preflight signatures import main.cvd daily.cvd) instead of unverified ones, so that a tampered database cannot hide malware.",
    ],
    [
      '使用了未经验证的特征库',
      '改为导入 ClamAV 签名的 .cvd 文件（preflight signatures import main.cvd daily.cvd），以免被篡改的特征库隐藏恶意软件。',
    ],
  ),
  rule(
    'malware.engine-limited',
    'warning',
    KG_APP,
    [
      'Part of the package was not scanned for malware',
      'Reduce the nesting or size of that part, or scan it separately.',
    ],
    ['包的部分内容未进行恶意软件扫描', '降低该部分的嵌套层数或大小，或单独扫描。'],
  ),

  // Vulnerabilities
  rule(
    'vuln.cvss-high',
    'blocker',
    KG_APP,
    [
      'Component with a vulnerability of CVSS 7.0 or higher',
      'Upgrade the component to a fixed version and rebuild the package.',
    ],
    ['组件存在 CVSS 7.0 及以上漏洞', '将组件升级到已修复版本后重新打包。'],
  ),
  rule(
    'vuln.cvss-low',
    'warning',
    KG_APP,
    [
      'Component with a vulnerability below CVSS 7.0 or unscored',
      'Review the advisory and upgrade when a fixed version exists.',
    ],
    ['组件存在低于 CVSS 7.0 或未评分的漏洞', '查看公告，如有修复版本请升级。'],
  ),
  rule(
    'vulndb.missing',
    'warning',
    KG_APP,
    [
      'No vulnerability database: vulnerabilities were NOT checked',
      'Import an OSV database (preflight vulndb import all.zip) and scan again.',
    ],
    ['没有漏洞库：未检查漏洞', '导入 OSV 漏洞库（preflight vulndb import all.zip）后重新扫描。'],
  ),
  rule(
    'vulndb.stale',
    'warning',
    KG_APP,
    ['Vulnerability database older than 30 days', 'Import a fresh OSV database and scan again.'],
    ['漏洞库已超过 30 天', '导入最新的 OSV 漏洞库后重新扫描。'],
  ),
  rule(
    'sbom.unreadable',
    'warning',
    KG_APP,
    [
      'Manifest, lockfile or package database could not be parsed',
      'Check the file is complete and valid; its components were not checked for vulnerabilities.',
    ],
    ['清单、锁文件或包数据库无法解析', '确认文件完整有效；其中的组件未做漏洞检查。'],
  ),
  rule(
    'sbom.unmatched',
    'warning',
    KG_APP,
    [
      'Components not checked for vulnerabilities (ecosystem without version comparison, or distribution release unknown)',
      "Check these components another way, or make the image's /etc/os-release name its distribution release (ID, VERSION_ID) and scan again.",
    ],
    [
      '组件未做漏洞检查（该生态无版本比较，或发行版版本未知）',
      '请用其他方式检查这些组件，或让镜像的 /etc/os-release 写明发行版及版本（ID、VERSION_ID）后重新扫描。',
    ],
  ),

  // Containers
  rule(
    'oci.not-oci',
    'blocker',
    'KooGallery container package format',
    [
      'Image tar is a legacy docker-archive, not OCI',
      'Convert it with `preflight repack` (or docker save --format oci).',
    ],
    ['镜像 tar 为旧版 docker-archive，而非 OCI', '使用 `preflight repack` 转换（或 docker save --format oci）。'],
    { 'swr-image': 'info' },
  ),
  rule(
    'oci.invalid-layout',
    'blocker',
    'OCI image-spec',
    [
      'Invalid OCI layout, manifest or config',
      'Export the image again with a current tool (docker save --format oci, skopeo copy).',
    ],
    ['OCI 布局、清单或配置无效', '使用当前工具重新导出镜像（docker save --format oci、skopeo copy）。'],
  ),
  rule(
    'oci.digest-mismatch',
    'blocker',
    'OCI image-spec',
    ['Blob digest or size differs from its descriptor', 'The image tar is damaged: export it again.'],
    ['Blob 摘要或大小与描述符不符', '镜像 tar 已损坏：请重新导出。'],
  ),
  rule(
    'oci.missing-blob',
    'blocker',
    'OCI image-spec',
    ['Descriptor points at a blob that is not in the tar', 'Export the complete image again (all layers included).'],
    ['描述符指向的 blob 不在 tar 中', '重新导出完整镜像（包含所有层）。'],
  ),
  rule(
    'oci.platform-unsupported',
    'blocker',
    'KooGallery container package format',
    [
      'Image architecture not supported by the marketplace',
      'Build the image for amd64, 386, arm, arm64, mips or ppc64.',
    ],
    ['镜像架构不受市场支持', '为 amd64、386、arm、arm64、mips 或 ppc64 构建镜像。'],
  ),
  rule(
    'oci.bundle-entry-not-image',
    'blocker',
    'KooGallery container package format',
    ['Container package holds something other than image tars', 'Keep only one .tar per image in the package.'],
    ['容器包中含有非镜像 tar 的内容', '包中只保留每个镜像一个 .tar 文件。'],
  ),
  rule(
    'oci.deleted-file-malware',
    'warning',
    'OCI image-spec (layer whiteouts); KooGallery package scan',
    [
      'Malware signature in a file an upper image layer deletes: not in the image, but still shipped in the layer',
      'Rebuild the image so the file is never added (same build step, or a multi-stage build), or squash the layers; a scanner reading layer blobs still finds it.',
    ],
    [
      '上层镜像层删除的文件匹配恶意软件特征：不在镜像文件系统中，但仍随该层分发',
      '重新构建镜像，不要添加该文件（在同一构建步骤中处理，或使用多阶段构建），或合并镜像层；读取层 blob 的扫描器仍会发现它。',
    ],
  ),
  rule(
    'swr.console-oci',
    'warning',
    SWR,
    [
      'SWR console upload refuses OCI images',
      'Push with a client (docker/skopeo), or repack with --format docker-archive for the console.',
    ],
    [
      'SWR 控制台上传不接受 OCI 镜像',
      '使用客户端推送（docker/skopeo），或用 --format docker-archive 重新打包后在控制台上传。',
    ],
  ),
  rule(
    'swr.name-invalid',
    'blocker',
    SWR,
    [
      'Organization, repository or tag name not allowed by SWR',
      'Use lowercase letters, digits and single separators (_, __, -) as SWR requires.',
    ],
    ['组织、仓库或标签名称不符合 SWR 要求', '按 SWR 要求使用小写字母、数字和分隔符（_、__、-）。'],
  ),
  rule(
    'swr.console-too-large',
    'warning',
    SWR,
    [
      'Over 2 GB including decompressed size: the SWR console refuses it',
      'Push the image with a client instead of the console.',
    ],
    ['含解压后大小超过 2 GB：SWR 控制台会拒绝', '改用客户端推送镜像。'],
  ),
  rule(
    'swr.registry-invalid',
    'blocker',
    SWR,
    [
      'Registry address is not a host name with an optional port',
      'Type only the registry host and, if it has one, its port (e.g. swr.cn-north-4.myhuaweicloud.com or 127.0.0.1:5000): no https://, no path.',
    ],
    [
      '镜像仓库地址不是“主机名[:端口]”形式',
      '只填写镜像仓库的主机名和端口（如有），例如 swr.cn-north-4.myhuaweicloud.com 或 127.0.0.1:5000；不要包含 https:// 或路径。',
    ],
  ),

  // VM images
  rule(
    'qcow2.invalid',
    'blocker',
    'qcow2 specification',
    ['Not a valid qcow2 image', 'Convert the disk again with qemu-img convert -O qcow2 (or preflight convert).'],
    ['不是有效的 qcow2 镜像', '使用 qemu-img convert -O qcow2（或 preflight convert）重新转换磁盘。'],
  ),
  rule(
    'qcow2.encrypted',
    'blocker',
    KG_IMG,
    [
      'Encrypted image cannot be released',
      'Convert to an unencrypted qcow2 (qemu-img convert with the key) before release.',
    ],
    ['加密镜像无法发布', '发布前转换为未加密的 qcow2（使用密钥执行 qemu-img convert）。'],
  ),
  rule(
    'qcow2.backing-file',
    'blocker',
    KG_IMG,
    ['Image depends on a backing file', 'Flatten it: qemu-img convert -O qcow2 image.qcow2 flat.qcow2.'],
    ['镜像依赖后备文件', '合并为独立镜像：qemu-img convert -O qcow2 image.qcow2 flat.qcow2。'],
  ),
  rule(
    'qcow2.external-data-file',
    'blocker',
    KG_IMG,
    ['Image keeps its data in an external file', 'Convert to a self-contained qcow2 with qemu-img convert.'],
    ['镜像数据存放在外部文件中', '使用 qemu-img convert 转换为自包含的 qcow2。'],
  ),
  rule(
    'qcow2.corrupt',
    'blocker',
    'qemu-img check',
    ['qcow2 metadata is corrupt', 'Run qemu-img check -r all on a copy, then convert it to a new image.'],
    ['qcow2 元数据损坏', '对副本执行 qemu-img check -r all，再转换为新镜像。'],
  ),
  rule(
    'qcow2.dirty',
    'warning',
    'qemu-img check',
    ['Image was not cleanly closed', 'Run qemu-img check -r leaks, or convert the image again.'],
    ['镜像未正常关闭', '执行 qemu-img check -r leaks，或重新转换镜像。'],
  ),
  rule(
    'qcow2.internal-snapshots',
    'warning',
    KG_IMG,
    ['Internal snapshots present', 'Delete them (qemu-img snapshot -d) or convert the image to drop old disk states.'],
    ['存在内部快照', '删除快照（qemu-img snapshot -d）或重新转换镜像以去除旧磁盘状态。'],
  ),
  rule(
    'image.format-unsupported',
    'blocker',
    IMS,
    ['Image format not accepted by this profile', 'Convert the image to qcow2 (preflight convert).'],
    ['该配置不接受此镜像格式', '将镜像转换为 qcow2（preflight convert）。'],
  ),
  rule(
    'image.invalid',
    'blocker',
    'qemu block drivers (vmdk, vpc, vhdx, vdi, qed)',
    [
      'Disk image header is damaged or unusable',
      'Export the disk again from its hypervisor, or convert it with qemu-img convert -O qcow2 if qemu-img can still read it.',
    ],
    [
      '磁盘镜像头部损坏或不可用',
      '从虚拟化平台重新导出磁盘；若 qemu-img 仍可读取，使用 qemu-img convert -O qcow2 转换。',
    ],
  ),
  rule(
    'image.backing-file',
    'blocker',
    KG_IMG,
    [
      'Disk image depends on a parent image',
      'Merge it with its parent into one self-contained image (qemu-img convert -O qcow2 with the parent next to it).',
    ],
    ['磁盘镜像依赖父镜像', '将其与父镜像合并为一个自包含镜像（父镜像放在旁边，执行 qemu-img convert -O qcow2）。'],
  ),
  rule(
    'image.external-extents',
    'blocker',
    KG_IMG,
    [
      'Disk image keeps its data in separate extent files',
      'Upload one self-contained image: convert it with preflight convert --output image.qcow2 (the extent files next to the descriptor).',
    ],
    [
      '磁盘镜像的数据位于单独的 extent 文件中',
      '上传单个自包含镜像：执行 preflight convert --output image.qcow2 转换（extent 文件需与描述文件放在一起）。',
    ],
  ),
  rule(
    'image.encrypted-volume',
    'blocker',
    KG_IMG,
    [
      'A guest volume is encrypted (LUKS)',
      'Release an image whose system volumes are not encrypted: the buyer cannot unlock it, and neither Preflight nor the marketplace scan can check it.',
    ],
    ['客户机卷已加密（LUKS）', '发布系统卷未加密的镜像：买家无法解锁，Preflight 与云商店扫描也都无法检查其内容。'],
  ),
  rule(
    'image.volume-unread',
    'warning',
    KG_IMG,
    [
      'A guest volume was not read',
      'Preflight reads ext2/3/4, XFS, btrfs and LVM2 (linear, striped) volumes: check this volume yourself, or move its files to a volume Preflight reads, and scan again.',
    ],
    [
      '未读取客户机卷',
      'Preflight 可读取 ext2/3/4、XFS、btrfs 和 LVM2（线性、条带）卷：请自行检查此卷，或将其文件移到 Preflight 可读取的卷后重新扫描。',
    ],
  ),
  rule(
    'image.min-disk-too-small',
    'blocker',
    IMS,
    [
      'Stated minimum disk is below the image virtual size',
      'Set the minimum disk to at least the virtual size rounded up to GB.',
    ],
    ['声明的最小磁盘小于镜像虚拟大小', '将最小磁盘设置为不小于虚拟大小（向上取整到 GB）。'],
  ),
  rule(
    'image.attribute-invalid',
    'blocker',
    IMS,
    ['Image attribute outside its allowed values', 'Correct the attribute to one of the allowed values.'],
    ['镜像属性超出允许范围', '将属性改为允许的取值。'],
  ),
  rule(
    'image.version-mismatch',
    'blocker',
    KG_IMG,
    [
      'Replacement image differs from the original version',
      'Keep OS type, virtual env type, disk format, OS version, min disk/RAM, max RAM and architecture the same as the original version.',
    ],
    [
      '替换镜像与原版本不一致',
      '保持操作系统类型、虚拟化类型、磁盘格式、系统版本、最小磁盘/内存、最大内存和架构与原版本一致。',
    ],
  ),
  rule(
    'image.os-mismatch',
    'blocker',
    IMS,
    [
      'Stated OS disagrees with the OS found in the image',
      "Pick the OS type (and OS version) of the system the image holds, as its /etc/os-release names it; if the scan found the wrong volume's OS, waive the finding with the reason.",
    ],
    [
      '声明的操作系统与镜像中检测到的不一致',
      '选择镜像实际系统（以其 /etc/os-release 为准）的操作系统类型（及系统版本）；若扫描识别了错误卷的系统，请豁免此发现并说明原因。',
    ],
  ),

  // Guest hygiene
  rule(
    'hygiene.preset-password',
    'blocker',
    KG_IMG,
    [
      'Account with a preset password',
      'Lock the password (passwd -l user, or set "!" in /etc/shadow) and let cloud-init inject credentials.',
    ],
    ['存在预置密码的账号', '锁定密码（passwd -l 用户，或在 /etc/shadow 中设为 "!"），由 cloud-init 注入凭据。'],
  ),
  rule(
    'hygiene.authorized-keys',
    'blocker',
    KG_IMG,
    ['Preset SSH login keys', 'Empty or delete the authorized_keys file before capturing the image.'],
    ['存在预置 SSH 登录密钥', '制作镜像前清空或删除 authorized_keys 文件。'],
  ),
  rule(
    'hygiene.ssh-host-keys',
    'warning',
    KG_IMG,
    ['SSH host private keys present', 'Delete /etc/ssh/ssh_host_*key* so each VM generates its own at first boot.'],
    ['存在 SSH 主机私钥', '删除 /etc/ssh/ssh_host_*key*，让每台虚拟机首次启动时自行生成。'],
  ),
  rule(
    'hygiene.shell-history',
    'warning',
    KG_IMG,
    [
      'Shell history present',
      'Delete the history files (e.g. rm ~/.bash_history; history -c) before capturing the image.',
    ],
    ['存在 Shell 历史记录', '制作镜像前删除历史文件（如 rm ~/.bash_history; history -c）。'],
  ),
  rule(
    'hygiene.cloud-init-missing',
    'warning',
    KG_IMG,
    ['cloud-init not installed', 'Install cloud-init so the platform can inject passwords, keys and network settings.'],
    ['未安装 cloud-init', '安装 cloud-init，以便平台注入密码、密钥和网络配置。'],
  ),
  rule(
    'hygiene.ssh-password-auth',
    'warning',
    KG_IMG,
    [
      'sshd allows password or root password login',
      'Set PasswordAuthentication no and PermitRootLogin prohibit-password in sshd_config.',
    ],
    [
      'sshd 允许密码或 root 密码登录',
      '在 sshd_config 中设置 PasswordAuthentication no 和 PermitRootLogin prohibit-password。',
    ],
  ),

  // Release
  rule(
    'release.field-invalid',
    'blocker',
    KG_IMG,
    ['Required field missing or out of range', 'Fill the field with an allowed value.'],
    ['必填字段缺失或超出范围', '填写允许的取值。'],
  ),
  rule(
    'release.free-vcpu',
    'blocker',
    KG_IMG,
    ['A vCPU-priced image cannot be free', 'Choose a paid pricing mode or the simple pricing template.'],
    ['按 vCPU 定价的镜像不能免费', '选择付费定价模式或简单定价模板。'],
  ),
  rule(
    'release.vcpu-tier-removed',
    'blocker',
    KG_IMG,
    ['A released vCPU tier was deleted', 'Restore the tier; released tiers can be repriced but not deleted.'],
    ['已发布的 vCPU 档位被删除', '恢复该档位；已发布档位只能改价不能删除。'],
  ),
  rule(
    'release.daily-requests',
    'info',
    KG_IMG,
    ['10 or more release requests today', 'Review may take longer than 3 working days.'],
    ['今日发布申请已达 10 次及以上', '审核可能超过 3 个工作日。'],
  ),
  rule(
    'release.version-format',
    'warning',
    KG_IMG,
    ['Version not of the form V1.0', 'Use the V<major>.<minor> form, e.g. V1.0.'],
    ['版本号不符合 V1.0 格式', '使用 V<主>.<次> 格式，如 V1.0。'],
  ),
  rule(
    'release.name-forbidden',
    'warning',
    KG_IMG,
    ['Product name contains a price, version, phone number or "Huawei Cloud"', 'Remove it from the product name.'],
    ['产品名称包含价格、版本、电话号码或“Huawei Cloud”', '从产品名称中删除。'],
  ),
]

for (const r of RULES) if (ACTIONS[r.id]) r.action = ACTIONS[r.id]
const BY_ID = new Map(RULES.map((r) => [r.id, r]))
for (const id of Object.keys(ACTIONS)) if (!BY_ID.has(id)) throw new Error(`an action names an unknown rule id: ${id}`)

export function allRules(): readonly Rule[] {
  return RULES
}

export function getRule(id: string): Rule {
  const r = BY_ID.get(id)
  if (!r) throw new Error(`unknown rule id: ${id}`)
  return r
}

export function hasRule(id: string): boolean {
  return BY_ID.has(id)
}

export function severityFor(id: string, profile?: string): Severity {
  const r = getRule(id)
  return (profile && r.severityByProfile?.[profile]) || r.severity
}

/** The rule's fix as an action in the app, or null when the fix is the seller's to do. */
export function ruleAction(id: string): RuleAction | null {
  return BY_ID.get(id)?.action ?? null
}

export function ruleText(id: string, lang: Lang = 'en'): RuleText {
  const r = getRule(id)
  return lang === 'zh-CN' ? r.zh : r.en
}
