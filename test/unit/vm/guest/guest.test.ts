// Guest inspection on images built here without root: `mkfs.ext4 -d` filesystems wrapped in MBR and GPT
// partition tables, as raw and as qcow2 (plain and compressed, via qemu-img): OS detection, the hygiene
// findings, guest files reaching the malware and component scanners, directory listings equal to debugfs',
// the same guest read from vmdk, vhd, vhdx, vdi and qed images, and a damaged filesystem reported, never hanging.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../../src-main/inspect/scan'
import { openRawDevice, sliceDevice } from '../../../../src-main/vm/block'
import { Ext4 } from '../../../../src-main/vm/guest/ext4'
import { openQcow2Device } from '../../../../src-main/vm/qcow2/device'

let dir: string
const MiB = 1024 * 1024

function rootfs(name: string, dirty: boolean): string {
  const root = join(dir, `${name}-root`)
  for (const d of ['etc/ssh', 'root/.ssh', 'home/alice/.ssh', 'var/lib/dpkg', 'usr/bin', 'bin', 'etc/cloud', 'opt/app'])
    mkdirSync(join(root, d), { recursive: true })
  writeFileSync(
    join(root, 'etc/os-release'),
    'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n',
  )
  writeFileSync(
    join(root, 'etc/shadow'),
    dirty
      ? 'root:$6$salt$abcdefghijklmnop:19000:0:99999:7:::\nalice:!:19000::::::\n'
      : 'root:*:19000:0:99999:7:::\nalice:!:19000::::::\n',
  )
  writeFileSync(
    join(root, 'etc/ssh/sshd_config'),
    dirty ? 'PermitRootLogin yes\nPasswordAuthentication yes\n' : 'PasswordAuthentication no\n',
  )
  if (dirty) {
    writeFileSync(join(root, 'etc/ssh/ssh_host_ed25519_key'), '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n')
    writeFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'ssh-ed25519 AAAAC3Nz alice@laptop\n')
    writeFileSync(join(root, 'root/.bash_history'), 'ls\nrm -rf /tmp/x\n')
    writeFileSync(
      join(root, 'opt/app/eicar.com'),
      'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*',
    )
  } else writeFileSync(join(root, 'etc/cloud/cloud.cfg'), 'users: [default]\n')
  writeFileSync(
    join(root, 'var/lib/dpkg/status'),
    'Package: bash\nStatus: install ok installed\nVersion: 5.1-6ubuntu1\n\n',
  )
  // an ELF header so the architecture is detected (x86_64)
  const elf = Buffer.alloc(64)
  elf.writeUInt32BE(0x7f454c46, 0)
  elf[4] = 2
  elf.writeUInt16LE(62, 18)
  writeFileSync(join(root, 'bin/sh'), elf)
  for (let i = 0; i < 300; i++) writeFileSync(join(root, 'usr/bin', `tool-${i}`), `#!/bin/sh\necho ${i}\n`) // a large (htree) directory
  const fs = join(dir, `${name}.ext4`)
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, fs, '24M'], { stdio: 'ignore' })
  return fs
}

