// Guest inspection benchmark, per filesystem Preflight reads: the same tree (etc/os-release and ~1 GiB of files at
// scale 1) as ext4, XFS and btrfs in a raw disk; Preflight's guest scan (OS, hygiene, every file through the entry
// pass) as a ratio to that filesystem's own offline tool listing and reading the same files, in the same run:
// debugfs `ls` + `cat` (ext4), xfs_db `ls` + `bmap` with dd of those extents (XFS), btrfs restore (btrfs). Then
// the peak RSS of `preflight scan` (the bundled CLI) on a 2 GiB and an 8 GiB guest, which must stay flat.
// PREFLIGHT_BENCH_SCALE shrinks the data.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { scanPackage } from '../../src-main/inspect/scan'
import { makeXfs } from '../fixtures/xfs-image'
import { measure, preflight, ratio, shell } from './util'

const MiB = 1024 * 1024

function sparse(path: string, size: number): string {
  const fd = openSync(path, 'w')
  ftruncateSync(fd, size)
  closeSync(fd)
  return path
}

async function timeScan(img: string): Promise<number> {
  const t = performance.now()
  const r = await scanPackage(img, { profile: 'koogallery-image' })
  if (!(r.facts.guest as { read?: string[] }).read?.length) throw new Error(`${img}: the guest was not read`)
  return (performance.now() - t) / 1000
}

function xfsBaseline(img: string, files: number): void {
  const geometry = execFileSync('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p agblocks blocksize', img], { encoding: 'utf8' })
  const agblocks = Number(/agblocks = (\d+)/.exec(geometry)![1])
  const blocksize = Number(/blocksize = (\d+)/.exec(geometry)![1])
  shell(`xfs_db -r -c 'ls /opt/data' '${img}' > /dev/null`)
  for (let i = 0; i < files; i++) {
    const bmap = execFileSync('xfs_db', ['-r', '-c', `path /opt/data/blob-${i}.bin`, '-c', 'bmap', img], {
      encoding: 'utf8',
    })
    for (const m of bmap.matchAll(/startblock \d+ \((\d+)\/(\d+)\) count (\d+)/g)) {
      const block = Number(m[1]) * agblocks + Number(m[2])
      shell(`dd if='${img}' of=/dev/null bs=${blocksize} skip=${block} count=${m[3]} status=none`)
    }
  }
}

async function main() {
  const scale = Number(process.env.PREFLIGHT_BENCH_SCALE ?? 1)
  const tmp = process.env.TMPDIR!
  const root = join(tmp, 'guest-root')
  mkdirSync(join(root, 'etc'), { recursive: true })
  mkdirSync(join(root, 'opt/data'), { recursive: true })
  writeFileSync(join(root, 'etc/os-release'), 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04"\n')
  const files = Math.max(1, Math.round(64 * scale))
  for (let i = 0; i < files; i++) writeFileSync(join(root, 'opt/data', `blob-${i}.bin`), randomBytes(16 * MiB))
  const size = Math.max(Math.round(4 * 1024 ** 3 * Math.max(scale, 0.3)), 512 * MiB)
  const label = `${(size / 1024 ** 3).toFixed(1)} GiB virtual, ${files * 16} MiB of files`

  const ext4 = sparse(join(tmp, 'guest-ext4.raw'), size)
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, ext4], { stdio: 'ignore' })
  const ours4 = await timeScan(ext4)
  let t = performance.now()
  shell(`debugfs -R "ls -l /opt/data" '${ext4}' > /dev/null 2>&1`)
  for (let i = 0; i < files; i++) shell(`debugfs -R "cat /opt/data/blob-${i}.bin" '${ext4}' > /dev/null 2>&1`)
  ratio(
    `ext4 guest inspection of ${label} (s)`,
    ours4,
    (performance.now() - t) / 1000,
    'debugfs ls + cat of the same files',
  )
  rmSync(ext4)

  const xfs = makeXfs(root, join(tmp, 'guest-xfs.raw'), { sizeMiB: Math.round(size / MiB) })
  const oursX = await timeScan(xfs)
  t = performance.now()
  xfsBaseline(xfs, files)
  ratio(
    `XFS guest inspection of ${label} (s)`,
    oursX,
    (performance.now() - t) / 1000,
    'xfs_db ls + bmap and dd of the same extents',
  )
  rmSync(xfs)

  const btrfs = sparse(join(tmp, 'guest-btrfs.raw'), size)
  execFileSync('mkfs.btrfs', ['-q', '-f', '-r', root, btrfs], { stdio: 'ignore' })
  const oursB = await timeScan(btrfs)
  const out = join(tmp, 'restored')
  mkdirSync(out)
  t = performance.now()
  shell(`btrfs restore '${btrfs}' '${out}' > /dev/null 2>&1`)
  ratio(
    `btrfs guest inspection of ${label} (s)`,
    oursB,
    (performance.now() - t) / 1000,
    'btrfs restore of the same files',
  )
  rmSync(out, { recursive: true })
  rmSync(btrfs)

  // peak RSS of the CLI's scan on a 2 GiB and an 8 GiB guest (files a quarter of the disk): flat, not growing
  const peaks: number[] = []
  for (const gib of [2, 8].map((g) => g * Math.max(scale, 0.125))) {
    const dir = join(tmp, `rss-${gib}`)
    mkdirSync(join(dir, 'etc'), { recursive: true })
    writeFileSync(join(dir, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n')
    const count = Math.max(1, Math.round((gib * 1024) / 4 / 64))
    for (let i = 0; i < count; i++) writeFileSync(join(dir, `blob-${i}.bin`), randomBytes(64 * MiB))
    const img = sparse(join(tmp, `rss-${gib}.raw`), gib * 1024 ** 3)
    execFileSync('mkfs.ext4', ['-q', '-F', '-d', dir, img], { stdio: 'ignore' })
    rmSync(dir, { recursive: true })
    const [cmd, args] = preflight([
      'scan',
      img,
      '--profile',
      'koogallery-image',
      '--format',
      'json',
      '--output',
      join(tmp, 'rss.json'),
    ])
    const m = measure('sh', ['-c', `${cmd} ${args.map((a) => `'${a}'`).join(' ')}; test $? -le 1`])
    peaks.push(m.peakRssMiB ?? NaN)
    console.log(
      `peak RSS of preflight scan, ${gib.toFixed(2)} GiB guest with ${count * 64} MiB of files: ${m.peakRssMiB?.toFixed(0)} MiB`,
    )
    rmSync(img)
  }
  ratio(
    'peak RSS, 8 GiB guest against 2 GiB guest (MiB)',
    peaks[1],
    peaks[0],
    'the 2 GiB guest',
    '≤ 1.2: memory does not grow with the guest',
  )
}
void main()
