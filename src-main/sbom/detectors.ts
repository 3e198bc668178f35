// Component detectors: each recognises one manifest, lockfile or package database by its path and parses
// its whole (bounded) content into components. One detector per format; parse errors become sbom.unreadable.
// Binary formats (executables, SQLite databases) are stream detectors: they see the content chunk by chunk.
import YAML from 'yaml'
import type { Component } from '../reports/model'
import { cargoAuditable, goBinary } from './binaries'
import { createRpmdbDetector } from './rpmdb'
import type { Detector, StreamDetector } from './types'
import { bi } from '../../src-preload/text'
import { SbomParseError } from './types'

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1)

const npmLock: Detector = {
  id: 'npm-package-lock',
  matches: (p) => base(p) === 'package-lock.json' || base(p) === 'npm-shrinkwrap.json',
  parse(text) {
    const j = JSON.parse(text) as {
      lockfileVersion?: number
      packages?: Record<string, { version?: string; name?: string; link?: boolean }>
      dependencies?: Record<string, unknown>
    }
    const out: Array<Omit<Component, 'location'>> = []
    if (j.packages) {
      for (const [key, v] of Object.entries(j.packages)) {
        if (!key || v.link || !v.version) continue
        const name = v.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
        out.push({
          ecosystem: 'npm',
          name,
          version: v.version,
          purl: `pkg:npm/${encodeURIComponent(name).replace('%40', '@')}@${v.version}`,
        })
      }
    } else if (j.dependencies) {
      const walk = (deps: Record<string, unknown>) => {
        for (const [name, d] of Object.entries(deps)) {
          const dep = d as { version?: string; dependencies?: Record<string, unknown> }
          if (dep.version && !dep.version.includes(':')) out.push({ ecosystem: 'npm', name, version: dep.version })
          if (dep.dependencies) walk(dep.dependencies)
        }
      }
      walk(j.dependencies)
    } else throw new SbomParseError(bi('no "packages" or "dependencies"', '没有“packages”或“dependencies”'))
    return out
  },
}

// dpkg and apk components are named 'Debian' and 'Alpine' here; the scanner replaces that with the OSV
// ecosystem and release of their root filesystem's os-release ('Ubuntu:22.04', 'Debian:12', 'Alpine:v3.19').
// A dpkg component is the binary package as installed: its version is its own Version field, epoch included
// ([epoch:]upstream[-revision]), and so is its purl's. The source package (Source: "name (version)", the version
// only where it differs) is a qualifier of the purl and what advisories are matched on, never the component's version.
const dpkgStatus: Detector = {
  id: 'dpkg-status',
  matches: (p) => /(^|\/)var\/lib\/dpkg\/status$/.test(p) || /(^|\/)var\/lib\/dpkg\/status\.d\/[^/]+$/.test(p),
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    for (const para of text.split(/\n\s*\n/)) {
      const f: Record<string, string> = {}
      for (const line of para.split('\n')) {
        const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*?)\s*$/.exec(line)
        if (m) f[m[1]] = m[2]
      }
      if (!f.Package || !f.Version) continue
      if (f.Status && !/\binstalled$/.test(f.Status)) continue
      const src = f.Source ? /^(\S+)(?:\s+\((\S+)\))?/.exec(f.Source) : null
      const sourceName = src?.[1] ?? f.Package
      const sourceVersion = src?.[2] && src[2] !== f.Version ? src[2] : undefined
      out.push({
        ecosystem: 'Debian',
        name: f.Package,
        version: f.Version,
        sourceName,
        ...(sourceVersion ? { sourceVersion } : {}),
        purl: debPurl(
          f.Package,
          f.Version,
          f.Architecture,
          sourceName === f.Package && !sourceVersion
            ? null
            : `${sourceName}${sourceVersion ? `@${sourceVersion}` : ''}`,
        ),
      })
    }
    return out
  },
}

/** A purl component percent-encoded as the purl spec asks (':' is left as it is: `pkg:deb/debian/attr@1:2.4.47-2%2Bb1`). */
const purlEncode = (s: string) => encodeURIComponent(s).replace(/%3A/gi, ':')