/** Put a filesystem into a disk image at 1 MiB behind an MBR or GPT table. */
function disk(fsPath: string, scheme: 'mbr' | 'gpt', out: string): string {
  const fs = readFileSync(fsPath)
  const total = MiB + fs.length + MiB
  const fd = openSync(out, 'w')
  writeSync(fd, Buffer.alloc(1), 0, 1, total - 1)
  writeSync(fd, fs, 0, fs.length, MiB)
  const mbr = Buffer.alloc(512)
  const sectors = fs.length / 512
  if (scheme === 'mbr') {
    mbr[446 + 4] = 0x83
    mbr.writeUInt32LE(2048, 446 + 8)
    mbr.writeUInt32LE(sectors, 446 + 12)
  } else {
    mbr[446 + 4] = 0xee
    mbr.writeUInt32LE(1, 446 + 8)
    mbr.writeUInt32LE(total / 512 - 1, 446 + 12)
    const hdr = Buffer.alloc(512)
    hdr.write('EFI PART', 0, 'latin1')
    hdr.writeBigUInt64LE(2n, 72)
    hdr.writeUInt32LE(128, 80)
    hdr.writeUInt32LE(128, 84)
    writeSync(fd, hdr, 0, 512, 512)
    const entry = Buffer.alloc(128)
    Buffer.from('AF3DC60F838447728E793D69D8477DE4', 'hex').copy(entry, 0) // Linux filesystem type GUID (mixed-endian bytes)
    entry[16] = 1
    entry.writeBigUInt64LE(2048n, 32)
    entry.writeBigUInt64LE(BigInt(2048 + sectors - 1), 40)
    writeSync(fd, entry, 0, 128, 1024)
  }
  mbr[510] = 0x55
  mbr[511] = 0xaa
  writeSync(fd, mbr, 0, 512, 0)
  closeSync(fd)
  return out
}

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'guest-'))
})

const rules = (r: Awaited<ReturnType<typeof scanPackage>>) =>
  r.findings
    .filter((f) => f.rule.startsWith('hygiene.') || f.rule === 'malware.detected')
    .map((f) => `${f.rule} ${f.location}`)
    .sort()

