import type { KubeConfig } from '@kubernetes/client-node';
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';

/** How many connections one client keeps to the apiserver for requests: enough for every worker of every controller. */
export const APISERVER_CONNECTIONS = 32;

/**
 * Connections to the apiserver over node:http(s), with client-node's KubeConfig for everything the
 * kubeconfig says (TLS material, tokens, exec and OIDC credentials, proxies).
 *
 * Why not client-node's fetch: it builds a new undici Agent for every request (a TCP and TLS
 * handshake per call, and a pool nobody closes), and undici's HTTP parser is WebAssembly that costs
 * an idle operator about 12 MiB; node's own parser is already in the binary.
 *
 * HTTP/1.1 keep-alive only: over HTTP/2 every request shares one connection, and the apiserver closes
 * it with GOAWAY ENHANCE_YOUR_CALM after one oversized request, failing everything else in flight on
 * it; a dropped HTTP/1.1 connection fails only its own request. Requests share a bounded pool; watches,
 * which hold their connection for minutes, get their own so they never starve requests.
 */
export class ApiserverTransport {
  private agents?: { tls: TlsMaterial; requests: http.Agent; watches: http.Agent };

  constructor(private readonly kubeConfig: KubeConfig) {}

  /** Sends one request; resolves with the response once its headers arrived (the body is the caller's to read). */
  async send(
    method: string,
    url: URL,
    opts: { headers: OutgoingHttpHeaders; body?: string; signal: AbortSignal; watch?: boolean },
  ): Promise<IncomingMessage> {
    // Asked for every request: tokens from files and exec plugins are renewed by client-node here.
    const auth: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(auth);
    const agent = this.agentFor(auth, opts.watch === true);
    const headers = { ...(auth.headers as OutgoingHttpHeaders | undefined), ...opts.headers };
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'http:' ? http : https).request(url, {
        method,
        headers,
        agent,
        auth: auth.auth,
        signal: opts.signal,
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(opts.body);
    });
  }

  /** Closes the pooled connections (idle ones would not keep the process alive either way). */
  close(): void {
    this.agents?.requests.destroy();
    this.agents?.watches.destroy();
    this.agents = undefined;
  }

  /**
   * Our keep-alive agents for the TLS material the kubeconfig gives now (a rotated client certificate
   * from an exec plugin gets new ones); a cluster behind a proxy keeps client-node's proxy agent.
   */
  private agentFor(auth: https.RequestOptions, watch: boolean): http.Agent | undefined {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl) return auth.agent as http.Agent | undefined;
    const tls = {
      ca: auth.ca,
      cert: auth.cert,
      key: auth.key,
      pfx: auth.pfx,
      passphrase: auth.passphrase,
      ...(auth.rejectUnauthorized !== undefined && { rejectUnauthorized: auth.rejectUnauthorized }),
      ...(auth.servername !== undefined && { servername: auth.servername }),
    };
    if (!this.agents || !sameTls(this.agents.tls, tls)) {
      this.close();
      const Agent = this.kubeConfig.getCurrentCluster()?.server.startsWith('http:') ? http.Agent : https.Agent;
      this.agents = {
        tls,
        // Below the apiserver's own idle timeout (Go's http.Server: 90 s on keep-alive), so we close first.
        requests: new Agent({ ...tls, keepAlive: true, maxSockets: APISERVER_CONNECTIONS, timeout: 30_000 }),
        watches: new Agent({ ...tls, keepAlive: false }),
      };
    }
    return watch ? this.agents.watches : this.agents.requests;
  }
}

type TlsMaterial = Record<string, unknown>;

/**
 * Whether two sets of TLS options say the same. Asked on every request (client-node decodes the
 * kubeconfig's certificates anew each time): compared field by field, Buffers by their bytes, not
 * serialised (JSON and base64 of a CA bundle per request were 4% of a busy leader's CPU).
 */
function sameTls(a: TlsMaterial, b: TlsMaterial): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue(a[k], b[k])) return false;
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return false;
}
