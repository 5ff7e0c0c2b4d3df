import { z } from 'zod';
import { dnsSubdomain, secretReference } from './common.js';
import { TRUSTED_ROOT_KEY } from './names.js';
import { withRules } from './rules.js';

export { TRUSTED_ROOT_KEY };

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

/** A regular expression matched as cosign and Flux do (Go's MatchString: unanchored; write ^…$ to match whole). */
const identityPattern = (what: string) =>
  z
    .string()
    .min(1)
    .max(1024)
    .describe(
      `Regular expression the certificate's ${what} must match. As in cosign and Flux it is not anchored for you: ` +
        'write ^…$ to match the whole value. Use the syntax Go (RE2) and JavaScript share; (?i)-style flags are not supported.',
    );

/** The pattern compiles in both engines that read it: the apiserver's RE2 (CEL matches) and the operator's JavaScript. */
export function compilesAsRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export const oidcIdentity = withRules(
  z
    .object({
      issuer: identityPattern('OIDC issuer (extension 1.3.6.1.4.1.57264.1.8, or the older .1.1)'),
      subject: identityPattern('identity (its URI subject alternative name, else its email, as sigstore reads it)'),
    })
    .describe('An identity a keyless signature may come from: both regexes must match the signing certificate.'),
  [
    {
      // A pattern that does not compile makes matches() fail: the apiserver rejects the entry (it names the entry,
      // not the field, for a rule that errs) with the RE2 error and this message.
      cel: "''.matches(self.issuer) || !''.matches(self.issuer)",
      message: 'issuer must be a regular expression',
      holds: (s) => compilesAsRegex(s.issuer),
    },
    {
      cel: "''.matches(self.subject) || !''.matches(self.subject)",
      message: 'subject must be a regular expression',
      holds: (s) => compilesAsRegex(s.subject),
    },
  ],
);
export type OidcIdentity = z.infer<typeof oidcIdentity>;

export const trustedRootReference = z
  .object({
    kind: z.enum(['ConfigMap', 'Secret']).describe('Kind of the object holding the trusted root.'),
    name: dnsSubdomain.describe("Name of the ConfigMap or Secret in the operator's namespace."),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/)
      .default(TRUSTED_ROOT_KEY)
      .describe(`Key holding the TrustedRoot JSON (default ${TRUSTED_ROOT_KEY}).`),
  })
  .describe(
    'A sigstore TrustedRoot (the JSON `cosign verify --trusted-root` reads: certificate authorities, and optionally ' +
      "transparency logs, CT logs and timestamp authorities) in a ConfigMap or Secret of the operator's namespace. " +
      'Nothing is fetched from the network (no TUF): air-gapped clusters bring their own.',
  );
export type TrustedRootReference = z.infer<typeof trustedRootReference>;

export const verifySpec = withRules(
  z
    .object({
      provider: verifyProvider,
      secretRef: secretReference
        .optional()
        .describe(
          "Secret in the operator's namespace holding the public keys: for cosign every *.pub entry (PEM, as " +
            '`cosign generate-key-pair` writes cosign.pub); for helm every entry as a PGP keyring (binary, as ' +
            '`gpg --export` writes it, or ASCII-armoured). A version signed by any of them is Verified.',
        ),
      matchOIDCIdentity: z
        .array(oidcIdentity)
        .min(1)
        .max(16)
        .optional()
        .describe(
          'Keyless cosign: the identities a certificate-signed version may come from (any one entry matching ' +
            'verifies). Needs trustedRootRef, whose certificate authorities the certificate must chain to.',
        ),
      trustedRootRef: trustedRootReference.optional(),
    })
    .describe(
      'Verify every version the registry lists; each Pack version then records the result in verification. ' +
        'A change of the keys, the trusted root or the identities re-verifies; an unchanged digest with unchanged ' +
        'trust is never verified twice.',
    ),
  [
    {
      cel: 'has(self.secretRef) || has(self.matchOIDCIdentity)',
      message: 'verify needs keys (secretRef) or keyless identities (matchOIDCIdentity), or both',
      fieldPath: '.secretRef',
      holds: (s) => s.secretRef !== undefined || s.matchOIDCIdentity !== undefined,
    },
    {
      cel: "!has(self.matchOIDCIdentity) || self.provider == 'cosign'",
      message: 'matchOIDCIdentity is for provider cosign (keyless signatures)',
      fieldPath: '.matchOIDCIdentity',
      holds: (s) => s.matchOIDCIdentity === undefined || s.provider === 'cosign',
    },
    {
      cel: 'has(self.matchOIDCIdentity) == has(self.trustedRootRef)',
      message:
        'matchOIDCIdentity requires trustedRootRef (the certificate authorities to trust), and trustedRootRef matchOIDCIdentity',
      fieldPath: '.trustedRootRef',
      holds: (s) => (s.matchOIDCIdentity === undefined) === (s.trustedRootRef === undefined),
    },
  ],
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
      .describe(
        'Who signed it: the key (sha256 fingerprint of a cosign public key, or the PGP user ID and key ID), or for a ' +
          'keyless signature the identity (subject, and OIDC issuer in parentheses).',
      ),
    method: z
      .string()
      .optional()
      .describe(
        'Where the signature was found: cosign-tag (sha256-<hex>.sig), cosign-bundle (sigstore bundle referrer) or ' +
          'helm-prov; keyless signatures add -keyless (cosign-tag-keyless, cosign-bundle-keyless).',
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
