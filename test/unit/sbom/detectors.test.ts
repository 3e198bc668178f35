// Each component detector on a small real-format file.
import { describe, expect, it } from 'vitest'
import { DETECTORS } from '../../../src-main/sbom/detectors'

const parse = (path: string, text: string) => {
  const d = DETECTORS.find((x) => x.matches(path))
  if (!d) throw new Error(`no detector for ${path}`)
  return d.parse(text, path).map((c) => `${c.ecosystem}:${c.name}@${c.version}`)
}

describe('component detectors', () => {
  it.each([
    [
      'app/package-lock.json',
      JSON.stringify({
        lockfileVersion: 1,
        dependencies: { a: { version: '1.0.0', dependencies: { b: { version: '2.0.0' } } } },
      }),
      ['npm:a@1.0.0', 'npm:b@2.0.0'],
    ],
    [
      'yarn.lock',
      '# yarn lockfile v1\n\n"@babel/core@^7.0.0", "@babel/core@^7.1.0":\n  version "7.22.5"\n  resolved "x"\n\nlodash@^4.17.0:\n  version "4.17.21"\n',
      ['npm:@babel/core@7.22.5', 'npm:lodash@4.17.21'],
    ],
    [
      'yarn.lock',
      '__metadata:\n  version: 6\n\n"lodash@npm:^4.17.0":\n  version: 4.17.21\n  resolution: "lodash@npm:4.17.21"\n',
      ['npm:lodash@4.17.21'],
    ],
    [
      'pnpm-lock.yaml',
      "lockfileVersion: '6.0'\npackages:\n  /lodash@4.17.21:\n    resolution: {integrity: x}\n",
      ['npm:lodash@4.17.21'],
    ],
    [
      'requirements.txt',
      'Django==4.2.1  # web\nrequests[socks]==2.31.0\nflask>=2\n',
      ['PyPI:Django@4.2.1', 'PyPI:requests@2.31.0'],
    ],
    [
      'Pipfile.lock',
      JSON.stringify({ default: { django: { version: '==4.2.1' } }, develop: {} }),
      ['PyPI:django@4.2.1'],
    ],
    ['poetry.lock', '[[package]]\nname = "requests"\nversion = "2.31.0"\n', ['PyPI:requests@2.31.0']],
    [
      'usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA',
      'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n',
      ['PyPI:requests@2.31.0'],
    ],
    ['go.mod', 'module x\n\nrequire golang.org/x/net v0.17.0\n', ['Go:golang.org/x/net@v0.17.0']],
    ['Cargo.lock', '[[package]]\nname = "serde"\nversion = "1.0.188"\n', ['crates.io:serde@1.0.188']],
    [
      'Gemfile.lock',
      'GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.7)\n    nokogiri (1.15.2-x86_64-linux)\n\nPLATFORMS\n',
      ['RubyGems:rack@2.2.7', 'RubyGems:nokogiri@1.15.2'],
    ],
    [
      'composer.lock',
      JSON.stringify({ packages: [{ name: 'monolog/monolog', version: 'v3.4.0' }] }),
      ['Packagist:monolog/monolog@3.4.0'],
    ],
    [
      'META-INF/maven/org.apache/commons-text/pom.properties',
      'groupId=org.apache\nartifactId=commons-text\nversion=1.9\n',
      ['Maven:org.apache:commons-text@1.9'],
    ],
    [
      'app.deps.json',
      JSON.stringify({
        libraries: { 'Newtonsoft.Json/13.0.1': { type: 'package' }, 'App/1.0.0': { type: 'project' } },
      }),
      ['NuGet:Newtonsoft.Json@13.0.1'],
    ],
    [
      'packages.lock.json',
      JSON.stringify({ version: 1, dependencies: { 'net8.0': { Serilog: { type: 'Direct', resolved: '3.0.1' } } } }),
      ['NuGet:Serilog@3.0.1'],
    ],
    [
      'Package.resolved',
      JSON.stringify({
        pins: [
          { identity: 'swift-nio', location: 'https://github.com/apple/swift-nio.git', state: { version: '2.58.0' } },
        ],
        version: 2,
      }),
      ['SwiftURL:github.com/apple/swift-nio@2.58.0'],
    ],
    [
      'conan.lock',
      JSON.stringify({ version: '0.5', requires: ['zlib/1.2.13#abc', 'openssl/3.1.2#def'] }),
      ['ConanCenter:zlib@1.2.13', 'ConanCenter:openssl@3.1.2'],
    ],
    [
      'vcpkg.json',
      JSON.stringify({ name: 'app', overrides: [{ name: 'fmt', version: '10.0.0' }] }),
      ['vcpkg:fmt@10.0.0'],
    ],
    [
      'var/lib/dpkg/status',
      'Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1)\nVersion: 3.0.11-1+b1\n',
      ['Debian:libssl3@3.0.11-1+b1'],
    ],
    [
      'lib/apk/db/installed',
      'P:musl\nV:1.2.4-r1\no:musl\n\nP:busybox\nV:1.36.1-r2\n',
      ['Alpine:musl@1.2.4-r1', 'Alpine:busybox@1.36.1-r2'],
    ],
  ])('%s', (path, text, want) => {
    expect(parse(path, text)).toEqual(want)
  })

  it('a damaged file is an error (becomes sbom.unreadable)', () => {
    expect(() => parse('package-lock.json', '{"lockfileVersion": 3')).toThrow()
    expect(() => parse('x.dist-info/METADATA', 'Metadata-Version: 2.1\n')).toThrow()
  })
})
