import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as openpgp from 'openpgp';
import type { VerifySpec } from '../../api/verification.js';
import { SourceError } from '../source-error.js';

/** The verify Secret's entries as read from the cluster (or files, in the CLI): what the keys are parsed from. */
export interface VerifyMaterial {
  provider: VerifySpec['provider'];
  /** Entry name → raw bytes. */
  entries: Record<string, Buffer>;
  /** Where they came from, for messages (e.g. Secret packyard-system/cosign-keys). */
  source: string;
}

/** What a registry with spec.verify and no keys says (offline, the CLI reads them from a variable). */
export const NO_KEYS =
  'spec.verify is set but no keys were given (in the cluster: its secretRef; offline: PACKYARD_REGISTRY_<NAME>_VERIFY_KEY_FILE)';

export interface CosignKey {
  /** `sha256:<hex>` of the key's DER (SubjectPublicKeyInfo): what a Pack version names as its signer. */
  id: string;
  key: KeyObject;
}

export type TrustKeys =
  | { provider: 'cosign'; keys: CosignKey[]; fingerprint: string }
  | { provider: 'helm'; keys: openpgp.PublicKey[]; fingerprint: string };

/** sha256 of every entry, names included: the cache key of verification results, so a key change re-verifies. */
export function materialFingerprint(material: VerifyMaterial): string {
  const hash = createHash('sha256').update(material.provider);
  for (const name of Object.keys(material.entries).sort()) hash.update(`\0${name}\0`).update(material.entries[name]!);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Parses the public keys. A Secret that holds none the provider can use is a configuration fault
 * (InvalidVerifyKeys), never "everything unsigned".
 */
export async function trustKeys(material: VerifyMaterial): Promise<TrustKeys> {
  const fingerprint = materialFingerprint(material);
  const names = Object.keys(material.entries).sort();
  if (material.provider === 'cosign') {
    const pubs = names.filter((n) => n.endsWith('.pub'));
    if (pubs.length === 0)
      throw invalid(
        `${material.source} has no *.pub entry (a cosign public key, as cosign generate-key-pair writes cosign.pub)`,
      );
    const keys = pubs.map((name) => {
      try {
        const key = createPublicKey({ key: material.entries[name]!, format: 'pem' });
        const der = key.export({ type: 'spki', format: 'der' });
        return { id: `sha256:${createHash('sha256').update(der).digest('hex')}`, key };
      } catch (err) {
        throw invalid(`${material.source} entry ${name} is not a PEM public key (${(err as Error).message})`);
      }
    });
    return { provider: 'cosign', keys, fingerprint };
  }
  const keys: openpgp.PublicKey[] = [];
  for (const name of names) {
    const bytes = material.entries[name]!;
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