/** purl-spec's deb type: lowercased name, the binary's version (epoch included), arch and the source package
 *  (`upstream=name[@version]`, as rpm's purls name their source rpm) as qualifiers, sorted by key. */
export function debPurl(name: string, version: string, arch: string | undefined, upstream: string | null): string {
  const q = [arch ? `arch=${purlEncode(arch)}` : '', upstream ? `upstream=${purlEncode(upstream)}` : '']
    .filter(Boolean)
    .join('&')
  return `pkg:deb/debian/${purlEncode(name.toLowerCase())}@${purlEncode(version)}${q ? `?${q}` : ''}`
}

const apkInstalled: Detector = {
  id: 'apk-installed',
  matches: (p) => /(^|\/)lib\/apk\/db\/installed$/.test(p),
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    for (const para of text.split(/\n\s*\n/)) {
      const name = /^P:(.+)$/m.exec(para)?.[1]
      const version = /^V:(.+)$/m.exec(para)?.[1]
      const origin = /^o:(.+)$/m.exec(para)?.[1]
      if (name && version)
        out.push({
          ecosystem: 'Alpine',
          name,
          version,
          sourceName: origin ?? name,
          purl: `pkg:apk/alpine/${name}@${version}`,
        })
    }
    return out
  },
}

const requirements: Detector = {
  id: 'pip-requirements',
  matches: (p) => /(^|\/)requirements[^/]*\.txt$/.test(p),
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*$/, '').trim()
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.!+_-]+)/.exec(line)
      if (m) out.push({ ecosystem: 'PyPI', name: m[1], version: m[2], purl: `pkg:pypi/${m[1].toLowerCase()}@${m[2]}` })
    }
    return out
  },
}

const goMod: Detector = {
  id: 'go-mod',
  matches: (p) => base(p) === 'go.mod',
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    const add = (line: string) => {
      const m = /^\s*([^\s/]+\/\S+|\S+\.\S+)\s+(v\d\S*)/.exec(line.replace(/\/\/.*$/, ''))
      if (m) out.push({ ecosystem: 'Go', name: m[1], version: m[2], purl: `pkg:golang/${m[1]}@${m[2]}` })
    }
    let inBlock = false
    for (const line of text.split('\n')) {
      if (/^require\s*\($/.test(line.trim())) inBlock = true
      else if (inBlock && line.trim() === ')') inBlock = false
      else if (inBlock) add(line)
      else if (/^require\s+/.test(line)) add(line.replace(/^require\s+/, ''))
    }
    return out
  },
}

const cargoLock: Detector = {
  id: 'cargo-lock',
  matches: (p) => base(p) === 'Cargo.lock',
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    for (const block of text.split('[[package]]').slice(1)) {
      const name = /^name = "([^"]+)"/m.exec(block)?.[1]
      const version = /^version = "([^"]+)"/m.exec(block)?.[1]
      if (name && version) out.push({ ecosystem: 'crates.io', name, version, purl: `pkg:cargo/${name}@${version}` })
    }
    return out
  },
}

const gemfileLock: Detector = {
  id: 'gemfile-lock',
  matches: (p) => base(p) === 'Gemfile.lock',
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    let inSpecs = false
    for (const line of text.split('\n')) {
      if (/^\s{2}specs:$/.test(line)) inSpecs = true
      else if (/^\S/.test(line)) inSpecs = false
      else if (inSpecs) {
        const m = /^ {4}([^\s(]+) \(([^)]+)\)$/.exec(line)
        if (m)
          out.push({
            ecosystem: 'RubyGems',
            name: m[1],
            version: m[2].replace(/-[a-z0-9_]+(-[a-z0-9_]+)*$/i, ''),
            purl: `pkg:gem/${m[1]}@${m[2]}`,
          })
      }
    }
    return out
  },
}

const composerLock: Detector = {
  id: 'composer-lock',
  matches: (p) => base(p) === 'composer.lock',
  parse(text) {
    const j = JSON.parse(text) as {
      packages?: Array<{ name: string; version: string }>
      'packages-dev'?: Array<{ name: string; version: string }>
    }
    return [...(j.packages ?? []), ...(j['packages-dev'] ?? [])].map((p) => ({
      ecosystem: 'Packagist',
      name: p.name,
      version: p.version.replace(/^v/, ''),
      purl: `pkg:composer/${p.name}@${p.version}`,
    }))
  },
}

