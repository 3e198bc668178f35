// Guest inspection: partitions, LVM2 volumes and the filesystems on them (ext2/3/4, XFS, btrfs read; LUKS,
// NTFS, ZFS, swap, FAT and unknown ones named), the guest OS (os-release and the distributions' release files),
// the image hygiene rules (preset passwords, login keys, host keys, shell history, cloud-init, sshd password
// login), and a walk of the guest's files through the same entry pass as packages (malware, components). What
// was not read is reported (image.volume-unread, image.encrypted-volume) and listed in `unread`.
import { bi, textIn, type Bilingual } from '../../../src-preload/text'
import { makeFinding, type Finding } from '../../reports/model'
import { osReleaseFromReleaseFile, parseOsRelease } from '../../vulns/ecosystems'
import { throwIfCancelled } from '../../tasks/cancel'
import type { EntryPipeline } from '../../walk/pipeline'
import type { WalkEntry } from '../../walk/types'
import { sliceDevice, type BlockDevice } from '../block'
import { Btrfs } from './btrfs'
import { Ext4 } from './ext4'
import { GuestFsError, isDir, isFile, isSymlink, type GuestFs, type Inode } from './fs'
import { logicalVolumes, readPhysicalVolume, type PhysicalVolume } from './lvm'
import { readPartitions, type Partition } from './partitions'
import { Xfs } from './xfs'

export interface GuestOs {
  id: string
  versionId: string
  name: string
  arch: string | null
}

export interface GuestInfo {
  os: GuestOs | null
  partitions: Array<{ index: number; type: string; start: number; size: number; filesystem: string | null }>
  /** LVM2 logical volumes found on the disk's physical volumes. */
  volumes?: Array<{ vg: string; name: string; size: number; types: string[]; filesystem: string | null }>
  /** Locations of the volumes whose files were read. */
  read?: string[]
  /** Volumes that may hold files and were not read (location and why): the guest checks did not cover them. */
  unread?: Array<{ location: string; reason: string }>
}

const ELF_ARCH: Record<number, string> = {
  3: 'x86',
  62: 'x86_64',
  40: 'arm',
  183: 'aarch64',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  243: 'riscv64',
  22: 's390x',
}

type ReadableFs = GuestFs & { lookup(path: string): Promise<Inode | null> }

async function readText(fs: ReadableFs, path: string, limit = 1024 * 1024): Promise<string | null> {
  const ino = await fs.lookup(path).catch(() => null)
  if (!ino || !isFile(ino)) return null
  return (await fs.readAll(ino, limit)).toString('utf8')
}

async function homes(fs: ReadableFs): Promise<string[]> {
  const out = ['/root']
  const home = await fs.lookup('/home').catch(() => null)
  if (home && isDir(home))
    for (const e of await fs.readdir(home).catch(() => [])) if (e.type === 'directory') out.push(`/home/${e.name}`)
  return out
}

