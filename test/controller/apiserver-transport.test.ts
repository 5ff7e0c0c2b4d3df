import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Socket } from 'node:net';
import { CONFIGMAP } from '../../src/api/resource-types.js';
import { APISERVER_CONNECTIONS } from '../../src/controller/apiserver-transport.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import { testKubeConfig } from '../harness/cluster.js';
import { startServer, type TestServer } from '../harness/http-server.js';
import { createTestPki, type TestPki } from '../harness/tls.js';

/** A kubeconfig for a stand-in apiserver that trusts the test CA and presents a client certificate. */
function kubeConfigFor(server: TestServer, pki: TestPki): KubeConfig {
  const kc = new KubeConfig();
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: server.url, caData: b64(pki.ca.cert) }],
    users: [{ name: 'u', certData: b64(pki.client.cert), keyData: b64(pki.client.key) }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('the apiserver connection pool', () => {
  let pki: TestPki;
  let server: TestServer;
  const sockets = new Set<Socket>();
  const versions = new Set<string>();
  let drops = 0;

  beforeAll(async () => {
    pki = await createTestPki();
    server = await startServer({
      tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requireClientCert: true },
      routes: {
        '/api/v1/namespaces/default/configmaps/': (req, res) => {
          sockets.add(req.socket);
          versions.add(req.httpVersion);
          // The connection goes away under the request, as a keep-alive connection closed by the server does.
          if (drops > 0) {
            drops--;
            req.socket.destroy();
            return;
          }
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'x' } }));
        },
      },
    });
  }, 60_000);

  afterAll(() => server.close());
  beforeEach(() => {
    sockets.clear();
    versions.clear();
  });

  it('keeps connections open across requests, over HTTP/1.1', async () => {
    const client = new KubeClient(kubeConfigFor(server, pki));
    for (let i = 0; i < 20; i++) await client.get(CONFIGMAP, 'x', 'default');
    // One after the other they reuse a connection (a second may open while the first is
    // being released); a connection per request, as before, made 20.
    expect(sockets.size).toBeLessThanOrEqual(2);
    // 100 at once: never more connections than the pool holds.
    await Promise.all(Array.from({ length: 100 }, () => client.get(CONFIGMAP, 'x', 'default')));
    expect(sockets.size).toBeGreaterThan(1);
    expect(sockets.size).toBeLessThanOrEqual(APISERVER_CONNECTIONS);
    expect([...versions]).toEqual(['1.1']);
    await client.close();
  });

  it('sends an idempotent request again when its connection is lost, a create never', async () => {
    const client = new KubeClient(kubeConfigFor(server, pki));
    const before = server.count();
    drops = 2;
    await expect(client.get(CONFIGMAP, 'x', 'default')).resolves.toMatchObject({ kind: 'ConfigMap' });
    expect(server.count() - before).toBe(3);
    drops = 1;
    const created = client.create(CONFIGMAP, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'y', namespace: 'default' },
    } as KubernetesObject);
    await expect(created).rejects.toThrow();
    expect(server.requests.at(-1)?.method).toBe('POST');
    expect(server.count() - before).toBe(4);
    // Three lost connections in a row are an answer: the request fails.
    drops = 3;
    await expect(client.get(CONFIGMAP, 'x', 'default')).rejects.toThrow();
    expect(server.count() - before).toBe(7);
    drops = 0;
    await client.close();
  });
});

describe('the pool on the real apiserver', () => {
  it('introduces itself as packyard, so managedFields name it the manager of what it writes', async () => {
    const client = new KubeClient(testKubeConfig());
    const created = await client.create(CONFIGMAP, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'pool-manager', namespace: 'default' },
      data: { a: '1' },
    } as KubernetesObject);
    expect(created.metadata?.managedFields?.map((f) => f.manager)).toEqual(['packyard']);
    await client.delete(CONFIGMAP, 'pool-manager', 'default');
    await client.close();
  });

  it('an oversized request fails alone: requests in flight beside it all succeed', async () => {
    const client = new KubeClient(testKubeConfig());
    const huge = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'pool-huge', namespace: 'default' },
      data: { big: 'x'.repeat(16 * 1024 * 1024) },
    };
    const results = await Promise.allSettled([
      client.create(CONFIGMAP, huge as KubernetesObject),
      ...Array.from({ length: 40 }, () => client.request('GET', '/api/v1/namespaces/default')),
    ]);
    expect(results[0]!.status).toBe('rejected');
    expect(results.slice(1).filter((r) => r.status === 'rejected')).toEqual([]);
    await expect(client.request('GET', '/api/v1/namespaces/default')).resolves.toMatchObject({ kind: 'Namespace' });
    await client.close();
  }, 60_000);
});
