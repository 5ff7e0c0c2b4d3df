import type { VersionVerification } from '../../api/verification.js';
import { SourceError } from '../source-error.js';

/** Longest reason a version records; the rest of a hostile message is cut. */
const MAX_REASON = 512;

export const verified = (signer: string, method: string): VersionVerification => ({
  state: 'Verified',
  signer,
  method,
});
export const unsigned = (reason: string): VersionVerification => ({ state: 'Unsigned', reason: clip(reason) });
export const failed = (reason: string, method?: string): VersionVerification => ({
  state: 'Failed',
  ...(method && { method }),
  reason: clip(reason),
});

/**
 * What a signature's content may do to a version: a malformed, oversized or mismatching signature
 * fails the version. A network fault (timeout, 5xx, auth) is no statement about the version: it fails
 * the sync instead, which keeps the last catalogue.
 */
export function contentFault(err: unknown): string | undefined {
  if (err instanceof SourceError && ['InvalidIndex', 'IndexTooLarge', 'PackTooLarge'].includes(err.reason))
    return err.message;
  if (err instanceof SyntaxError || err instanceof TypeError || err instanceof RangeError) return err.message;
  return undefined;
}

export function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON - 1)}…` : oneLine;
}
