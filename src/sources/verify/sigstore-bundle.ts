import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, Verifier, type TrustMaterial } from '@sigstore/verify';
import type { VersionVerification } from '../../api/verification.js';
import type { Descriptor, OciClient } from '../oci/oci-client.js';
import type { CosignKey, CosignTrust } from './trust-keys.js';
import { keyList, MAX_SIGNATURES } from './cosign-simple-signing.js';
import { checkKeyless, NO_KEYLESS } from './keyless.js';
import { contentFault, failed, verified } from './verification-result.js';

/** The artifact type cosign gives a bundle it attaches as a referrer (v0.3; older minor versions are read alike). */
const BUNDLE_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(\.v0\.\d+)?\+json(;.*)?$/;
const METHOD = 'cosign-bundle';
/**
 * Referrers that may hold a bundle. The tag fallback index cosign writes (through go-containerregistry)
 * gives a referrer the artifact type of its config, the empty type, so those are opened too.
 */
function mayBeBundle(d: Descriptor): boolean {
  return d.artifactType === undefined || d.artifactType === OCI_EMPTY || BUNDLE_TYPE.test(d.artifactType);
}
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

/** A keyed bundle is a few KiB; one with a certificate chain and log entries tens of KiB. */
const MAX_BUNDLE_BYTES = 1024 * 1024;

/**
 * Sigstore bundles attached to one manifest through the referrers API (or its tag fallback).
 * A keyed bundle verifies with one of our keys, no transparency log or timestamp required (cosign
 * --tlog-upload=false); a certificate-signed (keyless) one against the trusted root and identities.
 * Either way the signed statement must name this digest. undefined: none attached.
 */
export async function verifyBundles(
  client: OciClient,
  repository: string,
  digest: string,
  trust: CosignTrust,
  now: Date,
): Promise<VersionVerification | undefined> {
  let referrers: Descriptor[];
  try {
    referrers = (await client.referrers(repository, digest)).filter(mayBeBundle);
  } catch (err) {
    const fault = contentFault(err);
    if (fault) return failed(`referrers of ${digest}: ${fault}`, METHOD);
    throw err;
  }
  if (referrers.length === 0) return undefined;
  if (referrers.length > MAX_SIGNATURES)
    return failed(`${referrers.length} bundles refer to ${digest}, more than the ${MAX_SIGNATURES} looked at`, METHOD);

  const problems: string[] = [];
  for (const ref of referrers) {
    try {
      const { manifest } = await client.manifest(repository, ref.digest);
      const layer = (manifest.layers ?? []).find((l) => BUNDLE_TYPE.test(l?.mediaType ?? ''));
      if (!layer) {
        // An artifact of another kind with an empty config (an SBOM, say) is no signature; a bundle without its layer is a broken one.
        if (BUNDLE_TYPE.test(manifest.artifactType ?? ref.artifactType ?? ''))
          problems.push(`referrer ${ref.digest} holds no bundle layer`);
        continue;
      }
      const json = JSON.parse((await client.blob(repository, layer, MAX_BUNDLE_BYTES)).toString('utf8')) as unknown;
      const outcome = checkBundle(json, digest, trust, now);
      if (typeof outcome !== 'string') return outcome;
      problems.push(`bundle ${ref.digest}: ${outcome}`);
    } catch (err) {
      const fault = contentFault(err);
      if (!fault) throw err;
      problems.push(`referrer ${ref.digest}: ${fault}`);
    }
  }
  if (problems.length === 0) return undefined;
  return failed(problems.join('; '), METHOD);
}

/** Verified, or why not. Pure: the bundle's JSON, the digest it must cover, the trust and the time. */
export function checkBundle(
  json: unknown,
  digest: string,
  trust: CosignTrust,
  now: Date,
): VersionVerification | string {
  const { keys } = trust;
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (err) {
    return `not a sigstore bundle (${(err as Error).message})`;
  }
  let entity;
  try {
    entity = toSignedEntity(bundle); // parses the certificates and timestamps a keyless bundle carries
  } catch (err) {
    return `malformed bundle (${(err as Error).message})`;
  }
  if (bundle.verificationMaterial.content.$case !== 'publicKey') {
    if (!trust.keyless) return NO_KEYLESS;
    const keyless = checkKeyless(entity, trust.keyless, now);
    if (typeof keyless === 'string') return keyless;
    return covering(bundle, digest, keyless.signer, `${METHOD}-keyless`);
  }
  const key = keys.find((k) => {
    try {
      new Verifier(keyTrust(k), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(entity);
      return true;
    } catch {
      return false;
    }
  });
  if (!key) return `its signature does not verify with ${keyList(keys)}`;
  return covering(bundle, digest, key.id, METHOD);
}

/** Verified when the verified bundle vouches for this digest. */
function covering(bundle: Bundle, digest: string, signer: string, method: string): VersionVerification | string {
  const covered = coveredDigests(bundle);
  if (!covered.includes(digest))
    return `signed by ${signer}, but for ${covered.join(', ') || 'no digest'}, not ${digest}`;
  return verified(signer, method);
}

/** Only this key, valid at any time: there is no timestamp to place a key-signed bundle in time. */
function keyTrust(key: CosignKey): TrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: key.key, validFor: () => true }),
  };
}

/** The digests a verified bundle vouches for: an in-toto statement's subjects, or a message signature's digest. */
function coveredDigests(bundle: Bundle): string[] {
  const content = bundle.content;
  if (content.$case === 'messageSignature') {
    const d = content.messageSignature.messageDigest;
    return d ? [`sha256:${Buffer.from(d.digest).toString('hex')}`] : [];
  }
  try {
    const statement = JSON.parse(Buffer.from(content.dsseEnvelope.payload).toString('utf8')) as {
      subject?: { digest?: Record<string, unknown> }[];
    };
    return (Array.isArray(statement.subject) ? statement.subject : [])
      .flatMap((s) => Object.entries(s?.digest ?? {}))
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .map(([alg, hex]) => `${alg}:${hex}`);
  } catch {
    return [];
  }
}
