// The same Debian 12 root tree (os-release, this machine's real dpkg status, hygiene problems, an EICAR file) on
// ext4, XFS, btrfs and XFS inside LVM2, each in qcow2 and vmdk disks: every scan finds the same OS, the same
// hygiene findings, the same malware hit and the same components (every package dpkg-query lists, with its purl). Volumes Preflight
// does not read are said: a LUKS partition is image.encrypted-volume, an NTFS one image.volume-unread, and the
// guest checks are then partial, never "run"; a disk with nothing readable is image.volume-unread, not a silent pass.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../../src-main/inspect/scan'
import { verdictLine } from '../../../../src-preload/verdict'
import type { Report } from '../../../../src-main/reports/model'
import { convertDisk, partitionedDisk, writeTree } from '../../../fixtures/guest-disk'
import { makeLvmDisk } from '../../../fixtures/lvm-image'
import { makeXfs } from '../../../fixtures/xfs-image'

let dir: string
let root: string
/** name@version of every installed package, as dpkg-query reads the guest's status file. */
let installed: string[]
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

function elf(): Buffer {
  const b = Buffer.alloc(64)
  b.writeUInt32BE(0x7f454c46, 0)
  b[4] = 2
  b.writeUInt16LE(62, 18)
  return b
}

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'guestfs-'))
  root = join(dir, 'root')
  writeTree(root, {
    'usr/lib/os-release':
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
    'etc/shadow': 'root:$6$salt$abcdefghijklmnop:19000:0:99999:7:::\ndebian:!:19000::::::\n',
    'etc/ssh/sshd_config': 'PasswordAuthentication yes\n',
    'etc/ssh/ssh_host_ed25519_key': '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n',
    'root/.bash_history': 'apt-get install nginx\n',
    'home/debian/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3Nz debian@laptop\n',
    'opt/app/eicar.com': EICAR,
    'bin/sh': elf(),
  })
  execFileSync('ln', ['-s', '../usr/lib/os-release', join(root, 'etc/os-release')])
  // a real dpkg database: this machine's (Debian 12), hundreds of packages, epochs, binNMUs, binaries versioned apart from their source
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
  copyFileSync('/var/lib/dpkg/status', join(root, 'var/lib/dpkg/status'))
  installed = execFileSync(
    'dpkg-query',
    ['--admindir', join(root, 'var/lib/dpkg'), '-W', '-f', '${Status}\t${Package}\t${Version}\n'],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((l) => /^\S+ \S+ installed\t/.test(l))
    .map((l) => l.split('\t').slice(1).join('@'))
    .sort()
})

function summary(r: Report) {
  const guest = r.facts.guest as { os: { id: string; versionId: string; arch: string } | null }
  return {
    os: guest.os && { id: guest.os.id, versionId: guest.os.versionId, arch: guest.os.arch },
    findings: [
      ...new Set(
        r.findings
          .filter((f) => /^(hygiene|malware|image)\./.test(f.rule))
          .map((f) => `${f.rule} ${f.location.split('!').slice(-1)[0]}`),
      ),
    ].sort(),
    components: r.components.map((c) => `${c.ecosystem}:${c.name}@${c.version} ${c.purl}`).sort(),
    checks: Object.fromEntries(
      Object.entries(r.checks)
        .filter(([k]) => k === 'malware')
        .map(([k, v]) => [k, v.state]),
    ),
  }
}

