// OCI registries failing the ways the soak makes them fail, one fault kind at a time and on cue:
// the real operator manager against a real apiserver and the real CNCF distribution registry (token
// auth through the harness's token service, or htpasswd), with faults at the token realm, a rotated
// password, and blobs slowed down by a proxy. Each must give a precise reason, keep every Pack,
// and heal by itself once the fault is gone (no sync request after the fault ends).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { startServer, type Handler, type TestServer } from '../harness/http-server.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperator } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';
import { reverseProxy } from '../soak/faults.js';

const NAMESPACE = 'packyard-oci-faults';
let cluster: TestCluster;
let client: KubeClient;
type Registry = PackRegistry & KubernetesObject;

const getRegistry = (name: string) => client.get<Registry>(PACKREGISTRY, name);
const ready = (r: Registry) => r.status?.conditions?.find((c) => c.type === 'Ready');
async function waitForReady(name: string, reason: string, opts: { after?: string } = {}) {
  const status = reason === 'Synced' ? 'True' : 'False';
  return waitFor(
    `${name} Ready=${status} ${reason}`,
    async () => {
      const r = await getRegistry(name);
      const c = ready(r);
      if (opts.after !== undefined && !(Date.parse(r.status?.lastSyncTime ?? '') >= Date.parse(opts.after)))
        return undefined;
      return c?.status === status && c.reason === reason && r.status?.observedGeneration === r.metadata?.generation
        ? r
        : undefined;
    },
    120_000,
  );
}
async function packsOf(registry: string): Promise<(Pack & KubernetesObject)[]> {
  const items = (
    await client.list<Pack & KubernetesObject>(PACK, { labelSelector: `packyard.io/registry=${registry}` })
  ).items;
  return items.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}
const snapshot = async (registry: string) =>
  (await packsOf(registry)).map((p) => `${p.metadata!.name}@${p.metadata!.resourceVersion}`);
async function createRegistry(name: string, spec: Record<string, unknown>): Promise<Registry> {
  return client.create(PACKREGISTRY, {
    apiVersion: 'packyard.io/v1alpha1',
    kind: 'PackRegistry',
    metadata: { name },
    spec,
  } as never);
}
async function requestSync(name: string, value: string): Promise<Registry> {
  await client.mergePatch(PACKREGISTRY, name, undefined, {
    metadata: { annotations: { 'packyard.io/sync-requested-at': value } },
  });
  return waitFor(
    `${name} to handle sync request ${value}`,
    async () => {
      const r = await getRegistry(name);
      return r.status?.lastHandledSyncRequest === value ? r : undefined;
    },
    120_000,
  );
}
/**
 * Requests syncs until one fails: a token issued just before the fault may still be cached (for
 * under a second here), and a sync it serves succeeds. Returns the failed registry.
 */
let attempts = 0;
async function syncUntilFailed(name: string, what: string): Promise<Registry> {
  return waitFor(
    `${name} to fail (${what})`,
    async () => {
      const r = await requestSync(name, `${what}-${++attempts}`);
      return ready(r)?.status === 'False' ? r : undefined;
    },
    120_000,
  );
}
async function putSecret(name: string, stringData: Record<string, string>) {
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE }, data };
  await client.create(SECRET, obj as never).catch(() => client.update(SECRET, obj as never));
}
/** The apiserver's clock in lastSyncTime has second resolution: "after" means from this second on. */
const thisSecond = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

