// zod schemas for OCI image layouts and docker-archive manifests, following the image-spec JSON schemas
// (image-layout, image-index, image-manifest, content-descriptor, config) and Docker's `docker save` format.
import { z } from 'zod'

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const

/** RFC 6838 media type, as the image-spec's defs-descriptor.json requires. */
export const mediaType = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/, 'not a valid media type')
export const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a valid digest')

export const platform = z.object({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
})

export const descriptor = z.object({
  mediaType,
  digest,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: platform.optional(),
  artifactType: mediaType.optional(),
})
export type Descriptor = z.infer<typeof descriptor>

export const ociLayout = z.object({ imageLayoutVersion: z.literal('1.0.0') })

export const imageIndex = z.object({
  schemaVersion: z.literal(2),
  mediaType: mediaType.optional(),
  manifests: z.array(descriptor),
  annotations: z.record(z.string(), z.string()).optional(),
})

export const imageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: mediaType.optional(),
  config: descriptor,
  layers: z.array(descriptor),
  annotations: z.record(z.string(), z.string()).optional(),
})

export const imageConfig = z
  .object({
    architecture: z.string(),
    os: z.string(),
    variant: z.string().optional(),
    created: z.string().optional(),
    config: z
      .object({
        User: z.string().optional(),
        Entrypoint: z.array(z.string()).nullable().optional(),
        Cmd: z.array(z.string()).nullable().optional(),
        ExposedPorts: z.record(z.string(), z.unknown()).nullable().optional(),
        Env: z.array(z.string()).nullable().optional(),
      })
      .passthrough()
      .optional(),
    rootfs: z.object({ type: z.string(), diff_ids: z.array(digest) }),
  })
  .passthrough()

export const dockerManifest = z
  .array(
    z
      .object({
        Config: z.string().min(1),
        RepoTags: z.array(z.string()).nullable().optional(),
        Layers: z.array(z.string().min(1)),
        LayerSources: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough(),
  )
  .min(1)

/** Architectures the marketplace accepts (x86/x64, Arm/Arm64, MIPS, PowerPC) in OCI/Go naming. */
export const SUPPORTED_ARCHITECTURES = [
  '386',
  'amd64',
  'arm',
  'arm64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'ppc',
  'ppc64',
  'ppc64le',
]
