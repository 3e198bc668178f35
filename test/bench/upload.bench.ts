// Upload benchmark: throughput of the queue's S3 multipart upload to s3rver on 127.0.0.1 as a ratio to
// @aws-sdk/lib-storage's Upload with the same part size and concurrency (target >= 1.0), and the peak RSS
// of the CLI doing it (target <= concurrency × part size + 100 MiB). PREFLIGHT_BENCH_SCALE=1 means 1 GiB.
import { S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { createReadStream, closeSync, openSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { sha256File } from '../../src-main/walk/hash'
import { measureAsync, preflight, ratio } from './util'

const S3rver = require('s3rver')

async function main() {
  const scale = Number(process.env.PREFLIGHT_BENCH_SCALE ?? 1)
  const tmp = process.env.TMPDIR!
  const size = Math.max(64, Math.round(1024 * scale)) * 1024 * 1024
  const file = join(tmp, 'upload.bin')
  const fd = openSync(file, 'w')
  const chunk = randomBytes(1024 * 1024)
  for (let i = 0; i < size / chunk.length; i++) writeSync(fd, chunk)
  closeSync(fd)
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(tmp, 's3'),
    configureBuckets: [{ name: 'bench' }],
  })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  const partSize = 16 * 1024 * 1024
  const concurrency = 4
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  const t = performance.now()
  await new Upload({
    client,
    params: { Bucket: 'bench', Key: 'lib-storage.bin', Body: createReadStream(file) },
    partSize,
    queueSize: concurrency,
  }).done()
  const base = (performance.now() - t) / 1000
  client.destroy()
  // ours, through the real CLI; the sha256 comes from the scan in real use, as --sha256 here (the baseline hashes nothing)
  const sha256 = await sha256File(file, size)
  const run = await measureAsync(
    ...preflight([
      'upload',
      file,
      '--to',
      's3://bench/preflight.bin',
      '--endpoint',
      endpoint,
      '--part-size',
      '16',
      '--concurrency',
      String(concurrency),
      '--sha256',
      sha256,
    ]),
    {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        PREFLIGHT_HOME: join(tmp, 'home'),
      },
    },
  )
  const mb = size / 1e6
  ratio(
    'throughput MB/s',
    mb / run.seconds,
    mb / base,
    '@aws-sdk/lib-storage Upload (same part size and concurrency)',
    '>= 1.0',
  )
  console.log(
    `peak RSS: ${run.peakRssMiB?.toFixed(0)} MiB (target <= ${(concurrency * partSize) / 1024 / 1024 + 100} MiB)`,
  )
  await server.close()
}
main().catch((err) => {
  console.error(err)
  process.exit(1)
})
