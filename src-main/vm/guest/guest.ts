// Guest inspection: partitions and filesystems of a disk image, the guest OS (os-release), the image hygiene
// rules (preset passwords, login keys, host keys, shell history, cloud-init, sshd password login), and a walk
// of the guest's files through the same entry pass as packages (malware, components).
import { makeFinding, type Finding } from '../../reports/model'
import type { EntryPipeline } from '../../walk/pipeline'
import type { WalkEntry } from '../../walk/types'
import { sliceDevice, type BlockDevice } from '../block'
import { Ext4, Ext4Error, type Inode } from './ext4'
import { readPartitions, type Partition } from './partitions'

export interface GuestOs {
  id: string
  versionId: string
  name: string
  arch: string | null
}

export interface GuestInfo {
  os: GuestOs | null
  partitions: Array<{ index: number; type: string; start: number; size: number; filesystem: string | null }>
}

const ELF_ARCH: Record<number, string> = { 3: 'x86', 62: 'x86_64', 40: 'arm', 183: 'aarch64', 8: 'mips', 20: 'ppc', 21: 'ppc64', 243: 'riscv64', 22: 's390x' }

function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, '')
  }
  return out
}

async function readText(fs: Ext4, path: string, limit = 1024 * 1024): Promise<string | null> {
  const ino = await fs.lookup(path).catch(() => null)
  if (!ino || !Ext4.isFile(ino)) return null
  return (await fs.readAll(ino, limit)).toString('utf8')
}

async function homes(fs: Ext4): Promise<string[]> {
  const out = ['/root']
  const home = await fs.lookup('/home').catch(() => null)
  if (home && Ext4.isDir(home)) for (const e of await fs.readdir(home).catch(() => [])) if (e.type === 'directory') out.push(`/home/${e.name}`)
  return out
}

/** The hygiene rules over one root filesystem. */
export async function hygiene(fs: Ext4, at: string, profile: string): Promise<Finding[]> {
  const out: Finding[] = []
  const f = (rule: string, path: string, message: string) => out.push(makeFinding(rule, `${at}!${path.replace(/^\//, '')}`, message, { profile }))
  const shadow = await readText(fs, '/etc/shadow')
  if (shadow)
    for (const line of shadow.split('\n')) {
      const [user, hash] = line.split(':')
      if (user && hash && !hash.startsWith('!') && !hash.startsWith('*') && hash.length > 1)
        f('hygiene.preset-password', '/etc/shadow', `Account "${user}" has a usable password hash: preset credentials are forbidden. Lock it (passwd -l ${user}).`)
    }
  for (const h of await homes(fs)) {
    const keys = await readText(fs, `${h}/.ssh/authorized_keys`)
    if (keys && keys.split('\n').some((l) => l.trim() && !l.trim().startsWith('#'))) f('hygiene.authorized-keys', `${h}/.ssh/authorized_keys`, `${h}/.ssh/authorized_keys holds login keys: remove it before capturing the image.`)
    for (const hist of ['.bash_history', '.zsh_history', '.ash_history', '.sh_history']) {
      const text = await readText(fs, `${h}/${hist}`)
      if (text && text.trim()) f('hygiene.shell-history', `${h}/${hist}`, `${h}/${hist} is not empty: delete it before capturing the image.`)
    }
  }
  const sshDir = await fs.lookup('/etc/ssh').catch(() => null)
  if (sshDir && Ext4.isDir(sshDir))
    for (const e of await fs.readdir(sshDir).catch(() => []))
      if (/^ssh_host_.*_key$/.test(e.name)) f('hygiene.ssh-host-keys', `/etc/ssh/${e.name}`, `/etc/ssh/${e.name} is an SSH host private key: every buyer's VM would share it. Delete the host keys; they are regenerated at first boot.`)
  const hasCloudInit = (await fs.lookup('/etc/cloud/cloud.cfg').catch(() => null)) || (await fs.lookup('/usr/bin/cloud-init').catch(() => null))
  if (!hasCloudInit) f('hygiene.cloud-init-missing', '/etc/cloud', 'cloud-init is not installed (/etc/cloud/cloud.cfg and /usr/bin/cloud-init are missing).')
  const configs: Array<[string, string | null]> = [['/etc/ssh/sshd_config', await readText(fs, '/etc/ssh/sshd_config')]]
  const dropIns = await fs.lookup('/etc/ssh/sshd_config.d').catch(() => null)
  if (dropIns && Ext4.isDir(dropIns)) for (const e of await fs.readdir(dropIns).catch(() => [])) if (e.name.endsWith('.conf')) configs.push([`/etc/ssh/sshd_config.d/${e.name}`, await readText(fs, `/etc/ssh/sshd_config.d/${e.name}`)])
  for (const [path, text] of configs) {
    if (!text) continue
    for (const line of text.split('\n')) {
      const m = /^\s*(PasswordAuthentication|PermitRootLogin)\s+(\S+)/i.exec(line)
      if (!m) continue
      if (/^passwordauthentication$/i.test(m[1]) && /^yes$/i.test(m[2])) f('hygiene.ssh-password-auth', path, `${path}: "${line.trim()}" allows password logins. Set PasswordAuthentication no.`)
      if (/^permitrootlogin$/i.test(m[1]) && /^yes$/i.test(m[2])) f('hygiene.ssh-password-auth', path, `${path}: "${line.trim()}" allows root password login. Set PermitRootLogin prohibit-password.`)
    }
  }
  return out
}

