import { request } from 'undici';
import { agentFor } from '../http-agents.js';
import { httpGet, type HttpAuth, type HttpResponse, type TlsOptions } from '../http-client.js';
import { bodyExcerpt, redact, safeUrl, transportError } from '../http-errors.js';
import { credentialKey } from '../single-flight.js';
import { SourceError } from '../source-error.js';
import { isLoopback } from './reference.js';
import { Lru } from './lru.js';
import { RETRYABLE, withRetries } from './retry.js';

export type HttpGetFn = typeof httpGet;

/** What a registry's Bearer challenge asks for. */
export interface TokenScope {
  realm: string;
  service?: string;
  /** e.g. `repository:charts/podinfo:pull`, `registry:catalog:*`. */
  scopes: string[];
}

export interface TokenCredentials {
  /** username/password are sent to the realm (basic); a bare token never goes there (it is the bearer itself). */
  auth?: HttpAuth;
  /** A .dockerconfigjson identitytoken: an OAuth2 refresh token, exchanged by POST (docker's token spec). */
  identityToken?: string;
}

export interface TokenRequestOptions {
  tls?: TlsOptions;
  timeoutMs: number;
  signal?: AbortSignal;
  http?: HttpGetFn;
  /** Where the credentials come from, for a 401's message (see OciClientOptions). */
  credentialSource?: { configured: string; missing: string };
}

type Body = Extract<HttpResponse, { notModified: false }>;

/** Tokens are small; anything bigger is not a token response. */
const MAX_TOKEN_RESPONSE = 1024 * 1024;
/** The token spec's default when a response omits expires_in. */
const DEFAULT_EXPIRES_IN_S = 60;
const CLIENT_ID = 'packyard';

/**
 * Bearer tokens from a registry's token service (the distribution token spec), cached per
 * (realm, service, scopes, credentials) until just before `expires_in`: a re-sync of a hundred
 * repositories asks for no token it already holds. A realm answering 429/5xx is retried as the
 * registry is; every failure names the token service, so a status says which of the two failed.
 */
export class TokenService {
  readonly #cache: Lru<string, string>;

  constructor(maxEntries = 4096, now: () => number = Date.now) {
    this.#cache = new Lru(maxEntries, now);
  }

  async token(scope: TokenScope, creds: TokenCredentials, opts: TokenRequestOptions): Promise<string> {
    const key = this.#key(scope, creds, opts.tls);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    checkRealm(scope.realm);
    const deadline = Date.now() + opts.timeoutMs;
    const send = creds.identityToken
      ? () => this.#refresh(scope, creds.identityToken!, opts, deadline)
      : () => this.#get(scope, creds.auth, opts, deadline);
    const prefix = `token service ${safeUrl(scope.realm)}: `;
    let res: Body;
    try {
      res = await withRetries(send, {
        method: creds.identityToken ? 'POST' : 'GET',
        url: scope.realm,
        deadline,
        prefix,
      });
    } catch (err) {
      if (!(err instanceof SourceError) || err.message.startsWith(prefix)) throw err;
      throw new SourceError(err.reason, `${prefix}${err.message}`, err.retryAfterMs);
    }
    if (res.status === 401 || res.status === 403) throw refused(scope.realm, res, creds, opts.credentialSource);
    const { token, expiresInS } = parseTokenResponse(res.body, scope.realm);
    // Renew a little early: a token that expires in flight fails a request for nothing.
    const ttlMs = expiresInS * 1000 - Math.min(10_000, expiresInS * 100);
    if (ttlMs > 0) this.#cache.set(key, token, ttlMs);
    return token;
  }

  /** Forgets a token the registry refused (revoked, or issued for fewer rights than asked). */
  invalidate(scope: TokenScope, creds: TokenCredentials, tls?: TlsOptions): void {
    this.#cache.delete(this.#key(scope, creds, tls));
  }

