// Distribution releases in OSV ecosystems. OSV keys the advisories of Linux distributions by release
// ("Debian:12", "Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS", "Alpine:v3.19", "Rocky Linux:9",
// "Red Hat:enterprise_linux:9::appstream", "SUSE:Linux Enterprise Server 15 SP5", "openSUSE:Leap 15.5"):
// a component of an OS package database gets its ecosystem with release from the os-release of the root
// filesystem it came from (osEcosystem), and an advisory's affected entry applies to it only for the same
// release (releaseApplies). Components keep the form "<base>:<release>" ("Debian:12", "Ubuntu:22.04"); a
// distribution component whose release is unknown keeps the bare base and is not matched (releaseKnown).

/** Bases whose advisories are per release: their components are matched only with a known release. */
const RELEASED = new Set(['Debian', 'Ubuntu', 'Alpine', 'Red Hat', 'Rocky Linux', 'AlmaLinux', 'SUSE', 'openSUSE'])

const DEBIAN_CODENAMES: Record<string, string> = {
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
}
const UBUNTU_CODENAMES: Record<string, string> = {
  trusty: '14.04',
  xenial: '16.04',
  bionic: '18.04',
  focal: '20.04',
  jammy: '22.04',
  noble: '24.04',
  oracular: '24.10',
  plucky: '25.04',
  questing: '25.10',
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) out[m[1]] = m[2].trim().replace(/^(["'])(.*)\1$/, '$2')
  }
  return out
}

/** The distributions' own release files, read where a root has no os-release (CentOS 6, SLES 11, old images). */
export const RELEASE_FILE =
  /(^|\/)etc\/((redhat|centos|rocky|almalinux|oracle|fedora|SuSE|alpine)-release|debian_version)$/

/** What a release file says, as os-release text (ID, VERSION_ID), or null when it names no release. */
export function osReleaseFromReleaseFile(path: string, text: string): string | null {
  const file = RELEASE_FILE.exec(path)?.[2]
  const first = text.split('\n')[0]?.trim() ?? ''
  if (!file || !first) return null
  if (file === 'debian_version')
    return /^\d+(\.\d+)*$/.test(first) ? `ID=debian\nVERSION_ID=${first.split('.')[0]}\n` : null // "bookworm/sid": testing, no release
  if (file === 'alpine-release') return /^\d+\.\d+/.test(first) ? `ID=alpine\nVERSION_ID=${first}\n` : null
  if (file === 'SuSE-release') {
    const version = /^VERSION\s*=\s*(\d+(?:\.\d+)?)/m.exec(text)?.[1]
    const patch = /^PATCHLEVEL\s*=\s*(\d+)/m.exec(text)?.[1]
    if (!version) return null
    return `ID=${/opensuse/i.test(first) ? 'opensuse-leap' : 'sles'}\nVERSION_ID=${version}${patch && !version.includes('.') ? `.${patch}` : ''}\n`
  }
  const version = /\brelease\s+(\d+(?:\.\d+)?)/i.exec(first)?.[1]
  if (!version) return null
  const id = /centos/i.test(first)
    ? 'centos'
    : /rocky/i.test(first)
      ? 'rocky'
      : /alma/i.test(first)
        ? 'almalinux'
        : /oracle/i.test(first)
          ? 'ol'
          : /fedora/i.test(first)
            ? 'fedora'
            : /red hat/i.test(first)
              ? 'rhel'
              : null
  if (!id) return null
  return `ID=${id}\n${id === 'centos' ? 'ID_LIKE="rhel fedora"\n' : ''}VERSION_ID=${version}\n` // as their os-release says it
}

const major = (v: string | undefined) => /^(\d+)/.exec(v ?? '')?.[1] ?? ''

/** The package database a component was read from. */
export type OsPackageDb = 'dpkg' | 'apk' | 'rpm'

/** The OSV ecosystem, with release when os-release names it, of a package database's components. */
export function osEcosystem(db: OsPackageDb, osRelease: string | null): string {
  const r = osRelease === null ? {} : parseOsRelease(osRelease)
  const id = (r.ID ?? '').toLowerCase()
  const like = (r.ID_LIKE ?? '').toLowerCase().split(/\s+/)
  const codename = (r.VERSION_CODENAME ?? '').toLowerCase()
  const withRelease = (base: string, release: string | undefined) => (release ? `${base}:${release}` : base)
  if (db === 'dpkg') {
    if (id === 'ubuntu')
      return withRelease('Ubuntu', /^\d+\.\d+$/.test(r.VERSION_ID ?? '') ? r.VERSION_ID : UBUNTU_CODENAMES[codename])
    // derivatives (Linux Mint, Pop!_OS, Raspbian, ...): their own VERSION_ID is not the base's release
    if (like.includes('ubuntu'))
      return withRelease('Ubuntu', UBUNTU_CODENAMES[(r.UBUNTU_CODENAME ?? codename).toLowerCase()])
    if (id === 'debian')
      return withRelease('Debian', /^\d+$/.test(r.VERSION_ID ?? '') ? r.VERSION_ID : DEBIAN_CODENAMES[codename])
    return withRelease('Debian', like.includes('debian') ? DEBIAN_CODENAMES[codename] : undefined)
  }
  if (db === 'apk') {
    if (id === 'wolfi') return 'Wolfi'
    if (id === 'chainguard') return 'Chainguard'
    const m = id === 'alpine' ? /^(\d+)\.(\d+)/.exec(r.VERSION_ID ?? '') : null
    return withRelease('Alpine', m ? `v${m[1]}.${m[2]}` : undefined)
  }
  if (osRelease === null) return 'Red Hat' // an rpmdb.sqlite without os-release: the RHEL 9 family is by far the most common; release unknown
  const minor = /^(\d+)(?:\.(\d+))?/.exec(r.VERSION_ID ?? '')
  const slesRelease = minor ? `${minor[1]}.${minor[2] ?? '0'}` : undefined
  if (id === 'rhel') return withRelease('Red Hat', major(r.VERSION_ID))
  if (id === 'rocky') return withRelease('Rocky Linux', major(r.VERSION_ID))
  if (id === 'almalinux') return withRelease('AlmaLinux', major(r.VERSION_ID))
  if (id === 'sles' || id === 'sled') return withRelease('SUSE', slesRelease)
  if (id === 'opensuse-tumbleweed') return 'openSUSE:tumbleweed'
  if (id === 'opensuse-leap' || id === 'opensuse') return withRelease('openSUSE', slesRelease)
  if (id === 'fedora') return withRelease('Fedora', r.VERSION_ID)
  if (id === 'openeuler') return withRelease('openEuler', r.VERSION_ID)
  if (like.includes('rhel')) return withRelease('Red Hat', major(r.VERSION_ID)) // CentOS, Oracle Linux: built from RHEL sources
  return id ? withRelease(id, r.VERSION_ID) : 'Red Hat'
}

function splitEcosystem(ecosystem: string): { base: string; rest: string[] } {
  const parts = ecosystem.split(':')
  return { base: parts[0], rest: parts.slice(1) }
}

/** The release an advisory's ecosystem names, normalised as components carry it; '' for the whole base; null for
 *  a variant no component here can be (Ubuntu Pro FIPS or realtime kernels, Red Hat EUS/AUS streams, Leap Micro). */
function advisoryRelease(base: string, rest: string[]): string | null {
  if (!rest.length || (rest.length === 1 && rest[0] === '')) return ''
  switch (base) {
    case 'Debian':
    case 'Alpine':
      return rest.length === 1 ? rest[0] : null
    case 'Ubuntu': {
      // Ubuntu:YY.MM[:LTS] and ESM (Ubuntu:Pro:YY.MM:LTS); Pro:FIPS*, :Realtime:Kernel are other builds
      const r = rest[0] === 'Pro' ? rest.slice(1) : rest
      return /^\d+\.\d+$/.test(r[0]) && (r.length === 1 || (r.length === 2 && r[1] === 'LTS')) ? r[0] : null
    }
    case 'Rocky Linux':
    case 'AlmaLinux':
      return major(rest[0]) || null
    case 'Red Hat':
      return rest[0] === 'enterprise_linux' ? major(rest[1]) || null : null
    case 'SUSE':
    case 'openSUSE': {
      const name = rest.join(':')
      if (/^tumbleweed$/i.test(name)) return 'tumbleweed'
      if (/micro/i.test(name)) return null
      const m = /(\d+)(?:\.(\d+)| SP(\d+))?(?:-[A-Z]+)?$/.exec(name)
      return m ? `${m[1]}.${m[2] ?? m[3] ?? '0'}` : null
    }
    default:
      return ''
  }
}

/** Whether a component's ecosystem names what its advisories need: always, except a distribution without release. */
export function releaseKnown(ecosystem: string): boolean {
  const { base, rest } = splitEcosystem(ecosystem)
  return !RELEASED.has(base) || rest.length > 0
}

/** Whether an advisory's affected entry (its ecosystem) applies to a component of this ecosystem with release. */
export function releaseApplies(componentEcosystem: string, advisoryEcosystem: string): boolean {
  const c = splitEcosystem(componentEcosystem)
  const a = splitEcosystem(advisoryEcosystem)
  if (c.base !== a.base) return false
  if (!RELEASED.has(c.base)) return true
  const release = advisoryRelease(a.base, a.rest)
  return release === '' || release === c.rest.join(':')
}
