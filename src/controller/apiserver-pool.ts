import type { KubeConfig } from '@kubernetes/client-node';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import { Agent, type Dispatcher } from 'undici';

/** How many connections one client keeps to the apiserver: enough for every worker of every controller. */
export const APISERVER_CONNECTIONS = 32;

/**
 * One keep-alive connection pool to the apiserver for a KubeConfig's cluster and user.
 *
 * client-node builds a new undici Agent for every request (a TCP and TLS handshake per call, and a
 * pool nobody closes), which made the apiserver spend its time on handshakes. The pool speaks
 * HTTP/1.1 only: over HTTP/2 every request shares one connection, and the apiserver closes it with
 * GOAWAY ENHANCE_YOUR_CALM after one oversized request, failing everything else in flight on it.
 * client-go falls back to HTTP/1.1 for the same reason when asked; a dropped HTTP/1.1 connection
 * fails only its own request.
 *
 * A proxy or SOCKS cluster keeps client-node's own dispatcher (undefined here).
 */
export async function apiserverPool(kubeConfig: KubeConfig): Promise<Dispatcher | undefined> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster || cluster.proxyUrl) return undefined;
  const https: HttpsAgentOptions & { headers?: unknown } = {};
  await kubeConfig.applyToHTTPSOptions(https);
  const options = kubeConfig.createDispatcherOptions(cluster, {
    ca: https.ca,
    cert: https.cert,
    key: https.key,
    pfx: https.pfx,
    passphrase: https.passphrase,
    ...(https.rejectUnauthorized !== undefined && { rejectUnauthorized: https.rejectUnauthorized }),
    ...(https.servername !== undefined && { servername: https.servername }),
  });
  if (options.type !== 'agent' && options.type !== 'none') return undefined;
  return new Agent({
    allowH2: false,
    connections: APISERVER_CONNECTIONS,
    // Below the apiserver's own idle timeout (Go's http.Server: 90 s on keep-alive), so we close first.
    keepAliveTimeout: 30_000,
    connect: options.type === 'agent' ? options.connect : undefined,
  });
}
