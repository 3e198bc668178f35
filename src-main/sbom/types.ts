// The sbom room's shared types: a detector recognises one manifest, lockfile or package database; a stream
// detector reads binary content chunk by chunk (executables, package databases).
import { WordedError } from '../../src-preload/text'
import type { Component } from '../reports/model'

export interface Detector {
  id: string
  /** Path test (normalised, '/'-separated, without a leading slash). */
  matches(path: string): boolean
  parse(text: string, location: string): Array<Omit<Component, 'location'> & { location?: string }>
}

/** A detector that reads the entry's bytes as they stream past (bounded memory or a bounded temp file). */
export interface StreamDetector {
  id: string
  /** Path (normalised) and first bytes of the entry (up to 4 KiB). */
  matches(path: string, head: Buffer): boolean
  open(location: string): {
    write(chunk: Buffer): void
    /** Components found; throws (→ sbom.unreadable) when the content cannot be read. */
    end(): Array<Omit<Component, 'location'>>
    /** The entry could not be read to its end: release what was held. */
    abort?(): void
  }
}

/** Why a manifest, lockfile or package database cannot be read, in both languages (sbom.unreadable quotes it). */
export class SbomParseError extends WordedError {}
