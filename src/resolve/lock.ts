import { createHash } from 'node:crypto';
import type { ResolvedPack } from '../api/clusterprofile.js';

/**
 * `sha256:<hex>` of the lock's canonical JSON: the same lock always has the same revision, whatever
 * the key order or unset fields of the objects it was built from, so a changed revision means a
 * changed lock (and is what the reconciler compares to emit events and set lastResolvedTime).
 */
export function lockRevision(resolved: readonly ResolvedPack[]): string {
  return `sha256:${createHash('sha256').update(canonicalJson(resolved)).digest('hex')}`;
}

/** JSON with object keys sorted and undefined properties left out, so equal values print equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