/** The hygiene rules over one root filesystem. */
export async function hygiene(fs: ReadableFs, at: string, profile: string): Promise<Finding[]> {
  const out: Finding[] = []
  const f = (rule: string, path: string, message: Bilingual) =>
    out.push(makeFinding(rule, `${at}!${path.replace(/^\//, '')}`, message, { profile }))
  const shadow = await readText(fs, '/etc/shadow')
  if (shadow)
    for (const line of shadow.split('\n')) {
      const [user, hash] = line.split(':')
      if (user && hash && !hash.startsWith('!') && !hash.startsWith('*') && hash.length > 1)
        f(
          'hygiene.preset-password',
          '/etc/shadow',
          bi(
            `Account "${user}" has a usable password hash: preset credentials are forbidden. Lock it (passwd -l ${user}).`,
            `账户“${user}”有可用的密码哈希：禁止预置凭据。请锁定该账户（passwd -l ${user}）。`,
          ),
        )
    }
  for (const h of await homes(fs)) {
    const keys = await readText(fs, `${h}/.ssh/authorized_keys`)
    if (keys && keys.split('\n').some((l) => l.trim() && !l.trim().startsWith('#')))
      f(
        'hygiene.authorized-keys',
        `${h}/.ssh/authorized_keys`,
        bi(
          `${h}/.ssh/authorized_keys holds login keys: remove it before capturing the image.`,
          `${h}/.ssh/authorized_keys 中有登录密钥：制作镜像前请删除该文件。`,
        ),
      )
    for (const hist of ['.bash_history', '.zsh_history', '.ash_history', '.sh_history']) {
      const text = await readText(fs, `${h}/${hist}`)
      if (text && text.trim())
        f(
          'hygiene.shell-history',
          `${h}/${hist}`,
          bi(
            `${h}/${hist} is not empty: delete it before capturing the image.`,
            `${h}/${hist} 不为空：制作镜像前请删除该文件。`,
          ),
        )
    }
  }
  const sshDir = await fs.lookup('/etc/ssh').catch(() => null)
  if (sshDir && isDir(sshDir))
    for (const e of await fs.readdir(sshDir).catch(() => []))
      if (/^ssh_host_.*_key$/.test(e.name))
        f(
          'hygiene.ssh-host-keys',
          `/etc/ssh/${e.name}`,
          bi(
            `/etc/ssh/${e.name} is an SSH host private key: every buyer's VM would share it. Delete the host keys; they are regenerated at first boot.`,
            `/etc/ssh/${e.name} 是 SSH 主机私钥：所有买家的虚拟机都会共用它。请删除主机密钥，首次启动时会重新生成。`,
          ),
        )
  const hasCloudInit =
    (await fs.lookup('/etc/cloud/cloud.cfg').catch(() => null)) ||
    (await fs.lookup('/usr/bin/cloud-init').catch(() => null))
  if (!hasCloudInit)
    f(
      'hygiene.cloud-init-missing',
      '/etc/cloud',
      bi(
        'cloud-init is not installed (/etc/cloud/cloud.cfg and /usr/bin/cloud-init are missing).',
        '未安装 cloud-init（缺少 /etc/cloud/cloud.cfg 和 /usr/bin/cloud-init）。',
      ),
    )
  const configs: Array<[string, string | null]> = [['/etc/ssh/sshd_config', await readText(fs, '/etc/ssh/sshd_config')]]
  const dropIns = await fs.lookup('/etc/ssh/sshd_config.d').catch(() => null)
  if (dropIns && isDir(dropIns))
    for (const e of await fs.readdir(dropIns).catch(() => []))
      if (e.name.endsWith('.conf'))
        configs.push([`/etc/ssh/sshd_config.d/${e.name}`, await readText(fs, `/etc/ssh/sshd_config.d/${e.name}`)])
  for (const [path, text] of configs) {
    if (!text) continue
    for (const line of text.split('\n')) {
      const m = /^\s*(PasswordAuthentication|PermitRootLogin)\s+(\S+)/i.exec(line)
      if (!m) continue
      if (/^passwordauthentication$/i.test(m[1]) && /^yes$/i.test(m[2]))
        f(
          'hygiene.ssh-password-auth',
          path,
          bi(
            `${path}: "${line.trim()}" allows password logins. Set PasswordAuthentication no.`,
            `${path}：“${line.trim()}”允许密码登录。请设置 PasswordAuthentication no。`,
          ),
        )
      if (/^permitrootlogin$/i.test(m[1]) && /^yes$/i.test(m[2]))
        f(
          'hygiene.ssh-password-auth',
          path,
          bi(
            `${path}: "${line.trim()}" allows root password login. Set PermitRootLogin prohibit-password.`,
            `${path}：“${line.trim()}”允许 root 用密码登录。请设置 PermitRootLogin prohibit-password。`,
          ),
        )
    }
  }
  return out
}

