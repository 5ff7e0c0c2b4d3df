// A reverse proxy with a request body limit, as nginx's client_max_body_size puts in front of many
// registries: a request whose body is larger than `maxBodyBytes` gets 413, everything else goes to
// the upstream registry (Location headers rewritten to the proxy, so uploads continue through it).
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BodyLimitProxy {
  /** 127.0.0.1:PORT */
  host: string;
  /** Requests refused with 413, as `METHOD path`. */
  refused: string[];
  close(): Promise<void>;
}

export async function startBodyLimitProxy(upstream: string, maxBodyBytes: number): Promise<BodyLimitProxy> {
  const refused: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      if (body.length > maxBodyBytes) {
        refused.push(`${req.method} ${req.url}`);
        res
          .writeHead(413, { 'content-type': 'text/html' })
          .end('<html><body><h1>413 Request Entity Too Large</h1></body></html>');
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))
          .map(([k, v]) => [k, String(v)]),
      );
      const up = await fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers,
        ...(body.length && { body }),
        redirect: 'manual',
      });
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'content-length')
          out[k] = k === 'location' ? v.replace(upstream, `http://${host}`) : v;
      });
      const payload = Buffer.from(await up.arrayBuffer());
      res.writeHead(up.status, out).end(req.method === 'HEAD' ? undefined : payload);
    })().catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
