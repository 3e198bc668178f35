// Repack container images into one compliant bundle: docker-archive images are converted to OCI image
// layouts (config and layers become content-addressed blobs, digests computed from the bytes, manifest and
// index written per the image-spec), OCI ones are kept as they are, and every image becomes one `.tar` in a
// .tar, .tar.gz or .zip bundle with a compliant file name. `format: 'docker-archive'` writes the SWR
// console's form instead. The bundle is written under a temporary name and renamed only when verified: by
// default it is scanned in full (the report's verdict) and must show no structural problem; with
// `scan: false` it is read back instead, every member compared byte for byte with what was written into it
// (names, order, sizes and contents), and the content scan is left to `preflight scan`.
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { Transform } from 'node:stream'
import { mkdir, mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { createGzip } from 'node:zlib'
import { Parser, x as extract, type ReadEntry } from 'tar'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { PreflightError } from '../../src-preload/errors'
import { bi, type Bilingual } from '../../src-preload/text'
import { sha256File } from '../walk/hash'
import { damage } from '../walk/reasons'
import { claimedExtension, proposeName } from '../inspect/package-rules'
import { scanPackage } from '../inspect/scan'
import type { Report } from '../reports/model'
import { throwIfCancelled } from '../tasks/cancel'
import { createReadAheadStream } from '../walk/read-ahead'
import type { ProgressMeter } from '../tasks/progress'
import { blobPath, extractionError, resolveInImage } from '../containers/image-paths'
import { dockerManifest, imageIndex, imageManifest, MT } from '../containers/schemas'
import { TarWriter } from './tarwriter'

export interface RepackOptions {
  output: string
  format?: 'oci' | 'docker-archive'
  /** Scan the result in full (default); false: verify it byte for byte only (report null). */
  scan?: boolean
  signal?: AbortSignal
  meter?: ProgressMeter
}

export interface RepackResult {
  output: string
  renamedFrom: string | null
  images: Array<{ source: string; member: string; from: 'oci' | 'docker-archive'; tags: string[] }>
  /** The full scan of the result; null when it was verified byte for byte only (`scan: false`). */
  report: Report | null
}

async function hashWithSize(path: string): Promise<{ hex: string; size: number }> {
  const { size } = await stat(path)
  return { hex: await sha256File(path, size), size }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const safeMember = (s: string) =>
  s
    .replace(/^.*\//, '')
    .replace(/[^A-Za-z0-9_()-]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'image'

/** Without `scan: false` the result is scanned and its report is there. */
export async function repack(
  inputs: string[],
  opts: RepackOptions & { scan?: true },
): Promise<RepackResult & { report: Report }>
export async function repack(inputs: string[], opts: RepackOptions): Promise<RepackResult>
export async function repack(inputs: string[], opts: RepackOptions): Promise<RepackResult> {
  if (!inputs.length)
    throw new PreflightError(
      'invalid-input',
      bi('repack needs at least one image tar', '重新打包至少需要一个镜像 tar 文件，请先添加镜像。'),
    )
  const ext = claimedExtension(basename(opts.output))
  if (!['.tar', '.tar.gz', '.zip'].includes(ext))
    throw new PreflightError(
      'invalid-input',
      bi(
        `--output must end in .tar, .tar.gz or .zip (got "${ext || 'no extension'}")`,
        `输出文件名须以 .tar、.tar.gz 或 .zip 结尾（当前为“${ext || '无扩展名'}”）。`,
      ),
    )
  // the name the container package's rules accept, as the scan would propose it for a package of this format
  const kind = ext === '.zip' ? 'zip' : ext === '.tar' ? 'tar' : 'tar.gz'
  const compliant = proposeName(basename(opts.output), { profile: 'koogallery-container', kind, size: 0 })
  const output = join(dirname(opts.output), compliant)
  const format = opts.format ?? 'oci'
  const work = await mkdtemp(join(tmpdir(), 'preflight-repack-'))
  const images: RepackResult['images'] = []
  const members: Array<{ name: string; path: string; size: number }> = []
  const partial = join(dirname(output), `${basename(output, ext)}-partial-${process.pid}${ext}`)
  try {
    let n = 0
    for (const input of inputs) {
      throwIfCancelled(opts.signal)
      const st = await stat(input).catch(() => {
        throw new PreflightError('not-found', bi(`No such file: ${input}`, `文件不存在：${input}`))
      })
      // an image already in the wanted form is kept byte for byte: its headers tell, no need to unpack it
      const names = await tarRootNames(input)
      const ociKept = !!names && names.has('oci-layout') && names.has('index.json')
      if (
        names &&
        ((format === 'oci' && ociKept) || (format === 'docker-archive' && names.has('manifest.json') && !ociKept))
      ) {
        n++
        opts.meter?.update('reading images', n, inputs.length, { detail: basename(input) })
        const member = `${safeMember(basename(input).replace(/\.tar$/i, ''))}.tar`
        members.push({ name: member, path: input, size: st.size })
        images.push({ source: input, member, from: ociKept ? 'oci' : 'docker-archive', tags: [] })
        continue
      }
      const dir = join(work, `in-${n++}`)
      await mkdir(dir)
      await extract({ file: input, cwd: dir, strict: true, preservePaths: false }).catch((err: unknown) => {
        throw extractionError(input, err)
      })
      opts.meter?.update('reading images', n, inputs.length, { detail: basename(input) })
      const has = (p: string) =>
        stat(join(dir, p)).then(
          () => true,
          () => false,
        )
      const isOci = (await has('oci-layout')) && (await has('index.json'))
      const isDocker = await has('manifest.json')
      if (!isOci && !isDocker)
        throw new PreflightError(
          'invalid-input',
          bi(
            `${input} is neither an OCI layout nor a docker-archive (no oci-layout/index.json or manifest.json)`,
            `${input} 既不是 OCI 布局，也不是 docker-archive（没有 oci-layout/index.json 或 manifest.json）。请用 docker save 或 skopeo 导出镜像后再添加。`,
          ),
        )
      if ((format === 'oci' && isOci) || (format === 'docker-archive' && isDocker && !isOci)) {
        // already in the wanted form: kept byte for byte
        const member = `${safeMember(basename(input).replace(/\.tar$/i, ''))}.tar`
        members.push({ name: member, path: input, size: st.size })
        images.push({ source: input, member, from: isOci ? 'oci' : 'docker-archive', tags: [] })
        continue
      }
      if (format === 'oci') {
        const manifest = dockerManifest.safeParse(
          JSON.parse(
            await readFile(await resolveInImage(dir, 'manifest.json', `${basename(input)}: manifest.json`), 'utf8'),
          ),
        )
        if (!manifest.success)
          throw new PreflightError(
            'invalid-input',
            bi(
              `${input}: manifest.json is not a valid docker-archive manifest`,
              `${input}：manifest.json 不是有效的 docker-archive 清单。请重新导出该镜像。`,
            ),
          )
        for (const [i, m] of manifest.data.entries()) {
          const tags = m.RepoTags ?? []
          const member = `${safeMember(tags[0]?.replace(/:/g, '-') ?? `${basename(input).replace(/\.tar$/i, '')}${manifest.data.length > 1 ? `-${i + 1}` : ''}`)}.tar`
          const out = join(work, `oci-${n}-${i}.tar`)
          await writeOciLayout(dir, m, tags, out, opts.signal)
          members.push({ name: member, path: out, size: (await stat(out)).size })
          images.push({ source: input, member, from: 'docker-archive', tags })
        }
      } else {
        const out = join(work, `docker-${n}.tar`)
        const tags = await writeDockerArchive(
          dir,
          out,
          safeMember(basename(input).replace(/\.tar$/i, '')).toLowerCase(),
        )
        const member = `${safeMember(tags[0]?.replace(/:/g, '-') ?? basename(input).replace(/\.tar$/i, ''))}.tar`
        members.push({ name: member, path: out, size: (await stat(out)).size })
        images.push({ source: input, member, from: 'oci', tags })
      }
    }
    const seen = new Set<string>()
    for (const m of members) {
      let name = m.name
      for (let k = 2; seen.has(name); k++) name = m.name.replace(/\.tar$/, `-${k}.tar`)
      seen.add(name)
      m.name = name
    }
    images.forEach((img, i) => (img.member = members[i]?.name ?? img.member))
    await writeBundle(members, partial, ext, opts)
    const renamedFrom = compliant === basename(opts.output) ? null : basename(opts.output)
    if (opts.scan === false) {
      await verifyBundle(partial, ext, members, opts)
      await rename(partial, output)
      return { output, renamedFrom, images, report: null }
    }
    const report = await scanPackage(partial, {
      profile: format === 'oci' ? 'koogallery-container' : 'swr-image',
      signal: opts.signal,
      meter: opts.meter,
    })
    const broken = report.findings.filter(
      (f) => f.severity === 'blocker' && (f.rule.startsWith('oci.') || f.rule.startsWith('archive.')),
    )
    if (broken.length)
      throw new PreflightError(
        'conflict',
        bi(
          `The repacked bundle did not verify: ${broken
            .slice(0, 3)
            .map((f) => `${f.rule} at ${f.location}`)
            .join('; ')}`,
          `重新打包的捆绑包未通过校验：${broken
            .slice(0, 3)
            .map((f) => `${f.location} 处的 ${f.rule}`)
            .join('；')}`,
        ),
      )
    await rename(partial, output)
    report.package = { ...report.package, path: output, name: basename(output) }
    return { output, renamedFrom, images, report }
  } finally {
    await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
    await rm(partial, { force: true })
  }
}

/** A member of a plain tar, from its headers: path (pax and GNU long names applied), type flag, size, data offset. */
export interface TarMember {
  name: string
  type: string
  size: number
  dataOffset: number
}

/**
 * The members of a plain tar, read from its headers alone (seeking over the content); null when it is not a
 * plain tar with valid header checksums and end-of-archive blocks (compressed, damaged, cut).
 */
export async function tarMembers(path: string): Promise<TarMember[] | null> {
  const fh = await open(path, 'r')
  const members: TarMember[] = []
  const h = Buffer.alloc(512)
  let longName: string | null = null
  try {
    const { size } = await fh.stat()
    for (let at = 0; at + 512 <= size;) {
      await fh.read(h, 0, 512, at)
      if (h.every((b) => b === 0)) return members
      let sum = 0
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]
      if (
        sum !==
        parseInt(
          h
            .subarray(148, 156)
            .toString('latin1')
            .replace(/[\0 ]+$/, '')
            .trim(),
          8,
        )
      )
        return null
      const field = (from: number, len: number) =>
        h
          .subarray(from, from + len)
          .toString('utf8')
          .replace(/\0.*$/s, '')
      const ustar = h.subarray(257, 262).toString('latin1') === 'ustar'
      const prefix = ustar ? field(345, 155) : ''
      const bytes = h[124] & 0x80 ? Number(h.readBigUInt64BE(128)) : parseInt(field(124, 12).trim() || '0', 8)
      if (!Number.isSafeInteger(bytes) || bytes < 0 || at + 512 + bytes > size) return null
      const type = String.fromCharCode(h[156] || 0x30)
      if (type === 'x' || type === 'L') {
        // the next member's long name: a pax "path" record, or a GNU long-name block
        const body = Buffer.alloc(Math.min(bytes, 1024 * 1024))
        await fh.read(body, 0, body.length, at + 512)
        const text = body.toString('utf8')
        longName =
          type === 'L' ? text.replace(/\0.*$/s, '') : (/(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? longName)
      } else if (type !== 'g' && type !== 'K') {
        members.push({
          name: longName ?? (prefix ? `${prefix}/` : '') + field(0, 100),
          type,
          size: bytes,
          dataOffset: at + 512,
        })
        longName = null
      }
      at += 512 + Math.ceil(bytes / 512) * 512
    }
    return null // no end-of-archive blocks
  } finally {
    await fh.close()
  }
}

/** Top-level member names of a plain tar (from its headers); null when it is not a plain, intact tar. */
export async function tarRootNames(path: string): Promise<Set<string> | null> {
  const members = await tarMembers(path)
  if (!members) return null
  const names = new Set<string>()
  for (const m of members) {
    const top = m.name
      .replace(/\\/g, '/')
      .split('/')
      .filter((p) => p && p !== '.')[0]
    if (top) names.add(top)
  }
  return names
}

async function writeOciLayout(
  dir: string,
  m: { Config: string; RepoTags?: string[] | null; Layers: string[] },
  tags: string[],
  out: string,
  signal?: AbortSignal,
): Promise<void> {
  // every path manifest.json names is resolved inside the image before anything is read
  const configFile = await resolveInImage(dir, m.Config, 'manifest.json Config')
  const layerFiles: string[] = []
  for (const [i, l] of m.Layers.entries()) layerFiles.push(await resolveInImage(dir, l, `manifest.json Layers[${i}]`))
  const configBytes = await readFile(configFile)
  const config = { mediaType: MT.ociConfig, digest: `sha256:${sha(configBytes)}`, size: configBytes.length }
  const layers: Array<{ mediaType: string; digest: string; size: number; file: string }> = []
  for (const file of layerFiles) {
    throwIfCancelled(signal)
    const head = Buffer.alloc(2)
    const fh = await open(file, 'r')
    await fh.read(head, 0, 2, 0)
    await fh.close()
    const { hex, size } = await hashWithSize(file)
    layers.push({
      mediaType:
        head[0] === 0x1f && head[1] === 0x8b
          ? 'application/vnd.oci.image.layer.v1.tar+gzip'
          : 'application/vnd.oci.image.layer.v1.tar',
      digest: `sha256:${hex}`,
      size,
      file,
    })
  }
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config,
      layers: layers.map(({ file: _f, ...d }) => d),
    }),
  )
  const annotations: Record<string, string> = {}
  if (tags[0]) {
    annotations['io.containerd.image.name'] = tags[0].includes('/') ? tags[0] : `docker.io/library/${tags[0]}`
    annotations['org.opencontainers.image.ref.name'] = tags[0].slice(tags[0].lastIndexOf(':') + 1)
  }
  const index = {
    schemaVersion: 2,
    mediaType: MT.ociIndex,
    manifests: [
      {
        mediaType: MT.ociManifest,
        digest: `sha256:${sha(manifestBytes)}`,
        size: manifestBytes.length,
        ...(tags[0] ? { annotations } : {}),
      },
    ],
  }
  const w = new TarWriter(createWriteStream(out))
  await w.addBuffer('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })))
  await w.addDir('blobs')
  await w.addDir('blobs/sha256')
  await w.addBuffer(`blobs/sha256/${config.digest.slice(7)}`, configBytes)
  const written = new Set<string>()
  for (const l of layers) {
    if (written.has(l.digest)) continue
    written.add(l.digest)
    await w.addFile(`blobs/sha256/${l.digest.slice(7)}`, l.file, l.size)
  }
  await w.addBuffer(`blobs/sha256/${sha(manifestBytes)}`, manifestBytes)
  await w.addBuffer('index.json', Buffer.from(JSON.stringify(index)))
  await w.finish()
}

/** OCI layout → docker-archive (manifest.json with Docker 25's blob paths, no OCI index): the SWR console's form. */
async function writeDockerArchive(dir: string, out: string, fallbackName: string): Promise<string[]> {
  const idx = imageIndex.parse(
    JSON.parse(await readFile(await resolveInImage(dir, 'index.json', 'index.json'), 'utf8')),
  )
  const w = new TarWriter(createWriteStream(out))
  const entries: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = []
  const written = new Set<string>()
  const blob = blobPath
  await w.addDir('blobs')
  await w.addDir('blobs/sha256')
  for (const d of idx.manifests) {
    if (d.mediaType !== MT.ociManifest && d.mediaType !== MT.dockerManifest) continue
    const man = imageManifest.parse(
      JSON.parse(await readFile(await resolveInImage(dir, blob(d.digest), `index.json manifest ${d.digest}`), 'utf8')),
    )
    const full = d.annotations?.['io.containerd.image.name']
    const tagOnly = d.annotations?.['org.opencontainers.image.ref.name']
    const ref = full ?? (tagOnly ? (/[/:]/.test(tagOnly) ? tagOnly : `${fallbackName}:${tagOnly}`) : undefined)
    for (const b of [man.config, ...man.layers]) {
      if (written.has(b.digest)) continue
      written.add(b.digest)
      await w.addFile(blob(b.digest), await resolveInImage(dir, blob(b.digest), `blob ${b.digest}`), b.size)
    }
    entries.push({
      Config: blob(man.config.digest),
      RepoTags: ref ? [ref.includes(':') ? ref : `${ref}:latest`] : [],
      Layers: man.layers.map((l) => blob(l.digest)),
    })
  }
  await w.addBuffer('manifest.json', Buffer.from(JSON.stringify(entries)))
  await w.finish()
  return entries.flatMap((e) => e.RepoTags)
}

async function writeBundle(
  members: Array<{ name: string; path: string; size: number }>,
  out: string,
  ext: string,
  opts: RepackOptions,
): Promise<void> {
  const total = members.reduce((n, m) => n + m.size, 0)
  let done = 0
  const tick = (c: Buffer) => {
    done += c.length
    opts.meter?.update('writing bundle', done, total)
    throwIfCancelled(opts.signal)
  }
  if (ext === '.zip') {
    const zip = new yazl.ZipFile()
    // progress is counted in a Transform yazl pipes from: a 'data' listener on the file stream itself would
    // start it flowing before yazl reads it (yazl reads the members one after the other) and lose its bytes
    for (const m of members) {
      const counted = new Transform({
        transform(c: Buffer, _e, cb) {
          try {
            tick(c)
            cb(null, c)
          } catch (err) {
            cb(err as Error)
          }
        },
      })
      const file = createReadStream(m.path).on('error', (err) => counted.destroy(err))
      zip.addReadStream(file.pipe(counted), m.name, { compress: false, size: m.size })
    }
    zip.end()
    await new Promise<void>((res, rej) => {
      zip.on('error', rej)
      zip.outputStream
        .pipe(createWriteStream(out))
        .on('close', () => res())
        .on('error', rej)
    })
    return
  }
  const file = createWriteStream(out)
  const sink = ext === '.tar.gz' ? createGzip({ level: 6 }) : file
  if (ext === '.tar.gz') sink.pipe(file)
  const w = new TarWriter(sink)
  for (const m of members) await w.addFile(m.name, m.path, m.size, tick)
  await w.finish()
  if (ext === '.tar.gz') await new Promise<void>((res) => file.on('close', () => res()))
}

/**
 * Read the written bundle back: its entries must be exactly the members, in order, with their names and sizes,
 * and each one's bytes those of its source file (compared chunk by chunk through a reused buffer).
 */
export async function verifyBundle(
  out: string,
  ext: string,
  members: Array<{ name: string; path: string; size: number }>,
  opts: RepackOptions,
): Promise<void> {
  const total = members.reduce((n, m) => n + m.size, 0)
  let done = 0
  let index = 0
  const fail = (why: Bilingual) =>
    new PreflightError(
      'internal',
      bi(
        `The written bundle does not read back as written (${why.en}): nothing was kept.`,
        `写入的捆绑包读回时与写入的内容不一致（${why.zh}），未保留任何文件。请检查磁盘空间和磁盘状态后重试。`,
      ),
    )
  let scratch = Buffer.allocUnsafe(4 * 1024 * 1024)
  /** The member the next entry must be (same name and size), or a failure. */
  const nextMember = (name: string, size: number, isFile = true) => {
    const m = members[index++]
    if (!m || m.name !== name || m.size !== size || !isFile)
      throw fail(
        bi(
          `entry ${index} is ${name} (${size} bytes), expected ${m ? `${m.name} (${m.size} bytes)` : 'no more entries'}`,
          `第 ${index} 个条目是 ${name}（${size} 字节），应为${m ? ` ${m.name}（${m.size} 字节）` : '不再有条目'}`,
        ),
      )
    return m
  }
  const progress = (n: number) => {
    throwIfCancelled(opts.signal)
    done += n
    opts.meter?.update('verifying bundle', done, total)
  }
  /** Compare an entry's bytes, as they arrive, with its member's source file. */
  const entry = async (name: string, size: number, chunks: AsyncIterable<Buffer>) => {
    const m = nextMember(name, size)
    const fh = await open(m.path, 'r')
    try {
      let pos = 0
      for await (const chunk of chunks) {
        if (scratch.length < chunk.length) scratch = Buffer.allocUnsafe(chunk.length)
        const { bytesRead } = await fh.read(scratch, 0, chunk.length, pos)
        if (bytesRead !== chunk.length || !scratch.subarray(0, bytesRead).equals(chunk))
          throw fail(
            bi(`${name} differs from ${m.path} near byte ${pos}`, `${name} 在第 ${pos} 字节附近与 ${m.path} 不同`),
          )
        pos += chunk.length
        progress(chunk.length)
      }
      if (pos !== m.size)
        throw fail(bi(`${name} has ${pos} bytes, expected ${m.size}`, `${name} 有 ${pos} 字节，应为 ${m.size} 字节`))
    } finally {
      await fh.close()
    }
  }
  if (ext === '.tar') {
    // a plain tar: its headers walked, then each member's bytes compared in place with its source
    const found = await tarMembers(out)
    if (!found) throw fail(bi('its tar headers do not read back', '其 tar 文件头无法读回'))
    for (const f of found) {
      const m = nextMember(f.name, f.size, f.type === '0')
      const differsAt = await compareRange(out, f.dataOffset, m.path, m.size, progress)
      if (differsAt >= 0)
        throw fail(
          bi(
            `${m.name} differs from ${m.path} near byte ${differsAt}`,
            `${m.name} 在第 ${differsAt} 字节附近与 ${m.path} 不同`,
          ),
        )
    }
  } else if (ext === '.zip') {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(out, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z!))),
    )
    try {
      for (;;) {
        const e = await new Promise<yauzl.Entry | null>((resolve, reject) => {
          zip
            .once('entry', resolve)
            .once('end', () => resolve(null))
            .once('error', reject)
          zip.readEntry()
        })
        zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error')
        if (!e) break
        const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
          zip.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s!))),
        )
        await entry(e.fileName, e.uncompressedSize, stream as AsyncIterable<Buffer>)
      }
    } finally {
      zip.close()
    }
  } else {
    // a .tar.gz through node-tar's Parser (not strict: a damage is a warning, turned into the failure below,
    // never an unhandled 'error' event); entries are compared one after the other
    const parser = new Parser({ strict: false })
    let chain: Promise<void> = Promise.resolve()
    let failure: unknown = null
    let current: ReadEntry | null = null
    parser.on('entry', (e: ReadEntry) => {
      current = e
      chain = chain
        .then(async () => {
          if (failure) e.resume()
          else await entry(e.path, e.size ?? 0, e as unknown as AsyncIterable<Buffer>)
        })
        .catch((err: unknown) => {
          failure ??= err
          e.resume()
        })
    })
    parser.on(
      'warn',
      (_code: string, message: string | Error) =>
        (failure ??= fail(damage(typeof message === 'string' ? new Error(message) : message))),
    )
    const source = createReadAheadStream(out)
    source.pipe(parser)
    await Promise.race([
      once(parser, 'end'),
      once(parser, 'close'),
      once(source, 'error').then(([err]) => Promise.reject(err)),
    ]).catch((err: Error) => {
      failure ??= fail(damage(err))
      // the entry being compared will get no more bytes: end it so that its comparison finishes
      ;(current as ReadEntry | null)?.end()
    })
    await chain
    if (failure) throw failure
  }
  if (index !== members.length)
    throw fail(bi(`${members.length - index} member(s) missing`, `缺少 ${members.length - index} 个成员`))
}

/**
 * Compare `size` bytes of `file` from `offset` with `source` from its start, 4 MiB at a time into two reused
 * buffers (both reads in flight together). Returns the offset in the source of the first differing chunk, or -1.
 */
async function compareRange(
  file: string,
  offset: number,
  source: string,
  size: number,
  progress: (n: number) => void,
): Promise<number> {
  const CHUNK = 4 * 1024 * 1024
  const [a, b] = await Promise.all([open(file, 'r'), open(source, 'r')])
  try {
    const ba = Buffer.allocUnsafe(CHUNK)
    const bb = Buffer.allocUnsafe(CHUNK)
    for (let pos = 0; pos < size;) {
      const n = Math.min(CHUNK, size - pos)
      const [ra, rb] = await Promise.all([a.read(ba, 0, n, offset + pos), b.read(bb, 0, n, pos)])
      if (ra.bytesRead !== n || rb.bytesRead !== n || !ba.subarray(0, n).equals(bb.subarray(0, n))) return pos
      pos += n
      progress(n)
    }
    return -1
  } finally {
    await Promise.all([a.close(), b.close()])
  }
}
