import { rfc3339 } from '../../api/time.js';
import type { OciClient, BlobUploadOptions } from './oci-client.js';
import { ANNOTATION_CREATED, ANNOTATION_TITLE, OCI_MANIFEST } from './media-types.js';
import { joinPath } from './reference.js';

/** Where Palette keeps packs under a registry's base path: `<base>/spectro-packs/archive/<name>:<version>`. */
export const PALETTE_PACK_PATH = 'spectro-packs/archive';
/** The media type Palette's docs give the archive layer (`oras push … <name>-<version>.tar.gz:<type>`). */
export const PACK_ARCHIVE_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** What `oras push` writes when told no artifact type, and the empty config it pairs with it (OCI image spec 1.1). */
export const ORAS_DEFAULT_ARTIFACT_TYPE = 'application/vnd.unknown.artifact.v1';
export const OCI_EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
};
const EMPTY_CONFIG_BYTES = Buffer.from('{}');

export function packRepository(basePath: string, name: string): string {
  return joinPath(basePath, PALETTE_PACK_PATH, name);
}

/** A version as a tag: tags cannot hold `+`, so build metadata is written with `_`, as Helm does (and the sync reads). */
export function versionTag(version: string): string {
  return version.replaceAll('+', '_');
}

export interface PackPushResult {
  /** The manifest's digest. */
  digest: string;
  /** Blobs sent, and blobs the registry already held (not sent again). */
  uploaded: number;
  skipped: number;
}

/**
 * Pushes a pack archive as `oras push <ref> <name>-<version>.tar.gz:<PACK_ARCHIVE_MEDIA_TYPE>` does:
 * an OCI 1.1 image manifest with the empty config, one layer titled with the file name, and the
 * created annotation. Blobs the repository already holds (HEAD) are not sent again.
 */
export async function pushPackArchive(
  client: OciClient,
  target: { repository: string; tag: string },
  archive: { fileName: string; bytes: Buffer; digest: string },
  opts: BlobUploadOptions & { created?: Date } = {},
): Promise<PackPushResult> {
  let uploaded = 0;
  let skipped = 0;
  const ensure = async (digest: string, bytes: Buffer) => {
    if (await client.hasBlob(target.repository, digest)) return void skipped++;
    await client.pushBlob(target.repository, bytes, opts);
    uploaded++;
  };
  await ensure(OCI_EMPTY_CONFIG.digest, EMPTY_CONFIG_BYTES);
  await ensure(archive.digest, archive.bytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: ORAS_DEFAULT_ARTIFACT_TYPE,
    config: OCI_EMPTY_CONFIG,
    layers: [
      {
        mediaType: PACK_ARCHIVE_MEDIA_TYPE,
        digest: archive.digest,
        size: archive.bytes.length,
        annotations: { [ANNOTATION_TITLE]: archive.fileName },
      },
    ],
    annotations: { [ANNOTATION_CREATED]: rfc3339(opts.created ?? new Date()) },
  };
  const digest = await client.putManifest(
    target.repository,
    target.tag,
    Buffer.from(JSON.stringify(manifest)),
    OCI_MANIFEST,
  );
  return { digest, uploaded, skipped };
}
