import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createGzip, gzipSync } from 'node:zlib';

/** Serves one request. `server` gives access to the request log and the server's own URL. */
export type Handler = (req: IncomingMessage, res: ServerResponse, server: TestServer) => void | Promise<void>;

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** CN of the verified client certificate, when mTLS is on. */
  clientCertCN?: string;
}

export interface ServerOptions {
  /** Serve HTTPS with this certificate; `requireClientCert` turns on mTLS against `ca`. */
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
  /** Path → handler. A key ending in `/` serves everything under it; the longest match wins. */
  routes?: Record<string, Handler>;
  /** Print each request to stderr. */
  log?: boolean;
}

export interface TestServer {
  /** Origin, e.g. `https://127.0.0.1:41234`, no trailing slash. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests so far, to one path (query ignored) or to all. */
  count(path?: string): number;
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** Starts an HTTP(S) server on 127.0.0.1 with an ephemeral port. */
export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const routes = new Map(Object.entries(opts.routes ?? {}));
  const requests: RecordedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const cn = (req.socket as Partial<TLSSocket>).getPeerCertificate?.()?.subject?.CN;
    requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      ...(cn ? { clientCertCN: String(cn) } : {}),
    });
    if (opts.log) process.stderr.write(`test-server ${req.method} ${req.url}\n`);
    const handler =
      routes.get(path) ??
      [...routes.entries()]
        .filter(([k]) => k.endsWith('/') && path.startsWith(k))
        .sort(([a], [b]) => b.length - a.length)[0]?.[1] ??
      status(404);
    Promise.resolve(handler(req, res, self)).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end(err.message);
      else res.destroy();
    });
  };
  const server: Server = opts.tls
    ? createHttpsServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          ...(opts.tls.ca ? { ca: opts.tls.ca } : {}),
          requestCert: !!opts.tls.requireClientCert,
          rejectUnauthorized: !!opts.tls.requireClientCert,
        },
        listener,
      )
    : createHttpServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const self: TestServer = {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    count: (path) => requests.filter((r) => path === undefined || r.url.split('?')[0] === path).length,
    route: (path, handler) => void routes.set(path, handler),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return self;
}

// ---- Handlers: building blocks for repositories and faults ----

export interface ContentOptions {
  contentType?: string;
  /** Strong ETag to send and honour; default a hash of the body, `false` for none. */
  etag?: string | false;
  /** Last-Modified to send and honour (If-Modified-Since). */
  lastModified?: Date;
  /** Gzip the body when the client accepts it. */
  gzip?: boolean;
  headers?: Record<string, string>;
}

/** A static document with validators: answers conditional requests with 304, HEAD without body. */
export function content(body: string | Buffer, o: ContentOptions = {}): Handler {
  const raw = Buffer.from(body);
  const etag =
    o.etag === false ? undefined : (o.etag ?? `"${createHash('sha256').update(raw).digest('hex').slice(0, 16)}"`);
  const gzipped = o.gzip ? gzipSync(raw) : undefined;
  return (req, res) => {
    const headers: Record<string, string> = {
      'content-type': o.contentType ?? 'application/octet-stream',
      ...o.headers,
    };
    if (etag) headers.etag = etag;
    if (o.lastModified) headers['last-modified'] = o.lastModified.toUTCString();
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const fresh =
      inm !== undefined
        ? !!etag &&
          inm
            .split(',')
            .map((s) => s.trim())
            .includes(etag)
        : ims !== undefined &&
          !!o.lastModified &&
          Math.floor(o.lastModified.getTime() / 1000) <= Date.parse(ims) / 1000;
    if (fresh) return void res.writeHead(304, headers).end();
    const gzip = gzipped && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const payload = gzip ? gzipped : raw;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = String(payload.length);
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : payload);
  };
}

/** A fixed status, e.g. `status(429, { headers: { 'retry-after': '7' } })`. */
export function status(code: number, o: { headers?: Record<string, string>; body?: string } = {}): Handler {
  return (_req, res) => void res.writeHead(code, { 'content-type': 'text/plain', ...o.headers }).end(o.body ?? '');
}

/** Requires HTTP basic auth; 401 with a challenge otherwise. */
export function basicAuth(username: string, password: string, next: Handler): Handler {
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return (req, res, s) =>
    req.headers.authorization === expected
      ? next(req, res, s)
      : void res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('unauthorized');
}

