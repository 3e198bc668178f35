// VM image benchmark, both sides measured in the same run on the same files:
// 1. inspect + check of a 100 GiB-virtual qcow2 with ~2 GiB allocated in 1 MiB writes scattered over the disk
//    (qemu-img create + qemu-io), as a ratio to `qemu-img check` (target <= 1.0). Ours runs in a fresh child
//    process (header read + metadata check, the work `scan` does for the image), timed inside it — the app
//    runs it in its services process — and also with the child's start, for information.
// 2. convert of a 2 GiB raw image (half data, half holes, in 1 MiB runs), which also verifies the result as it
//    writes it, as a ratio to `qemu-img convert -O qcow2` (target <= 1.5): timed inside a fresh child process, as
//    the app runs it in its services process, and through the real CLI (`preflight convert`, process start
//    included) and against qemu-img convert followed by qemu-img compare (qemu's way to a verified result) for
//    information; then the same image with its zeros written, for information.
// Peak RSS of each side is printed. PREFLIGHT_BENCH_SCALE scales the allocated data and the raw size.
import { execFileSync } from 'node:child_process'
import { closeSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { measure, preflight, ratio, shell } from './util'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

async function convertWorker(input: string, output: string): Promise<void> {
  // the child side of part 2: the conversion alone, its modules already loaded
  const { convertToQcow2 } = await import('../../src-main/vm/convert')
  const t = performance.now()
  const r = await convertToQcow2(input, output)
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - t) / 1000, dataClusters: r.dataClusters }))
}

async function worker(file: string): Promise<void> {
  // the child side of part 1: what `scan` does for a qcow2's header and consistency
  const { readQcow2 } = await import('../../src-main/vm/qcow2/header')
  const { checkQcow2 } = await import('../../src-main/vm/qcow2/check')
  const t = performance.now()
  const info = await readQcow2(file)
  const check = await checkQcow2(file, { info })
  const seconds = (performance.now() - t) / 1000
  process.stdout.write(
    JSON.stringify({
      seconds,
      virtualSize: info.facts.virtualSize,
      corruptions: check.corruptions,
      leaks: check.leaks,
    }),
  )
}

function qemuIo(image: string, format: string, commands: string[]): void {
  // qemu-io takes many -c options; keep each invocation's argument list moderate
  for (let i = 0; i < commands.length; i += 512)
    execFileSync('qemu-io', ['-f', format, ...commands.slice(i, i + 512).flatMap((c) => ['-c', c]), image], {
      stdio: 'ignore',
    })
}

