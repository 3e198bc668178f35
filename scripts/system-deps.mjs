#!/usr/bin/env node
// The system tools the tests need (`npm test` runs this first, as its pretest step; `.ci/run` only calls
// `npm ci && npm test`). Each tool is probed on the PATH (or at its fixed path); when one is missing:
// on Debian or Ubuntu as root the missing packages are installed with apt-get, elsewhere the one install
// command for this platform is printed and the script exits 2. `--check` only reports (exit 2 when missing),
// `--list` prints the Debian package names. Written by hand: it runs before `npm ci` may have finished
// building anything, so it uses nothing but Node itself.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Debian package → what proves it is there (a command on the PATH, or an absolute path). */
const SYSTEM_DEPS = [
  { pkg: 'time', probe: '/usr/bin/time', why: 'peak-memory measurements (GNU time)' },
  { pkg: 'zip', probe: 'zip', why: 'zip fixtures' },
  { pkg: 'zstd', probe: 'zstd', why: 'zstd layers and .zst fixtures' },
  { pkg: 'chromium', probe: '/usr/bin/chromium', why: 'end-to-end tests of the UI' },
  { pkg: 'qemu-utils', probe: 'qemu-img', why: 'VM image fixtures and the qemu-img oracle' },
  { pkg: 'skopeo', probe: 'skopeo', why: 'container image fixtures' },
  { pkg: 'umoci', probe: 'umoci', why: 'OCI layout fixtures' },
  { pkg: 'clamav', probe: 'clamscan', why: 'the ClamAV engine delegation' },
  { pkg: 'clamav-testfiles', probe: '/usr/share/clamav-testfiles', why: 'malware test files' },
  { pkg: 'docker-registry', probe: '/usr/bin/docker-registry', why: 'registry push tests' },
  { pkg: 'e2fsprogs', probe: 'debugfs', why: 'ext4 guest fixtures' },
  { pkg: 'xfsprogs', probe: 'mkfs.xfs', why: 'XFS guest fixtures' },
  { pkg: 'btrfs-progs', probe: 'mkfs.btrfs', why: 'btrfs guest fixtures' },
  { pkg: 'lvm2', probe: 'lvcreate', why: 'LVM guest fixtures (on loop devices, as root)' },
  { pkg: 'golang-go', probe: 'go', why: 'Go binary fixtures (build info)' },
  { pkg: 'rpm', probe: 'rpmbuild', why: 'rpm database fixtures' },
  { pkg: 'db-util', probe: 'db_load', why: 'Berkeley DB rpm database fixtures' },
]

const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']

function present(probe) {
  if (probe.startsWith('/')) return existsSync(probe)
  return SEARCH_PATH.some((dir) => dir && existsSync(join(dir, probe)))
}

function osRelease() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8')
    const field = (k) => (text.match(new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm')) ?? [])[1] ?? ''
    return { id: field('ID'), like: field('ID_LIKE') }
  } catch {
    return { id: '', like: '' }
  }
}

function isDebianLike() {
  const { id, like } = osRelease()
  return existsSync('/etc/debian_version') || /\b(debian|ubuntu)\b/.test(`${id} ${like}`)
}

function installCommand(pkgs) {
  if (process.platform === 'linux' && isDebianLike())
    return `sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}`
  if (process.platform === 'darwin')
    return `brew install ${pkgs
      .map((p) => BREW[p] ?? p)
      .filter(Boolean)
      .join(' ')} (chromium: brew install --cask chromium; set PREFLIGHT_CHROMIUM)`
  return `install these Debian packages' equivalents: ${pkgs.join(' ')} (the tests are run on Debian; see README)`
}

const BREW = {
  'qemu-utils': 'qemu',
  'golang-go': 'go',
  'clamav-testfiles': '',
  'docker-registry': 'distribution',
  time: 'gnu-time',
}

function main(argv) {
  if (argv.includes('--list')) {
    process.stdout.write(`${SYSTEM_DEPS.map((d) => d.pkg).join(' ')}\n`)
    return 0
  }
  const missing = SYSTEM_DEPS.filter((d) => !present(d.probe))
  if (!missing.length) return 0
  const pkgs = missing.map((d) => d.pkg)
  const canInstall =
    !argv.includes('--check') && process.platform === 'linux' && isDebianLike() && process.getuid?.() === 0
  if (!canInstall) {
    process.stderr.write(
      `The tests need system tools that are missing: ${missing.map((d) => `${d.probe} (${d.why})`).join(', ')}.\nInstall them with:\n  ${installCommand(pkgs)}\n`,
    )
    return 2
  }
  process.stderr.write(`Installing the system tools the tests need: ${pkgs.join(' ')}\n`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...pkgs],
  ]) {
    const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) {
      process.stderr.write(
        `apt-get ${args[0]} failed (exit ${r.status ?? r.signal}); install by hand: ${installCommand(pkgs)}\n`,
      )
      return 2
    }
  }
  const still = SYSTEM_DEPS.filter((d) => !present(d.probe))
  if (still.length) {
    process.stderr.write(`Still missing after apt-get: ${still.map((d) => d.probe).join(', ')}\n`)
    return 2
  }
  return 0
}

process.exitCode = main(process.argv.slice(2))