describe('guest inspection', () => {
  it('a dirty Ubuntu guest (MBR, qcow2 compressed): OS, every hygiene rule, malware and packages inside', async () => {
    const raw = disk(rootfs('dirty', true), 'mbr', join(dir, 'dirty.raw'))
    const q = join(dir, 'dirty.qcow2')
    execFileSync('qemu-img', ['convert', '-q', '-c', '-O', 'qcow2', raw, q])
    const r = await scanPackage(q, { profile: 'koogallery-image' })
    expect((r.facts.guest as { os: unknown }).os).toEqual({
      id: 'ubuntu',
      versionId: '22.04',
      name: 'Ubuntu 22.04.3 LTS',
      arch: 'x86_64',
    })
    expect(rules(r)).toEqual([
      'hygiene.authorized-keys dirty.qcow2!p1!home/alice/.ssh/authorized_keys',
      'hygiene.cloud-init-missing dirty.qcow2!p1!etc/cloud',
      'hygiene.preset-password dirty.qcow2!p1!etc/shadow',
      'hygiene.shell-history dirty.qcow2!p1!root/.bash_history',
      'hygiene.ssh-host-keys dirty.qcow2!p1!etc/ssh/ssh_host_ed25519_key',
      'hygiene.ssh-password-auth dirty.qcow2!p1!etc/ssh/sshd_config',
      'hygiene.ssh-password-auth dirty.qcow2!p1!etc/ssh/sshd_config',
      'malware.detected dirty.qcow2!p1!opt/app/eicar.com',
    ])
    // an Ubuntu 22.04 guest's dpkg packages are Ubuntu's, of its release (they were 'Debian' before)
    expect(r.components).toContainEqual(
      expect.objectContaining({
        ecosystem: 'Ubuntu:22.04',
        name: 'bash',
        location: 'dirty.qcow2!p1!var/lib/dpkg/status',
      }),
    )
    expect(r.verdict).toBe('fail')
  })

  it('the guest is read the same from vmdk, vhd, vhdx, vdi and qed images', async () => {
    const raw = disk(rootfs('formats', true), 'mbr', join(dir, 'formats.raw'))
    const expected = rules(await scanPackage(raw, { profile: 'koogallery-image' })).map((l) =>
      l.replace('formats.raw!', ''),
    )
    expect(expected).toContain('malware.detected p1!opt/app/eicar.com')
    for (const [ext, format] of [
      ['vmdk', 'vmdk'],
      ['vhd', 'vpc'],
      ['vhdx', 'vhdx'],
      ['vdi', 'vdi'],
      ['qed', 'qed'],
    ]) {
      const img = join(dir, `formats.${ext}`)
      execFileSync('qemu-img', ['convert', '-q', '-O', format, raw, img])
      const r = await scanPackage(img, { profile: 'koogallery-image' })
      expect((r.facts.guest as { os: { id: string } }).os.id, ext).toBe('ubuntu')
      expect(
        rules(r).map((l) => l.replace(`formats.${ext}!`, '')),
        ext,
      ).toEqual(expected)
    }
  })

  it('a clean guest (GPT, raw and plain qcow2) has no hygiene finding; the stated OS type is checked', async () => {
    const raw = disk(rootfs('clean', false), 'gpt', join(dir, 'clean.raw'))
    const q = join(dir, 'clean.qcow2')
    execFileSync('qemu-img', ['convert', '-q', '-O', 'qcow2', raw, q])
    for (const p of [raw, q]) {
      const r = await scanPackage(p, { profile: 'koogallery-image' })
      expect(rules(r), p).toEqual([])
      expect((r.facts.guest as { partitions: Array<{ index: number; filesystem: string }> }).partitions).toEqual([
        expect.objectContaining({ index: 1, filesystem: 'ext' }),
      ])
    }
    const scp = await scanPackage(q, {
      profile: 'scp-image',
      attrs: { name: 'clean', osType: 'RHEL', visibility: 'Private', minDiskGB: 1 },
    })
    expect(
      scp.findings.filter((f) => f.rule === 'image.os-mismatch').map((f) => `${f.location}: ${f.message}`),
    ).toEqual([expect.stringMatching(/^attrs\.osType: .*RHEL.*Ubuntu 22\.04/)])
  })

  it('qcow2 guest data equals qemu-img convert -O raw; directory listings equal debugfs', async () => {
    const fsImg = rootfs('cmp', true)
    const raw = disk(fsImg, 'mbr', join(dir, 'cmp.raw'))
    const q = join(dir, 'cmp.qcow2')
    execFileSync('qemu-img', ['convert', '-q', '-c', '-O', 'qcow2', raw, q])
    const dq = await openQcow2Device(q)
    const dr = await openRawDevice(raw)
    for (const off of [0, 512, MiB, MiB + 4096 * 7, 5 * MiB + 123])
      expect((await dq.read(off, 70_000)).equals(await dr.read(off, 70_000)), `offset ${off}`).toBe(true)
    const fs = await Ext4.open(sliceDevice(dq, MiB, statSync(fsImg).size))
    for (const path of ['/etc', '/usr/bin', '/home/alice/.ssh']) {
      const ours = (await fs.readdir((await fs.lookup(path))!)).map((e) => e.name).sort()
      const theirs = execFileSync('debugfs', ['-R', `ls -p ${path}`, fsImg], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split('\n')
        .map((l) => l.split('/')[5])
        .filter((n) => n && n !== '.' && n !== '..')
        .sort()
      expect(ours, path).toEqual(theirs)
    }
    await dq.close()
    await dr.close()
  })

  it('a damaged filesystem is a finding, not a crash or a hang', async () => {
    const fsImg = rootfs('bad', false)
    const buf = readFileSync(fsImg)
    buf.writeUInt32LE(0xffffffff, 1024 + 4) // blocks count far beyond the image
    const p = join(dir, 'bad.ext4.raw')
    writeFileSync(p, buf)
    const r = await scanPackage(p, { profile: 'koogallery-image' })
    expect(r.findings.some((f) => f.rule === 'archive.corrupt' && /ext filesystem/.test(f.message))).toBe(true)
    const zeroed = Buffer.from(readFileSync(fsImg))
    const gd = zeroed.subarray(1024 * 2)
    gd.fill(0xff, 0, 64) // garbage group descriptors
    writeFileSync(join(dir, 'gd.raw'), zeroed)
    const r2 = await scanPackage(join(dir, 'gd.raw'), { profile: 'koogallery-image' })
    expect(r2.verdict).toBeDefined()
  })
})
