import type { KubeConfig } from '@kubernetes/client-node';
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isDeepStrictEqual } from 'node:util';
import { packageVersion } from './package-version.js';

/** How many connections one client keeps to the apiserver for requests: enough for every worker of every controller. */
export const APISERVER_CONNECTIONS = 32;
/**
 * Who we are to the apiserver, as client-go says it ("name/version (os/arch)"): its audit log shows it,
 * and managedFields name the part before the '/' as the manager of what we write ("unknown" without it).
 */
const USER_AGENT = `packyard/v${packageVersion()} (${process.platform}/${process.arch})`;

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
    const headers: OutgoingHttpHeaders = {
      'User-Agent': USER_AGENT,
      ...(auth.headers as OutgoingHttpHeaders | undefined),
      ...opts.headers,
    };
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    return new Promise((resolve, reject) => {
      // Node reports the abort of a request still waiting for a pooled connection only once it gets
      // one: with every connection held by slow requests, a 1.5 s deadline ended after 60 s.
      const onAbort = () => reject(abortError(opts.signal));
      if (opts.signal.aborted) return onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => opts.signal.removeEventListener('abort', onAbort);
      const req = (url.protocol === 'http:' ? http : https).request(url, {
        method,
        headers,
        agent,
        auth: auth.auth,
        signal: opts.signal,
      });
      req.once('response', (response) => {
        settle();
        resolve(response);
      });
      req.once('error', (err) => {
        settle();
        reject(err);
      });
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
    const tls: TlsMaterial = {
      ca: auth.ca,
      cert: auth.cert,
      key: auth.key,
      pfx: auth.pfx,
      passphrase: auth.passphrase,
      ...(auth.rejectUnauthorized !== undefined && { rejectUnauthorized: auth.rejectUnauthorized }),
      ...(auth.servername !== undefined && { servername: auth.servername }),
    };
    // Compared by value: client-node decodes the kubeconfig's base64 into new Buffers for every
    // request, and serialising them to compare (as this once did) cost more CPU than sending the request.
    if (!this.agents || !isDeepStrictEqual(this.agents.tls, tls)) {
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

type TlsMaterial = Pick<
  https.RequestOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;

/** The error Node's http gives an aborted request (name AbortError, code ABORT_ERR, the reason as cause). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}