const pomProperties: Detector = {
  id: 'maven-pom-properties',
  matches: (p) => /(^|\/)META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(p),
  parse(text) {
    const f = Object.fromEntries(
      text
        .split('\n')
        .map((l) => /^\s*([\w.]+)\s*[=:]\s*(.*?)\s*$/.exec(l))
        .filter((m): m is RegExpExecArray => !!m)
        .map((m) => [m[1], m[2]]),
    )
    if (!f.groupId || !f.artifactId || !f.version)
      throw new SbomParseError(bi('groupId, artifactId or version missing', '缺少 groupId、artifactId 或 version'))
    return [
      {
        ecosystem: 'Maven',
        name: `${f.groupId}:${f.artifactId}`,
        version: f.version,
        purl: `pkg:maven/${f.groupId}/${f.artifactId}@${f.version}`,
      },
    ]
  },
}

const poetryLock: Detector = {
  id: 'poetry-lock',
  matches: (p) => base(p) === 'poetry.lock',
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    for (const block of text.split('[[package]]').slice(1)) {
      const name = /^name = "([^"]+)"/m.exec(block)?.[1]
      const version = /^version = "([^"]+)"/m.exec(block)?.[1]
      if (name && version)
        out.push({ ecosystem: 'PyPI', name, version, purl: `pkg:pypi/${name.toLowerCase()}@${version}` })
    }
    return out
  },
}

const pnpmLock: Detector = {
  id: 'pnpm-lock',
  matches: (p) => base(p) === 'pnpm-lock.yaml',
  parse(text) {
    const y = YAML.parse(text) as { packages?: Record<string, unknown> }
    const out: Array<Omit<Component, 'location'>> = []
    for (const key of Object.keys(y?.packages ?? {})) {
      const m = /^\/?(@?[^@/]+(?:\/[^@/]+)?)[@/]([^(/]+)/.exec(key)
      if (m) out.push({ ecosystem: 'npm', name: m[1], version: m[2] })
    }
    return out
  },
}

const yarnLock: Detector = {
  id: 'yarn-lock',
  matches: (p) => base(p) === 'yarn.lock',
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    if (text.includes('__metadata:')) {
      // yarn berry (YAML): "name@npm:range": { version }
      const y = YAML.parse(text) as Record<string, { version?: string }>
      for (const [key, v] of Object.entries(y ?? {})) {
        if (key === '__metadata' || !v?.version) continue
        const name = key
          .split(',')[0]
          .trim()
          .replace(/^"|"$/g, '')
          .replace(/@(npm|workspace|patch|portal|link):.*$/, '')
        out.push({ ecosystem: 'npm', name, version: v.version })
      }
      return out
    }
    let name: string | null = null
    for (const line of text.split('\n')) {
      if (/^\S/.test(line) && line.trim().endsWith(':')) {
        const first = line.replace(/:$/, '').split(',')[0].trim().replace(/^"|"$/g, '')
        name = first.slice(0, first.lastIndexOf('@') > 0 ? first.lastIndexOf('@') : first.length)
      } else {
        const m = /^\s+version:?\s+"?([^"\s]+)"?/.exec(line)
        if (m && name) {
          out.push({ ecosystem: 'npm', name, version: m[1] })
          name = null
        }
      }
    }
    return out
  },
}

const pipfileLock: Detector = {
  id: 'pipfile-lock',
  matches: (p) => base(p) === 'Pipfile.lock',
  parse(text) {
    const j = JSON.parse(text) as {
      default?: Record<string, { version?: string }>
      develop?: Record<string, { version?: string }>
    }
    return Object.entries({ ...(j.default ?? {}), ...(j.develop ?? {}) })
      .filter(([, v]) => v.version)
      .map(([name, v]) => ({ ecosystem: 'PyPI', name, version: v.version!.replace(/^==/, '') }))
  },
}