  #key(scope: TokenScope, creds: TokenCredentials, tls?: TlsOptions): string {
    const who = creds.identityToken ? { token: `identity:${creds.identityToken}` } : creds.auth;
    return JSON.stringify([scope.realm, scope.service ?? '', [...scope.scopes].sort(), credentialKey(who, tls)]);
  }

  async #get(
    scope: TokenScope,
    auth: HttpAuth | undefined,
    opts: TokenRequestOptions,
    deadline: number,
  ): Promise<Body> {
    const url = new URL(scope.realm);
    if (scope.service) url.searchParams.set('service', scope.service);
    for (const s of scope.scopes) url.searchParams.append('scope', s);
    const basic = auth && 'username' in auth ? auth : undefined;
    if (basic) url.searchParams.set('account', basic.username);
    const res = await (opts.http ?? httpGet)(url.href, {
      auth: basic,
      tls: opts.tls,
      timeoutMs: remaining(deadline, scope.realm),
      signal: opts.signal,
      maxBytes: MAX_TOKEN_RESPONSE,
      accept: 'application/json',
      allowStatus: [401, 403, ...RETRYABLE],
    });
    return res.notModified ? { ...res, notModified: false, body: Buffer.alloc(0), sha256: '' } : res;
  }

  /** OAuth2 refresh-token grant: a POST, which httpGet does not do; errors are classified the same way. */
  async #refresh(scope: TokenScope, refreshToken: string, opts: TokenRequestOptions, deadline: number): Promise<Body> {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
    });
    if (scope.service) form.set('service', scope.service);
    if (scope.scopes.length) form.set('scope', scope.scopes.join(' '));
    const timeoutMs = remaining(deadline, scope.realm);
    const ctx = {
      method: 'POST',
      url: scope.realm,
      timeoutMs,
      connectTimeoutMs: Math.min(10_000, timeoutMs),
      authKind: 'identity token',
    };
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const res = await request(scope.realm, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': 'packyard/0.1',
        },
        body: form.toString(),
        dispatcher: agentFor(opts.tls, ctx.connectTimeoutMs),
        signal: opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout,
      });
      const body = await readLimited(res.body, MAX_TOKEN_RESPONSE);
      const headers = Object.fromEntries(
        Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      if ((res.statusCode < 200 || res.statusCode > 299) && ![401, 403, ...RETRYABLE].includes(res.statusCode)) {
        throw new SourceError(
          'FetchFailed',
          `POST ${safeUrl(scope.realm)}: HTTP ${res.statusCode}: ${bodyExcerpt(body)}`,
        );
      }
      return { status: res.statusCode, headers, finalUrl: scope.realm, notModified: false, body, sha256: '' };
    } catch (err) {
      if (opts.signal?.aborted && !timeout.aborted) throw opts.signal.reason;
      const e = transportError(ctx, err, timeout.aborted);
      throw new SourceError(e.reason, redact(e.message, [refreshToken]), e.retryAfterMs);
    }
  }
}

function remaining(deadline: number, realm: string): number {
  const left = deadline - Date.now();
  if (left <= 0)
    throw new SourceError('Timeout', `token service ${safeUrl(realm)}: no token within the sync's time budget`);
  return left;
}

/** The realm refused to issue a token: for these credentials (wrong, rotated, revoked), or for none. */
function refused(
  realm: string,
  res: Body,
  creds: TokenCredentials,
  source = { configured: 'from secretRef', missing: 'the PackRegistry has no secretRef' },
): SourceError {
  const line = `HTTP ${res.status} ${res.status === 401 ? 'Unauthorized' : 'Forbidden'}`;
  const detail = res.body.length ? `: ${bodyExcerpt(res.body)}` : '';
  const what =
    creds.auth || creds.identityToken
      ? `rejected the credentials ${source.configured}`
      : `issues no anonymous token and ${source.missing}`;
  const message = `token service ${safeUrl(realm)} ${what} (${line})${detail}`;
  return new SourceError(
    'AuthenticationFailed',
    creds.identityToken ? redact(message, [creds.identityToken]) : message,
  );
}

/** A realm gets credentials: never over plain http, except on this machine. */
function checkRealm(realm: string): void {
  const url = URL.parse(realm);
  if (!url || (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))) {
    throw new SourceError(
      'AuthenticationFailed',
      `the registry's token realm ${url ? safeUrl(url) : JSON.stringify(realm)} is not an https URL; refusing to send credentials to it`,
    );
  }
}

function parseTokenResponse(body: Buffer, realm: string): { token: string; expiresInS: number } {
  let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json;
  } catch {
    json = {};
  }
  const token = typeof json.token === 'string' && json.token ? json.token : json.access_token;
  if (typeof token !== 'string' || !token) {
    throw new SourceError('AuthenticationFailed', `token service ${safeUrl(realm)} answered without a token`);
  }
  const e = Number(json.expires_in);
  return { token, expiresInS: Number.isFinite(e) && e > 0 ? e : DEFAULT_EXPIRES_IN_S };
}

async function readLimited(body: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > max) throw new SourceError('IndexTooLarge', `token response is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
