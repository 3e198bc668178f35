// One comparator per OSV ecosystem (ecosystem suffixes such as "Debian:12" or "Alpine:v3.18" map to their base).
import { compareDebian } from './debian'
import { compareAlpine, compareMaven, comparePackagist, compareRubygems } from './others'
import { comparePypi } from './pypi'
import { compareRpm } from './rpm'
import { compareNuget, compareSemver } from './semver'

export type Comparator = (a: string, b: string) => number

const BY_ECOSYSTEM: Record<string, Comparator> = {
  npm: compareSemver,
  'crates.io': compareSemver,
  Go: compareSemver,
  Hex: compareSemver,
  PyPI: comparePypi,
  Maven: compareMaven,
  Debian: compareDebian,
  Ubuntu: compareDebian,
  Alpine: compareAlpine,
  'Red Hat': compareRpm,
  'Rocky Linux': compareRpm,
  AlmaLinux: compareRpm,
  openSUSE: compareRpm,
  SUSE: compareRpm,
  RubyGems: compareRubygems,
  NuGet: compareNuget,
  Packagist: comparePackagist,
}

/** The base ecosystem of an OSV ecosystem string ("Debian:12" → "Debian"). */
export function baseEcosystem(ecosystem: string): string {
  const i = ecosystem.indexOf(':')
  return i >= 0 ? ecosystem.slice(0, i) : ecosystem
}

export function comparatorFor(ecosystem: string): Comparator | null {
  return BY_ECOSYSTEM[baseEcosystem(ecosystem)] ?? null
}

export function supportedEcosystems(): string[] {
  return Object.keys(BY_ECOSYSTEM)
}
