import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { request } from 'undici';
import { agentFor, type TlsOptions } from './http-agents.js';
import {
  bodyExcerpt,
  formatBytes,
  isConnectionDrop,
  redact,
  safeUrl,
  secretsOf,
  statusError,
  transportError,
  type RequestContext,
} from './http-errors.js';
import { SourceError } from './source-error.js';

export type { TlsOptions } from './http-agents.js';
export { closeHttpAgents } from './http-agents.js';

export type HttpAuth = { username: string; password: string } | { token: string };

export interface HttpGetOptions {
  /** GET and HEAD for reading; POST, PUT and PATCH (with `body`) for the OCI client's uploads. */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  /** What POST/PUT/PATCH send; a 307/308 redirect sends it again. */
  body?: Buffer;
  /** Whole exchange, redirects and body included. Default 60 s (PackRegistry's default timeout). */
  timeoutMs?: number;
  /** TCP + TLS handshake. Default 10 s, never more than timeoutMs. */
  connectTimeoutMs?: number;
  /** Largest body accepted, after decompression. Default 64 MiB (PackRegistry's default maxIndexSize). */
  maxBytes?: number;
  /** Cancels the request; its reason is rethrown as is (cancellation is not a source failure). */
  signal?: AbortSignal;
  auth?: HttpAuth;
  tls?: TlsOptions;
  /** Conditional GET: validators from the previous response. */
  etag?: string;
  lastModified?: string;
  accept?: string;
  headers?: Record<string, string>;
  /** Default 5. */
  maxRedirects?: number;
  /** Error statuses returned as responses instead of thrown (the OCI client reads 401 challenges). */
  allowStatus?: readonly number[];
}

interface ResponseMeta {
  status: number;
  etag?: string;
  lastModified?: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The URL that answered, after redirects. */
  finalUrl: string;
}

export type HttpResponse =
  | (ResponseMeta & { notModified: true })
  | (ResponseMeta & { notModified: false; body: Buffer; contentType?: string; sha256: string });

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const USER_AGENT = 'packyard/0.1';
type HttpMethod = NonNullable<HttpGetOptions['method']>;
const EXCERPT_BYTES = 4096;
const DROP_RETRY_DELAY_MS = 250;

/**
 * One HTTP(S) request (GET or HEAD; POST/PUT/PATCH for uploads) with the limits a registry client needs. Every failure is a SourceError
 * whose reason the registry's status can show, and whose message names no credential.
 */
export async function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpResponse> {
  const method = opts.method ?? 'GET';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ctx: RequestContext = {
    method,
    url,
    timeoutMs,
    connectTimeoutMs: Math.min(opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, timeoutMs),
    authKind: opts.auth ? ('token' in opts.auth ? 'bearer' : 'basic') : undefined,
  };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const startedAt = Date.now();
  let dropped: SourceError | undefined;
  for (let attempt = 0; ; attempt++) {
    ctx.url = url; // follow() moves it along redirects, for messages
    try {
      return await follow(ctx, opts, signal);
    } catch (err) {
      if (opts.signal?.aborted && !timeout.aborted) throw opts.signal.reason;
      // A connection dropped mid-exchange (reset, closed, body cut short) is often one bad socket or a
      // proxy's hiccup: a read is sent once more before the sync fails for it and waits a backoff.
      const left = timeoutMs - (Date.now() - startedAt);
      if (
        attempt === 0 &&
        (method === 'GET' || method === 'HEAD') &&
        !timeout.aborted &&
        isConnectionDrop(err) &&
        left > 2 * DROP_RETRY_DELAY_MS
      ) {
        dropped = transportError(ctx, err, false);
        await new Promise((r) => setTimeout(r, DROP_RETRY_DELAY_MS));
        continue;
      }
      // A resend that only ran out of time says less than the drop that caused it: report the drop.
      const e = dropped && timeout.aborted ? dropped : transportError(ctx, err, timeout.aborted);
      throw new SourceError(e.reason, redact(e.message, secretsOf(opts.auth)), e.retryAfterMs);
    }
  }
}

