// The `--attrs` release attributes (../shared/spec/cli.md "--attrs keys"): the allowed keys per profile, and
// their checks — the same validateRelease the wizard uses, plus unknown keys and the replacement check
// (image.version-mismatch against `replaces`). Findings are located at `attrs.<key>`.
import { makeFinding, type Finding } from '../reports/model'
import { validateRelease, VERSION_FORM } from './release'

export const ATTR_KEYS: Record<string, string[]> = {
  'scp-image': ['name', 'osType', 'minDiskGB', 'minRamGB', 'visibility', 'protected', 'tags', 'shareWith'],
  'koogallery-image': [
    'name',
    'description',
    'osType',
    'osVersion',
    'architecture',
    'virtualEnvType',
    'diskFormat',
    'minDiskGB',
    'minRamMB',
    'maxRamMB',
    'replaces',
  ],
  'swr-image': ['organization', 'repository', 'tag'],
  'koogallery-app': ['assetName', 'version'],
  'koogallery-container': ['assetName', 'version'],
}

/** What a replacement image must keep from the original version (KooGallery "replace image of a version"). */
export const REPLACEMENT_KEYS = [
  'osType',
  'virtualEnvType',
  'diskFormat',
  'osVersion',
  'minDiskGB',
  'minRamMB',
  'maxRamMB',
  'architecture',
] as const

export function validateAttrs(
  profile: string,
  attrs: Record<string, unknown>,
  opts: { virtualSize?: number } = {},
): Finding[] {
  const out: Finding[] = []
  const allowed = ATTR_KEYS[profile] ?? []
  for (const key of Object.keys(attrs))
    if (!allowed.includes(key))
      out.push(
        makeFinding(
          'release.field-invalid',
          `attrs.${key}`,
          `Unknown attribute "${key}" for ${profile} (allowed: ${allowed.join(', ')}).`,
          { profile },
        ),
      )
  if (profile === 'koogallery-app' || profile === 'koogallery-container') {
    if (attrs.version !== undefined && !VERSION_FORM.test(String(attrs.version)))
      out.push(
        makeFinding('release.version-format', 'attrs.version', `Version "${attrs.version}" is not of the form V1.0.`, {
          profile,
        }),
      )
    if (attrs.assetName !== undefined && (typeof attrs.assetName !== 'string' || !attrs.assetName.trim()))
      out.push(
        makeFinding('release.field-invalid', 'attrs.assetName', 'Asset name must be a non-empty string.', { profile }),
      )
    return out
  }
  const { replaces, ...own } = attrs
  const values = {
    attrs: { ...own, shareWith: Array.isArray(own.shareWith) ? own.shareWith.join(',') : own.shareWith },
  }
  // Only the attribute checks apply here (the wizard's other steps are not part of --attrs).
  out.push(
    ...validateRelease(profile, values, opts).filter(
      (f) =>
        f.location.startsWith('attrs.') &&
        !(
          f.rule === 'release.field-invalid' &&
          / is required: /.test(f.message) &&
          attrs[f.location.slice(6)] === undefined
        ),
    ),
  )
  if (profile === 'koogallery-image' && replaces !== undefined) {
    if (!replaces || typeof replaces !== 'object' || Array.isArray(replaces))
      out.push(
        makeFinding(
          'release.field-invalid',
          'attrs.replaces',
          '"replaces" must be an object with the original version\'s attributes.',
          { profile },
        ),
      )
    else
      for (const key of REPLACEMENT_KEYS) {
        const was = (replaces as Record<string, unknown>)[key]
        const now = attrs[key]
        if (was !== undefined && now !== undefined && String(was) !== String(now))
          out.push(
            makeFinding(
              'image.version-mismatch',
              `attrs.${key}`,
              `${key} is "${now}" but the original version has "${was}": a replacement must keep it.`,
              { profile },
            ),
          )
      }
  }
  return out
}
