import { createHash } from 'node:crypto';
import { httpGet, type HttpAuth, type HttpGetOptions, type HttpResponse, type TlsOptions } from '../http-client.js';
import { bodyExcerpt, credentialSecrets, redact, safeUrl, secretsOf } from '../http-errors.js';
import { SourceError } from '../source-error.js';
import { preferredChallenge, type AuthChallenge } from './auth-challenge.js';
import { nextLink } from './link-header.js';
import { MANIFEST_ACCEPT, OCI_INDEX } from './media-types.js';
import { RETRYABLE, withRetries } from './retry.js';
import type { HttpGetFn, TokenCredentials, TokenService } from './token-service.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** An image manifest or index, as far as a catalogue needs it. */
export interface Manifest {
  schemaVersion?: number;
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}

export interface OciClientOptions {
  /** `https://host[:port]` (or http for loopback, see parseOciUrl). */
  origin: string;
  credentials?: TokenCredentials;
  tls?: TlsOptions;
  /** Budget of the whole sync: every request gets what is left of it. */
  timeoutMs: number;
  signal?: AbortSignal;
  tokens: TokenService;
  /** Largest list page or blob accepted (PackRegistry spec.maxIndexSize). */
  maxBytes?: number;
  /** `n` of catalog and tag listings. Distribution refuses a catalog `n` above 1000 by default. */
  pageSize?: number;
  /** httpGet, or a wrapper (tests count requests through it). */
  http?: HttpGetFn;
  /**
   * Where credentials come from, for a 401's message: the operator's default names the PackRegistry's
   * secretRef; the CLI names its own sources (docker config, environment).
   */
  credentialSource?: { configured: string; missing: string };
}

/** How a push sends a blob: at once, or in PATCH chunks of `chunkSize` bytes. */
export interface BlobUploadOptions {
  /** Send chunks of this many bytes; undefined sends the blob in one PUT, chunked only when the registry refuses it (413). */
  chunkSize?: number;
}

type Body = Extract<HttpResponse, { notModified: false }>;

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024; // the distribution spec's limit registries should accept
const MAX_PAGES = 10_000;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** Chunk size when a registry refuses a blob in one request and says no minimum (OCI-Chunk-Min-Length). */
const FALLBACK_CHUNK_BYTES = 5 * 1024 * 1024;

/**
 * A client of the OCI distribution API for one registry and one sync. Authentication follows the
 * registry's `WWW-Authenticate` challenge, learnt from the `/v2/` ping: Basic gets the username and
 * password, Bearer a token from the realm for each request's scope (cached in the shared
 * TokenService). A stale token is renewed once; a second 401 is AuthenticationFailed.
 */
export class OciClient {
  readonly origin: string;
  readonly #o: OciClientOptions;
  readonly #deadline: number;
  readonly #http: HttpGetFn;
  /** undefined: not pinged yet; null: the registry asked for no credentials. */
  #challenge: AuthChallenge | null | undefined;

  constructor(opts: OciClientOptions) {
    this.#o = opts;
    this.origin = opts.origin.replace(/\/+$/, '');
    this.#deadline = Date.now() + opts.timeoutMs;
    this.#http = opts.http ?? httpGet;
  }

  /** `GET /v2/`: checks the registry speaks the API and learns how it wants to be authenticated. */
  async ping(): Promise<void> {
    await this.#send(`${this.origin}/v2/`, undefined, { accept: 'application/json', maxBytes: 64 * 1024 });
    this.#challenge ??= null;
  }

  /** Every repository, through `_catalog` pages. */
  catalog(): Promise<string[]> {
    return this.#paginate('/v2/_catalog', 'registry:catalog:*', 'repositories');
  }

  /** Every tag of a repository, through `tags/list` pages. */
  tags(repository: string): Promise<string[]> {
    return this.#paginate(`/v2/${repository}/tags/list`, pullScope(repository), 'tags');
  }