async function follow(ctx: RequestContext, opts: HttpGetOptions, signal: AbortSignal): Promise<HttpResponse> {
  let current = new URL(ctx.url);
  if (current.username || current.password) {
    throw new SourceError('FetchFailed', `${safeUrl(current)}: credentials in the URL are not supported; use a Secret`);
  }
  const origin = current.origin;
  const maxRedirects = opts.maxRedirects ?? 5;
  const dispatcher = agentFor(opts.tls, ctx.connectTimeoutMs);
  for (let redirects = 0; ; redirects++) {
    ctx.url = current.href;
    // Credentials belong to the origin they were configured for; a redirect elsewhere goes without.
    const headers = requestHeaders(opts, current.origin === origin);
    const res = await request(current, {
      method: ctx.method as HttpMethod,
      headers,
      dispatcher,
      signal,
      ...(opts.body && { body: opts.body }),
    });
    const status = res.statusCode;
    const hdrs = flatten(res.headers);
    const meta = {
      status,
      etag: hdrs.etag,
      lastModified: hdrs['last-modified'],
      headers: hdrs,
      finalUrl: current.href,
    };

    // An upload follows only the redirects that keep its method and body (307, 308).
    const redirect = ctx.method === 'GET' || ctx.method === 'HEAD' ? [301, 302, 303, 307, 308] : [307, 308];
    if (redirect.includes(status) && hdrs.location) {
      await res.body.dump();
      if (redirects >= maxRedirects) {
        throw new SourceError(
          'FetchFailed',
          `${ctx.method} ${safeUrl(ctx.url)}: too many redirects (more than ${maxRedirects})`,
        );
      }
      current = nextLocation(ctx, current, hdrs.location);
      continue;
    }
    if (status === 304) {
      await res.body.dump();
      return {
        ...meta,
        notModified: true,
        etag: meta.etag ?? opts.etag,
        lastModified: meta.lastModified ?? opts.lastModified,
      };
    }
    const gzip = isGzip(ctx, hdrs['content-encoding']);
    if ((status < 200 || status > 299) && !opts.allowStatus?.includes(status)) {
      throw statusError(ctx, status, hdrs, await excerpt(res.body, gzip));
    }
    if (ctx.method === 'HEAD') {
      await res.body.dump();
      return {
        ...meta,
        notModified: false,
        body: Buffer.alloc(0),
        contentType: hdrs['content-type'],
        sha256: sha256(Buffer.alloc(0)),
      };
    }
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const declared = Number(hdrs['content-length']);
    if (declared > maxBytes) {
      // undici reports a destroyed body as an 'error' event; with no listener that would crash the process.
      res.body.on('error', () => {});
      res.body.destroy();
      throw tooLarge(ctx, maxBytes, `Content-Length is ${declared} bytes`);
    }
    const body = await readBody(res.body, gzip, maxBytes, () =>
      tooLarge(ctx, maxBytes, gzip ? 'after gzip decompression' : 'streamed'),
    );
    return { ...meta, notModified: false, body, contentType: hdrs['content-type'], sha256: sha256(body) };
  }
}

function requestHeaders(opts: HttpGetOptions, withCredentials: boolean): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': USER_AGENT };
  if (opts.accept) h.accept = opts.accept;
  if ((opts.method ?? 'GET') === 'GET') h['accept-encoding'] = 'gzip';
  if (opts.etag) h['if-none-match'] = opts.etag;
  if (opts.lastModified) h['if-modified-since'] = opts.lastModified;
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    const name = k.toLowerCase();
    if (!withCredentials && (name === 'authorization' || name === 'cookie')) continue;
    h[name] = v;
  }
  if (withCredentials && opts.auth) {
    h.authorization =
      'token' in opts.auth
        ? `Bearer ${opts.auth.token}`
        : `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`;
  }
  return h;
}

function nextLocation(ctx: RequestContext, from: URL, location: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new SourceError('FetchFailed', `${ctx.method} ${safeUrl(from)}: redirect to an invalid Location`);
  }
  const where = `${ctx.method} ${safeUrl(from)}: redirect to ${safeUrl(next)}`;
  if (next.protocol !== 'https:' && next.protocol !== 'http:')
    throw new SourceError('FetchFailed', `${where} refused: not HTTP(S)`);
  // A downgrade would hand the content (and any later credentials) to the network in clear text.
  if (from.protocol === 'https:' && next.protocol === 'http:')
    throw new SourceError('FetchFailed', `${where} refused: https to http`);
  next.username = '';
  next.password = '';
  return next;
}

function isGzip(ctx: RequestContext, encoding: string | undefined): boolean {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return false;
  if (enc === 'gzip' || enc === 'x-gzip') return true;
  throw new SourceError(
    'FetchFailed',
    `${ctx.method} ${safeUrl(ctx.url)}: unsupported Content-Encoding ${JSON.stringify(enc)}`,
  );
}

/**
 * Reads the body, decompressing if needed; past maxBytes it fails with `tooLarge()`, or, without
 * it, stops and keeps what it has. Counting decompressed bytes is what defuses a gzip bomb.
 */
async function readBody(
  body: Readable,
  gzip: boolean,
  maxBytes: number,
  tooLarge?: () => SourceError,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const collect = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      if (total + chunk.length > maxBytes) {
        if (tooLarge) throw tooLarge();
        chunks.push(chunk.subarray(0, maxBytes - total));
        total = maxBytes;
        return;
      }
      total += chunk.length;
      chunks.push(chunk);
    }
  };
  try {
    await (gzip ? pipeline(body, createGunzip(), collect) : pipeline(body, collect));
  } catch (err) {
    if (tooLarge || total === 0) throw err;
  }
  return Buffer.concat(chunks, total);
}

/** The start of an error body, for the message; it never fails the request on its own. */
async function excerpt(body: Readable, gzip: boolean): Promise<string> {
  try {
    return bodyExcerpt(await readBody(body, gzip, EXCERPT_BYTES));
  } catch {
    return '';
  }
}

function tooLarge(ctx: RequestContext, maxBytes: number, how: string): SourceError {
  return new SourceError(
    'IndexTooLarge',
    `${ctx.method} ${safeUrl(ctx.url)}: response is larger than the limit of ${formatBytes(maxBytes)} (${how})`,
  );
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
