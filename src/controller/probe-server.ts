import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServerOptions {
  /** host:port, e.g. ":8081" or "127.0.0.1:0"; "0" disables the server. */
  bindAddress: string;
  healthy?: () => boolean;
  /** Ready once caches have synced (controller-runtime's readyz semantics). */
  ready?: () => boolean;
  metrics?: Registry;
}

/** Serves /healthz and /readyz, and /metrics when given a registry. */
export async function startProbeServer(
  opts: ProbeServerOptions,
): Promise<{ server?: Server; port?: number; close(): Promise<void> }> {
  if (opts.bindAddress === '0') return { close: async () => {} };
  const { host, port } = parseBindAddress(opts.bindAddress);
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const check = (ok: boolean) => {
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
    };
    if (path === '/healthz') return check(opts.healthy?.() ?? true);
    if (path === '/readyz') return check(opts.ready?.() ?? true);
    if (path === '/metrics' && opts.metrics) {
      res.writeHead(200, { 'Content-Type': opts.metrics.contentType }).end(await opts.metrics.metrics());
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function parseBindAddress(address: string): { host?: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon) : undefined;
  const port = Number(colon >= 0 ? address.slice(colon + 1) : address);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid bind address "${address}"`);
  return { host, port };
}
