// The one place a path taken from an image's own metadata (docker manifest.json's Config and Layers, manifest.json
// and index.json themselves, a blob named by a digest) becomes a file to read: it must name something inside the
// image, and, where the image was extracted to disk, resolve there without any symlink leading out of it. Repack,
// the registry push and the scanner all go through it; a path that leaves the image is oci.invalid-layout naming
// the path, and nothing is read from it.
import { lstat, realpath } from 'node:fs/promises'
import { basename, posix, sep } from 'node:path'
import { PreflightError } from '../../src-preload/errors'
import { bi, type Bilingual } from '../../src-preload/text'

/** Why a path named in an image's metadata leaves the image (absolute, climbing, odd characters), or null. */
export function imagePathProblem(name: string): string | null {
  return imagePathProblemText(name)?.en ?? null
}

/** The same in both languages: "… names "x", which <en>" / "…指向“x”，该路径<zh>". */
export function imagePathProblemText(name: string): Bilingual | null {
  if (!name) return bi('is empty', '为空')
  if (name.includes('\0')) return bi('holds a NUL byte', '含有 NUL 字节')
  if (name.includes('\\')) return bi('holds a backslash', '含有反斜杠')
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return bi('is absolute', '是绝对路径')
  const normal = posix.normalize(name)
  if (normal === '..' || normal.startsWith('../')) return bi('climbs out of the image', '跳出了镜像')
  return null
}

/** `blobs/<algorithm>/<hex>` for a digest, only for the digests the image-spec registers (sha256, sha512). */
export function blobPath(digest: string): string {
  const m = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/.exec(digest)
  if (!m)
    throw new PreflightError(
      'invalid-input',
      bi(
        `oci.invalid-layout: the digest "${digest.slice(0, 80)}" is not a sha256 or sha512 digest: the blob it names is not read`,
        `oci.invalid-layout：摘要“${digest.slice(0, 80)}”不是 sha256 或 sha512 摘要，不会读取它指向的 blob。`,
      ),
    )
  const [alg, hex] = digest.split(':')
  return `blobs/${alg}/${hex}`
}

/**
 * The real path of `name` inside the image extracted at `root`, or an oci.invalid-layout error naming `what` (e.g.
 * "manifest.json Layers[0]") when it leaves the image, directly or through a symlink; an oci.missing-blob error when
 * it is not there.
 */
export async function resolveInImage(root: string, name: string, what: string): Promise<string> {
  const problem = imagePathProblemText(name)
  if (problem)
    throw new PreflightError(
      'invalid-input',
      bi(
        `oci.invalid-layout: ${what} names "${name.slice(0, 200)}", which ${problem.en}: nothing was read from it. Rebuild the image with docker save or skopeo.`,
        `oci.invalid-layout：${what} 指向“${name.slice(0, 200)}”，该路径${problem.zh}，未读取其中任何内容。请用 docker save 或 skopeo 重新生成镜像。`,
      ),
    )
  const rootReal = await realpath(root)
  const full = posix.join(rootReal, posix.normalize(name))
  const real = await realpath(full).catch(() => null)
  if (!real)
    throw new PreflightError(
      'invalid-input',
      bi(
        `oci.missing-blob: ${what} names "${name.slice(0, 200)}", which is not in the image.`,
        `oci.missing-blob：${what} 指向“${name.slice(0, 200)}”，但镜像中没有它。`,
      ),
    )
  if (real !== rootReal && !real.startsWith(rootReal + sep))
    throw new PreflightError(
      'invalid-input',
      bi(
        `oci.invalid-layout: ${what} names "${name.slice(0, 200)}", a link that leads out of the image: nothing was read from it. Rebuild the image with docker save or skopeo.`,
        `oci.invalid-layout：${what} 指向“${name.slice(0, 200)}”，这是一个指向镜像之外的链接，未读取其中任何内容。请用 docker save 或 skopeo 重新生成镜像。`,
      ),
    )
  if (!(await lstat(real)).isFile())
    throw new PreflightError(
      'invalid-input',
      bi(
        `oci.invalid-layout: ${what} names "${name.slice(0, 200)}", which is not a file.`,
        `oci.invalid-layout：${what} 指向“${name.slice(0, 200)}”，但它不是文件。`,
      ),
    )
  return real
}

/** An extraction error of an image tar as the user should read it: a link or path leaving the image is oci.invalid-layout. */
export function extractionError(input: string, err: unknown): PreflightError {
  const message = (err as Error).message
  const name = basename(input) // the file the user gave, not where it was staged
  if (/linkpath|absolute|'\.\.'|\.\. in|path contains/i.test(message))
    return new PreflightError(
      'invalid-input',
      bi(
        `oci.invalid-layout: ${name} holds a link or path that leads out of the image (${message}): nothing was extracted from it. Rebuild the image with docker save or skopeo.`,
        `oci.invalid-layout：${name} 中有指向镜像之外的链接或路径（${message}），未解出任何内容。请用 docker save 或 skopeo 重新生成镜像。`,
      ),
      { details: { path: input } },
    )
  return new PreflightError(
    'invalid-input',
    bi(
      `${name} is not a readable image tar (${message}): check that it is a complete docker save or OCI image tar, or export the image again.`,
      `${name} 不是可读取的镜像 tar。请确认它是完整的 docker save 或 OCI 镜像 tar，或重新导出镜像。`,
    ),
    { details: { path: input, reason: message } },
  )
}