/** Requires a bearer token; 401 with a challenge otherwise. */
export function bearerAuth(token: string, next: Handler): Handler {
  return (req, res, s) =>
    req.headers.authorization === `Bearer ${token}`
      ? next(req, res, s)
      : void res.writeHead(401, { 'www-authenticate': 'Bearer realm="test"' }).end('unauthorized');
}

/** Answers after `ms`. */
export function delay(ms: number, next: Handler): Handler {
  return async (req, res, s) => {
    await new Promise((r) => setTimeout(r, ms));
    await next(req, res, s);
  };
}

/** Never answers (until the server closes). */
export function hang(): Handler {
  return () => {};
}

/** Resets the TCP connection without a response. */
export function reset(): Handler {
  return (req) => void req.socket.resetAndDestroy();
}

/** Declares the full length, sends `sendBytes` of it, then closes (`then: 'close'`) or stalls. */
export function truncate(body: string | Buffer, sendBytes: number, then: 'close' | 'stall' = 'close'): Handler {
  const raw = Buffer.from(body);
  return (_req, res) => {
    res.writeHead(200, { 'content-length': String(raw.length) });
    res.write(raw.subarray(0, sendBytes), () => {
      if (then === 'close') res.destroy();
    });
  };
}

/** A chunked body of `totalBytes` with no Content-Length, written in `chunkBytes` pieces. */
export function stream(totalBytes: number, chunkBytes = 64 * 1024): Handler {
  return async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(chunkBytes, 'a');
    for (let sent = 0; sent < totalBytes && !res.destroyed; sent += chunkBytes) {
      if (!res.write(chunk.subarray(0, Math.min(chunkBytes, totalBytes - sent))))
        await once(res, 'drain').catch(() => {});
    }
    res.end();
  };
}

/** Gzip of `bytes` zeros, built in a stream so neither side of the test holds the inflated size. */
export async function gzipOfZeros(bytes: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = bytes; left > 0; left -= zeros.length) {
    if (!gz.write(zeros.subarray(0, Math.min(left, zeros.length)))) await once(gz, 'drain');
  }
  gz.end();
  await once(gz, 'end');
  return Buffer.concat(out);
}

/** Serves a pre-compressed body as `Content-Encoding: gzip` whatever the client asked. */
export function gzipped(compressed: Buffer, contentType = 'application/x-yaml'): Handler {
  return (_req, res) =>
    void res
      .writeHead(200, {
        'content-type': contentType,
        'content-encoding': 'gzip',
        'content-length': String(compressed.length),
      })
      .end(compressed);
}

/** Redirects to `location` (absolute, or relative to this server). */
export function redirect(location: string, code = 302): Handler {
  return (_req, res) => void res.writeHead(code, { location }).end();
}

/** Redirects to itself forever, with a growing counter so each hop is a new URL. */
export function redirectLoop(code = 302): Handler {
  return (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    u.searchParams.set('hop', String(Number(u.searchParams.get('hop') ?? 0) + 1));
    res.writeHead(code, { location: `${u.pathname}${u.search}` }).end();
  };
}

/** The first request gets `handlers[0]`, the next `handlers[1]`…, the last one repeats. */
export function sequence(...handlers: Handler[]): Handler {
  let i = 0;
  return (req, res, s) => handlers[Math.min(i++, handlers.length - 1)]!(req, res, s);
}

// ---- A forward proxy (HTTP CONNECT), to test HTTPS_PROXY ----

export interface TestProxy {
  /** e.g. `http://127.0.0.1:41235`. */
  url: string;
  /** `host:port` of every CONNECT. */
  connects: string[];
  close(): Promise<void>;
}

/** A CONNECT-only proxy on 127.0.0.1 that tunnels anywhere and records where. */
export async function startConnectProxy(): Promise<TestProxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => void res.writeHead(501).end('CONNECT only'));
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Serves files of a directory under `prefix`, read at request time so tests can publish into it,
 * with an ETag from the content (conditional GETs get 304).
 */
export function serveDirectory(dir: string, prefix: string): Handler {
  return (req, res, server) => {
    const file = new URL(req.url ?? '/', 'http://x').pathname.slice(prefix.length);
    let body: Buffer;
    try {
      if (file.includes('..')) throw new Error('outside the directory');
      body = readFileSync(join(dir, file));
    } catch {
      return status(404)(req, res, server);
    }
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    return content(body, {
      etag,
      contentType: file.endsWith('.yaml') ? 'application/x-yaml' : 'application/octet-stream',
    })(req, res, server);
  };
}
