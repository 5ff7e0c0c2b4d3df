import { verify as verifySignature } from 'node:crypto';
import type { VersionVerification } from '../../api/verification.js';
import type { Manifest, OciClient } from '../oci/oci-client.js';
import { SourceError } from '../source-error.js';
import { checkKeylessSignature } from './keyless.js';
import type { CosignKey, CosignTrust } from './trust-keys.js';
import { contentFault, failed, verified } from './verification-result.js';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** The signing certificate (PEM) cosign attaches to a certificate-signed (keyless) signature. */
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
const METHOD = 'cosign-tag';
/** Signatures looked at per tag: cosign appends one layer per signing; more is abuse, not history. */
export const MAX_SIGNATURES = 16;
/** A simple-signing payload is a few hundred bytes of JSON. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

/** cosign's legacy tag for the signatures of `digest`: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

/**
 * cosign's legacy signatures of one manifest: the `sha256-<hex>.sig` tag, whose layers are
 * simple-signing payloads with the signature in an annotation. Verified when a layer's signature
 * verifies with one of the keys, or (keyless) with its certificate checked against the trusted root
 * and identities, and its payload names this very digest. undefined: no such tag.
 */
export async function verifySimpleSigning(
  client: OciClient,
  repository: string,
  digest: string,
  trust: CosignTrust,
  now: Date,
): Promise<VersionVerification | undefined> {
  const { keys } = trust;
  const tag = signatureTag(digest);
  let manifest: Manifest;
  try {
    manifest = (await client.manifest(repository, tag)).manifest;
  } catch (err) {
    if (err instanceof SourceError && err.reason === 'NotFound') return undefined;
    const fault = contentFault(err);
    if (fault) return failed(`signature tag ${tag}: ${fault}`, METHOD);
    throw err;
  }
  const layers = Array.isArray(manifest.layers) ? manifest.layers.filter((l) => l?.mediaType === SIMPLE_SIGNING) : [];
  if (layers.length === 0) return failed(`signature tag ${tag} holds no ${SIMPLE_SIGNING} layer`, METHOD);
  if (layers.length > MAX_SIGNATURES)
    return failed(
      `signature tag ${tag} holds ${layers.length} signatures, more than the ${MAX_SIGNATURES} looked at`,
      METHOD,
    );

  const problems: string[] = [];
  for (const layer of layers) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (typeof signature !== 'string' || signature === '') {
      problems.push(`layer ${layer.digest} has no ${SIGNATURE_ANNOTATION} annotation`);
      continue;
    }
    let payload: Buffer;
    try {
      payload = await client.blob(repository, layer, MAX_PAYLOAD_BYTES);
    } catch (err) {
      const fault = contentFault(err);
      if (!fault) throw err;
      problems.push(`payload ${layer.digest}: ${fault}`);
      continue;
    }
    const sig = Buffer.from(signature, 'base64');
    const key = keys.find((k) => verifiesWith(k, payload, sig));
    const certificate = layer.annotations?.[CERTIFICATE_ANNOTATION];
    let signer: string;
    let method = METHOD;
    if (key) {
      signer = key.id;
    } else if (typeof certificate === 'string' && certificate !== '') {
      const keyless = checkKeylessSignature(certificate, payload, sig, trust.keyless, now);
      if (typeof keyless === 'string') {
        problems.push(`the certificate-signed layer ${layer.digest}: ${keyless}`);
        continue;
      }
      signer = keyless.signer;
      method = `${METHOD}-keyless`;
    } else {
      problems.push(`the signature in layer ${layer.digest} does not verify with ${keyList(keys)}`);
      continue;
    }
    const signed = signedDigest(payload);
    if (signed !== digest) {
      problems.push(`a signature by ${signer} is for ${signed ?? 'a malformed payload'}, not ${digest}`);
      continue;
    }
    return verified(signer, method);
  }
  return failed(`signature tag ${tag}: ${problems.join('; ')}`, METHOD);
}

/** cosign signs the payload bytes: ECDSA and RSA over their SHA-256, Ed25519 over the bytes themselves. */
export function verifiesWith(key: CosignKey, payload: Buffer, signature: Buffer): boolean {
  try {
    const algorithm = key.key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return verifySignature(algorithm, payload, key.key, signature);
  } catch {
    return false; // a signature of the wrong shape for this key type
  }
}

/** The digest a simple-signing payload vouches for (critical.image["docker-manifest-digest"]). */
function signedDigest(payload: Buffer): string | undefined {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as {
      critical?: { type?: unknown; image?: Record<string, unknown> };
    };
    if (doc?.critical?.type !== 'cosign container image signature') return undefined;
    const digest = doc.critical.image?.['docker-manifest-digest'];
    return typeof digest === 'string' ? digest : undefined;
  } catch {
    return undefined;
  }
}

export function keyList(keys: CosignKey[]): string {
  if (keys.length === 0) return 'no key (spec.verify has no secretRef)';
  return keys.length === 1
    ? `key ${keys[0]!.id}`
    : `any of ${keys.length} keys (${keys.map((k) => k.id.slice(0, 19)).join(', ')})`;
}
