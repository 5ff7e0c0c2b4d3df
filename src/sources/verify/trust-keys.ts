import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as openpgp from 'openpgp';
import { SourceError } from '../source-error.js';
import { keylessTrust, type KeylessTrust } from './keyless.js';
import { materialFingerprint, type VerifyMaterial } from './verify-material.js';

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
