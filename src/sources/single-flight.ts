import { createHmac, randomBytes } from 'node:crypto';
import type { TlsOptions } from './http-agents.js';
import type { HttpAuth } from './http-client.js';

/**
 * Concurrent callers with the same key share one in-flight promise (Go's singleflight): two
 * registries pointing at one repository cause one fetch. Settled calls are forgotten at once, so
 * this dedups, never caches. Callers share the result (do not mutate it) and its failure.
 */
export class SingleFlight<K, V> {
  readonly #inflight = new Map<K, Promise<V>>();

  do(key: K, fn: () => Promise<V>): Promise<V> {
    const existing = this.#inflight.get(key);
    if (existing) return existing;
    const flight = (async () => {
      try {
        return await fn();
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, flight);
    return flight;
  }

  /** Calls in flight now. */
  get size(): number {
    return this.#inflight.size;
  }
}

// Per-process key: the map holds no secret, and a key seen in a heap dump cannot be brute-forced
// offline into a short password.
const salt = randomBytes(32);

/**
 * A stable, non-reversible key for the credentials (and client TLS identity) of a request: a
 * fetch is shared only by callers that would send the same credentials.
 */
export function credentialKey(auth: HttpAuth | undefined, tls?: TlsOptions): string {
  if (!auth && !tls) return 'anonymous';
  const material = JSON.stringify([
    auth && ('token' in auth ? ['bearer', auth.token] : ['basic', auth.username, auth.password]),
    tls && [tls.ca ?? null, tls.cert ?? null, tls.key ?? null, !!tls.insecureSkipVerify],
  ]);
  return createHmac('sha256', salt).update(material).digest('hex');
}
