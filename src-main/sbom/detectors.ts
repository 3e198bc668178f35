// Component detectors: each recognises one manifest, lockfile or package database by its path and parses
// its whole (bounded) content into components. One detector per format; parse errors become sbom.unreadable.
import YAML from 'yaml'
import type { Component } from '../reports/model'

export interface Detector {
  id: string
  /** Path test (normalised, '/'-separated, without a leading slash). */
  matches(path: string): boolean
  parse(text: string, location: string): Array<Omit<Component, 'location'> & { location?: string }>
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1)

const npmLock: Detector = {
  id: 'npm-package-lock',
  matches: (p) => base(p) === 'package-lock.json' || base(p) === 'npm-shrinkwrap.json',
  parse(text) {
    const j = JSON.parse(text) as { lockfileVersion?: number; packages?: Record<string, { version?: string; name?: string; link?: boolean }>; dependencies?: Record<string, unknown> }
    const out: Array<Omit<Component, 'location'>> = []
    if (j.packages) {
      for (const [key, v] of Object.entries(j.packages)) {
        if (!key || v.link || !v.version) continue
        const name = v.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
        out.push({ ecosystem: 'npm', name, version: v.version, purl: `pkg:npm/${encodeURIComponent(name).replace('%40', '@')}@${v.version}` })
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
    } else throw new Error('no "packages" or "dependencies"')
    return out
  },
}

const dpkgStatus: Detector = {
  id: 'dpkg-status',
  matches: (p) => /(^|\/)var\/lib\/dpkg\/status$/.test(p) || /(^|\/)var\/lib\/dpkg\/status\.d\/[^/]+$/.test(p),
  parse(text) {
    const out: Array<Omit<Component, 'location'>> = []
    for (const para of text.split(/\n\s*\n/)) {
      const f: Record<string, string> = {}
      for (const line of para.split('\n')) {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line)
        if (m) f[m[1]] = m[2]
      }
      if (!f.Package || !f.Version) continue
      if (f.Status && !/\binstalled$/.test(f.Status)) continue
      const src = f.Source ? /^(\S+)(?:\s+\((.+)\))?/.exec(f.Source) : null
      out.push({ ecosystem: 'Debian', name: f.Package, version: src?.[2] ?? f.Version, sourceName: src?.[1] ?? f.Package, purl: `pkg:deb/debian/${f.Package}@${f.Version}` })
    }
    return out
  },
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
      if (name && version) out.push({ ecosystem: 'Alpine', name, version, sourceName: origin ?? name, purl: `pkg:apk/alpine/${name}@${version}` })
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
        if (m) out.push({ ecosystem: 'RubyGems', name: m[1], version: m[2].replace(/-[a-z0-9_]+(-[a-z0-9_]+)*$/i, ''), purl: `pkg:gem/${m[1]}@${m[2]}` })
      }
    }
    return out
  },
}

const composerLock: Detector = {
  id: 'composer-lock',
  matches: (p) => base(p) === 'composer.lock',
  parse(text) {
    const j = JSON.parse(text) as { packages?: Array<{ name: string; version: string }>; 'packages-dev'?: Array<{ name: string; version: string }> }
    return [...(j.packages ?? []), ...(j['packages-dev'] ?? [])].map((p) => ({ ecosystem: 'Packagist', name: p.name, version: p.version.replace(/^v/, ''), purl: `pkg:composer/${p.name}@${p.version}` }))
  },
}

const pomProperties: Detector = {
  id: 'maven-pom-properties',
  matches: (p) => /(^|\/)META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(p),
  parse(text) {
    const f = Object.fromEntries(text.split('\n').map((l) => /^\s*([\w.]+)\s*[=:]\s*(.*?)\s*$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1], m[2]]))
    if (!f.groupId || !f.artifactId || !f.version) throw new Error('groupId, artifactId or version missing')
    return [{ ecosystem: 'Maven', name: `${f.groupId}:${f.artifactId}`, version: f.version, purl: `pkg:maven/${f.groupId}/${f.artifactId}@${f.version}` }]
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
      if (name && version) out.push({ ecosystem: 'PyPI', name, version, purl: `pkg:pypi/${name.toLowerCase()}@${version}` })
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

export const DETECTORS: Detector[] = [npmLock, dpkgStatus, apkInstalled, requirements, goMod, cargoLock, gemfileLock, composerLock, pomProperties, poetryLock, pnpmLock]
