// Guest inspection benchmark: a 4 GiB-virtual raw image with an ext4 filesystem holding ~1 GiB of files;
// Preflight's guest inspection (OS, hygiene, every file through the entry pass) as a ratio to
// `debugfs -R "ls -l /etc"` plus reading the same files with debugfs `cat`, in the same run.
// PREFLIGHT_BENCH_SCALE shrinks the data.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { scanPackage } from '../../src-main/inspect/scan'
import { ratio, shell } from './util'

async function main() {
  const scale = Number(process.env.PREFLIGHT_BENCH_SCALE ?? 1)
  const tmp = process.env.TMPDIR!
  const root = join(tmp, 'guest-root')
  mkdirSync(join(root, 'etc'), { recursive: true })
  mkdirSync(join(root, 'opt/data'), { recursive: true })
  writeFileSync(join(root, 'etc/os-release'), 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04"\n')
  const files = Math.max(1, Math.round(64 * scale))
  for (let i = 0; i < files; i++) writeFileSync(join(root, 'opt/data', `blob-${i}.bin`), randomBytes(16 * 1024 * 1024))
  const img = join(tmp, 'guest.raw')
  const size = Math.round(4 * 1024 ** 3 * Math.max(scale, 0.3))
  const fd = openSync(img, 'w')
  ftruncateSync(fd, size)
  closeSync(fd)
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', root, img], { stdio: 'ignore' })
  let t = performance.now()
  await scanPackage(img, { profile: 'koogallery-image' })
  const ours = (performance.now() - t) / 1000
  t = performance.now()
  shell(`debugfs -R "ls -l /etc" '${img}' > /dev/null 2>&1`)
  for (let i = 0; i < files; i++) shell(`debugfs -R "cat /opt/data/blob-${i}.bin" '${img}' > /dev/null 2>&1`)
  const base = (performance.now() - t) / 1000
  ratio(`guest inspection of ${(size / 1024 ** 3).toFixed(1)} GiB virtual, ${files * 16} MiB of files (s)`, ours, base, 'debugfs ls + cat of the same files')
}
void main()
