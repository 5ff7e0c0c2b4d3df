import { createHash } from 'node:crypto';
import { createSecureContext, getCACertificates } from 'node:tls';
import type { Socket } from 'node:net';
import { buildConnector, EnvHttpProxyAgent, type Dispatcher } from 'undici';

/** TLS settings of one registry. PEM strings. */
export interface TlsOptions {
  /** Extra CA trusted on top of the default roots (a private CA must not break redirects to public CDNs). */
  ca?: string;
  /** Client certificate and key, for mTLS. */
  cert?: string;
  key?: string;
  insecureSkipVerify?: boolean;
}

const MAX_AGENTS = 32;
const agents = new Map<string, Dispatcher>();

/**
 * One keep-alive agent per distinct TLS/proxy/connect-timeout configuration, least recently used
 * evicted. Keyed by a hash so PEM keys are not kept twice as map keys. The proxy variables are
 * part of the key: EnvHttpProxyAgent reads them once, at construction.
 */
export function agentFor(tls: TlsOptions | undefined, connectTimeoutMs: number): Dispatcher {
  const env = process.env;
  const proxy = [env.https_proxy ?? env.HTTPS_PROXY, env.http_proxy ?? env.HTTP_PROXY, env.no_proxy ?? env.NO_PROXY];
  const key = createHash('sha256')
    .update(JSON.stringify([tls?.ca, tls?.cert, tls?.key, !!tls?.insecureSkipVerify, connectTimeoutMs, proxy]))
    .digest('hex');
  const cached = agents.get(key);
  if (cached) {
    agents.delete(key);
    agents.set(key, cached);
    return cached;
  }
  const tlsOpts = {
    ...(tls?.ca ? { ca: [...getCACertificates('default'), tls.ca] } : {}),
    ...(tls?.cert ? { cert: tls.cert } : {}),
    ...(tls?.key ? { key: tls.key } : {}),
    rejectUnauthorized: !tls?.insecureSkipVerify,
  };
  // One TLS context for every connection of the agent: built per connection, a private CA meant
  // parsing the whole default bundle again each time (2% of a busy leader's CPU in the soak).
  const secureContext = tls?.ca || tls?.cert || tls?.key ? createSecureContext(tlsOpts) : undefined;
  const direct = buildConnector({
    ...(secureContext ? { secureContext } : tlsOpts),
    rejectUnauthorized: tlsOpts.rejectUnauthorized,
    timeout: connectTimeoutMs,
  });
  // `connect` makes direct connections, `requestTls` the TLS to the origin through a proxy tunnel.
  const agent = new EnvHttpProxyAgent({
    connect: (o, cb) =>
      direct(o, (...args) => {
        if (args[1]) keepTlsCause(args[1], !!tls?.cert);
        cb(...args);
      }),
    requestTls: tlsOpts,
    connectTimeout: connectTimeoutMs,
  });
  agents.set(key, agent);
  if (agents.size > MAX_AGENTS) {
    const [oldest, evicted] = agents.entries().next().value!;
    agents.delete(oldest);
    void evicted.close().catch(() => {}); // close() lets in-flight requests finish
  }
  return agent;
}

/**
 * Keeps the real cause of a TLS rejection that undici reports as "other side closed": a TLS 1.3
 * server refuses a client certificate with an alert after the handshake, which undici drops; some
 * servers (Node's among them) just close a fresh connection without a byte. Runs before undici's
 * own listener, which is added after the connect callback. (Through a proxy tunnel undici builds
 * the connector itself, and such failures stay "connection closed".)
 */
function keepTlsCause(socket: Socket, sentClientCert: boolean): void {
  let alert: Error | undefined;
  socket.on('error', (e: Error & { code?: string }) => {
    if (!alert && e.code?.startsWith('ERR_SSL_')) alert = e;
    if (e.code !== 'UND_ERR_SOCKET' || e.cause !== undefined) return;
    if (alert) e.cause = alert;
    else if (sentClientCert && socket.bytesRead === 0) {
      e.cause = Object.assign(new Error('closed right after the TLS handshake'), {
        code: 'ERR_TLS_CLOSED_AFTER_HANDSHAKE',
      });
    }
  });
}

/** Closes every cached agent and its idle sockets: for shutdown and tests. */
export async function closeHttpAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close().catch(() => {})));
}