describe('OCI registry faults, each against the real registry', () => {
  let manager: Manager;
  let tokenRegistry: OciRegistry;
  let basicRegistry: OciRegistry;
  let proxy: TestServer;
  /** What the token realm answers instead of a token, while set. */
  let realmFault: number | undefined;
  /** Blob GETs through the proxy wait this long first, while set. */
  let blobDelayMs = 0;

  beforeAll(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
    // Tokens live 2 s (and the registry takes some for less: its exp has second resolution), so syncs ask
    // the realm again and again, and meet stale tokens: a realm fault cannot hide behind the cache.
    tokenRegistry = await startOciRegistry({
      auth: 'token',
      tokenExpiresInS: 2,
      wrapTokenService: (next) => (req, res, s) =>
        realmFault
          ? void res.writeHead(realmFault, { 'content-type': 'text/plain' }).end('token service trouble')
          : next(req, res, s),
    });
    await tokenRegistry.seedCharts('charts/podinfo', [
      { name: 'podinfo', version: '6.5.0' },
      { name: 'podinfo', version: '6.6.0' },
    ]);
    basicRegistry = await startOciRegistry({ auth: 'htpasswd' });
    await basicRegistry.seedCharts('charts/podinfo', [{ name: 'podinfo', version: '6.5.0' }]);
    const slowBlobs =
      (next: Handler): Handler =>
      async (req, res, s) => {
        if (blobDelayMs > 0 && /\/blobs\/sha256:/.test(req.url ?? ''))
          await new Promise((r) => setTimeout(r, blobDelayMs));
        return next(req, res, s);
      };
    proxy = await startServer({ routes: { '/': slowBlobs(reverseProxy(basicRegistry.url)) } });

    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NAMESPACE } } }).catch(() => {});
    await putSecret('token-auth', { username: tokenRegistry.username, password: tokenRegistry.password });
    await putSecret('basic-auth', { username: basicRegistry.username, password: basicRegistry.password });
    manager = await startOperator(cluster.kubeConfig, NAMESPACE);
    await createRegistry('tok', {
      type: 'oci',
      url: `oci://${tokenRegistry.host}/charts`,
      secretRef: { name: 'token-auth' },
      interval: '1h',
    });
    await createRegistry('basic', {
      type: 'oci',
      url: `oci://${new URL(proxy.url).host}/charts`,
      secretRef: { name: 'basic-auth' },
      interval: '1h',
      timeout: '3s',
    });
    await waitForReady('tok', 'Synced');
    await waitForReady('basic', 'Synced');
  }, 180_000);

  afterAll(async () => {
    await manager?.stop();
    await proxy?.close();
    await tokenRegistry?.close();
    await basicRegistry?.close();
    await cluster?.stop();
  });

  it('token realm answering 500: FetchFailed naming the token service, Packs kept; realm back: Ready by itself', async () => {
    const before = await snapshot('tok');
    expect(before).toHaveLength(1);
    realmFault = 500;
    let failed: Registry;
    try {
      failed = await syncUntilFailed('tok', 'realm-500');
    } finally {
      realmFault = undefined;
    }
    expect(ready(failed)).toMatchObject({ status: 'False', reason: 'FetchFailed' });
    expect(ready(failed)?.message).toMatch(
      new RegExp(
        `^token service http://127\\.0\\.0\\.1:\\d+/token: GET .*: HTTP 500 Internal Server Error: token service trouble \\(after 3 retries\\)$`,
      ),
    );
    expect(failed.status).toMatchObject({ packCount: 1, versionCount: 2 });
    expect(await snapshot('tok')).toEqual(before);
    // No sync request from here on: the backoff brings it back.
    const healed = await waitForReady('tok', 'Synced', { after: thisSecond() });
    expect(healed.status?.lastHandledSyncRequest).toBe(failed.status?.lastHandledSyncRequest);
    expect(await snapshot('tok')).toEqual(before);
  }, 180_000); // several syncs and a backoff: minutes on a loaded machine

  it('token realm refusing a rotated password: AuthenticationFailed naming the token service, Packs kept; Secret rotated: Ready', async () => {
    const before = await snapshot('tok');
    tokenRegistry.setPassword(tokenRegistry.username, 'rotated-at-the-realm');
    const failed = await syncUntilFailed('tok', 'realm-rotated');
    expect(ready(failed)).toMatchObject({ status: 'False', reason: 'AuthenticationFailed' });
    expect(ready(failed)?.message).toMatch(
      /^token service http:\/\/127\.0\.0\.1:\d+\/token rejected the credentials from secretRef \(HTTP 401 Unauthorized\)$/,
    );
    expect(JSON.stringify(failed.status)).not.toContain('rotated-at-the-realm');
    expect(await snapshot('tok')).toEqual(before);

    const rotatedAt = thisSecond();
    await putSecret('token-auth', { username: tokenRegistry.username, password: 'rotated-at-the-realm' });
    const healed = await waitForReady('tok', 'Synced', { after: rotatedAt });
    expect(healed.status?.lastHandledSyncRequest).toBe(failed.status?.lastHandledSyncRequest); // the Secret's change did it
    expect(await snapshot('tok')).toEqual(before);
  }, 180_000); // several syncs and a backoff: minutes on a loaded machine

  it('htpasswd password rotated at the registry: AuthenticationFailed, Packs kept; Secret rotated: Ready', async () => {
    const before = await snapshot('basic');
    basicRegistry.setPassword(basicRegistry.username, 'rotated-in-htpasswd');
    const failed = await requestSync('basic', 'htpasswd-rotated');
    expect(ready(failed)).toMatchObject({ status: 'False', reason: 'AuthenticationFailed' });
    expect(ready(failed)?.message).toMatch(
      /HTTP 401 Unauthorized \(the registry rejected the credentials from secretRef \(basic auth\)\)/,
    );
    expect(await snapshot('basic')).toEqual(before);

    const rotatedAt = thisSecond();
    await putSecret('basic-auth', { username: basicRegistry.username, password: 'rotated-in-htpasswd' });
    const healed = await waitForReady('basic', 'Synced', { after: rotatedAt });
    expect(healed.status?.lastHandledSyncRequest).toBe('htpasswd-rotated');
    expect(await snapshot('basic')).toEqual(before);
  }, 180_000); // several syncs and a backoff: minutes on a loaded machine

  it('blobs slower than the timeout: Timeout, the last good Packs kept; blobs fast again: the new version by itself', async () => {
    const before = await snapshot('basic');
    const [pack] = await packsOf('basic');
    expect(pack!.spec.versions.map((v) => v.version)).toEqual(['6.5.0']);
    blobDelayMs = 5_000; // the registry's timeout is 3 s
    let failed: Registry;
    try {
      // A new version: its config blob must be fetched (the old one's is cached by digest).
      await basicRegistry.seedCharts('charts/podinfo', [
        { name: 'podinfo', version: '6.7.0', appVersion: 'slow-to-fetch' },
      ]);
      failed = await requestSync('basic', 'slow-blobs');
    } finally {
      blobDelayMs = 0;
    }
    expect(ready(failed)).toMatchObject({ status: 'False', reason: 'Timeout' });
    expect(ready(failed)?.message).toMatch(/\/blobs\/sha256:[0-9a-f]{64}: no complete response within \d+ ms$/);
    expect(failed.status).toMatchObject({ packCount: 1, versionCount: 1 });
    expect(await snapshot('basic')).toEqual(before);

    await waitFor(
      'podinfo 6.7.0 in the Pack',
      async () => (await packsOf('basic'))[0]?.spec.versions.some((v) => v.version === '6.7.0'),
      120_000,
    );
    const healed = await waitForReady('basic', 'Synced');
    expect(healed.status).toMatchObject({ versionCount: 2, lastHandledSyncRequest: 'slow-blobs' });
  }, 180_000); // several syncs and a backoff: minutes on a loaded machine
});
