import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as openpgp from 'openpgp';
import type { VerifySpec } from '../../api/verification.js';
import { SourceError } from '../source-error.js';
import { keylessTrust, type KeylessMaterial, type KeylessTrust } from './keyless.js';

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

export interface CosignKey {
  /** `sha256:<hex>` of the key's DER (SubjectPublicKeyInfo): what a Pack version names as its signer. */
  id: string;
  key: KeyObject;
}

/** What cosign signatures are checked with: keys, and for certificate-signed ones the keyless trust. */
export interface CosignTrust {
  keys: CosignKey[];
  keyless?: KeylessTrust;
}

export type TrustKeys =
  | ({ provider: 'cosign'; fingerprint: string } & CosignTrust)
  | { provider: 'helm'; keys: openpgp.PublicKey[]; fingerprint: string };

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

/**
 * Parses the public keys. A Secret that holds none the provider can use is a configuration fault
 * (InvalidVerifyKeys), never "everything unsigned".
 */
export async function trustKeys(material: VerifyMaterial): Promise<TrustKeys> {
  const fingerprint = materialFingerprint(material);
  const entries = material.entries ?? {};
  const names = Object.keys(entries).sort();
  if (material.provider === 'cosign') {
    const keyless = material.keyless && keylessTrust(material.keyless);
    const pubs = names.filter((n) => n.endsWith('.pub'));
    if (material.entries === undefined && keyless) return { provider: 'cosign', keys: [], keyless, fingerprint };
    if (pubs.length === 0)
      throw invalid(
        `${material.source} has no *.pub entry (a cosign public key, as cosign generate-key-pair writes cosign.pub)`,
      );
    const keys = pubs.map((name) => {
      try {
        const key = createPublicKey({ key: entries[name]!, format: 'pem' });
        const der = key.export({ type: 'spki', format: 'der' });
        return { id: `sha256:${createHash('sha256').update(der).digest('hex')}`, key };
      } catch (err) {
        throw invalid(`${material.source} entry ${name} is not a PEM public key (${(err as Error).message})`);
      }
    });
    return { provider: 'cosign', keys, ...(keyless && { keyless }), fingerprint };
  }
  const keys: openpgp.PublicKey[] = [];
  for (const name of names) {
    const bytes = entries[name]!;
    try {
      const text = bytes.toString('utf8');
      const read = text.includes('-----BEGIN PGP')
        ? await openpgp.readKeys({ armoredKeys: text })
        : await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) });
      // A secret keyring (secring.gpg) is accepted for its public half; the secret part is never used.
      keys.push(...read.map((k) => (k.isPrivate() ? k.toPublic() : (k as openpgp.PublicKey))));
    } catch (err) {
      throw invalid(`${material.source} entry ${name} is not a PGP keyring (${(err as Error).message})`);
    }
  }
  if (keys.length === 0) throw invalid(`${material.source} holds no PGP key`);
  return { provider: 'helm', keys, fingerprint };
}

function invalid(message: string): SourceError {
  return new SourceError('InvalidVerifyKeys', message);
}
