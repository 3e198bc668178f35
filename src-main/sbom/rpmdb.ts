// rpm's package databases: SQLite (RHEL 9 family, Fedora 33+: var/lib/rpm/rpmdb.sqlite or
// usr/lib/sysimage/rpm/rpmdb.sqlite), and the older Berkeley DB Packages and ndb Packages.db (rpmdb-legacy.ts). The entry is spooled to a private temp file (at most RPMDB_MAX bytes),
// opened read-only with better-sqlite3 and deleted afterwards; each row of the Packages table is an rpm header
// blob (https://rpm-software-management.github.io/rpm/manual/format_header.html, without the magic and
// reserved bytes): index count and data length (big-endian), index entries of tag/type/offset/count, then
// the data store. The ecosystem comes from the os-release of the same root (scanner.ts, vulns/ecosystems.ts):
// OSV keys RPM advisories by distribution and release (Red Hat, Rocky Linux, AlmaLinux, openSUSE, SUSE).
import { randomUUID } from 'node:crypto'
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Component } from '../reports/model'
import type { StreamDetector } from './types'
import { berkeleyHashValues, isBerkeleyHash, isNdb, ndbBlobs } from './rpmdb-legacy'
import { bi } from '../../src-preload/text'
import { SbomParseError } from './types'

export const RPMDB_MAX = 512 * 1024 * 1024
/** Placeholder ecosystem until the scanner knows the distribution (osEcosystem in vulns/ecosystems.ts). */
export const RPM_PENDING = 'RPM'

const TAG = { NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, ARCH: 1022, SOURCERPM: 1044 } as const
const TYPE_INT32 = 4
const TYPE_STRING = 6
const TYPE_I18NSTRING = 9

export interface RpmHeader {
  name: string
  version: string
  release: string
  epoch: number | null
  arch: string | null
  sourceRpm: string | null
}

/** Parse one header blob as rpm stores it in the database. */
export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new SbomParseError(bi('header blob shorter than 8 bytes', '头数据块不足 8 字节'))
  const il = blob.readUInt32BE(0)
  const dl = blob.readUInt32BE(4)
  const dataStart = 8 + il * 16
  if (il === 0 || il > 0xffff || dataStart + dl > blob.length)
    throw new SbomParseError(
      bi(
        `header counts out of range (${il} entries, ${dl} data bytes, blob of ${blob.length})`,
        `头中的计数超出范围（${il} 项，${dl} 字节数据，数据块 ${blob.length} 字节）`,
      ),
    )
  const data = blob.subarray(dataStart, dataStart + dl)
  const strings = new Map<number, string>()
  const ints = new Map<number, number>()
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16
    const tag = blob.readUInt32BE(e)
    const type = blob.readUInt32BE(e + 4)
    const offset = blob.readInt32BE(e + 8)
    const count = blob.readUInt32BE(e + 12)
    if (!Object.values(TAG).includes(tag as never)) continue
    if (offset < 0 || offset >= dl)
      throw new SbomParseError(bi(`tag ${tag} points outside the data store`, `标签 ${tag} 指向数据区之外`))
    if (type === TYPE_STRING || type === TYPE_I18NSTRING) {
      const end = data.indexOf(0, offset)
      if (end < 0) throw new SbomParseError(bi(`tag ${tag}: unterminated string`, `标签 ${tag}：字符串没有结束符`))
      strings.set(tag, data.subarray(offset, end).toString('utf8'))
    } else if (type === TYPE_INT32 && count >= 1) {
      if (offset + 4 > dl)
        throw new SbomParseError(bi(`tag ${tag} points outside the data store`, `标签 ${tag} 指向数据区之外`))
      ints.set(tag, data.readUInt32BE(offset))
    }
  }
  const name = strings.get(TAG.NAME)
  const version = strings.get(TAG.VERSION)
  const release = strings.get(TAG.RELEASE)
  if (!name || !version || release === undefined)
    throw new SbomParseError(bi('NAME, VERSION or RELEASE missing', '缺少 NAME、VERSION 或 RELEASE'))
  return {
    name,
    version,
    release,
    epoch: ints.get(TAG.EPOCH) ?? null,
    arch: strings.get(TAG.ARCH) ?? null,
    sourceRpm: strings.get(TAG.SOURCERPM) ?? null,
  }
}

type Parsed = Omit<Component, 'location'>

