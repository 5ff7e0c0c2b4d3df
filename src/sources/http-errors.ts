import { STATUS_CODES } from 'node:http';
import { redactUrl } from '../controller/redact-url.js';
import type { HttpAuth } from './http-client.js';
import { SourceError } from './source-error.js';

/** Longest wait a server's Retry-After may impose: a bogus header must not park a registry for days. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * A URL fit for messages and logs, as status.url shows it (redactUrl): no userinfo, and the values of
 * query parameters that carry credentials (a signed URL's `sig`, a `token`) replaced.
 */
export function safeUrl(url: string | URL): string {
  const text = String(url);
  return URL.canParse(text) ? redactUrl(text) : '<invalid URL>';
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`, clamped to [0, MAX_RETRY_AFTER_MS]. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  // An HTTP date always names a month; V8's Date.parse would otherwise accept "-5" as a year.
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : /[a-z]/i.test(v) ? Date.parse(v) - now : NaN;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n} ${units[i]}`;
}

/** What a failed request was, for messages. */
export interface RequestContext {
  method: string;
  url: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** 'basic' | 'bearer' | undefined: says whether a 401 means "wrong" or "missing" credentials. */
  authKind?: string;
}

const prefix = (c: RequestContext) => `${c.method} ${safeUrl(c.url)}`;

/** Maps an HTTP error status to the reason the registry's status will show. */
export function statusError(
  c: RequestContext,
  status: number,
  headers: Record<string, string>,
  excerpt: string,
): SourceError {
  const line = `${prefix(c)}: HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
  const detail = excerpt ? `: ${excerpt}` : '';
  if (status === 401 || status === 403) {
    const creds = c.authKind ? `${c.authKind} credentials were rejected` : 'no credentials were configured';
    return new SourceError('AuthenticationFailed', `${line} (${creds})${detail}`);
  }
  if (status === 404 || status === 410) return new SourceError('NotFound', `${line}${detail}`);
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    const when = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)}s)`;
    return new SourceError('RateLimited', `${line}${when}${detail}`, retryAfterMs);
  }
  return new SourceError('FetchFailed', `${line}${detail}`);
}

/** A short, single-line, printable excerpt of an error body. */
export function bodyExcerpt(body: Buffer, max = 200): string {
  const text = body
    .subarray(0, max * 4)
    .toString('utf8')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// OpenSSL verify codes, Node's TLS codes and OpenSSL alert codes all mean "TLS", not "network".
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|UND_ERR_PRX_TLS)/;
const UNTRUSTED =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/;
const CLIENT_CERT = /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/;

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response body shorter than its Content-Length',
};

type ErrorLike = { message: string; code?: unknown; reason?: string; cause?: unknown };

// Duck-typed: errors from Node's core are not `instanceof Error` inside a vm context such as jest's.
function errorChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (
    let e = err, depth = 0;
    typeof e === 'object' && e !== null && typeof (e as ErrorLike).message === 'string' && depth < 8;
    depth++
  ) {
    chain.push(e as ErrorLike);
    e = (e as ErrorLike).cause;
  }
  return chain;
}

/** The connection went away under a request that had started: reset, closed, or a body cut short. */
const DROPPED = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function isConnectionDrop(err: unknown): boolean {
  if (err instanceof SourceError) return false;
  return errorChain(err).some((e) => typeof e.code === 'string' && DROPPED.has(e.code));
}

/** Classifies a thrown transport error (not an HTTP status) into a SourceError. */
export function transportError(c: RequestContext, err: unknown, totalTimedOut: boolean): SourceError {
  if (err instanceof SourceError) return err;
  if (totalTimedOut) return new SourceError('Timeout', `${prefix(c)}: no complete response within ${c.timeoutMs} ms`);
  const chain = errorChain(err);
  const codes = chain.map((e) => (typeof e.code === 'string' ? e.code : '')).filter(Boolean);
  const tls = chain.find((e) => typeof e.code === 'string' && TLS_CODE.test(e.code));
  if (tls) return new SourceError('TLSError', `${prefix(c)}: ${tlsMessage(String(tls.code), tls)}`);
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT')) {
    return new SourceError('Timeout', `${prefix(c)}: could not connect within ${c.connectTimeoutMs} ms`);
  }
  if (codes.some((k) => k === 'UND_ERR_HEADERS_TIMEOUT' || k === 'UND_ERR_BODY_TIMEOUT')) {
    return new SourceError('Timeout', `${prefix(c)}: the server stopped responding`);
  }
  if (codes.some((k) => k.startsWith('Z_'))) {
    return new SourceError(
      'FetchFailed',
      `${prefix(c)}: gzip body is corrupt or truncated (${codes.find((k) => k.startsWith('Z_'))})`,
    );
  }
  const net = codes.find((k) => k in NETWORK);
  if (net) return new SourceError('FetchFailed', `${prefix(c)}: ${NETWORK[net]} (${net})`);
  const first = chain[0];
  const what = first ? `${first.message}${codes[0] ? ` (${codes[0]})` : ''}` : String(err);
  return new SourceError('FetchFailed', `${prefix(c)}: ${what}`);
}

function tlsMessage(code: string, e: ErrorLike): string {
  if (UNTRUSTED.test(code))
    return `server certificate is not signed by a trusted CA (${code}); set tls.caSecretRef to the CA that issued it`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `server certificate is outside its validity period (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return `server certificate does not match the host: ${e.reason ?? e.message} (${code})`;
  }
  if (code === 'ERR_TLS_CLOSED_AFTER_HANDSHAKE') {
    return 'the server closed the connection right after the TLS handshake without a response; it probably rejected the client certificate (tls.clientCertSecretRef)';
  }
  if (CLIENT_CERT.test(code)) {
    return `the server refused the TLS handshake; it may require a client certificate (tls.clientCertSecretRef) or reject the one sent (${code})`;
  }
  return `TLS handshake failed: ${e.message} (${code})`;
}

/** Replaces every occurrence of the given secrets; the last line of defence for messages. */
export function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** What must never appear in a message about a request sent with `auth`: the secret and its encoded header. */
export function secretsOf(auth: HttpAuth | undefined): string[] {
  if (!auth) return [];
  if ('token' in auth) return [auth.token];
  return [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64')];
}

/** Every credential value of a registry (its auth, a .dockerconfigjson identity token) as a message could quote it. */
export function credentialSecrets(credentials: { auth?: HttpAuth; identityToken?: string } | undefined): string[] {
  return [...secretsOf(credentials?.auth), ...(credentials?.identityToken ? [credentials.identityToken] : [])];
}