export async function detectOs(fs: ReadableFs): Promise<GuestOs | null> {
  const text = (await readText(fs, '/etc/os-release')) ?? (await readText(fs, '/usr/lib/os-release'))
  let arch: string | null = null
  for (const p of ['/bin/sh', '/usr/bin/sh', '/bin/busybox', '/usr/bin/ls', '/bin/ls']) {
    const ino = await fs.lookup(p).catch(() => null)
    if (!ino || !isFile(ino)) continue
    const head = await fs.readAll(ino, 64)
    if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
      arch = ELF_ARCH[head.readUInt16LE(18)] ?? `elf-${head.readUInt16LE(18)}`
      break
    }
  }
  if (!text) {
    // older guests (CentOS 6, SLES 11): the distribution's own release file, read as the vulnerability match reads it
    for (const file of RELEASE_FILES) {
      const release = await readText(fs, file, 4096)
      const said = release && osReleaseFromReleaseFile(file, release)
      if (!said) continue
      const r = parseOsRelease(said)
      return { id: r.ID, versionId: r.VERSION_ID ?? '', name: release.split('\n')[0].trim(), arch }
    }
    return arch ? { id: 'unknown', versionId: '', name: 'unknown Linux', arch } : null
  }
  const r = parseOsRelease(text)
  return { id: r.ID ?? 'linux', versionId: r.VERSION_ID ?? '', name: r.PRETTY_NAME ?? r.NAME ?? r.ID ?? 'Linux', arch }
}

/** Release files in the order they are trusted (a distribution's own before the Red Hat family's shared one). */
const RELEASE_FILES = [
  '/etc/oracle-release',
  '/etc/almalinux-release',
  '/etc/rocky-release',
  '/etc/centos-release',
  '/etc/redhat-release',
  '/etc/SuSE-release',
  '/etc/alpine-release',
  '/etc/debian_version',
]

export interface GuestScan {
  info: GuestInfo
  findings: Finding[]
}

/** What a volume holds, from its magic numbers: a filesystem Preflight reads, one it names, or null (unknown). */
export async function identifyVolume(dev: BlockDevice): Promise<string | null> {
  if (await Ext4.probe(dev).catch(() => false)) return 'ext'
  if (await Xfs.probe(dev).catch(() => false)) return 'xfs'
  if (await Btrfs.probe(dev).catch(() => false)) return 'btrfs'
  const head = await dev.read(0, 4096).catch(() => Buffer.alloc(0))
  if (head.length < 512) return 'empty'
  if (head.toString('latin1', 0, 6) === 'LUKS\xba\xbe') return 'luks'
  if (head.toString('latin1', 512, 520) === 'LABELONE' || head.toString('latin1', 536, 544) === 'LVM2 001')
    return 'lvm2'
  if (head.length >= 4096 && /SWAP(SPACE2|-SPACE)/.test(head.toString('latin1', 4086, 4096))) return 'swap'
  if (head.toString('latin1', 3, 11) === 'NTFS    ') return 'ntfs'
  if (
    head[510] === 0x55 &&
    head[511] === 0xaa &&
    (/^FAT(12|16)?/.test(head.toString('latin1', 54, 59)) || head.toString('latin1', 82, 87) === 'FAT32')
  )
    return 'vfat'
  if (head.toString('latin1', 3, 11) === 'EXFAT   ') return 'exfat'
  const iso = await dev.read(0x8001, 5).catch(() => Buffer.alloc(0))
  if (iso.toString('latin1') === 'CD001') return 'iso9660'
  const zfs = await dev.read(128 * 1024, 8).catch(() => Buffer.alloc(0))
  if (zfs.length === 8 && (zfs.readBigUInt64LE(0) === 0xbab10cn || zfs.readBigUInt64BE(0) === 0xbab10cn)) return 'zfs'
  if (head.every((b) => b === 0)) return 'empty'
  return null
}

