// Every finding a scan makes carries its sentence in Simplified Chinese too (src-preload/text.ts): real packages
// and hostile archives — the public corpora, ClamAV's test files, packages crafted here, and the entry pass under
// tight limits — go through the scan, and each finding of the covered rules must have a messageZh that is Chinese,
// names the same quoted values (paths, link targets, names) and the same figures (sizes, offsets, modes) as its
// English, and holds no unfilled placeholder. Errors a user can meet while scanning or importing are checked the
// same way. To cover more rules, add a fixture to FIXTURES and widen COVERED.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { PreflightError } from '../../../src-preload/errors'
import { createClassifyScanner } from '../../../src-main/classify/scanner'
import { parseCvdHeader, verifyCvd } from '../../../src-main/malware/cvd'
import { parseEngineOutput, runEngine } from '../../../src-main/malware/engine'
import { createMalwareScanner } from '../../../src-main/malware/scanner'
import { SignatureStore } from '../../../src-main/malware/signatures'
import { packageFindings } from '../../../src-main/inspect/package-rules'
import { scanPackage } from '../../../src-main/inspect/scan'
import { repack } from '../../../src-main/repack/repack'
import type { Finding } from '../../../src-main/reports/model'
import { GB } from '../../../src-main/rules/profiles'
import { openDatabase } from '../../../src-main/store/db'
import { limitsFor, type WalkLimits } from '../../../src-main/walk/limits'
import { EntryPipeline } from '../../../src-main/walk/pipeline'
import { corporaDir } from '../../corpora'
import { elf, rawTar } from '../../fixtures/crafted'

/** The rules whose findings are checked (the rooms that write them in both languages). */
const COVERED = /^(archive|package|content|malware|profile|scan)\./

/** Rules the fixtures must produce, so the check never passes on too few findings. */
const MUST_SEE = [
  'archive.path-traversal',
  'archive.link-escape',
  'archive.duplicate-entry',
  'archive.special-file',
  'archive.setuid',
  'archive.corrupt',
  'archive.encrypted',
  'archive.bomb',
  'archive.nested-unscanned',
  'package.empty',
  'package.name-invalid',
  'package.format-unsupported',
  'package.extension-mismatch',
  'package.too-large',
  'package.obs-required',
  'content.architecture-unsupported',
  'content.summary',
  'malware.detected',
  'malware.engine-limited',
  'malware.database-unverified',
  'profile.auto-picked',
  'scan.not-run',
]

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
const TESTFILES = '/usr/share/clamav-testfiles'
const work = () => mkdtempSync(join(process.env.TMPDIR!, 'text-'))

/** A zstd frame header asking for a 2 GiB window (window descriptor 0xf8): refused before it is decoded. */
const ZSTD_HUGE_WINDOW = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00])

/** The findings of the covered rules one fixture yields. */
type Fixture = [name: string, findings: () => Promise<Finding[]>]

const scan = async (path: string, opts: Parameters<typeof scanPackage>[1] = { profile: 'koogallery-app' }) =>
  (await scanPackage(path, opts)).findings

