import { createHash } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import type { OidcIdentity } from '../../api/verification.js';
import { SourceError } from '../source-error.js';

/** A TrustedRoot lists a few CAs and logs: a few KiB (the public-good one is ~7 KiB). */
const MAX_TRUSTED_ROOT_BYTES = 1024 * 1024;

/** What a keyless signature is checked against: the trusted root's material, the evidence it demands, the identities. */
export interface KeylessTrust {
  material: TrustMaterial;
  identities: OidcIdentity[];
  /** Evidence required because the root lists the authority that gives it (a private sigstore deployment). */
  requires: { tlog: boolean; timestamp: boolean; sct: boolean };
}

/** The keyless half of spec.verify as read from the cluster (or files, offline). */
export interface KeylessMaterial {
  identities: OidcIdentity[];
  /** The TrustedRoot JSON. */
  trustedRoot: Buffer;
  /** Where it came from, for messages (e.g. ConfigMap packyard-system/sigstore-root key trusted_root.json). */
  source: string;
}

/**
 * Parses the trusted root. A root without a usable certificate authority is a configuration fault
 * (InvalidTrustedRoot): every keyless version would fail, which would say nothing about the versions.
 */
export function keylessTrust(keyless: KeylessMaterial): KeylessTrust {
  const invalid = (why: string) => new SourceError('InvalidTrustedRoot', `${keyless.source}: ${why}`);
  if (keyless.trustedRoot.length > MAX_TRUSTED_ROOT_BYTES)
    throw invalid(`${keyless.trustedRoot.length} bytes, more than a trusted root's ${MAX_TRUSTED_ROOT_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(keyless.trustedRoot.toString('utf8'));
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw invalid('not a sigstore TrustedRoot (a JSON object with certificateAuthorities)');
  let material: TrustMaterial;
  try {
    material = toTrustMaterial(TrustedRoot.fromJSON(json));
  } catch (err) {
    throw invalid(`not a usable sigstore TrustedRoot (${(err as Error).message})`);
  }
  if (material.certificateAuthorities.length === 0)
    throw invalid('lists no certificateAuthorities: no certificate could chain to it');
  const empty = material.certificateAuthorities.findIndex((ca) => ca.certChain.length === 0);
  if (empty >= 0) throw invalid(`certificateAuthorities[${empty}] has no certificate in certChain`);
  return {
    material,
    identities: keyless.identities,
    requires: {
      tlog: material.tlogs.length > 0,
      timestamp: material.tlogs.length > 0 || material.timestampAuthorities.length > 0,
      sct: material.ctlogs.length > 0,
    },
  };
}

/**
 * A certificate-signed entity verified with @sigstore/verify against the trusted root, then its identity
 * matched against matchOIDCIdentity as cosign does (the certificate's identity and its OIDC issuer
 * extension against one entry's regexes, unanchored). Returns the identity that signed, or why not.
 *
 * Evidence the root cannot check is not asked for: with no transparency log listed, log entries are
 * ignored (cosign --insecure-ignore-tlog); with no TSA, timestamps too. With no timestamp left, the
 * certificate chain is checked at `now`, as cosign does without a log.
 */
export function checkKeyless(entity: SignedEntity, trust: KeylessTrust, now: Date): { signer: string } | string {
  const timestamps = entity.timestamps.filter((t) =>
    t.$case === 'transparency-log' ? trust.requires.tlog : trust.material.timestampAuthorities.length > 0,
  );
  const checked: SignedEntity = {
    ...entity,
    tlogEntries: trust.requires.tlog ? entity.tlogEntries : [],
    timestamps: timestamps.length > 0 || trust.requires.timestamp ? timestamps : [verificationTime(now)],
  };
  let signer;
  try {
    signer = new Verifier(trust.material, {
      tlogThreshold: trust.requires.tlog ? 1 : 0,
      ctlogThreshold: trust.requires.sct ? 1 : 0,
      timestampThreshold: trust.requires.timestamp ? 1 : 0,
    }).verify(checked);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'TIMESTAMP_ERROR' || code === 'TLOG_ERROR') {
      const { tlogs, timestampAuthorities } = trust.material;
      return (
        `it lacks the evidence the trusted root requires (it lists ${tlogs.length} transparency log(s) and ` +
        `${timestampAuthorities.length} timestamp authority(ies)): ${errorChain(err)}`
      );
    }
    return `its signature does not verify with the trusted root: ${errorChain(err)}`;
  }
  // The identity is the one name sigstore takes (sigstore-go and sigstore-js alike, and so cosign verify
  // --trusted-root): the URI subject alternative name, else the email. A second name cannot sneak in a match.
  const subject = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  const seen = `${subject ?? 'no URI or email subject alternative name'} (issuer ${issuer ?? 'none'})`;
  if (issuer === undefined)
    return `its certificate (${seen}) has no OIDC issuer extension (1.3.6.1.4.1.57264.1.8 or .1.1)`;
  if (subject === undefined) return `its certificate (${seen}) names no identity`;
  if (trust.identities.some((id) => new RegExp(id.issuer).test(issuer) && new RegExp(id.subject).test(subject)))
    return { signer: `${subject} (${issuer})` };
  const expected = trust.identities.map((id) => `{issuer: ${id.issuer}, subject: ${id.subject}}`).join(', ');
  return `signed by ${seen}, which matches none of matchOIDCIdentity ${expected}`;
}

/** What a certificate-signed signature says when spec.verify has no keyless configuration. */
export const NO_KEYLESS =
  'signed with a certificate (keyless); set spec.verify.matchOIDCIdentity and trustedRootRef to verify it';

/**
 * A legacy `.sig` layer signed with a certificate (cosign sign --certificate, or keyless): the
 * signature over the simple-signing payload, checked as a message-signature bundle of that payload,
 * so the same verifier decides. The chain annotation is not trusted: the root lists the intermediates.
 */
export function checkKeylessSignature(
  certificatePem: string,
  payload: Buffer,
  signature: Buffer,
  trust: KeylessTrust | undefined,
  now: Date,
): { signer: string } | string {
  if (!trust) return NO_KEYLESS;
  const der = pemCertificate(certificatePem);
  if (!der) return 'its dev.sigstore.cosign/certificate annotation is not a PEM certificate';
  let entity: SignedEntity;
  try {
    const bundle = bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { certificate: { rawBytes: der.toString('base64') }, tlogEntries: [] },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(payload).digest('base64') },
        signature: signature.toString('base64'),
      },
    });
    entity = toSignedEntity(bundle, payload);
  } catch (err) {
    return `its certificate is malformed (${errorChain(err)})`;
  }
  if (trust.requires.tlog)
    return 'the trusted root requires transparency-log evidence, which a legacy .sig signature does not carry in a form read here; sign with --new-bundle-format';
  return checkKeyless(entity, trust, now);
}

function pemCertificate(pem: string): Buffer | undefined {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : undefined;
}

/**
 * The moment the chain is checked at when no timestamp is required: an entry the Verifier reads only
 * for its time (an inclusion promise marks it usable; it is not among the log entries that are verified).
 */
function verificationTime(now: Date): SignedEntity['timestamps'][number] {
  return {
    $case: 'transparency-log',
    tlogEntry: {
      logIndex: '0',
      logId: { keyId: Buffer.from('packyard: verification time') },
      kindVersion: { kind: 'packyard', version: 'verification-time' },
      integratedTime: String(Math.floor(now.getTime() / 1000)),
      inclusionPromise: { signedEntryTimestamp: Buffer.alloc(0) },
      inclusionProof: undefined,
      canonicalizedBody: Buffer.alloc(0),
    },
  };
}

function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e && parts.length < 4; e = e.cause as never) {
    if (e.message) parts.push(e.message);
  }
  return parts.join(': ') || String(err);
}
