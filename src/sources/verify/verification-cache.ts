import type { VersionVerification } from '../../api/verification.js';
import { Lru } from '../oci/lru.js';
import { SingleFlight } from '../single-flight.js';
import type { TrustKeys } from './trust-keys.js';
import type { VerifyMaterial } from './verify-material.js';

/**
 * Verification results by (keys, where, digest). A digest is content, so a Verified or Failed result
 * never goes stale; only a key change (another fingerprint) asks again. Unsigned is not kept: a
 * signature may be pushed later for the same digest.
 */
export class VerificationCache {
  readonly #results: Lru<string, VersionVerification>;
  readonly #inflight = new SingleFlight<string, VersionVerification>();
  readonly #keys = new Lru<string, Promise<TrustKeys>>(64);
  /**
   * The digest each version (tag) was last Verified at. A tag that moves to a digest without a
   * signature was re-pushed over signed content: Failed, not merely Unsigned.
   */
  readonly #lastVerified: Lru<string, string>;

  constructor(entries = 50_000) {
    this.#results = new Lru(entries);
    this.#lastVerified = new Lru(entries);
  }

  /** Parsed keys, once per fingerprint (PGP keyrings take a while to read). */
  keys(material: VerifyMaterial, fingerprint: string): Promise<TrustKeys> {
    let keys = this.#keys.get(fingerprint);
    if (!keys) {
      keys = import('./trust-keys.js').then((m) => m.trustKeys(material)); // OpenPGP.js and sigstore: only when verifying
      keys.catch(() => this.#keys.delete(fingerprint));
      this.#keys.set(fingerprint, keys);
    }
    return keys;
  }

  /**
   * The verification of `digest` as `version` (registry, repository and tag, or chart URL), computed
   * by `check` unless known. Counts what `check` was asked, for the benchmark and tests.
   */
  async verify(
    fingerprint: string,
    version: string,
    digest: string,
    check: () => Promise<VersionVerification>,
  ): Promise<VersionVerification> {
    const key = `${fingerprint} ${version} ${digest}`;
    const known = this.#results.get(key);
    const result = known ?? (await this.#inflight.do(key, check));
    if (!known && result.state !== 'Unsigned') this.#results.set(key, result);
    const history = `${fingerprint} ${version}`;
    if (result.state === 'Verified') this.#lastVerified.set(history, digest);
    const before = this.#lastVerified.get(history);
    if (result.state === 'Unsigned' && before && before !== digest) {
      return {
        state: 'Failed',
        reason: `re-pushed: ${version} was verified at ${before} and now names ${digest}, which has no signature (${result.reason ?? 'unsigned'})`,
      };
    }
    return result;
  }
}