const FIXTURES: Fixture[] = [
  [
    'public corpora: yauzl, node-tar, adm-zip, tar-stream, tar-fs, rubyzip',
    async () => {
      const root = corporaDir()
      const files: string[] = []
      const walk = (d: string) => {
        for (const f of readdirSync(d)) {
          const p = join(d, f)
          if (statSync(p).isDirectory()) walk(p)
          else if (/\.(zip|tar|tgz)$/i.test(f)) files.push(p)
        }
      }
      for (const c of ['yauzl', 'node-tar', 'adm-zip', 'tar-stream', 'tar-fs', 'rubyzip']) walk(join(root, c))
      expect(files.length).toBeGreaterThan(100)
      const out: Finding[] = []
      for (const file of files) {
        const dir = work()
        const ext = /\.zip$/i.test(file) ? '.zip' : /\.tgz$/i.test(file) ? '.tar.gz' : '.tar'
        copyFileSync(file, join(dir, `case${ext}`))
        const found = await scan(join(dir, `case${ext}`))
        out.push(...found.map((f) => ({ ...f, location: `${relative(root, file)} → ${f.location}` })))
      }
      return out
    },
  ],
  [
    "ClamAV's test files in one tar, with an unverified signature database",
    async () => {
      if (!existsSync(TESTFILES)) throw new Error(`${TESTFILES} is missing (apt-get install clamav-testfiles)`)
      const d = work()
      execFileSync('tar', ['-cf', join(d, 'testfiles.tar'), '-C', TESTFILES, '.'])
      const md5 = execFileSync('md5sum', [join(TESTFILES, 'clam.exe')], { encoding: 'utf8' }).split(' ')[0]
      writeFileSync(join(d, 'test.hdb'), `${md5}:${statSync(join(TESTFILES, 'clam.exe')).size}:ClamAV-Test-File\n`)
      const db = openDatabase(':memory:')
      await new SignatureStore(db).importFile(join(d, 'test.hdb'))
      return scan(join(d, 'testfiles.tar'), { profile: 'koogallery-app', db })
    },
  ],
  [
    'a crafted hostile tar: devices, setuid, duplicates, escaping links, traversal, foreign containers, odd binaries',
    async () => {
      const d = work()
      const damaged = gzipSync(rawTar([{ path: 'x.txt', data: 'x'.repeat(100_000) }]))
      writeFileSync(
        join(d, 'hostile.tar'),
        rawTar([
          { path: 'dev/null', type: 'CharacterDevice' },
          { path: 'dev/sda', type: 'BlockDevice' },
          { path: 'run/pipe', type: 'FIFO' },
          { path: 'bin/su', mode: 0o4755, data: 'x' },
          { path: 'bin/wall', mode: 0o2755, data: 'x' },
          { path: 'a.txt', data: 'one' },
          { path: './a.txt', data: 'two' },
          { path: 'h', type: 'Link', linkpath: '../../etc/shadow' },
          { path: 'up', type: 'SymbolicLink', linkpath: '../..' },
          { path: 'up/passwd', data: 'x' },
          { path: '/etc/cron.d/job', data: 'x' },
          { path: 'C:\\win\\x', data: 'x' },
          { path: '//server/share/x', data: 'x' },
          { path: 'a/../../b', data: 'x' },
          {
            path: 'old.7z',
            data: Buffer.concat([Buffer.from('7z\xbc\xaf\x27\x1c\x00\x04', 'latin1'), Buffer.alloc(64)]),
          },
          { path: 'setup.cab', data: Buffer.concat([Buffer.from('MSCF'), Buffer.alloc(64)]) },
          { path: 'big-window.zst', data: ZSTD_HUGE_WINDOW },
          { path: 'cut.tar.gz', data: damaged.subarray(0, Math.floor(damaged.length / 2)) },
          { path: 'riscv.bin', data: elf(243) },
          { path: 'eicar.com', data: EICAR },
          { path: 'main.py', data: 'print(1)\n' },
        ]),
      )
      return scan(join(d, 'hostile.tar'))
    },
  ],
  [
    'archives nested deeper than the limit',
    async () => {
      const d = work()
      let inner = rawTar([{ path: 'leaf.txt', data: 'x' }])
      for (let i = 0; i < 10; i++) inner = rawTar([{ path: `level${i}.tar`, data: inner }])
      writeFileSync(join(d, 'deep.tar'), inner)
      return scan(join(d, 'deep.tar'))
    },
  ],
  [
    'damaged tar.gz, tar.zst and .zst packages',
    async () => {
      const d = work()
      const out: Finding[] = []
      mkdirSync(join(d, 'in'))
      writeFileSync(join(d, 'in/f.bin'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)))
      execFileSync('tar', ['-cf', join(d, 'app.tar'), '-C', join(d, 'in'), 'f.bin'])
      const tgz = gzipSync(execFileSync('cat', [join(d, 'app.tar')]))
      writeFileSync(join(d, 'cut.tar.gz'), tgz.subarray(0, Math.floor(tgz.length / 2)))
      out.push(...(await scan(join(d, 'cut.tar.gz'))))
      execFileSync('zstd', ['-q', join(d, 'app.tar'), '-o', join(d, 'app.tar.zst')])
      const zst = execFileSync('cat', [join(d, 'app.tar.zst')])
      writeFileSync(join(d, 'pkg.tar'), rawTar([{ path: 'cut.tar.zst', data: zst.subarray(0, zst.length >> 1) }]))
      out.push(...(await scan(join(d, 'pkg.tar'))))
      return out
    },
  ],
  [
    'package rules: names, extensions, sizes, an empty file, a profile picked from the content',
    async () => {
      const d = work()
      const out: Finding[] = []
      out.push(...packageFindings('koogallery-app', 'my app v1.0.tgz', 'tar.gz', 25 * GB))
      out.push(...packageFindings('swr-image', 'image.tar', 'tar', 3 * GB))
      out.push(...packageFindings('koogallery-image', 'disk', 'unknown', 200 * GB))
      writeFileSync(join(d, 'empty.zip'), '')
      out.push(...(await scan(join(d, 'empty.zip'))))
      writeFileSync(join(d, 'tar-named.zip'), rawTar([{ path: 'a', data: 'a' }]))
      out.push(...(await scan(join(d, 'tar-named.zip'))))
      writeFileSync(join(d, 'noise.tar.gz'), Buffer.alloc(2048, 7))
      out.push(...(await scan(join(d, 'noise.tar.gz'))))
      writeFileSync(join(d, 'picked.tar'), rawTar([{ path: 'a', data: 'a' }]))
      out.push(...(await scan(join(d, 'picked.tar'), {})))
      // only the content scanner: the malware check did not run, and the report says so
      out.push(...(await scan(join(d, 'picked.tar'), { profile: 'koogallery-app', scanners: [createClassifyScanner] })))
      return out
    },
  ],
  [
    'the entry pass under tight limits: too many entries, too many bytes, a nested zip too large to spool',
    async () => {
      const d = work()
      writeFileSync(join(d, 'x.txt'), 'x'.repeat(4096))
      execFileSync('zip', ['-q', join(d, 'n.zip'), 'x.txt'], { cwd: d })
      const tar = rawTar([
        ...Array.from({ length: 8 }, (_, i) => ({ path: `f${i}.txt`, data: 'y'.repeat(3000 * (i + 1)) })),
        { path: 'n.zip', data: execFileSync('cat', [join(d, 'n.zip')]) },
      ])
      const out: Finding[] = []
      const tight: Array<Partial<WalkLimits>> = [
        { maxSpoolBytes: 100 },
        { maxEntries: 3 },
        { maxEntries: 0 },
        { maxExpandedBytes: 4000 },
      ]
      for (const limits of tight) {
        const p = new EntryPipeline({ profile: 'koogallery-app', packageName: 'pkg.tar' }, [], {
          limits: { ...limitsFor(null), ...limits },
        })
        // in 4 KiB pieces, as a file is read: the expanded total is checked between an entry's chunks
        const pieces = Array.from({ length: Math.ceil(tar.length / 4096) }, (_, i) =>
          tar.subarray(i * 4096, i * 4096 + 4096),
        )
        await p.walkStream(Readable.from(pieces), 'pkg.tar', 0, 'tar')
        out.push(...p.findings)
        const z = new EntryPipeline({ profile: 'koogallery-app', packageName: 'n.zip' }, [], {
          limits: { ...limitsFor(null), ...limits },
        })
        await z.walkZip(join(d, 'n.zip'), 'n.zip', 0)
        out.push(...z.findings)
      }
      return out
    },
  ],
  [
    'malware engine output and signatures found by the hashing scanner',
    async () => {
      const out = parseEngineOutput(
        'clamscan',
        [
          '/tmp/p/app.tar: Win.Test.EICAR_HDB-1 FOUND',
          '/tmp/p/app.tar: Heuristics.Limits.Exceeded.MaxFileSize FOUND',
        ].join('\n'),
        'LibClamAV Warning: /tmp/p/app.tar: Exceeded max scan size\n',
        () => 'app.tar',
        'koogallery-app',
      )
      const sink = createMalwareScanner({ profile: 'koogallery-app', packageName: 'p.tar' }).open({
        path: 'lib/eicar.com',
        location: 'p.tar!lib/eicar.com',
        type: 'file',
        size: EICAR.length,
        mode: null,
        depth: 0,
        container: 'tar',
      })
      sink.write(Buffer.from(EICAR))
      const end = await sink.end({})
      // an engine that is not installed, and clamscan refusing a database that does not exist
      const d = work()
      writeFileSync(join(d, 'app.tar'), rawTar([{ path: 'a.txt', data: 'a' }]))
      const missing = await runEngine(join(d, 'app.tar'), 'app.tar', { engine: 'clamdscan', profile: 'koogallery-app' })
      const refused = await runEngine(join(d, 'app.tar'), 'app.tar', {
        engine: 'clamscan',
        database: join(d, 'none.cvd'),
        profile: 'koogallery-app',
      })
      expect(refused.map((f) => f.rule)).toEqual(['malware.engine-limited'])
      return [...out, ...((end && end.findings) || []), ...missing, ...refused]
    },
  ],
]

