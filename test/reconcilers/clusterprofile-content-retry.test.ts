// A profile whose chart archive could not be read recovers when its registry syncs again, without
// waiting out its backoff: the real manager (profile retries set 10 minutes apart, so only the wake
// can pass), a real Helm repository whose archive answers 503 and then the chart. The wake writes
// exactly the profile it cures: one failing the same way, and one that was fine, are not written.
import { rmSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { makeHelmRepository } from '../harness/helm-charts.js';
import { serveDirectory, startServer, status, type TestServer } from '../harness/http-server.js';
import { metricValue } from '../harness/metrics.js';
import { clusterProfile, layer, packRegistry } from '../harness/objects.js';
import { startOperator } from '../harness/operator.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { waitFor } from '../harness/wait.js';

type Profile = ClusterProfile & KubernetesObject;
type Registry = PackRegistry & KubernetesObject;
const NS = 'default';
const ARCHIVE = '/charts/podinfo-6.5.0.tgz';
const TEN_MINUTES = 10 * 60_000;

let cluster: TestCluster;
let client: KubeClient;
let server: TestServer;
let repoDir: string;
let manager: Manager;

const getProfile = (name: string) => client.get<Profile>(CLUSTERPROFILE, name, NS);
const ready = (p: Profile) => p.status?.conditions?.find((c) => c.type === 'Ready');
const waitForProfile = (name: string, reason: string) =>
  waitFor(
    `${name} ${reason}`,
    async () => {
      const p = await getProfile(name);
      return p.status?.observedGeneration === p.metadata?.generation && ready(p)?.reason === reason ? p : undefined;
    },
    60_000,
  );
const addon = (chart: string, version: string) => ({ name: chart, layer: 'addon', registry: 'charts', version });
const busyWorkers = () => metricValue(manager, 'controller_runtime_active_workers', { controller: 'clusterprofile' });

/** Requests a sync in a later second than the last one: lastSyncTime has whole seconds, and only a new one wakes. */
async function syncAgain(token: string): Promise<void> {
  const last = (await client.get<Registry>(PACKREGISTRY, 'charts')).status?.lastSyncTime;
  await waitFor('a second past the last sync', () => Date.now() >= Date.parse(last ?? '') + 1_000);
  await client.mergePatch(PACKREGISTRY, 'charts', undefined, {
    metadata: { annotations: { 'packyard.io/sync-requested-at': token } },
  });
  await waitFor(`sync ${token}`, async () => {
    const r = await client.get<Registry>(PACKREGISTRY, 'charts');
    return r.status?.lastHandledSyncRequest === token && r.status.lastSyncTime !== last;
  });
}

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  repoDir = makeHelmRepository([
    { name: 'podinfo', version: '6.5.0', annotations: layer('addon') },
    { name: 'nginx', version: '4.11.2', annotations: layer('addon') },
  ]);
  // The index and nginx's archive are served; podinfo's archive fails until the test serves it.
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/'), [ARCHIVE]: status(503) } });
  manager = await startOperator(
    cluster.kubeConfig,
    'default',
    {},
    { contentRetry: { baseDelayMs: TEN_MINUTES, maxDelayMs: TEN_MINUTES } },
  );
  // Syncs on request only: the interval never comes within the test.
  await client.create(
    PACKREGISTRY,
    packRegistry('charts', { type: 'helm', url: `${server.url}/charts`, interval: '1h' }),
  );
  await waitFor(
    'the registry synced',
    async () => (await client.get(PACK, 'charts.podinfo').catch(() => undefined)) !== undefined,
  );
}, 120_000);

afterAll(async () => {
  await manager?.stop();
  await server?.close();
  await cluster?.stop();
  rmSync(repoDir, { recursive: true, force: true });
});

describe('a profile whose archive could not be read', () => {
  it('resolves as soon as its registry syncs again, and the wake writes only that profile', async () => {
    await client.create(
      CLUSTERPROFILE,
      clusterProfile('web', NS, { type: 'add-on', packs: [addon('podinfo', '6.5.0')] }),
    );
    await client.create(
      CLUSTERPROFILE,
      clusterProfile('steady', NS, { type: 'add-on', packs: [addon('nginx', '4.11.2')] }),
    );
    const failed = await waitForProfile('web', 'PackContentUnavailable');
    expect(ready(failed)?.message).toMatch(/podinfo.*503/);
    const steady = await waitForProfile('steady', 'Resolved');

    // A sync while the archive still fails wakes the failing profile: its download is tried again
    // (from inside its reconcile, so no busy worker after it means that reconcile is over). Failing
    // the same way, it writes nothing.
    const downloads = server.count(ARCHIVE);
    await syncAgain('still-broken');
    await waitFor(
      'the woken profile reconciled',
      async () => server.count(ARCHIVE) > downloads && (await busyWorkers()) === 0,
    );
    expect((await getProfile('web')).metadata?.resourceVersion).toBe(failed.metadata?.resourceVersion);

    // The archive is back: the next sync cures the profile, ten minutes before its backoff would.
    server.route(ARCHIVE, serveDirectory(repoDir, '/charts/'));
    await syncAgain('repaired');
    const cured = await waitForProfile('web', 'Resolved');
    expect(cured.status?.resolved?.map((r) => `${r.name}=${r.version}`)).toEqual(['podinfo=6.5.0']);
    expect((await getProfile('steady')).metadata?.resourceVersion).toBe(steady.metadata?.resourceVersion);
  });
});
