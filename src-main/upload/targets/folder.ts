// The local-folder target (a USB stick, a share): copy with resume from the checkpoint, then verify by
// hashing the copy, written under a temporary name and renamed only when it matches; a file already at the
// destination is replaced only when the job allows it (overwrite).
import { mkdir, open, rename, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { PreflightError } from '../../../src-preload/errors'
import { sha256File } from '../../inspect/identify'
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
    // an existing file is never replaced unless the job says so (checked again before the rename)
    const refuseExisting = async () => {
      if (!job.options.overwrite && (await stat(dest).then(() => true, () => false)))
        throw new PreflightError('conflict', `${dest} already exists: choose another name or folder, or allow replacing it (--overwrite; "Replace an existing file" in the app).`)
    }
    await refuseExisting()
    const partial = `${dest}.preflight-partial`
    const have = await stat(partial).then((s) => s.size, () => 0)
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
        if (bytesRead === 0) throw new PreflightError('conflict', `${job.filePath} is shorter than when it was queued.`)
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
      throw new PreflightError('conflict', `Verification failed: the copy's sha256 ${copied} differs from the file's ${job.fileSha256}; it will be copied again.`)
    }
    await refuseExisting()
    await rename(partial, dest)
    return dest
  },
}