const READERS: Record<string, (dev: BlockDevice) => Promise<ReadableFs>> = {
  ext: (d) => Ext4.open(d),
  xfs: (d) => Xfs.open(d),
  btrfs: (d) => Btrfs.open(d),
}
const FS_NAMES: Record<string, string> = {
  ext: 'ext',
  xfs: 'XFS',
  btrfs: 'btrfs',
  ntfs: 'NTFS',
  zfs: 'ZFS',
  exfat: 'exFAT',
  iso9660: 'ISO 9660',
}
/** Volumes that hold no files to check: swap, an EFI or boot FAT partition, nothing at all. */
const NOTHING_TO_READ = new Set(['swap', 'vfat', 'empty'])

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** Inspect a guest disk; with a pipeline, also walk every guest file through the entry pass. */
export async function inspectGuest(
  dev: BlockDevice,
  opts: { location: string; profile: string; pipeline?: EntryPipeline; signal?: AbortSignal },
): Promise<GuestScan> {
  const findings: Finding[] = []
  const parts: Partition[] = await readPartitions(dev)
  const info: GuestInfo = { os: null, partitions: [], volumes: [], read: [], unread: [] }
  const pvs: PhysicalVolume[] = []
  const f = (rule: string, at: string, message: Bilingual, details?: Record<string, unknown>) =>
    findings.push(makeFinding(rule, at, message, { profile: opts.profile, details }))

  /** Read (or name) what one volume holds; returns its filesystem. */
  const volume = async (vdev: BlockDevice, at: string, what: Bilingual): Promise<string | null> => {
    const filesystem = await identifyVolume(vdev)
    const reader = filesystem ? READERS[filesystem] : undefined
    if (reader) {
      try {
        const fs = await reader(vdev)
        const os = await detectOs(fs)
        if (os && (!info.os || info.os.id === 'unknown')) info.os = os
        if (os || (await fs.lookup('/etc').catch(() => null))) findings.push(...(await hygiene(fs, at, opts.profile)))
        if (opts.pipeline) await walkGuest(fs, at, opts.pipeline, opts.signal)
        info.read!.push(at)
      } catch (err) {
        if (!(err instanceof GuestFsError)) throw err
        f(
          'archive.corrupt',
          at,
          bi(
            `The ${FS_NAMES[filesystem!]} filesystem in ${what.en} is damaged: ${err.message}.`,
            `${what.zh}中的 ${FS_NAMES[filesystem!]} 文件系统已损坏：${textIn(err, 'zh-CN')}。`,
          ),
        )
        info.unread!.push({ location: at, reason: `damaged ${FS_NAMES[filesystem!]} filesystem` })
      }
    } else if (filesystem === 'luks') {
      f(
        'image.encrypted-volume',
        at,
        bi(
          `${capital(what.en)} is a LUKS-encrypted volume: its files cannot be checked, and a buyer cannot unlock it.`,
          `${what.zh}是 LUKS 加密卷：无法检查其中的文件，买家也无法解锁。`,
        ),
      )
      info.unread!.push({ location: at, reason: 'LUKS-encrypted' })
    } else if (filesystem === 'lvm2') {
      const pv = await readPhysicalVolume(vdev).catch((err: unknown) => {
        if (!(err instanceof GuestFsError)) throw err
        f(
          'image.volume-unread',
          at,
          bi(
            `${capital(what.en)} is an LVM2 physical volume whose label is damaged: ${err.message}.`,
            `${what.zh}是 LVM2 物理卷，其标签已损坏：${textIn(err, 'zh-CN')}。`,
          ),
        )
        info.unread!.push({ location: at, reason: 'damaged LVM2 label' })
        return null
      })
      if (pv) pvs.push(pv)
    } else if (!filesystem || !NOTHING_TO_READ.has(filesystem)) {
      const name = filesystem ? (FS_NAMES[filesystem] ?? filesystem) : 'an unknown format'
      f(
        'image.volume-unread',
        at,
        bi(
          `${capital(what.en)} holds ${filesystem ? `a ${name} filesystem` : 'data of an unknown format'}, which Preflight does not read: its files were not checked for malware, components or image hygiene.`,
          `${what.zh}中是${filesystem ? ` ${name} 文件系统` : '格式未知的数据'}，Preflight 不读取这种格式：其中的文件未做恶意软件、组件和镜像卫生检查。`,
        ),
        { filesystem },
      )
      info.unread!.push({ location: at, reason: filesystem ? `${name} not read` : 'unknown format' })
    }
    return filesystem
  }

  for (const p of parts) {
    throwIfCancelled(opts.signal)
    const what =
      p.scheme === 'none'
        ? bi('the disk (no partition table)', '磁盘（无分区表）')
        : bi(`partition ${p.index}`, `分区 ${p.index} `)
    const filesystem = await volume(sliceDevice(dev, p.start, p.size), `${opts.location}!p${p.index}`, what)
    info.partitions.push({ index: p.index, type: p.type, start: p.start, size: p.size, filesystem })
  }
  if (pvs.length) {
    let lvs: ReturnType<typeof logicalVolumes> = []
    try {
      lvs = logicalVolumes(pvs)
    } catch (err) {
      if (!(err instanceof GuestFsError)) throw err
      f(
        'image.volume-unread',
        opts.location,
        bi(
          `The LVM2 metadata on the disk is damaged: ${err.message}.`,
          `磁盘上的 LVM2 元数据已损坏：${textIn(err, 'zh-CN')}。`,
        ),
      )
      info.unread!.push({ location: opts.location, reason: 'damaged LVM2 metadata' })
    }
    for (const lv of lvs) {
      const at = `${opts.location}!${lv.vg}/${lv.name}`
      let filesystem: string | null = null
      if (lv.dev)
        filesystem = await volume(lv.dev, at, bi(`logical volume ${lv.vg}/${lv.name}`, `逻辑卷 ${lv.vg}/${lv.name} `))
      else {
        f(
          'image.volume-unread',
          at,
          bi(
            `Logical volume ${lv.vg}/${lv.name} was not read: ${lv.unreadable?.en}.`,
            `未读取逻辑卷 ${lv.vg}/${lv.name}：${lv.unreadable?.zh}。`,
          ),
          { types: lv.types },
        )
        info.unread!.push({ location: at, reason: lv.unreadable?.en ?? 'not readable' })
      }
      info.volumes!.push({ vg: lv.vg, name: lv.name, size: lv.size, types: lv.types, filesystem })
    }
  }
  if (!info.read!.length && !info.unread!.length)
    f(
      'image.volume-unread',
      opts.location,
      bi(
        `No filesystem was found on the disk${parts[0]?.scheme === 'none' ? ' (it has no partition table)' : ''}: no OS, hygiene, malware or component check could look inside it.`,
        `磁盘上未找到文件系统${parts[0]?.scheme === 'none' ? '（磁盘没有分区表）' : ''}：操作系统识别、镜像卫生、恶意软件和组件检查都无法查看其中的内容。`,
      ),
    )
  return { info, findings }
}

