#!/usr/bin/env node
// `npm run icons`: renders the one app icon, resources/icon.svg, into every file the installers and browser mode
// use, and records the SVG's sha256 next to them (resources/build/icons.json) so a test can tell when they are
// stale: resources/build/icon.png (1024 px; electron-builder's default), resources/build/icons/<n>x<n>.png
// (Linux), resources/build/icon.ico (Windows: 16-256 px), resources/build/icon.icns (macOS), and the favicon
// src-renderer/public/favicon.{svg,png}. SVG rendering by resvg, ico/icns packing by png2icons.
import { Resvg } from '@resvg/resvg-js'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import png2icons from 'png2icons'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const svg = readFileSync(join(root, 'resources', 'icon.svg'))
const build = join(root, 'resources', 'build')
const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024]

const render = (size) => new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng()

mkdirSync(join(build, 'icons'), { recursive: true })
const master = render(1024)
writeFileSync(join(build, 'icon.png'), master)
for (const size of LINUX_SIZES)
  writeFileSync(join(build, 'icons', `${size}x${size}.png`), size === 1024 ? master : render(size))
const ico = png2icons.createICO(master, png2icons.BICUBIC2, 0, false, true)
const icns = png2icons.createICNS(master, png2icons.BICUBIC2, 0)
if (!ico || !icns) throw new Error('png2icons could not pack the icon')
writeFileSync(join(build, 'icon.ico'), ico)
writeFileSync(join(build, 'icon.icns'), icns)
const pub = join(root, 'src-renderer', 'public')
mkdirSync(pub, { recursive: true })
writeFileSync(join(pub, 'favicon.svg'), svg)
writeFileSync(join(pub, 'favicon.png'), render(64))
writeFileSync(
  join(build, 'icons.json'),
  `${JSON.stringify({ source: 'resources/icon.svg', sha256: createHash('sha256').update(svg).digest('hex') }, null, 2)}\n`,
)
