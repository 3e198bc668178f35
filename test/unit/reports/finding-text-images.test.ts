// Every finding the container, SBOM, vulnerability and VM-image scanners make is written in both languages: the scans
// the tests of test/unit/containers, sbom, vulns and vm run (public corpora, images built with umoci and skopeo,
// disks made with qemu-img and mkfs.ext4, an OSV database imported here) give findings whose messageZh is Chinese,
// quotes the same values (quoted names, numbers, digests, versions, advisories) as the English, holds no
// placeholder braces and no English sentence left untranslated inside it. The rules the scans are expected to reach are checked too, so no case can pass by finding
// nothing.
import { execFileSync } from 'node:child_process'
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { scanPackage } from '../../../src-main/inspect/scan'
import type { Finding } from '../../../src-main/reports/model'
import { openDatabase } from '../../../src-main/store/db'
import { VulnDb, type OsvAdvisory } from '../../../src-main/vulns/osv'
import { corpus } from '../../corpora'
import { convertDisk, partitionedDisk } from '../../fixtures/guest-disk'
import { umociImage } from '../../fixtures/umoci-image'

/** The rules these scanners (src-main/containers, sbom, vulns, vm) make; others' findings are not this test's. */
const OURS =
  /^(oci\.|swr\.console-|vuln\.|vulndb\.|sbom\.|qcow2\.|hygiene\.|image\.(format-unsupported|invalid|backing-file|external-extents|encrypted-volume|volume-unread)$)/
const CJK = /[\u4e00-\u9fff]/

let dir: string
const seen: Finding[] = []

/** Scans and keeps this scanners' findings. */
async function scan(path: string, opts: Parameters<typeof scanPackage>[1] = {}): Promise<Finding[]> {
  const found = (await scanPackage(path, opts)).findings.filter((f) => OURS.test(f.rule))
  seen.push(...found)
  return found
}

/** What a finding's English names that its Chinese must name too: quoted values and numbers (with digests, versions). */
function quotedValues(en: string): string[] {
  const quoted = [...en.matchAll(/"([^"]+)"/g)].map((m) => m[1])
  const numbers = [...en.matchAll(/\d+(?:\.\d+)*/g)].map((m) => m[0])
  return [...quoted, ...numbers]
}

