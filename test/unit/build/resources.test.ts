// resources/ holds what electron-builder.yml references, and the icons rendered from resources/icon.svg are
// current (`npm run icons` re-renders them): each PNG has its named size, the .ico carries the sizes Windows
// uses, the .icns is a whole icon family, and the renderer's favicon is there for browser mode.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import Ajv from 'ajv'
import { parse } from 'yaml'

const ROOT = resolve(__dirname, '..', '..', '..')
const builder = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  directories: { buildResources: string }
  linux: { icon: string }
  mac: { icon: string }
  win: { icon: string }
}

function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file)
  expect(b.subarray(1, 4).toString('latin1'), `${file} is a PNG`).toBe('PNG')
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
}

describe('electron-builder configuration', () => {
  it("validates against electron-builder's own schema and sets the security fuses", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'))
    const ajv = new Ajv({ strict: false, allErrors: true })
    const validate = ajv.compile(schema)
    const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'))
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true)
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
    // the schema rejects what electron-builder would: the test would see a misspelt key
    expect(validate({ ...config, electronFusez: {} })).toBe(false)
  })
})

describe('resources for the installers', () => {
  it('has the build resources folder and every icon the configuration names', () => {
    expect(statSync(join(ROOT, builder.directories.buildResources)).isDirectory()).toBe(true)
    for (const icon of [builder.linux.icon, builder.mac.icon, builder.win.icon])
      expect(existsSync(join(ROOT, icon)), icon).toBe(true)
    expect(pngSize(join(ROOT, builder.directories.buildResources, 'icon.png'))).toEqual({ width: 1024, height: 1024 })
  })

  it('renders the icons from the current icon.svg', () => {
    const svg = readFileSync(join(ROOT, 'resources', 'icon.svg'))
    const recorded = JSON.parse(readFileSync(join(ROOT, 'resources', 'build', 'icons.json'), 'utf8')) as {
      sha256: string
    }
    expect(recorded.sha256, 'icon.svg changed: run `npm run icons`').toBe(
      createHash('sha256').update(svg).digest('hex'),
    )
    expect(readFileSync(join(ROOT, 'src-renderer', 'public', 'favicon.svg')).equals(svg)).toBe(true)
  })

  it('has Linux PNGs of the sizes their names say', () => {
    const dir = join(ROOT, builder.linux.icon)
    const files = readdirSync(dir).filter((f) => f.endsWith('.png'))
    expect(files.length).toBeGreaterThanOrEqual(6)
    for (const f of files) {
      const n = Number(/^(\d+)x\1\.png$/.exec(f)?.[1])
      expect(pngSize(join(dir, f)), f).toEqual({ width: n, height: n })
    }
  })

  it('has a Windows .ico with 16 to 256 px images and a macOS .icns family', () => {
    const ico = readFileSync(join(ROOT, builder.win.icon))
    expect(ico.readUInt16LE(0)).toBe(0)
    expect(ico.readUInt16LE(2)).toBe(1)
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + i * 16] || 256)
    for (const s of [16, 32, 48, 256]) expect(sizes).toContain(s)
    const icns = readFileSync(join(ROOT, builder.mac.icon))
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
  })

  it('has the favicon browser mode serves', () => {
    expect(pngSize(join(ROOT, 'src-renderer', 'public', 'favicon.png'))).toEqual({ width: 64, height: 64 })
    expect(readFileSync(join(ROOT, 'src-renderer', 'index.html'), 'utf8')).toMatch(
      /<link rel="icon" type="image\/svg\+xml" href="\.\/favicon\.svg"/,
    )
  })
})
