// Sharding as Flux does it: two operator processes on one real apiserver, each with its own
// --watch-label-selector and its own leader election. Every PackRegistry and ClusterProfile is
// reconciled by exactly one of them, and a profile in one shard resolves Packs the other synced.
import { rmSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { CLUSTERPROFILE, PACKREGISTRY } from '../../src/api/resource-types.js';
import { EVENT_TYPE } from '../../src/controller/events.js';
import { LEASE_TYPE } from '../../src/controller/leader-election.js';
import { leaderElectionId } from '../../src/controller/manager.js';
import { makeHelmRepository, type ChartSpec } from '../harness/helm-charts.js';
import { serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { startOperatorProcess, type OperatorProcess } from '../harness/operator-process.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { waitFor } from '../harness/wait.js';
import { clusterProfile, packRegistry } from '../harness/objects.js';

const MAIN = new URL('../../src/main.js', import.meta.url);
const SHARD_LABEL = 'packyard.io/shard';
const SELECTORS = { a: `${SHARD_LABEL}=a`, main: `!${SHARD_LABEL}` } as const;
const charts: ChartSpec[] = [
  { name: 'alpha', version: '1.0.0' },
  { name: 'alpha', version: '1.1.0' },
  { name: 'beta', version: '2.0.0' },
];

let cluster: TestCluster;
let server: TestServer;
let repoDir: string;
const shards: Partial<Record<keyof typeof SELECTORS, OperatorProcess>> = {};

type Event = KubernetesObject & { reportingInstance?: string; regarding?: { kind?: string; name?: string } };
type Profile = ClusterProfile & KubernetesObject;

beforeAll(async () => {
  cluster = await startTestCluster();
  repoDir = makeHelmRepository(charts);
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/') } });
  for (const [shard, selector] of Object.entries(SELECTORS) as [keyof typeof SELECTORS, string][]) {
    shards[shard] = await startOperatorProcess(MAIN, cluster.kubeconfigPath, [
      '--namespace=default',
      '--leader-elect',
      `--watch-label-selector=${selector}`,
    ]);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(shards).map((p) => p.stop('SIGKILL')));
  await server?.close();
  await cluster?.stop();
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
});

const shardLabels = (shard: 'a' | 'main') => (shard === 'a' ? { labels: { [SHARD_LABEL]: 'a' } } : {});

async function createRegistry(name: string, shard: 'a' | 'main') {
  await cluster.client.create(
    PACKREGISTRY,
    packRegistry(name, { type: 'helm', url: `${server.url}/charts` }, shardLabels(shard)),
  );
}

async function createProfile(name: string, shard: 'a' | 'main', registry: string, chart: string) {
  const spec = { type: 'add-on', packs: [{ name: chart, layer: 'addon', registry, version: 'latest' }] };
  await cluster.client.create(CLUSTERPROFILE, clusterProfile(name, 'default', spec, shardLabels(shard)));
}

const readyReason = (o: { status?: { conditions?: { type: string; reason: string }[] } }) =>
  o.status?.conditions?.find((c) => c.type === 'Ready')?.reason;

/** The instances that recorded events about an object: who reconciled it. */
async function reporters(kind: string, name: string): Promise<Set<string>> {
  const { items: events } = await cluster.client.list<Event>(EVENT_TYPE, { namespace: 'default' });
  return new Set(
    events.filter((e) => e.regarding?.kind === kind && e.regarding.name === name).map((e) => e.reportingInstance ?? ''),
  );
}

describe('sharding with --watch-label-selector', () => {
  it('reconciles each object in exactly one shard, and resolves across shards', async () => {
    const a = shards.a!;
    const main = shards.main!;
    // Each shard elects its own leader, on a Lease named after its selector.
    for (const [shard, selector] of Object.entries(SELECTORS) as [keyof typeof SELECTORS, string][]) {
      await waitFor(`shard ${shard} to lead`, async () => {
        const lease = await cluster.client.get<KubernetesObject & { spec: { holderIdentity?: string } }>(
          LEASE_TYPE,
          leaderElectionId('packyard', selector),
          'default',
        );
        return lease.spec.holderIdentity === shards[shard]!.identity;
      });
    }

    await createRegistry('reg-a', 'a');
    await createRegistry('reg-main', 'main');
    // Each profile uses the other shard's registry.
    await createProfile('prof-a', 'a', 'reg-main', 'beta');
    await createProfile('prof-main', 'main', 'reg-a', 'alpha');

    for (const name of ['reg-a', 'reg-main']) {
      await waitFor(
        `${name} synced`,
        async () => readyReason(await cluster.client.get<PackRegistry>(PACKREGISTRY, name)) === 'Synced',
      );
    }
    const resolved = async (name: string) => {
      const p = await cluster.client.get<Profile>(CLUSTERPROFILE, name, 'default');
      return readyReason(p) === 'Resolved'
        ? p.status?.resolved?.map((r) => `${r.registry}/${r.chart}=${r.version}`)
        : undefined;
    };
    expect(await waitFor('prof-a resolved', () => resolved('prof-a'))).toEqual(['reg-main/beta=2.0.0']);
    expect(await waitFor('prof-main resolved', () => resolved('prof-main'))).toEqual(['reg-a/alpha=1.1.0']);

    // Exactly one reporter per object, and it is the shard the object's labels name.
    expect(await waitFor('reg-a events', () => reporters('PackRegistry', 'reg-a').then((s) => s.size && s))).toEqual(
      new Set([a.identity]),
    );
    expect(
      await waitFor('reg-main events', () => reporters('PackRegistry', 'reg-main').then((s) => s.size && s)),
    ).toEqual(new Set([main.identity]));
    expect(
      await waitFor('prof-a events', () => reporters('ClusterProfile', 'prof-a').then((s) => s.size && s)),
    ).toEqual(new Set([a.identity]));
    expect(
      await waitFor('prof-main events', () => reporters('ClusterProfile', 'prof-main').then((s) => s.size && s)),
    ).toEqual(new Set([main.identity]));

    // A profile moving shards is picked up by its new shard (the old one drops it from its cache).
    await cluster.client.mergePatch(CLUSTERPROFILE, 'prof-main', 'default', {
      metadata: { labels: { [SHARD_LABEL]: 'a' } },
      spec: { packs: [{ name: 'alpha', layer: 'addon', registry: 'reg-a', version: '1.0.x' }] },
    });
    expect(
      await waitFor('prof-main re-resolved by shard a', () =>
        resolved('prof-main').then((r) => r?.[0]?.endsWith('1.0.0') && r),
      ),
    ).toEqual(['reg-a/alpha=1.0.0']);
    const movedReporters = await waitFor('a LockChanged from shard a', async () => {
      const s = await reporters('ClusterProfile', 'prof-main');
      return s.has(a.identity) && s;
    });
    expect(movedReporters).toEqual(new Set([main.identity, a.identity]));
  }, 120_000);
});