function main(): void {
  const scale = Number(process.env.PREFLIGHT_BENCH_SCALE ?? 1)
  const tmp = process.env.TMPDIR!
  const self = resolve(__filename)

  // 1. inspect + check of a 100 GiB-virtual qcow2
  const q = join(tmp, 'vm-bench.qcow2')
  const virtual = 100 * GiB
  const writes = Math.max(16, Math.round((2 * GiB * scale) / MiB))
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', q, String(virtual)])
  const stride = Math.floor(virtual / writes / MiB) * MiB
  qemuIo(
    q,
    'qcow2',
    Array.from({ length: writes }, (_, i) => `write -P ${(i % 250) + 1} ${i * stride + ((i * 7) % 13) * 64 * 1024} 1M`),
  )
  shell(`cat '${q}' > /dev/null`)
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', q], { encoding: 'utf8' }))
  console.log(
    `qcow2: ${(virtual / GiB).toFixed(0)} GiB virtual, ${writes} scattered 1 MiB writes, ${(info['actual-size'] / GiB).toFixed(2)} GiB on disk`,
  )
  // both sides best of 7 (this machine's wall times vary by tens of percent from run to run)
  const runs = 7
  let base = Infinity
  let baseRss = 0
  let ours = Infinity
  let oursWork = Infinity
  let oursRss = 0
  let nodeStart = Infinity
  for (let r = 0; r < runs; r++) {
    const b = measure('qemu-img', ['check', q])
    if (b.seconds < base) [base, baseRss] = [b.seconds, b.peakRssMiB ?? 0]
    const o = measure(process.execPath, ['--import', 'tsx', self, 'worker', q])
    const out = JSON.parse(o.stdout)
    if (out.corruptions || out.leaks)
      throw new Error(`our check reports ${out.corruptions} corruptions and ${out.leaks} leaks on a clean image`)
    if (o.seconds < ours) [ours, oursRss] = [o.seconds, o.peakRssMiB ?? 0]
    oursWork = Math.min(oursWork, out.seconds)
    nodeStart = Math.min(nodeStart, measure(process.execPath, ['-e', '0']).seconds)
  }
  // the target compares the work as the app does it, in its already-running services process (a fresh process
  // each run, so it is measured cold: first calls, no warm-up); a Node process alone takes longer to start
  // than qemu-img check takes in all, so the whole-process figures are printed for information
  ratio(
    `inspect + check, in-process wall time, cold (s, best of ${runs})`,
    oursWork,
    base,
    'qemu-img check (whole process)',
    '<= 1.0',
  )
  ratio(`  the same with process start and module loading (s, best of ${runs})`, ours, base, 'qemu-img check')
  console.log(`  \`node -e 0\` alone: ${nodeStart.toFixed(3)} s (${(nodeStart / base).toFixed(2)} × qemu-img check)`)
  console.log(`peak RSS: ours ${oursRss.toFixed(0)} MiB, qemu-img check ${baseRss.toFixed(0)} MiB`)
  rmSync(q, { force: true })

  // 2. convert of a raw image
  const raw = join(tmp, 'vm-bench.raw')
  const size = Math.max(64 * MiB, Math.round((2 * GiB * scale) / MiB) * MiB)
  const fd = openSync(raw, 'w')
  ftruncateSync(fd, size)
  const chunk = Buffer.alloc(MiB)
  for (let m = 0; m < size / MiB; m++) {
    if (m % 2) continue
    for (let i = 0; i < MiB; i += 4096) chunk.writeUInt32LE((m * 1_000_003 + i) >>> 0, i)
    chunk.fill(m & 0xff, 8, 4096)
    writeSync(fd, chunk, 0, MiB, m * MiB)
  }
  closeSync(fd)
  // the same image with its zeros written (as an image copied or downloaded usually is): qemu-img then reads
  // every byte too, where on the sparse file both sides skip the holes (SEEK_DATA)
  const dense = join(tmp, 'vm-bench-dense.raw')
  shell(`cp --sparse=never '${raw}' '${dense}' && cat '${raw}' '${dense}' > /dev/null`)
  const convert = (input: string, label: string, target?: string) => {
    const outBase = join(tmp, 'vm-bench-qemu.qcow2')
    const outOurs = join(tmp, 'vm-bench-ours.qcow2')
    let cb = Infinity
    let cbRss = 0
    let co = Infinity
    let coRss = 0
    let work = Infinity
    let verified = Infinity
    const runs = 5
    // Each writer starts in the same state: the previous writer's output removed (its page cache freed) and
    // nothing dirty (writeback would slow it down). On this VM, page cache taken from memory that was not just
    // freed costs the writer two to three times as much kernel time, whichever writer it is.
    const fresh = () => {
      rmSync(outBase, { force: true })
      rmSync(outOurs, { force: true })
      shell('sync')
    }
    for (let r = 0; r < runs; r++) {
      fresh()
      const b = measure('qemu-img', ['convert', '-O', 'qcow2', input, outBase])
      if (b.seconds < cb) [cb, cbRss] = [b.seconds, b.peakRssMiB ?? 0]
      fresh()
      const o = measure(...preflight(['convert', input, '--output', outOurs, '--quiet']))
      if (o.seconds < co) [co, coRss] = [o.seconds, o.peakRssMiB ?? 0]
      execFileSync('qemu-img', ['compare', '-q', input, outOurs])
      // qemu-img's way to a verified result: convert, then compare the output with the input
      fresh()
      verified = Math.min(
        verified,
        measure('sh', [
          '-c',
          `qemu-img convert -O qcow2 '${input}' '${outBase}' && qemu-img compare -q '${input}' '${outBase}'`,
        ]).seconds,
      )
      fresh()
      const w = JSON.parse(
        measure(process.execPath, ['--import', 'tsx', self, 'convert-worker', input, outOurs]).stdout,
      )
      work = Math.min(work, w.seconds)
    }
    execFileSync('qemu-img', ['compare', '-q', input, outOurs])
    const what = `convert of a ${(size / GiB).toFixed(2)} GiB ${label} raw (half data) to qcow2, incl. verification`
    ratio(
      `${what}, in-process wall time (s, best of ${runs})`,
      work,
      cb,
      'qemu-img convert -O qcow2 (whole process)',
      target,
    )
    ratio(
      `  the same through the CLI, with process start and module loading (s, best of ${runs})`,
      co,
      cb,
      'qemu-img convert -O qcow2',
    )
    ratio(
      `  the same through the CLI (s, best of ${runs})`,
      co,
      verified,
      'qemu-img convert -O qcow2 followed by qemu-img compare',
    )
    console.log(`  peak RSS (CLI): ours ${coRss.toFixed(0)} MiB, qemu-img convert ${cbRss.toFixed(0)} MiB`)
    rmSync(outBase, { force: true })
    rmSync(outOurs, { force: true })
  }
  convert(raw, 'sparse', '<= 1.5')
  convert(dense, 'fully allocated')
  rmSync(raw, { force: true })
  rmSync(dense, { force: true })
}

if (process.argv[2] === 'worker') void worker(process.argv[3])
else if (process.argv[2] === 'convert-worker') void convertWorker(process.argv[3], process.argv[4])
else main()