const MAX_GUEST_ENTRIES = 2_000_000
const MAX_GUEST_FILE = 4 * 1024 ** 3

/** Every guest file through the entry pass, directories breadth first, each inode at most once. */
async function walkGuest(fs: ReadableFs, at: string, pipeline: EntryPipeline, signal?: AbortSignal): Promise<void> {
  const c = pipeline.container(at, 0, 'guest')
  const seen = new Set<number>([fs.rootIno])
  const queue: Array<{ path: string; ino: Inode }> = [{ path: '', ino: await fs.inode(fs.rootIno) }]
  let count = 0
  while (queue.length && !pipeline.isStopped) {
    // a cancelled walk ends with the cancelled error, never as if the guest had been read
    throwIfCancelled(signal)
    const dir = queue.shift()!
    for (const e of await fs.readdir(dir.ino).catch(() => [])) {
      if (++count > MAX_GUEST_ENTRIES) return
      const path = dir.path ? `${dir.path}/${e.name}` : e.name
      const ino = await fs.inode(e.ino).catch(() => null)
      if (!ino) continue
      const entry: WalkEntry = {
        path,
        location: `${at}!${path}`,
        type: 'other',
        size: ino.size,
        mode: ino.mode & 0o7777,
        depth: 0,
        container: 'guest',
      }
      if (isDir(ino)) {
        if (seen.has(e.ino)) continue
        seen.add(e.ino)
        queue.push({ path, ino })
        await pipeline.feed(c, { ...entry, type: 'directory' }, null)
      } else if (isFile(ino)) {
        await pipeline.feed(c, { ...entry, type: 'file' }, fs.readFile(ino, MAX_GUEST_FILE))
      } else if (isSymlink(ino)) {
        await pipeline.feed(
          c,
          { ...entry, type: 'symlink', linkTarget: (await fs.readAll(ino, 4096)).toString('utf8') },
          null,
        )
      }
    }
  }
}