export function rpmComponents(blobs: Iterable<Buffer>): Parsed[] {
  const out: Parsed[] = []
  for (const blob of blobs) {
    const h = parseRpmHeader(blob)
    if (h.name === 'gpg-pubkey') continue // imported signing keys, not software
    const version = `${h.epoch ? `${h.epoch}:` : ''}${h.version}-${h.release}`
    const q = [
      h.arch && `arch=${h.arch}`,
      h.epoch && `epoch=${h.epoch}`,
      h.sourceRpm && `upstream=${encodeURIComponent(h.sourceRpm)}`,
    ]
      .filter(Boolean)
      .join('&')
    out.push({
      ecosystem: RPM_PENDING,
      name: h.name,
      version,
      purl: `pkg:rpm/${encodeURIComponent(h.name)}@${h.version}-${h.release}${q ? `?${q}` : ''}`,
    })
  }
  return out
}

export function createRpmdbDetector(maxBytes = RPMDB_MAX): StreamDetector {
  return {
    id: 'rpm-sqlite',
    // SQLite (rpmdb.sqlite), Berkeley DB (Packages) and ndb (Packages.db): the format is told by the file's bytes
    matches: (p) => /(^|\/)(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\/(rpmdb\.sqlite|Packages|Packages\.db)$/.test(p),
    open() {
      const file = join(tmpdir(), `preflight-rpmdb-${randomUUID()}.sqlite`)
      let fd: number | null = openSync(file, 'wx+', 0o600)
      let size = 0
      const close = () => {
        if (fd !== null) closeSync(fd)
        fd = null
      }
      const remove = () => {
        close()
        try {
          unlinkSync(file)
        } catch {
          // already gone
        }
      }
      return {
        write(chunk) {
          size += chunk.length
          if (size > maxBytes) return remove()
          for (let off = 0; off < chunk.length;) off += writeSync(fd!, chunk, off)
        },
        end() {
          if (size > maxBytes)
            throw new SbomParseError(
              bi(
                `the rpm database is larger than ${Math.round(maxBytes / 1048576)} MiB and was not read`,
                `rpm 数据库超过 ${Math.round(maxBytes / 1048576)} MiB，未读取`,
              ),
            )
          try {
            // a database in WAL mode would need its -wal/-shm files beside it even read-only: the private copy is
            // switched to the rollback journal (file format bytes 18-19: 2 → 1), what rpm leaves after a checkpoint
            const head = Buffer.alloc(32)
            readSync(fd!, head, 0, 32, 0)
            if (isBerkeleyHash(head))
              return rpmComponents([...berkeleyHashValues(fd!, size)].filter((v) => v.length > 4)) // the 4-byte record is rpm's instance counter
            if (isNdb(head)) return rpmComponents(ndbBlobs(fd!, size))
            if (head.toString('latin1', 0, 15) !== 'SQLite format 3')
              throw new SbomParseError(
                bi(
                  'the rpm database is neither SQLite, Berkeley DB nor ndb',
                  'rpm 数据库既不是 SQLite，也不是 Berkeley DB 或 ndb',
                ),
              )
            const fmt = Buffer.alloc(2)
            if (readSync(fd!, fmt, 0, 2, 18) === 2 && fmt[0] === 2 && fmt[1] === 2)
              writeSync(fd!, Buffer.from([1, 1]), 0, 2, 18)
            close()
            const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 })
            try {
              // a database from a package is hostile until shown otherwise: no function of its schema is trusted,
              // corrupt pages are caught, and Packages must be rpm's own table (a view or trigger could run code)
              db.pragma('trusted_schema = OFF')
              db.pragma('cell_size_check = ON')
              db.pragma('query_only = ON')
              const table = db.prepare("SELECT type FROM sqlite_schema WHERE name = 'Packages'").get() as
                { type: string } | undefined
              if (table?.type !== 'table')
                throw new SbomParseError(
                  bi(
                    `Packages is ${table ? `a ${table.type}` : 'missing'}, not rpm's table`,
                    `Packages ${table ? `是 ${table.type}` : '不存在'}，不是 rpm 的表`,
                  ),
                )
              if (
                (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'trigger'").get() as { n: number }).n
              )
                throw new SbomParseError(
                  bi('the database holds triggers, which rpm never writes', '数据库中有触发器，而 rpm 从不写入触发器'),
                )
              const rows = db.prepare('SELECT blob FROM Packages ORDER BY hnum').all() as Array<{ blob: Buffer }>
              return rpmComponents(rows.map((r) => r.blob))
            } finally {
              db.close()
            }
          } finally {
            remove()
          }
        },
        abort: remove,
      }
    },
  }
}