export async function detectOs(fs: Ext4): Promise<GuestOs | null> {
  const text = (await readText(fs, '/etc/os-release')) ?? (await readText(fs, '/usr/lib/os-release'))
  let arch: string | null = null
  for (const p of ['/bin/sh', '/usr/bin/sh', '/bin/busybox', '/usr/bin/ls', '/bin/ls']) {
    const ino = await fs.lookup(p).catch(() => null)
    if (!ino || !Ext4.isFile(ino)) continue
    const head = await fs.readAll(ino, 64)
    if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
      arch = ELF_ARCH[head.readUInt16LE(18)] ?? `elf-${head.readUInt16LE(18)}`
      break
    }
  }
  if (!text) return arch ? { id: 'unknown', versionId: '', name: 'unknown Linux', arch } : null
  const r = parseOsRelease(text)
  return { id: r.ID ?? 'linux', versionId: r.VERSION_ID ?? '', name: r.PRETTY_NAME ?? r.NAME ?? r.ID ?? 'Linux', arch }
}

export interface GuestScan {
  info: GuestInfo
  findings: Finding[]
}

/** Inspect a guest disk; with a pipeline, also walk every guest file through the entry pass. */
export async function inspectGuest(dev: BlockDevice, opts: { location: string; profile: string; pipeline?: EntryPipeline; signal?: AbortSignal }): Promise<GuestScan> {
  const findings: Finding[] = []
  const parts: Partition[] = await readPartitions(dev)
  const info: GuestInfo = { os: null, partitions: [] }
  for (const p of parts) {
    const pdev = sliceDevice(dev, p.start, p.size)
    const at = `${opts.location}!p${p.index}`
    let filesystem: string | null = null
    if (await Ext4.probe(pdev).catch(() => false)) {
      filesystem = 'ext'
      try {
        const fs = await Ext4.open(pdev)
        const os = await detectOs(fs)
        if (os && (!info.os || os.id !== 'unknown')) info.os = os
        if (os || (await fs.lookup('/etc').catch(() => null))) findings.push(...(await hygiene(fs, at, opts.profile)))
        if (opts.pipeline) await walkGuest(fs, at, opts.pipeline, opts.signal)
      } catch (err) {
        if (!(err instanceof Ext4Error)) throw err
        findings.push(makeFinding('archive.corrupt', at, `The ext filesystem in partition ${p.index} is damaged: ${err.message}.`, { profile: opts.profile }))
      }
    }
    info.partitions.push({ index: p.index, type: p.type, start: p.start, size: p.size, filesystem })
  }
  return { info, findings }
}

const MAX_GUEST_ENTRIES = 2_000_000
const MAX_GUEST_FILE = 4 * 1024 ** 3

/** Every guest file through the entry pass, directories breadth first, each inode at most once. */
async function walkGuest(fs: Ext4, at: string, pipeline: EntryPipeline, signal?: AbortSignal): Promise<void> {
  const c = pipeline.container(at, 0, 'guest')
  const seen = new Set<number>([2])
  const queue: Array<{ path: string; ino: Inode }> = [{ path: '', ino: await fs.inode(2) }]
  let count = 0
  while (queue.length && !pipeline.isStopped) {
    if (signal?.aborted) return
    const dir = queue.shift()!
    for (const e of await fs.readdir(dir.ino).catch(() => [])) {
      if (++count > MAX_GUEST_ENTRIES) return
      const path = dir.path ? `${dir.path}/${e.name}` : e.name
      const ino = await fs.inode(e.ino).catch(() => null)
      if (!ino) continue
      const entry: WalkEntry = { path, location: `${at}!${path}`, type: 'other', size: ino.size, mode: ino.mode & 0o7777, depth: 0, container: 'guest' }
      if (Ext4.isDir(ino)) {
        if (seen.has(e.ino)) continue
        seen.add(e.ino)
        queue.push({ path, ino })
        await pipeline.feed(c, { ...entry, type: 'directory' }, null)
      } else if (Ext4.isFile(ino)) {
        await pipeline.feed(c, { ...entry, type: 'file' }, fs.readFile(ino, MAX_GUEST_FILE))
      } else if ((ino.mode & 0o170000) === 0o120000) {
        await pipeline.feed(c, { ...entry, type: 'symlink', linkTarget: (await fs.readAll(ino, 4096)).toString('utf8') }, null)
      }
    }
  }
}
