// The fault-injecting layer of the soak: a handler wrapper that, per request and from a seeded RNG,
// passes the request on or answers with a fault (latency, reset, truncation, 5xx, 429 with
// Retry-After, hang), and deterministic outages that replace a repository's answers for a while.
// Also a small reverse proxy, so an OCI registry (a real process) can sit behind the same faults.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import type { Handler } from '../harness/http-server.js';
import type { Rng } from './rng.js';

export const FAULT_KINDS = ['latency', 'reset', 'truncate', 'error5xx', 'rateLimit', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultMix {
  /** Chance that a request gets a fault at all. */
  probability: number;
  /** Relative weights of the fault kinds. */
  weights: Record<FaultKind, number>;
  latencyMs: [number, number];
  retryAfterS: [number, number];
}

export const DEFAULT_FAULT_MIX: FaultMix = {
  probability: 0.15,
  weights: { latency: 4, reset: 2, truncate: 2, error5xx: 2, rateLimit: 2, hang: 1 },
  latencyMs: [200, 2_500],
  retryAfterS: [1, 3],
};

/**
 * Chooses a fault per request from its own RNG. `enabled` turns it off (the soak's settle phase);
 * `counts` says what was injected.
 */
export class FaultInjector {
  enabled = true;
  readonly counts: Record<FaultKind | 'pass', number> = {
    pass: 0,
    latency: 0,
    reset: 0,
    truncate: 0,
    error5xx: 0,
    rateLimit: 0,
    hang: 0,
  };

  constructor(
    private readonly rng: Rng,
    private readonly mix: FaultMix = DEFAULT_FAULT_MIX,
  ) {}

  wrap(next: Handler): Handler {
    return async (req, res, server) => {
      const fault =
        this.enabled && this.rng.chance(this.mix.probability) ? this.rng.weighted(this.mix.weights) : undefined;
      this.counts[fault ?? 'pass']++;
      switch (fault) {
        case undefined:
          return next(req, res, server);
        case 'latency':
          await sleep(this.rng.int(...this.mix.latencyMs));
          return next(req, res, server);
        case 'reset':
          return resetConnection(req);
        case 'truncate':
          truncateBody(res);
          return next(req, res, server);
        case 'error5xx':
          return void res
            .writeHead(this.rng.pick([500, 502, 504]), { 'content-type': 'text/plain' })
            .end('upstream trouble');
        case 'rateLimit':
          return void res
            .writeHead(429, {
              'retry-after': String(this.rng.int(...this.mix.retryAfterS)),
              'content-type': 'text/plain',
            })
            .end('slow down');
        case 'hang':
          return; // never answers; the client's timeout ends it
      }
    };
  }
}

/** A TCP reset; a TLS socket cannot send one from Node, so it is closed without close_notify instead. */
export function resetConnection(req: IncomingMessage): void {
  if ('encrypted' in req.socket && req.socket.encrypted) req.socket.destroy();
  else req.socket.resetAndDestroy();
}

/**
 * Makes the next handler's body arrive cut in half: the full Content-Length is declared (or the
 * chunked stream is never terminated) and the connection closes mid-body, as a proxy that dies
 * does. A body-less answer (304, HEAD) goes through whole.
 */
export function truncateBody(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    if (!Buffer.isBuffer(chunk) && typeof chunk !== 'string') return end(chunk);
    const body = Buffer.from(chunk as string | Buffer);
    if (body.length < 2) return end(body);
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
    return res;
  }) as typeof res.end;
}

/** Deterministic answers for a repository in an outage, and the Ready reason each must produce. */
export const OUTAGES = {
  http500: 'FetchFailed',
  notFound: 'NotFound',
  rateLimited: 'RateLimited',
  hang: 'Timeout',
  reset: 'FetchFailed',
  truncate: 'FetchFailed',
  invalidIndex: 'InvalidIndex',
} as const;
export type OutageKind = keyof typeof OUTAGES;

/**
 * Outages of an OCI registry's token service (the realm), for the registries that use token auth:
 * each answers every token request of that registry's account so, and names the reason it must give.
 */
export const REALM_OUTAGES = {
  realm500: 'FetchFailed',
  realm401: 'AuthenticationFailed',
} as const;
export type RealmOutageKind = keyof typeof REALM_OUTAGES;

/** Answers a token request as the realm outage says. */
export function realmOutageHandler(kind: RealmOutageKind): Handler {
  return (_req, res) => {
    if (kind === 'realm500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('token service down');
    res
      .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' })
      .end('{"details":"incorrect username or password"}');
  };
}

/** Answers a request as the outage says; `next` is only used to produce a body to truncate. */
export function outageHandler(kind: OutageKind, next: Handler): Handler {
  return (req, res, server) => {
    switch (kind) {
      case 'http500':
        return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      case 'notFound':
        return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such repository');
      case 'rateLimited':
        return void res.writeHead(429, { 'retry-after': '2', 'content-type': 'text/plain' }).end('slow down');
      case 'hang':
        return;
      case 'reset':
        return resetConnection(req);
      case 'truncate':
        // A conditional GET would get a body-less 304: drop the validators so there is a body to cut.
        delete req.headers['if-none-match'];
        delete req.headers['if-modified-since'];
        truncateBody(res);
        return next(req, res, server);
      case 'invalidIndex':
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body><h1>Maintenance</h1></body></html>');
    }
  };
}

/**
 * Forwards a request to `target` (http://host:port) and sends the answer back in one res.end, so
 * truncateBody can cut it (registry answers are small: lists, manifests, config blobs).
 */
export function reverseProxy(target: string): Handler {
  const origin = new URL(target);
  return (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      const upstream = request(
        {
          host: origin.hostname,
          port: origin.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: origin.host },
        },
        (up) => {
          const chunks: Buffer[] = [];
          up.on('data', (c: Buffer) => chunks.push(c));
          up.on('end', () => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(chunks));
            resolve();
          });
          up.on('error', () => (res.destroy(), resolve()));
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end('proxy: upstream unreachable');
        else res.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
