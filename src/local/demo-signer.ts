// Signs the demo registry's packs as `cosign sign --key` does with its legacy storage, without the
// cosign binary (`make run` builds no Go tool it can do without): a simple-signing payload naming the
// manifest digest, signed with ECDSA P-256 over its SHA-256 (node:crypto), pushed as the one layer of
// the `sha256-<hex>.sig` tag with the signature in cosign's annotation. test/local/demo-signer.test.ts
// checks the real `cosign verify` accepts it.
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OCI_MANIFEST } from '../sources/oci/media-types.js';
import type { OciClient } from '../sources/oci/oci-client.js';
import { SIGNATURE_ANNOTATION, signatureTag, SIMPLE_SIGNING } from '../sources/verify/cosign-simple-signing.js';

const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

export interface DemoKeys {
  privateKey: KeyObject;
  /** PEM, as cosign.pub. */
  publicKeyPem: string;
}

/** The demo's signing key, made once and kept in `dir` (demo-cosign.key, cosign.pub) so restarts sign alike. */
export function demoKeys(dir: string): DemoKeys {
  const keyPath = join(dir, 'demo-cosign.key');
  const pubPath = join(dir, 'cosign.pub');
  if (!existsSync(keyPath) || !existsSync(pubPath)) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { privateKey: createPrivateKey(readFileSync(keyPath)), publicKeyPem: readFileSync(pubPath, 'utf8') };
}

/** Writes the cosign signature of `repository@digest` (legacy tag storage). `reference` is `host/repository`. */
export async function signLikeCosign(
  client: OciClient,
  repository: string,
  reference: string,
  digest: string,
  key: KeyObject,
): Promise<void> {
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': reference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const signature = sign('sha256', payload, key).toString('base64');
  const payloadDigest = await client.pushBlob(repository, payload);
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      config: {},
      created: '0001-01-01T00:00:00Z',
      os: '',
      rootfs: { type: 'layers', diff_ids: [payloadDigest] },
    }),
  );
  const configDigest = await client.pushBlob(repository, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, size: config.length, digest: configDigest },
    layers: [
      {
        mediaType: SIMPLE_SIGNING,
        size: payload.length,
        digest: payloadDigest,
        annotations: { [SIGNATURE_ANNOTATION]: signature },
      },
    ],
  };
  await client.putManifest(repository, signatureTag(digest), Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
}
