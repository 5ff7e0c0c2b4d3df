import type { PackRegistryReason } from '../api/packregistry-reasons.js';
import type { RECONCILIATION_FAILED } from '../api/reasons.js';

/** Why a sync failed, as it appears in the registry's Ready condition (see PACKREGISTRY_REASONS). */
export type SyncFailureReason = Exclude<PackRegistryReason, 'Synced' | 'Unsupported' | typeof RECONCILIATION_FAILED>;

/** A failure talking to a registry, classified so status can say precisely what went wrong. */
export class SourceError extends Error {
  constructor(
    readonly reason: SyncFailureReason,
    message: string,
    /** When the server said when to come back (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