const distInfo: Detector = {
  id: 'python-dist-info',
  matches: (p) => /\.(dist-info|egg-info)\/(METADATA|PKG-INFO)$/.test(p),
  parse(text) {
    const name = /^Name:\s*(.+)$/m.exec(text)?.[1]?.trim()
    const version = /^Version:\s*(.+)$/m.exec(text)?.[1]?.trim()
    if (!name || !version) throw new SbomParseError(bi('Name or Version missing', '缺少 Name 或 Version'))
    return [{ ecosystem: 'PyPI', name, version, purl: `pkg:pypi/${name.toLowerCase()}@${version}` }]
  },
}

const dotnetDeps: Detector = {
  id: 'dotnet-deps',
  matches: (p) => p.endsWith('.deps.json') || base(p) === 'packages.lock.json',
  parse(text, location) {
    const j = JSON.parse(text) as {
      libraries?: Record<string, { type?: string }>
      dependencies?: Record<string, Record<string, { resolved?: string; type?: string }>>
    }
    const out: Array<Omit<Component, 'location'>> = []
    if (j.libraries) {
      for (const [key, v] of Object.entries(j.libraries)) {
        if (v.type && v.type !== 'package') continue
        const i = key.lastIndexOf('/')
        if (i > 0)
          out.push({
            ecosystem: 'NuGet',
            name: key.slice(0, i),
            version: key.slice(i + 1),
            purl: `pkg:nuget/${key.slice(0, i)}@${key.slice(i + 1)}`,
          })
      }
    } else if (j.dependencies) {
      for (const framework of Object.values(j.dependencies))
        for (const [name, d] of Object.entries(framework))
          if (d.resolved && d.type !== 'Project') out.push({ ecosystem: 'NuGet', name, version: d.resolved })
    } else
      throw new SbomParseError(
        bi(`no "libraries" or "dependencies" in ${location}`, `${location} 中没有“libraries”或“dependencies”`),
      )
    return out
  },
}

const swiftResolved: Detector = {
  id: 'swift-package-resolved',
  matches: (p) => base(p) === 'Package.resolved',
  parse(text) {
    const j = JSON.parse(text) as {
      pins?: Array<{ identity?: string; location?: string; state?: { version?: string } }>
      object?: { pins?: Array<{ package?: string; repositoryURL?: string; state?: { version?: string } }> }
    }
    const pins =
      j.pins ?? j.object?.pins?.map((p) => ({ identity: p.package, location: p.repositoryURL, state: p.state })) ?? []
    return pins
      .filter((p) => p.state?.version)
      .map((p) => ({
        ecosystem: 'SwiftURL',
        name: (p.location ?? p.identity ?? '').replace(/\.git$/, '').replace(/^https?:\/\//, ''),
        version: p.state!.version!,
      }))
  },
}

const conanLock: Detector = {
  id: 'conan-lock',
  matches: (p) => base(p) === 'conan.lock',
  parse(text) {
    const j = JSON.parse(text) as { requires?: string[]; graph_lock?: { nodes?: Record<string, { ref?: string }> } }
    const refs =
      j.requires ??
      Object.values(j.graph_lock?.nodes ?? {})
        .map((n) => n.ref)
        .filter((r): r is string => !!r)
    return refs
      .map((r) => /^([^/#@]+)\/([^@#]+)/.exec(r))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ ecosystem: 'ConanCenter', name: m[1], version: m[2] }))
  },
}

const vcpkgJson: Detector = {
  id: 'vcpkg-json',
  matches: (p) => base(p) === 'vcpkg.json',
  parse(text) {
    const j = JSON.parse(text) as { overrides?: Array<{ name: string; version?: string; 'version-string'?: string }> }
    return (j.overrides ?? [])
      .filter((o) => o.version ?? o['version-string'])
      .map((o) => ({ ecosystem: 'vcpkg', name: o.name, version: (o.version ?? o['version-string'])! }))
  },
}

export const DETECTORS: Detector[] = [
  npmLock,
  dpkgStatus,
  apkInstalled,
  requirements,
  goMod,
  cargoLock,
  gemfileLock,
  composerLock,
  pomProperties,
  poetryLock,
  pnpmLock,
  yarnLock,
  pipfileLock,
  distInfo,
  dotnetDeps,
  swiftResolved,
  conanLock,
  vcpkgJson,
]

export const STREAM_DETECTORS: StreamDetector[] = [goBinary, cargoAuditable, createRpmdbDetector()]