  /** The manifest digest of a tag, from a HEAD's `Docker-Content-Digest`; a GET when a registry omits it. */
  async manifestDigest(repository: string, reference: string): Promise<string> {
    const res = await this.#send(this.#manifestUrl(repository, reference), pullScope(repository), {
      method: 'HEAD',
      accept: MANIFEST_ACCEPT,
    });
    const digest = res.headers['docker-content-digest']?.trim();
    if (digest && DIGEST.test(digest)) return digest;
    return (await this.manifest(repository, reference)).digest;
  }

  /** A manifest by tag or digest; its digest is the sha256 of the bytes received, checked against a digest reference. */
  async manifest(repository: string, reference: string): Promise<{ digest: string; manifest: Manifest }> {
    const url = this.#manifestUrl(repository, reference);
    const res = await this.#send(url, pullScope(repository), { accept: MANIFEST_ACCEPT, maxBytes: MAX_MANIFEST_BYTES });
    const digest = `sha256:${res.sha256}`;
    const claimed = DIGEST.test(reference) ? reference : res.headers['docker-content-digest']?.trim();
    if (claimed?.startsWith('sha256:') && claimed !== digest) {
      throw new SourceError(
        'InvalidIndex',
        `GET ${safeUrl(url)}: manifest content does not match digest ${claimed} (got ${digest})`,
      );
    }
    const manifest = parseJson(res.body, `GET ${safeUrl(url)}`) as Manifest;
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
      throw new SourceError('InvalidIndex', `GET ${safeUrl(url)}: a manifest must be a JSON object`);
    }
    manifest.mediaType ??= res.contentType?.split(';')[0]?.trim();
    return { digest, manifest };
  }

  /**
   * Descriptors of the manifests that refer to `digest` (OCI 1.1 `subject`): from the referrers API, or,
   * on a registry without it (404, 400, 405), from the index clients keep under the `sha256-<hex>` tag
   * instead (the tag schema fallback). One listing, never followed further, so a loop cannot form.
   */
  async referrers(repository: string, digest: string): Promise<Descriptor[]> {
    if (!DIGEST.test(digest))
      throw new SourceError('InvalidIndex', `${repository}: ${JSON.stringify(digest)} is not a digest`);
    const url = `${this.origin}/v2/${repository}/referrers/${digest}`;
    const res = await this.#send(url, pullScope(repository), {
      accept: OCI_INDEX,
      maxBytes: MAX_MANIFEST_BYTES,
      allowStatus: [400, 404, 405],
    });
    let index: Manifest | undefined;
    if (res.status >= 200 && res.status < 300) {
      index = parseJson(res.body, `GET ${safeUrl(url)}`) as Manifest;
    } else {
      try {
        index = (await this.manifest(repository, digest.replace(':', '-'))).manifest;
      } catch (err) {
        if (err instanceof SourceError && err.reason === 'NotFound') return [];
        throw err;
      }
    }
    const list = typeof index === 'object' && index !== null ? index.manifests : undefined;
    if (list === undefined) return [];
    if (
      !Array.isArray(list) ||
      !list.every((d) => typeof d === 'object' && d !== null && typeof d.digest === 'string')
    ) {
      throw new SourceError('InvalidIndex', `${repository}: the referrers of ${digest} are not a list of descriptors`);
    }
    return list;
  }

  /** A blob, refused above `maxBytes` before download, and verified against its digest and size. */
  async blob(
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    maxBytes = this.#o.maxBytes,
  ): Promise<Buffer> {
    const { digest, size } = descriptor;
    const url = `${this.origin}/v2/${repository}/blobs/${digest}`;
    if (typeof digest !== 'string' || !DIGEST.test(digest)) {
      throw new SourceError(
        'InvalidIndex',
        `${repository}: unsupported or malformed blob digest ${JSON.stringify(digest)}`,
      );
    }
    if (maxBytes !== undefined && size > maxBytes) {
      throw new SourceError(
        'IndexTooLarge',
        `${repository}@${digest}: blob of ${size} bytes is larger than the limit of ${maxBytes} bytes`,
      );
    }
    const res = await this.#send(url, pullScope(repository), { maxBytes });
    const [algorithm] = digest.split(':') as ['sha256' | 'sha512'];
    const actual = `${algorithm}:${algorithm === 'sha256' ? res.sha256 : createHash(algorithm).update(res.body).digest('hex')}`;
    if (actual !== digest || (Number.isSafeInteger(size) && size >= 0 && res.body.length !== size)) {
      throw new SourceError(
        'InvalidIndex',
        `GET ${safeUrl(url)}: blob content does not match its descriptor (expected ${digest}, ${size} bytes; got ${actual}, ${res.body.length} bytes)`,
      );
    }
    return res.body;
  }

  /** Whether the repository holds a blob: a push sends nothing the registry already has. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const url = `${this.origin}/v2/${repository}/blobs/${digest}`;
    const res = await this.#send(url, pushScope(repository), { method: 'HEAD', allowStatus: [404] });
    return res.status >= 200 && res.status < 300;
  }

  /**
   * Uploads a blob (POST for a session, then PUT with the digest): in one request, or in PATCH chunks
   * when asked, when the registry names a minimum chunk size, or when it refuses the one request with
   * 413 (a proxy's body limit), in which case the upload starts again in chunks.
   */
  async pushBlob(repository: string, blob: Buffer, opts: BlobUploadOptions = {}): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const start = async () => {
      const res = await this.#send(`${this.origin}/v2/${repository}/blobs/uploads/`, pushScope(repository), {
        method: 'POST',
        body: Buffer.alloc(0),
        allowStatus: [413],
      });
      if (res.status === 413) throw tooLarge('POST', res.finalUrl, blob.length, undefined, res);
      const min = Number(res.headers['oci-chunk-min-length']);
      return { location: this.#uploadLocation(res), minChunk: Number.isSafeInteger(min) && min > 0 ? min : undefined };
    };
    let session = await start();
    let chunkSize = opts.chunkSize ?? session.minChunk;
    if (chunkSize === undefined) {
      const done = await this.#finishUpload(repository, session.location, digest, blob, [413]);
      if (done.status !== 413) return this.#checkDigest(done, digest);
      session = await start();
      chunkSize = session.minChunk ?? Math.min(FALLBACK_CHUNK_BYTES, Math.max(1, Math.ceil(blob.length / 2)));
    }
    if (session.minChunk !== undefined) chunkSize = Math.max(chunkSize, session.minChunk);
    let location = session.location;
    for (let offset = 0; offset < blob.length; offset += chunkSize) {
      const chunk = blob.subarray(offset, offset + chunkSize);
      const res = await this.#send(location, pushScope(repository), {
        method: 'PATCH',
        body: chunk,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + chunk.length - 1}`,
        },
        allowStatus: [413, 416],
      });
      if (res.status === 413) throw tooLarge('PATCH', location, blob.length, chunk.length, res);
      if (res.status === 416)
        throw new SourceError(
          'FetchFailed',
          `PATCH ${safeUrl(location)}: HTTP 416: the registry lost track of the upload (${bodyExcerpt(res.body)})`,
        );
      location = this.#uploadLocation(res);
    }
    return this.#checkDigest(await this.#finishUpload(repository, location, digest, Buffer.alloc(0), []), digest);
  }

  /** PUTs a manifest under a tag; returns its digest (the sha256 of the bytes sent). */
  async putManifest(repository: string, reference: string, manifest: Buffer, mediaType: string): Promise<string> {
    const url = this.#manifestUrl(repository, reference);
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const res = await this.#send(url, pushScope(repository), {
      method: 'PUT',
      body: manifest,
      headers: { 'content-type': mediaType },
      allowStatus: [413],
    });
    if (res.status === 413) throw tooLarge('PUT', url, manifest.length, undefined, res);
    return this.#checkDigest(res, digest);
  }

  /** The PUT that closes an upload session with the blob's digest (and the last bytes, if any). */
  #finishUpload(
    repository: string,
    location: string,
    digest: string,
    body: Buffer,
    allowStatus: number[],
  ): Promise<Body> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    return this.#send(url.href, pushScope(repository), {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/octet-stream' },
      allowStatus,
    });
  }

  /** The upload session's next URL, from Location (relative or absolute); never another host, which would get our credentials. */
  #uploadLocation(res: Body): string {
    const location = res.headers.location;
    if (!location)
      throw new SourceError(
        'FetchFailed',
        `${safeUrl(res.finalUrl)}: the registry started an upload without a Location`,
      );
    const url = new URL(location, res.finalUrl);
    if (url.origin !== this.origin) {
      throw new SourceError(
        'FetchFailed',
        `${safeUrl(res.finalUrl)}: the registry sends the upload to another host (${url.origin}); not supported`,
      );
    }
    return url.href;
  }

  #checkDigest(res: Body, digest: string): string {
    const stored = res.headers['docker-content-digest']?.trim();
    if (stored && stored !== digest) {
      throw new SourceError(
        'InvalidIndex',
        `${safeUrl(res.finalUrl)}: the registry stored ${stored}, not the ${digest} sent`,
      );
    }
    return digest;
  }

  #manifestUrl(repository: string, reference: string): string {
    if (!TAG.test(reference) && !DIGEST.test(reference))
      throw new SourceError('InvalidIndex', `${repository}: ${JSON.stringify(reference)} is not a tag or digest`);
    return `${this.origin}/v2/${repository}/manifests/${reference}`;
  }

  async #paginate(path: string, scope: string, field: 'repositories' | 'tags'): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    let url: string | undefined = `${this.origin}${path}?n=${this.#o.pageSize ?? 1000}`;
    while (url) {
      if (seen.has(url) || seen.size >= MAX_PAGES) {
        throw new SourceError(
          'InvalidIndex',
          `GET ${safeUrl(url)}: pagination does not end (a Link loop, or more than ${MAX_PAGES} pages)`,
        );
      }
      seen.add(url);
      const res = await this.#send(url, scope, { accept: 'application/json', maxBytes: this.#o.maxBytes });
      const list = (parseJson(res.body, `GET ${safeUrl(url)}`) as Record<string, unknown> | null)?.[field] ?? [];
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
        throw new SourceError('InvalidIndex', `GET ${safeUrl(url)}: expected {"${field}": [strings]}`);
      }
      out.push(...list);
      url = nextLink(res.headers.link, res.finalUrl);
      if (url && new URL(url).origin !== this.origin) {
        throw new SourceError(
          'InvalidIndex',
          `GET ${safeUrl(res.finalUrl)}: the next page is on another host (${safeUrl(url)})`,
        );
      }
    }
    return out;
  }

  /** One request, authenticated as the registry's challenge asks, 429/5xx retried within the budget. */
  async #send(url: string, scope: string | undefined, opts: HttpGetOptions): Promise<Body> {
    let learned = false;
    let renewed = false;
    let auth: HttpAuth | undefined;
    try {
      for (;;) {
        auth = await this.#authFor(scope);
        const res = await this.#withRetries(url, opts, auth);
        if (res.status !== 401) return res;
        const challenge = preferredChallenge(res.headers['www-authenticate']);
        // A 401 to a request without credentials teaches the challenge (no ping yet); one to a token
        // says it went stale (expired early, revoked): each gets its own second try, since a cached
        // token can be stale right after the challenge was learnt (the ping of every sync).
        const learn = !auth && !learned;
        const renew = !!auth && !renewed && challenge?.scheme === 'bearer';
        if (challenge && (learn || renew)) {
          if (learn) learned = true;
          else renewed = true;
          if (renew && this.#challenge?.scheme === 'bearer')
            this.#o.tokens.invalidate(this.#tokenScope(scope), this.#creds(), this.#o.tls);
          // The challenge's own scope names this request only; each request asks for its own scope.
          this.#challenge = {
            scheme: challenge.scheme,
            params: { realm: challenge.params.realm ?? '', service: challenge.params.service ?? '' },
          };
          continue;
        }
        throw this.#unauthorized(url, opts.method ?? 'GET', res, challenge);
      }
    } catch (err) {
      throw this.#redacted(err, auth);
    }
  }

  /**
   * A registry or its token service may echo what it was sent (the Authorization header) in the body
   * of a 401 or 5xx, which messages quote: no credential, nor the bearer token, may reach a status.
   */
  #redacted(err: unknown, sent: HttpAuth | undefined): unknown {
    if (!(err instanceof SourceError)) return err;
    const message = redact(err.message, [...credentialSecrets(this.#o.credentials), ...secretsOf(sent)]);
    return message === err.message ? err : new SourceError(err.reason, message, err.retryAfterMs);
  }

  #withRetries(url: string, opts: HttpGetOptions, auth: HttpAuth | undefined): Promise<Body> {
    const send = async () =>
      (await this.#http(url, {
        ...opts,
        auth,
        tls: this.#o.tls,
        signal: this.#o.signal,
        timeoutMs: this.#remaining(),
        allowStatus: [401, ...RETRYABLE, ...(opts.allowStatus ?? [])],
      })) as Body;
    return withRetries(send, { method: opts.method ?? 'GET', url, deadline: this.#deadline });
  }

  async #authFor(scope: string | undefined): Promise<HttpAuth | undefined> {
    const c = this.#challenge;
    const auth = this.#o.credentials?.auth;
    if (!c) return undefined;
    if (c.scheme === 'basic') return auth;
    if (c.scheme !== 'bearer') return undefined;
    if (auth && 'token' in auth) return auth; // a registry token (docker's registrytoken, a PAT) is the bearer itself
    const token = await this.#o.tokens.token(this.#tokenScope(scope), this.#creds(), {
      tls: this.#o.tls,
      timeoutMs: this.#remaining(),
      signal: this.#o.signal,
      http: this.#o.http,
      credentialSource: this.#o.credentialSource,
    });
    return { token };
  }

  #tokenScope(scope: string | undefined) {
    const c = this.#challenge!;
    return { realm: c.params.realm!, service: c.params.service || undefined, scopes: scope ? [scope] : [] };
  }

  #creds(): TokenCredentials {
    return this.#o.credentials ?? {};
  }

  #remaining(): number {
    const left = this.#deadline - Date.now();
    if (left <= 0)
      throw new SourceError('Timeout', `${this.origin}: the sync did not finish within ${this.#o.timeoutMs} ms`);
    return left;
  }

  #unauthorized(url: string, method: string, res: Body, challenge: AuthChallenge | undefined): SourceError {
    const creds = this.#o.credentials;
    const configured = !!(creds?.auth || creds?.identityToken);
    const error = challenge?.params.error ? `, ${challenge.params.error}` : ''; // e.g. insufficient_scope: no right to pull
    const how = `${challenge?.scheme === 'bearer' ? 'token' : (challenge?.scheme ?? 'unknown')} auth${error}`;
    const source = this.#o.credentialSource ?? {
      configured: 'from secretRef',
      missing: 'the PackRegistry has no secretRef',
    };
    const why = configured
      ? `the registry rejected the credentials ${source.configured} (${how})`
      : `the registry requires credentials (${how}) and ${source.missing}`;
    const detail = res.body.length ? `: ${bodyExcerpt(res.body)}` : '';
    return new SourceError(
      'AuthenticationFailed',
      `${method} ${safeUrl(url)}: HTTP 401 Unauthorized (${why})${detail}`,
    );
  }
}

export const pullScope = (repository: string) => `repository:${repository}:pull`;
export const pushScope = (repository: string) => `repository:${repository}:pull,push`;

/** 413: the registry, or a proxy in front of it, takes no request body this large. */
function tooLarge(
  method: string,
  url: string,
  blobBytes: number,
  chunkBytes: number | undefined,
  res: Body,
): SourceError {
  const sent =
    chunkBytes === undefined ? `${blobBytes} bytes in one request` : `a chunk of ${chunkBytes} bytes (of ${blobBytes})`;
  const detail = res.body.length ? `: ${bodyExcerpt(res.body)}` : '';
  // An upload URL's query is the registry's opaque session state: long, and no help in a message.
  const where = URL.parse(safeUrl(url));
  return new SourceError(
    'PackTooLarge',
    `${method} ${where ? `${where.origin}${where.pathname}` : safeUrl(url)}: HTTP 413 Payload Too Large: the registry (or a proxy in front of it) refuses ${sent}${detail}`,
  );
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new SourceError('InvalidIndex', `${what}: the response is not JSON`);
  }
}
