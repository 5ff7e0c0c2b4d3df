// A TCP proxy in front of the apiserver that a test can cut: while cut, open connections are reset
// and new ones closed at once, as one client sees an apiserver outage or a network partition, while
// clients that do not go through it still reach the apiserver.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface CuttableProxy {
  /** The kubeconfig given, pointed at the proxy (the serving cert names 127.0.0.1, so TLS still verifies). */
  kubeConfig: KubeConfig;
  cut(): void;
  restore(): void;
  /** Connections closed at once because the proxy was cut: clients that tried and did not get through. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startCuttableProxy(through: KubeConfig): Promise<CuttableProxy> {
  const upstream = new URL(through.getCurrentCluster()!.server);
  const sockets = new Set<Socket>();
  let isCut = false;
  let refused = 0;
  const server = createServer((client) => {
    if (isCut) {
      refused++;
      return void client.destroy();
    }
    const apiserver = connect(Number(upstream.port), upstream.hostname);
    for (const s of [client, apiserver]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(apiserver).pipe(client);
    client.on('close', () => apiserver.destroy());
    apiserver.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const cluster = through.getCurrentCluster()!;
  const user = through.getCurrentUser()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ ...cluster, name: 'proxied', server: `https://127.0.0.1:${port}` }],
    users: [{ ...user, name: 'proxied' }],
    contexts: [{ name: 'proxied', cluster: 'proxied', user: 'proxied' }],
    currentContext: 'proxied',
  });
  return {
    kubeConfig,
    cut() {
      isCut = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore() {
      isCut = false;
    },
    get refused() {
      return refused;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