function expectBilingual(findings: Finding[]): void {
  expect(findings.length).toBeGreaterThan(0)
  for (const f of findings) {
    const where = `${f.rule} at ${f.location}: ${f.message}`
    expect(f.messageZh, where).toMatch(CJK)
    const zh = f.messageZh!
    for (const v of quotedValues(f.message)) expect(zh, `${where} — "${v}"`).toContain(v)
    expect(zh, where).not.toMatch(/\{[A-Za-z_][\w.]*\}|\$\{|\[object Object\]|undefined/)
    // an English sentence left inside the Chinese (a detail made without its Chinese) shows as a run of English words
    // (commands in backticks are quoted as they are typed)
    expect(zh.replace(/`[^`]*`/g, ''), where).not.toMatch(/\b[a-z]+ [a-z]+ [a-z]+ [a-z]+\b/)
  }
}

const tarDir = (src: string, out: string) => {
  execFileSync('tar', ['-cf', out, '-C', src, '.'])
  return out
}

beforeAll(() => {
  dir = mkdtempSync(join(process.env.TMPDIR!, 'finding-text-'))
})

describe('container image findings', () => {
  it('corpora, umoci-built images and damaged layouts', async () => {
    const gcr = corpus('go-containerregistry/pkg/v1/layout/testdata')
    expectBilingual(
      await scan(tarDir(join(gcr, 'test_index_one_image'), join(dir, 'one.tar')), { profile: 'swr-image' }),
    )
    expectBilingual(
      await scan(tarDir(join(gcr, 'test_gc_image_unknown_mediatype'), join(dir, 'gc.tar')), { profile: 'swr-image' }),
    )
    const tarballs = corpus('go-containerregistry/pkg/v1/tarball/testdata')
    expectBilingual(await scan(join(tarballs, 'test_image_1.tar'), { profile: 'koogallery-container' }))
    expectBilingual(await scan(join(tarballs, 'null_manifest.tar'), { profile: 'koogallery-container' }))

    // built for riscv64, then one layer blob damaged
    const layout = umociImage(join(dir, 'riscv'), '/app', { 'hello.txt': 'hello\n' })
    execFileSync('umoci', ['config', '--image', `${layout}:latest`, '--architecture', 'riscv64'])
    expectBilingual(await scan(tarDir(layout, join(dir, 'riscv.tar')), { profile: 'koogallery-container' }))
    const blobs = join(layout, 'blobs/sha256')
    const layer = readdirSync(blobs)
      .map((b) => join(blobs, b))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]
    appendFileSync(layer, 'x')
    const damaged = await scan(tarDir(layout, join(dir, 'damaged.tar')), { profile: 'koogallery-container' })
    expect(damaged.map((f) => f.rule)).toContain('oci.digest-mismatch')
    expectBilingual(damaged)

    // a container package with a stray file beside its image tar
    const bundle = join(dir, 'bundle')
    mkdirSync(bundle)
    tarDir(umociImage(join(dir, 'app'), '/app', { 'a.txt': 'a\n' }), join(bundle, 'app.tar'))
    writeFileSync(join(bundle, 'README.txt'), 'read me\n')
    expectBilingual(await scan(tarDir(bundle, join(dir, 'bundle.tar')), { profile: 'koogallery-container' }))

    // a docker-archive naming a path out of the image, and an OCI layout whose index.json is not JSON
    const climbing = join(dir, 'climbing')
    mkdirSync(climbing)
    writeFileSync(
      join(climbing, 'manifest.json'),
      JSON.stringify([{ Config: '../outside/secret.json', RepoTags: ['app:1'], Layers: ['layer.tar'] }]),
    )
    writeFileSync(join(climbing, 'layer.tar'), Buffer.alloc(1024))
    expectBilingual(await scan(tarDir(climbing, join(dir, 'climbing.tar')), { profile: 'koogallery-container' }))
    const broken = join(dir, 'broken-index')
    mkdirSync(broken)
    writeFileSync(join(broken, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}')
    writeFileSync(join(broken, 'index.json'), '{"schemaVersion": 2, "manifests": [')
    const bad = await scan(tarDir(broken, join(dir, 'broken-index.tar')), { profile: 'koogallery-container' })
    expect(bad.map((f) => f.message).join('\n')).toMatch(/not valid JSON/)
    expectBilingual(bad)
  })
})

const UBUNTU_OS = 'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n'
const STATUS =
  'Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.2-0ubuntu1.10\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.11.dfsg-2ubuntu9\n'

/** An image-like tar: each layer a tar of the given files, stored as OCI layouts store blobs (as releases.test.ts). */
function image(name: string, layers: Array<Record<string, string>>): string {
  const src = join(dir, `${name}-src`)
  mkdirSync(join(src, 'blobs/sha256'), { recursive: true })
  layers.forEach((files, i) => {
    const root = join(dir, `${name}-layer${i}`)
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(join(root, p, '..'), { recursive: true })
      writeFileSync(join(root, p), text)
    }
    execFileSync('tar', ['-cf', join(src, `blobs/sha256/layer${i}`), '-C', root, '.'])
  })
  execFileSync('tar', ['-czf', join(dir, name), '-C', src, '.'])
  return join(dir, name)
}

describe('component and vulnerability findings', () => {
  it('advisories with and without a score or a fix, an unknown release, an unreadable lockfile, no database', async () => {
    const db = openDatabase(':memory:')
    const osv = join(dir, 'osv')
    mkdirSync(osv)
    const advisories: OsvAdvisory[] = [
      {
        id: 'UBUNTU-CVE-2026-1',
        aliases: ['CVE-2026-1'],
        modified: '2026-01-01T00:00:00Z',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
        affected: [
          {
            package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'openssl' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.2-0ubuntu1.12' }] }],
          },
        ],
      },
      {
        id: 'UBUNTU-CVE-2026-2',
        modified: '2026-01-01T00:00:00Z',
        affected: [
          {
            package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'zlib' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
          },
        ],
      },
      {
        id: 'GHSA-aaaa-bbbb-cccc',
        modified: '2026-01-01T00:00:00Z',
        database_specific: { severity: 'MODERATE' },
        affected: [
          {
            package: { ecosystem: 'npm', name: 'left-pad' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.1' }] }],
          },
        ],
      },
    ]
    for (const a of advisories) writeFileSync(join(osv, `${a.id}.json`), JSON.stringify(a))
    await new VulnDb(db).importPath(osv)
    const lock = JSON.stringify({
      name: 'app',
      lockfileVersion: 3,
      packages: { '': { name: 'app' }, 'node_modules/left-pad': { version: '1.3.0' } },
    })
    const matched = await scan(
      image('ubuntu.tar.gz', [
        { 'etc/os-release': UBUNTU_OS },
        { 'var/lib/dpkg/status': STATUS, 'app/package-lock.json': lock },
      ]),
      { db },
    )
    expect(matched.map((f) => f.rule).sort()).toEqual(['vuln.cvss-high', 'vuln.cvss-low', 'vuln.cvss-low'])
    expectBilingual(matched)
    const high = matched.find((f) => f.rule === 'vuln.cvss-high')!
    for (const v of ['libssl3', '3.0.2-0ubuntu1.10', 'UBUNTU-CVE-2026-1', 'CVE-2026-1', '3.0.2-0ubuntu1.12', '9.8'])
      expect(high.messageZh).toContain(v)

    expectBilingual(await scan(image('bare.tar.gz', [{ 'var/lib/dpkg/status': STATUS }]), { db }))
    expectBilingual(
      await scan(image('broken-lock.tar.gz', [{ 'app/package-lock.json': '{"lockfileVersion": ' }]), { db }),
    )
    const noPackages = await scan(image('no-packages.tar.gz', [{ 'app/package-lock.json': '{"name": "app"}' }]), { db })
    expect(noPackages.map((f) => f.message).join('\n')).toMatch(/no "packages" or "dependencies"/)
    expectBilingual(noPackages)
    expectBilingual(await scan(image('no-db.tar.gz', [{ 'var/lib/dpkg/status': STATUS }])))
  })
})

describe('VM image findings', () => {
  const MiB = 1024 * 1024
  const qemu = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'ignore' })

  it('qcow2 header facts, damaged headers and other formats', async () => {
    const base = join(dir, 'base.qcow2')
    qemu('create', '-q', '-f', 'qcow2', base, '4M')
    const top = join(dir, 'top.qcow2')
    qemu('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top)
    expectBilingual(await scan(top, { profile: 'koogallery-image' }))
    qemu('snapshot', '-c', 'before-release', base)
    expectBilingual(await scan(base, { profile: 'koogallery-image' }))
    const enc = join(dir, 'enc.qcow2')
    qemu(
      'create',
      '-q',
      '--object',
      'secret,id=sec0,data=123456',
      '-f',
      'qcow2',
      '-o',
      'encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10',
      enc,
      '4M',
    )
    expectBilingual(await scan(enc, { profile: 'koogallery-image' }))
    // a qcow2 header of a version that does not exist
    const header = Buffer.alloc(1024)
    header.write('QFI\xfb', 0, 'latin1')
    header.writeUInt32BE(9, 4)
    const v9 = join(dir, 'v9.qcow2')
    writeFileSync(v9, header)
    expectBilingual(await scan(v9, { profile: 'koogallery-image' }))
    // a VHD whose footer checksum is wrong, a vmdk where only qcow2 is accepted
    const raw = join(dir, 'blank.raw')
    execFileSync('truncate', ['-s', String(4 * MiB), raw])
    const vhd = join(dir, 'fixed.vhd')
    qemu('convert', '-q', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed', raw, vhd)
    const fd = openSync(vhd, 'r+')
    writeSync(fd, Buffer.from([0xde, 0xad]), 0, 2, statSync(vhd).size - 512 + 64)
    closeSync(fd)
    const damaged = await scan(vhd, { profile: 'koogallery-image' })
    expect(damaged.map((f) => f.rule)).toContain('image.invalid')
    expectBilingual(damaged)
    expectBilingual(await scan(convertDisk(raw, 'vmdk', join(dir, 'blank.vmdk')), { profile: 'scp-image' }))
  })

  it('guest hygiene and volumes not read', async () => {
    const root = join(dir, 'rootfs')
    for (const d of ['etc/ssh', 'root/.ssh', 'home/alice/.ssh', 'bin']) mkdirSync(join(root, d), { recursive: true })
    writeFileSync(join(root, 'etc/os-release'), UBUNTU_OS)
    writeFileSync(join(root, 'etc/shadow'), 'root:$6$salt$abcdefghijklmnop:19000:0:99999:7:::\nalice:!:19000::::::\n')
    writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\nPasswordAuthentication yes\n')
    writeFileSync(join(root, 'etc/ssh/ssh_host_ed25519_key'), '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n')
    writeFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'ssh-ed25519 AAAAC3Nz alice@laptop\n')
    writeFileSync(join(root, 'root/.bash_history'), 'ls\n')
    const fs = join(dir, 'root.ext4')
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, fs, '8M'], { stdio: 'ignore' })
    const ntfs = Buffer.alloc(4096)
    ntfs.write('NTFS    ', 3, 'latin1')
    const luks = Buffer.alloc(4096)
    luks.write('LUKS\xba\xbe', 0, 'latin1')
    const disk = partitionedDisk(join(dir, 'guest.raw'), [
      { file: fs, type: 0x83 },
      { bytes: ntfs, sizeMiB: 1, type: 0x07 },
      { bytes: luks, sizeMiB: 1, type: 0x83 },
    ])
    const found = await scan(convertDisk(disk, 'qcow2', join(dir, 'guest.qcow2')), { profile: 'koogallery-image' })
    expect(found.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['hygiene.preset-password', 'image.volume-unread', 'image.encrypted-volume']),
    )
    expectBilingual(found)
    const empty = join(dir, 'empty.raw')
    execFileSync('truncate', ['-s', String(4 * MiB), empty])
    expectBilingual(await scan(convertDisk(empty, 'qcow2', join(dir, 'empty.qcow2')), { profile: 'koogallery-image' }))
  })
})

describe('coverage', () => {
  it('the scans above reached every kind of finding these scanners make that a test can build here', () => {
    const rules = new Set(seen.map((f) => f.rule))
    for (const rule of [
      'oci.not-oci',
      'oci.invalid-layout',
      'oci.digest-mismatch',
      'oci.missing-blob',
      'oci.platform-unsupported',
      'oci.bundle-entry-not-image',
      'swr.console-oci',
      'vuln.cvss-high',
      'vuln.cvss-low',
      'vulndb.missing',
      'sbom.unreadable',
      'sbom.unmatched',
      'qcow2.invalid',
      'qcow2.encrypted',
      'qcow2.backing-file',
      'qcow2.internal-snapshots',
      'image.format-unsupported',
      'image.invalid',
      'image.encrypted-volume',
      'image.volume-unread',
      'hygiene.preset-password',
      'hygiene.authorized-keys',
      'hygiene.ssh-host-keys',
      'hygiene.shell-history',
      'hygiene.cloud-init-missing',
      'hygiene.ssh-password-auth',
    ])
      expect(rules, rule).toContain(rule)
  })
})
