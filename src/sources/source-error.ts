/** Why a sync failed, as it appears in the registry's Ready condition. */
export type SyncFailureReason =
  | 'AuthenticationFailed'
  | 'NotFound'
  | 'TLSError'
  | 'Timeout'
  | 'RateLimited'
  | 'IndexTooLarge'
  | 'InvalidIndex'
  | 'FetchFailed'
  | 'SecretNotFound'
  | 'PackTooLarge';

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
