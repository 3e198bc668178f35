// A read-only random-access view of a virtual disk's guest data (raw file, qcow2 mapping, ...). Guest
// readers (partition tables, filesystems) see only this, never the container format.
import { readSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { dataRanges } from './sparse'

export interface BlockDevice {
  /** Virtual size of the disk in bytes. */
  readonly size: number
  /** Read `length` bytes at `offset` (clamped to the disk); unallocated regions read as zeros. */
  read(offset: number, length: number): Promise<Buffer>
  /**
   * Optional: read `length` bytes at `offset` (clamped to the disk) into `target` from its start, returning the
   * byte count — for a caller that reuses its buffers (convert). Devices without it are read with `read`.
   */
  readInto?(target: Buffer, offset: number, length: number): Promise<number>
  /**
   * Optional: readInto, synchronously — for convert, which reads a raw file in order, where the file is usually
   * in the page cache and a thread-pool round trip per read costs more than the copy.
   */
  readIntoSync?(target: Buffer, offset: number, length: number): number
  /**
   * Optional: the stretches of [offset, offset + length) that may hold data, as [start, end) pairs in order;
   * the rest reads as zeros without being read (a sparse raw file's holes, a qcow2's unallocated and zero
   * clusters). Null when the device cannot say.
   */
  dataRanges?(offset: number, length: number): Array<[number, number]> | null | Promise<Array<[number, number]> | null>
  close(): Promise<void>
}

/** A byte range of another device (a partition). */
export function sliceDevice(dev: BlockDevice, start: number, size: number): BlockDevice {
  const end = Math.min(dev.size, start + size)
  return {
    size: Math.max(0, end - start),
    read(offset, length) {
      const from = start + Math.max(0, offset)
      const len = Math.max(0, Math.min(length, end - from))
      return len > 0 ? dev.read(from, len) : Promise.resolve(Buffer.alloc(0))
    },
    close: () => Promise.resolve(),
  }
}

/** A raw image file as a device. */
export async function openRawDevice(path: string): Promise<BlockDevice> {
  const fh: FileHandle = await open(path, 'r')
  const { size } = await fh.stat()
  const readInto = async (buf: Buffer, offset: number, length: number): Promise<number> => {
    const len = Math.max(0, Math.min(length, size - offset, buf.length))
    let done = 0
    while (done < len) {
      const { bytesRead } = await fh.read(buf, done, len - done, offset + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
    // a file that shrank under us reads as zeros past its end, as read() does
    if (done < len) buf.fill(0, done, len)
    return len
  }
  const readIntoSync = (buf: Buffer, offset: number, length: number): number => {
    const len = Math.max(0, Math.min(length, size - offset, buf.length))
    let done = 0
    while (done < len) {
      const bytesRead = readSync(fh.fd, buf, done, len - done, offset + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
    if (done < len) buf.fill(0, done, len)
    return len
  }
  return {
    size,
    async read(offset, length) {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)))
      await readInto(buf, offset, buf.length)
      return buf
    },
    readInto,
    readIntoSync,
    dataRanges: (offset, length) => dataRanges(fh.fd, Math.max(0, offset), Math.min(size, offset + length)),
    close: () => fh.close(),
  }
}