describe('the same guest on every filesystem Preflight reads', () => {
  it('ext4, XFS, btrfs and XFS in LVM, as qcow2 and vmdk, give one result', async () => {
    const ext4 = join(dir, 'root.ext4')
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, ext4, '32M'], { stdio: 'ignore' })
    const xfs = makeXfs(root, join(dir, 'root.xfs'))
    const btrfs = join(dir, 'root.btrfs')
    execFileSync('truncate', ['-s', '160M', btrfs])
    execFileSync('mkfs.btrfs', ['-q', '-f', '-r', root, btrfs], { stdio: 'ignore' })
    const raws: Record<string, string> = {
      ext4: partitionedDisk(join(dir, 'ext4.raw'), [{ file: ext4, type: 0x83 }]),
      xfs: partitionedDisk(join(dir, 'xfs.raw'), [{ file: xfs, type: 0x83 }]),
      btrfs: partitionedDisk(join(dir, 'btrfs.raw'), [{ file: btrfs, type: 0x83 }]),
      'xfs-in-lvm': makeLvmDisk(join(dir, 'lvm.raw'), 'vgsys', [{ name: 'root', image: xfs, sizeMiB: 320 }], [340, 16]),
    }
    const results: Record<string, ReturnType<typeof summary>> = {}
    for (const [name, raw] of Object.entries(raws))
      for (const format of ['qcow2', 'vmdk']) {
        const image = convertDisk(raw, format, join(dir, `${name}.${format}`))
        const r = await scanPackage(image, { profile: 'koogallery-image' })
        results[`${name}.${format}`] = summary(r)
      }
    const expected = results['ext4.qcow2']
    expect(expected.os).toEqual({ id: 'debian', versionId: '12', arch: 'x86_64' })
    expect(expected.findings.map((f) => f.split(' ')[0])).toEqual(
      expect.arrayContaining([
        'hygiene.preset-password',
        'hygiene.authorized-keys',
        'hygiene.ssh-host-keys',
        'hygiene.shell-history',
        'hygiene.ssh-password-auth',
        'malware.detected',
      ]),
    )
    // every installed package, at its own version (epoch included), which its purl names too
    expect(expected.components.map((c) => c.replace(/^Debian:12:| .*$/g, ''))).toEqual(installed)
    for (const c of expected.components)
      expect(decodeURIComponent(/ pkg:deb\/debian\/[^@]+@([^?]+)/.exec(c)![1]), c).toBe(
        /^Debian:12:[^@]+@(\S+)/.exec(c)![1],
      )
    expect(installed.length).toBeGreaterThan(20)
    for (const [name, got] of Object.entries(results)) expect(got, name).toEqual(expected)
    expect(Object.keys(results)).toHaveLength(8)
  }, 300_000)
})

describe('volumes Preflight does not read are said', () => {
  it('a LUKS partition beside the root is image.encrypted-volume and the checks are partial', async () => {
    const ext4 = join(dir, 'luks-root.ext4')
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, ext4, '32M'], { stdio: 'ignore' })
    const luks = Buffer.alloc(4096)
    luks.write('LUKS\xba\xbe', 0, 'latin1')
    luks.writeUInt16BE(2, 6)
    const ntfs = Buffer.alloc(512)
    ntfs.write('NTFS    ', 3, 'latin1')
    ntfs[510] = 0x55
    ntfs[511] = 0xaa
    const raw = partitionedDisk(join(dir, 'mixed.raw'), [
      { file: ext4, type: 0x83 },
      { bytes: luks, type: 0x83 },
      { bytes: ntfs, type: 0x07 },
    ])
    const r = await scanPackage(convertDisk(raw, 'qcow2', join(dir, 'mixed.qcow2')), { profile: 'koogallery-image' })
    const rules = r.findings.map((f) => `${f.rule} ${f.location}`)
    expect(rules).toContain('image.encrypted-volume mixed.qcow2!p2')
    expect(rules).toContain('image.volume-unread mixed.qcow2!p3')
    expect(r.findings.find((f) => f.rule === 'image.volume-unread')!.message).toMatch(/NTFS filesystem/)
    expect(r.checks.malware.state).toBe('partial')
    expect(r.checks.malware.note).toMatch(/2 guest volume\(s\) not read/)
    expect(r.verdict).toBe('fail')
    expect(
      (r.facts.guest as { partitions: Array<{ filesystem: string }> }).partitions.map((p) => p.filesystem),
    ).toEqual(['ext', 'luks', 'ntfs'])
  })

  it('a disk with no filesystem at all is image.volume-unread and its checks are not run', async () => {
    const raw = join(dir, 'blank.raw')
    execFileSync('truncate', ['-s', '16M', raw])
    const r = await scanPackage(convertDisk(raw, 'qcow2', join(dir, 'blank.qcow2')), { profile: 'koogallery-image' })
    expect(r.findings.find((f) => f.rule === 'image.volume-unread')?.message).toMatch(
      /No filesystem was found on the disk \(it has no partition table\)/,
    )
    expect(r.checks.malware.state).toBe('not-run')
    expect(r.findings.some((f) => f.rule === 'scan.not-run')).toBe(true)
    expect(verdictLine(r)).toMatch(/^PASS, [2-9] checks not run$/)
  })
})