const CJK = /[\u3400-\u9fff]/

/** Quoted words that stand for a missing value, not a value: the Chinese says them in its own words. */
const NOT_VALUES = new Set(['(no extension)', 'no extension'])
/** Product names a Chinese sentence keeps as they are. */
const NAMES = ['Samsung Cloud Platform']
/** The values an English sentence quotes ("…"): paths, link targets, names, extensions. */
const quoted = (en: string) => [...en.matchAll(/"([^"]+)"/g)].map((m) => m[1]).filter((q) => !NOT_VALUES.has(q))
/** Figures of three characters or more (sizes, offsets, modes, counts, hashes) that a reader compares. */
const figures = (en: string) => [...en.matchAll(/\b(?:0x)?[0-9a-f]*\d[0-9a-f,.:]*[0-9a-f]\b/gi)].map((m) => m[0])

/** What is wrong with one finding's Chinese, or null. */
function problem(f: Finding): string | null {
  const zh = f.messageZh
  if (!zh) return 'no messageZh'
  if (!CJK.test(zh)) return `messageZh has no Chinese: ${zh}`
  if (/\{[A-Za-z_]\w*\}|\$\{|undefined|\[object /.test(zh)) return `messageZh holds a placeholder: ${zh}`
  // Chinese sentences quote with “…”: a straight quote is only right inside a quoted value
  if (
    quoted(f.message)
      .reduce((rest, q) => rest.split(q).join(''), zh)
      .includes('"')
  )
    return `straight quotes in: ${zh}`
  for (const q of quoted(f.message)) if (!zh.includes(q)) return `"${q}" is missing from: ${zh}`
  // beside the values it names (quoted, or kept in details like an engine's own words) and product names, no English
  // sentence is left untranslated (a reader's message passed through)
  const values = [
    ...quoted(f.message),
    ...Object.values(f.details ?? {}).filter((v) => typeof v === 'string'),
    ...NAMES,
  ]
  const english = /[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}/.exec(values.reduce((rest, v) => rest.split(v).join(''), zh))
  if (english) return `"${english[0]}" is left in English in: ${zh}`
  for (const n of figures(f.message)) if (n.length >= 3 && !zh.includes(n)) return `${n} is missing from: ${zh}`
  return null
}

describe('every finding is worded in Chinese too', () => {
  const seen = new Set<string>()
  const results = new Map<string, Finding[]>()
  beforeAll(async () => {
    for (const [name, make] of FIXTURES)
      results.set(
        name,
        (await make()).filter((f) => COVERED.test(f.rule)),
      )
  }, 600_000)

  it.each(FIXTURES.map(([name]) => [name]))('%s', (name) => {
    const findings = results.get(name)!
    expect(findings.length, name).toBeGreaterThan(0)
    const bad: string[] = []
    for (const f of findings) {
      seen.add(f.rule)
      const why = problem(f)
      if (why) bad.push(`${f.rule} at ${f.location}: ${why}`)
    }
    expect(bad).toEqual([])
  })

  it('the fixtures produce every rule the scan rooms write', () => {
    for (const [, findings] of results) for (const f of findings) seen.add(f.rule)
    expect(MUST_SEE.filter((r) => !seen.has(r))).toEqual([])
  })
})

describe('errors a user meets while scanning or importing are worded in Chinese too', () => {
  const zhOf = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(PreflightError)
    return err as PreflightError
  }
  const check = (e: PreflightError) => {
    expect(e.messageZh, e.message).toMatch(CJK)
    for (const q of quoted(e.message)) expect(e.messageZh).toContain(q)
    expect(e.messageZh).not.toMatch(/\{[A-Za-z_]\w*\}|\$\{|undefined/)
  }

  it('scan: no such file, not a file, unknown profile', async () => {
    const d = work()
    check(await zhOf(scanPackage(join(d, 'missing.zip'))))
    check(await zhOf(scanPackage(d)))
    writeFileSync(join(d, 'a.zip'), 'x')
    check(await zhOf(scanPackage(join(d, 'a.zip'), { profile: 'nope' })))
  })

  it('signature imports: unsupported file, bad lines, unsigned and damaged .cvd', async () => {
    const d = work()
    const store = new SignatureStore(openDatabase(':memory:'))
    writeFileSync(join(d, 'x.txt'), 'x')
    check(await zhOf(store.importFile(join(d, 'x.txt'))))
    check(await zhOf(store.importFile(join(d, 'gone.hdb'))))
    for (const line of ['nothex:1:x', 'abc', `${'a'.repeat(32)}:big:x`]) {
      writeFileSync(join(d, 'bad.hdb'), `${line}\n`)
      check(await zhOf(store.importFile(join(d, 'bad.hdb'))))
    }
    const header = Buffer.alloc(512, ' ')
    header.write('ClamAV-VDB:23 Nov 2026 10-00 +0000:42:1:90:X:preflight:0')
    const cvd = Buffer.concat([header, gzipSync(Buffer.alloc(1024))])
    check(await zhOf(Promise.resolve().then(() => verifyCvd(cvd, 'custom.cvd'))))
    check(await zhOf(Promise.resolve().then(() => parseCvdHeader(Buffer.alloc(512), 'empty.cvd'))))
    const md5 = Buffer.alloc(512, ' ')
    md5.write(`ClamAV-VDB:23 Nov 2026 10-00 +0000:42:1:90:${'0'.repeat(32)}:sig:preflight:0`)
    check(await zhOf(Promise.resolve().then(() => verifyCvd(Buffer.concat([md5, Buffer.alloc(8)]), 'x.cvd'))))
    writeFileSync(join(d, 'local.cld'), cvd)
    check(await zhOf(store.importFile(join(d, 'local.cld'))))
  })

  it('repack: no input, a wrong output name, a missing input, a tar that is no image', async () => {
    const d = work()
    check(await zhOf(repack([], { output: join(d, 'out.tar') })))
    check(await zhOf(repack([join(d, 'a.tar')], { output: join(d, 'out.rar') })))
    check(await zhOf(repack([join(d, 'missing.tar')], { output: join(d, 'out.tar') })))
    writeFileSync(join(d, 'plain.tar'), rawTar([{ path: 'readme.txt', data: 'hi' }]))
    check(await zhOf(repack([join(d, 'plain.tar')], { output: join(d, 'out.tar') })))
  })
})
