import { z } from 'zod';
import { secretReference } from './common.js';

/**
 * Signature checks: how a PackRegistry verifies what it lists (spec.verify), what a Pack version
 * records (verification), and what a ClusterProfile demands of the versions it locks.
 */

export const verifyProvider = z
  .enum(['cosign', 'helm'])
  .describe(
    'cosign: signatures cosign writes for an OCI artifact (the sha256-<digest>.sig tag, or a sigstore bundle attached ' +
      'through the OCI referrers API or its tag fallback); only for type oci. helm: provenance files (<chart>.tgz.prov) ' +
      'as `helm package --sign` writes them; only for type helm.',
  );

export const verifySpec = z
  .object({
    provider: verifyProvider,
    secretRef: secretReference.describe(
      "Secret in the operator's namespace holding the public keys: for cosign every *.pub entry (PEM, as " +
        '`cosign generate-key-pair` writes cosign.pub); for helm every entry as a PGP keyring (binary, as ' +
        '`gpg --export` writes it, or ASCII-armoured). A version signed by any of them is Verified.',
    ),
  })
  .describe(
    'Verify every version the registry lists; each Pack version then records the result in verification. ' +
      'A change of the keys re-verifies; an unchanged digest with unchanged keys is never verified twice.',
  );
export type VerifySpec = z.infer<typeof verifySpec>;

export const VERIFICATION_STATES = ['Verified', 'Unsigned', 'Failed'] as const;
export type VerificationState = (typeof VERIFICATION_STATES)[number];

export const versionVerification = z
  .object({
    state: z
      .enum(VERIFICATION_STATES)
      .describe(
        'Verified: a signature by a trusted key covers this digest. Unsigned: the registry holds no signature for it. ' +
          'Failed: a signature is there but does not verify (wrong key, another digest, tampered or malformed).',
      ),
    signer: z
      .string()
      .optional()
      .describe('Who signed it: the key (sha256 fingerprint of a cosign public key, or the PGP user ID and key ID).'),
    method: z
      .string()
      .optional()
      .describe(
        'Where the signature was found: cosign-tag (sha256-<hex>.sig), cosign-bundle (sigstore bundle referrer) or helm-prov.',
      ),
    reason: z.string().max(1024).optional().describe('Why the version is Unsigned or Failed, precisely.'),
  })
  .describe("The registry's signature check of this version (only when its spec.verify is set).");
export type VersionVerification = z.infer<typeof versionVerification>;

export const verificationPolicy = z
  .enum(['Required', 'IfPresent', 'Off'])
  .describe(
    'Which versions the lock may take. Required: only Verified versions. IfPresent (when unset): Verified and ' +
      'Unsigned, never Failed: a signature that does not verify means the content is not what was signed, while ' +
      'registries without signatures keep working. Off: signatures are not looked at.',
  );
export type VerificationPolicy = z.infer<typeof verificationPolicy>;

export const verificationCounts = z
  .object({
    verified: z.int().min(0).describe('Versions whose signature verified.'),
    unsigned: z.int().min(0).describe('Versions without a signature.'),
    failed: z.int().min(0).describe('Versions whose signature failed to verify.'),
  })
  .describe('How the versions of the catalogue verified (only when spec.verify is set).');
export type VerificationCounts = z.infer<typeof verificationCounts>;
