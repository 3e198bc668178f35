// Release profiles: what is being prepared, which containers each accepts and its size limit
// (../shared/spec/rules.md, "Profiles"). The wizard's attribute schemas live beside this in attrs.ts.

export const PROFILE_IDS = [
  'koogallery-app',
  'koogallery-container',
  'koogallery-image',
  'scp-image',
  'swr-image',
] as const
export type ProfileId = (typeof PROFILE_IDS)[number]

export const GB = 1000 ** 3

export interface ProfileInfo {
  id: ProfileId
  title: string
  /** The title in Simplified Chinese (the wizard's names, src-renderer/screens/wizard/spec.ts). */
  titleZh: string
  /** Accepted file name endings, lower case, longest first. */
  accepts: string[]
  /** Size limit in bytes, or null where only object storage limits apply. */
  sizeLimit: number | null
}

export const PROFILES: Record<ProfileId, ProfileInfo> = {
  'koogallery-app': {
    id: 'koogallery-app',
    title: 'KooGallery application asset',
    titleZh: 'KooGallery 应用资产',
    accepts: ['.tar.gz', '.tar', '.zip'],
    sizeLimit: 20 * GB,
  },
  'koogallery-container': {
    id: 'koogallery-container',
    title: 'KooGallery container package',
    titleZh: 'KooGallery 容器包',
    accepts: ['.tar.gz', '.tar', '.zip'],
    sizeLimit: 20 * GB,
  },
  'koogallery-image': {
    id: 'koogallery-image',
    title: 'KooGallery image asset',
    titleZh: 'KooGallery 镜像资产',
    accepts: ['.qcow2', '.vmdk', '.vhd', '.vhdx', '.vdi', '.qed', '.qcow', '.zvhd', '.raw', '.img', '.zvhd2', '.iso'],
    sizeLimit: 128 * GB,
  },
  'scp-image': {
    id: 'scp-image',
    title: 'Samsung Cloud Platform image',
    titleZh: 'Samsung Cloud Platform 镜像',
    accepts: ['.qcow2'],
    sizeLimit: null,
  },
  'swr-image': {
    id: 'swr-image',
    title: 'SWR container image',
    titleZh: 'SWR 容器镜像',
    accepts: ['.tar.gz', '.tar'],
    sizeLimit: 2 * GB,
  },
}

export function isProfileId(v: string): v is ProfileId {
  return (PROFILE_IDS as readonly string[]).includes(v)
}
