// The `--attrs` release attributes (../shared/spec/cli.md "--attrs keys"): the allowed keys per profile, and
// their checks — the same validateRelease the wizard uses, plus unknown keys and the replacement check
// (image.version-mismatch against `replaces`). Findings are located at `attrs.<key>`.
import { makeFinding, type Finding } from '../reports/model'
import { bi } from '../../src-preload/text'
import { validateRelease, versionFormMessage, VERSION_FORM } from './release'

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
          bi(
            `Unknown attribute "${key}" for ${profile} (allowed: ${allowed.join(', ')}).`,
            `${profile} 没有属性“${key}”（可用的属性：${allowed.join('、')}）。`,
          ),
          { profile },
        ),
      )
  if (profile === 'koogallery-app' || profile === 'koogallery-container') {
    if (attrs.version !== undefined && !VERSION_FORM.test(String(attrs.version)))
      out.push(
        makeFinding('release.version-format', 'attrs.version', versionFormMessage(String(attrs.version)), {
          profile,
        }),
      )
    if (attrs.assetName !== undefined && (typeof attrs.assetName !== 'string' || !attrs.assetName.trim()))
      out.push(
        makeFinding(
          'release.field-invalid',
          'attrs.assetName',
          bi('Asset name must be a non-empty string.', '资产名称须为非空字符串。'),
          { profile },
        ),
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
          bi(
            '"replaces" must be an object with the original version\'s attributes.',
            '“replaces”须为包含原版本属性的对象。',
          ),
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
              bi(
                `${key} is "${now}" but the original version has "${was}": a replacement must keep it.`,
                `${key} 为“${now}”，而原版本为“${was}”：替换镜像须保持一致。`,
              ),
              { profile },
            ),
          )
      }
  }
  return out
}
