// The local-folder target (a USB stick, a share): copy with resume from the checkpoint, then verify by
// hashing the copy, written under a temporary name and renamed only when it matches; a file already at the
// destination is replaced only when the job allows it (overwrite): without it the copy is put in place with a hard
// link, which the OS refuses if the name exists (no window between a check and the rename).
import { link, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { PreflightError } from '../../../src-preload/errors'
import { bi } from '../../../src-preload/text'
import { sha256File } from '../../walk/hash'
import { throwIfCancelled } from '../../tasks/cancel'
import { parseTarget, type TargetRun, type UploadTarget } from '../target'

const CHUNK = 4 * 1024 * 1024

export const folderTarget: UploadTarget = {
  async run(r: TargetRun): Promise<string> {
    const t = parseTarget(r.job.target)
    if (t.kind !== 'folder') throw new PreflightError('invalid-input', `not a folder target: ${r.job.target}`)
    const job = r.store.get(r.job.id)
    await mkdir(t.dir, { recursive: true })
    const dest = join(t.dir, t.name ?? basename(job.filePath))
    // an existing file is never replaced unless the job says so (checked first, and again when put in place)
    const exists = () =>
      new PreflightError(
        'conflict',
        bi(
          `${dest} already exists: choose another name or folder, or allow replacing it (--overwrite; "Replace an existing file" in the app).`,
          `${dest} 已存在：请换一个名称或文件夹，或允许替换（--overwrite；应用中勾选“替换同名的已有文件”）。`,
        ),
      )
    const refuseExisting = async () => {
      if (
        !job.options.overwrite &&
        (await lstat(dest).then(
          () => true,
          () => false,
        ))
      )
        throw exists()
    }
    await refuseExisting()
    const partial = `${dest}.preflight-partial`
    const have = await stat(partial).then(
      (s) => s.size,
      () => 0,
    )
    let offset = Math.min(have, job.bytesDone)
    const src = await open(job.filePath, 'r')
    const out = await open(partial, have > 0 ? 'r+' : 'w')
    try {
      await out.truncate(offset)
      const buf = Buffer.allocUnsafe(CHUNK)
      r.progress(offset)
      while (offset < job.fileSize) {
        throwIfCancelled(r.signal)
        const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, job.fileSize - offset), offset)
        if (bytesRead === 0)
          throw new PreflightError(
            'conflict',
            bi(
              `${job.filePath} is shorter than when it was queued: it changed; queue it again.`,
              `${job.filePath} 比加入队列时短：文件已被改动，请重新加入队列。`,
            ),
          )
        await r.limiter.take(bytesRead, r.signal)
        await out.write(buf, 0, bytesRead, offset)
        offset += bytesRead
        r.store.setBytesDone(job.id, offset)
        r.progress(offset)
      }
      await out.sync()
    } finally {
      await src.close()
      await out.close()
    }
    const copied = await sha256File(partial, job.fileSize, { signal: r.signal })
    if (copied !== job.fileSha256) {
      r.store.setBytesDone(job.id, 0)
      throw new PreflightError(
        'conflict',
        bi(
          `Verification failed: the copy's sha256 ${copied} differs from the file's ${job.fileSha256}; it will be copied again.`,
          `校验失败：副本的 sha256 ${copied} 与文件的 ${job.fileSha256} 不同；将重新复制。`,
        ),
      )
    }
    if (job.options.overwrite) await rename(partial, dest)
    else await placeNew(partial, dest, exists, refuseExisting)
    return dest
  },
}

/** Errors of a filesystem without hard links (FAT and exFAT USB sticks, some shares). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV'])

/** Put the verified copy at `dest` only if nothing is there: link (fails on an existing name), then drop the temp name. */
async function placeNew(
  partial: string,
  dest: string,
  exists: () => Error,
  refuseExisting: () => Promise<void>,
): Promise<void> {
  try {
    await link(partial, dest)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code === 'EEXIST') throw exists()
    if (!NO_LINKS.has(code)) throw err
    // no hard links here: checked just before the rename instead
    await refuseExisting()
    await rename(partial, dest)
    return
  }
  await unlink(partial)
}
