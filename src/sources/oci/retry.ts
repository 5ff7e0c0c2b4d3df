import { STATUS_CODES } from 'node:http';
import { plural } from '../../api/plural.js';
import { exponentialDelay } from '../../controller/backoff.js';
import type { HttpResponse } from '../http-client.js';
import { bodyExcerpt, parseRetryAfter, safeUrl, statusError, type RequestContext } from '../http-errors.js';
import { SourceError } from '../source-error.js';

type Body = Extract<HttpResponse, { notModified: false }>;

/** Statuses a registry or its token service may answer for a moment: retried in place. */
export const RETRYABLE = [429, 500, 502, 503, 504] as const;
const MAX_RETRIES = 3;
/** Waits a sync will sit out in place; a longer Retry-After fails the sync with RateLimited instead. */
const MAX_INLINE_WAIT_MS = 10_000;

/**
 * Sends a request (which must return RETRYABLE statuses, not throw them) until it gets another
 * status: up to 3 retries, waiting Retry-After or 0.5, 1, 2 s, never past `deadline`. A status still
 * retryable after that is the error: RateLimited for 429/503 or a Retry-After, else FetchFailed.
 */
export async function withRetries<T extends Body>(
  send: () => Promise<T>,
  what: { method: string; url: string; deadline: number; prefix?: string },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const res = await send();
    if (!(RETRYABLE as readonly number[]).includes(res.status)) return res;
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    const wait = retryAfterMs ?? exponentialDelay(attempt, 500);
    if (attempt >= MAX_RETRIES || wait > MAX_INLINE_WAIT_MS || wait >= what.deadline - Date.now()) {
      throw busy(what.method, what.url, res, retryAfterMs, attempt, what.prefix);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** 429, or a 5xx with Retry-After, is RateLimited; another 5xx is a plain failure. */
function busy(
  method: string,
  url: string,
  res: Body,
  retryAfterMs: number | undefined,
  retries: number,
  prefix = '',
): SourceError {
  const tries = retries > 0 ? ` (after ${plural(retries, 'retry', 'retries')})` : '';
  if (res.status !== 429 && res.status !== 503 && retryAfterMs === undefined) {
    const ctx: RequestContext = { method, url, timeoutMs: 0, connectTimeoutMs: 0 };
    const e = statusError(ctx, res.status, res.headers, bodyExcerpt(res.body));
    return new SourceError(e.reason, `${prefix}${e.message}${tries}`, e.retryAfterMs);
  }
  const when = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)}s)`;
  return new SourceError(
    'RateLimited',
    `${prefix}${method} ${safeUrl(url)}: HTTP ${res.status} ${STATUS_CODES[res.status] ?? ''}${when}${tries}`,
    retryAfterMs,
  );
}
