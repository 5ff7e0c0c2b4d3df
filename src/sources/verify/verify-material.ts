import { createHash } from 'node:crypto';
import type { VerifySpec } from '../../api/verification.js';
import type { KeylessMaterial } from './keyless.js';

// What a sync needs to know about verification before it verifies anything, kept apart from the
// parsing of keys (trust-keys.ts), which loads OpenPGP.js and the sigstore libraries: a registry
// without spec.verify never loads them.

/** The verify Secret's entries as read from the cluster (or files, in the CLI): what the keys are parsed from. */
export interface VerifyMaterial {
  provider: VerifySpec['provider'];
  /** Entry name → raw bytes; undefined when spec.verify names no Secret (keyless only). */
  entries?: Record<string, Buffer>;
  /** Where they came from, for messages (e.g. Secret packyard-system/cosign-keys). */
  source: string;
  /** Keyless cosign: matchOIDCIdentity and the trusted root. */
  keyless?: KeylessMaterial;
}

/** What a registry with spec.verify and no keys says (offline, the CLI reads them from a variable). */
export const NO_KEYS =
  'spec.verify is set but no keys were given (in the cluster: its secretRef or trustedRootRef; offline: ' +
  'PACKYARD_REGISTRY_<NAME>_VERIFY_KEY_FILE, or for keyless PACKYARD_REGISTRY_<NAME>_TRUSTED_ROOT_FILE)';

/**
 * sha256 of every entry (names included), the trusted root and the identities: the cache key of
 * verification results, so a change of keys, root or identities re-verifies.
 */
export function materialFingerprint(material: VerifyMaterial): string {
  const hash = createHash('sha256').update(material.provider);
  const entries = material.entries ?? {};
  for (const name of Object.keys(entries).sort()) hash.update(`\0${name}\0`).update(entries[name]!);
  if (material.keyless) {
    hash.update('\0keyless\0').update(JSON.stringify(material.keyless.identities)).update('\0');
    hash.update(material.keyless.trustedRoot);
  }
  return `sha256:${hash.digest('hex')}`;
}
