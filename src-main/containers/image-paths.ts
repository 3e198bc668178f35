// The one place a path taken from an image's own metadata (docker manifest.json's Config and Layers, manifest.json
// and index.json themselves, a blob named by a digest) becomes a file to read: it must name something inside the
// image, and, where the image was extracted to disk, resolve there without any symlink leading out of it. Repack,
// the registry push and the scanner all go through it; a path that leaves the image is oci.invalid-layout naming
// the path, and nothing is read from it.
import { lstat, realpath } from 'node:fs/promises'
import { posix, sep } from 'node:path'
import { PreflightError } from '../../src-preload/errors'

/** Why a path named in an image's metadata leaves the image (absolute, climbing, odd characters), or null. */
export function imagePathProblem(name: string): string | null {
  if (!name) return 'is empty'
  if (name.includes('\0')) return 'holds a NUL byte'
  if (name.includes('\\')) return 'holds a backslash'
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is absolute'
  const normal = posix.normalize(name)
  if (normal === '..' || normal.startsWith('../')) return 'climbs out of the image'
  return null
}

/** `blobs/<algorithm>/<hex>` for a digest, only for the digests the image-spec registers (sha256, sha512). */
export function blobPath(digest: string): string {
  const m = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/.exec(digest)
  if (!m)
    throw new PreflightError(
      'invalid-input',
      `oci.invalid-layout: the digest "${digest.slice(0, 80)}" is not a sha256 or sha512 digest: the blob it names is not read`,
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
  const problem = imagePathProblem(name)
  if (problem)
    throw new PreflightError(
      'invalid-input',
      `oci.invalid-layout: ${what} names "${name.slice(0, 200)}", which ${problem}: nothing was read from it. Rebuild the image with docker save or skopeo.`,
    )
  const rootReal = await realpath(root)
  const full = posix.join(rootReal, posix.normalize(name))
  const real = await realpath(full).catch(() => null)
  if (!real)
    throw new PreflightError(
      'invalid-input',
      `oci.missing-blob: ${what} names "${name.slice(0, 200)}", which is not in the image.`,
    )
  if (real !== rootReal && !real.startsWith(rootReal + sep))
    throw new PreflightError(
      'invalid-input',
      `oci.invalid-layout: ${what} names "${name.slice(0, 200)}", a link that leads out of the image: nothing was read from it. Rebuild the image with docker save or skopeo.`,
    )
  if (!(await lstat(real)).isFile())
    throw new PreflightError(
      'invalid-input',
      `oci.invalid-layout: ${what} names "${name.slice(0, 200)}", which is not a file.`,
    )
  return real
}

/** An extraction error of an image tar as the user should read it: a link or path leaving the image is oci.invalid-layout. */
export function extractionError(input: string, err: unknown): PreflightError {
  const message = (err as Error).message
  if (/linkpath|absolute|'\.\.'|\.\. in|path contains/i.test(message))
    return new PreflightError(
      'invalid-input',
      `oci.invalid-layout: ${input} holds a link or path that leads out of the image (${message}): nothing was extracted from it. Rebuild the image with docker save or skopeo.`,
    )
  return new PreflightError('invalid-input', `${input} is not a readable image tar: ${message}`)
}
