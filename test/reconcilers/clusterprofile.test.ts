// ClusterProfile resolution end to end: the real manager resolves profiles against Packs synced from
// a real Helm repository (helm CLI), and writes the lock, conditions and events into the apiserver.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack } from '../../src/api/pack.js';
import { CLUSTERPROFILE, CONFIGMAP, PACK, PACKREGISTRY } from '../../src/api/resource-types.js';
import { EVENT_TYPE } from '../../src/controller/events.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { makeHelmRepository, publishChart, reindex, type ChartSpec } from '../harness/helm-charts.js';
import { serveDirectory, startServer, status, type TestServer } from '../harness/http-server.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { metricValue } from '../harness/metrics.js';
import { startOperator } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';
import { clusterProfile, layer, packRegistry } from '../harness/objects.js';

type Profile = ClusterProfile & KubernetesObject;
const NS = 'default';
const charts: ChartSpec[] = [
  { name: 'ubuntu', version: '22.4.0', annotations: layer('os') },
  { name: 'ubuntu', version: '24.4.1', annotations: layer('os') },
  { name: 'kubernetes', version: '1.29.5', annotations: layer('k8s') },
  { name: 'kubernetes', version: '1.30.2', annotations: layer('k8s') },
  { name: 'cilium', version: '1.15.0', appVersion: '1.15.0', annotations: layer('cni') },
  { name: 'cilium', version: '1.15.3', appVersion: '1.15.3', annotations: layer('cni') },
  { name: 'cilium', version: '1.16.0-rc.1', annotations: layer('cni') },
  { name: 'podinfo', version: '6.5.0', kubeVersion: '>=1.30.0-0' },
];

let cluster: TestCluster;
let client: KubeClient;
let server: TestServer;
let repoDir: string;
let manager: Manager;

const infraPacks = (cilium = '^1.15') => [
  { name: 'ubuntu', layer: 'os', version: '24.x' },
  { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
  { name: 'cilium', layer: 'cni', version: cilium },
];
async function createProfile(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.create(CLUSTERPROFILE, clusterProfile(name, NS, spec));
}
const getProfile = (name: string) => client.get<Profile>(CLUSTERPROFILE, name, NS);
const ready = (p: Profile) => p.status?.conditions?.find((c) => c.type === 'Ready');
async function waitForProfile(
  name: string,
  reason: string,
  extra: (p: Profile) => boolean = () => true,
): Promise<Profile> {
  return waitFor(`${name} ${reason}`, async () => {
    const p = await getProfile(name);
    return p.status?.observedGeneration === p.metadata?.generation && ready(p)?.reason === reason && extra(p)
      ? p
      : undefined;
  });
}
const lockOf = (p: Profile) => Object.fromEntries((p.status?.resolved ?? []).map((r) => [r.name, r.version]));
async function syncRegistry(value: string) {
  await client.mergePatch(PACKREGISTRY, 'charts', undefined, {
    metadata: { annotations: { 'packyard.io/sync-requested-at': value } },
  });
}

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  repoDir = makeHelmRepository(charts);
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/'), '/down/': status(503) } });
  manager = await startOperator(cluster.kubeConfig, 'default');
  await client.create(
    PACKREGISTRY,
    packRegistry('charts', { type: 'helm', url: `${server.url}/charts`, default: true }),
  );
  await waitFor(
    'the registry synced',
    async () => (await client.get<Pack & KubernetesObject>(PACK, 'charts.cilium').catch(() => undefined)) !== undefined,
  );
}, 120_000);

afterAll(async () => {
  await manager?.stop();
  await server?.close();
  await cluster?.stop();
  rmSync(repoDir, { recursive: true, force: true });
});

describe('ClusterProfile resolution', () => {
  it('resolves an infra profile to exact versions, digests and URLs', async () => {
    await createProfile('edge', { type: 'infra', packs: infraPacks() });
    const p = await waitForProfile('edge', 'Resolved');
    expect(lockOf(p)).toEqual({ ubuntu: '24.4.1', kubernetes: '1.30.2', cilium: '1.15.3' });
    const cilium = p.status!.resolved!.find((r) => r.name === 'cilium')!;
    expect(cilium).toMatchObject({
      layer: 'cni',
      registry: 'charts',
      chart: 'cilium',
      appVersion: '1.15.3',
      url: `${server.url}/charts/cilium-1.15.3.tgz`,
    });
    expect(cilium.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(p.status?.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(p.status?.conditions?.find((c) => c.type === 'Resolved')?.status).toBe('True');
    // Events are recorded after the status write: wait for it rather than race it.
    await waitFor('the LockChanged event', async () => {
      const events = await client.list<KubernetesObject & { reason: string; regarding: { name: string } }>(EVENT_TYPE, {
        namespace: NS,
      });
      return events.items.some((e) => e.regarding.name === 'edge' && e.reason === 'LockChanged');
    });
  });

  it('follows a new version under Auto and offers it under Manual until an update is requested', async () => {
    await createProfile('manual', { type: 'infra', updatePolicy: 'Manual', packs: infraPacks() });
    await waitForProfile('manual', 'Resolved');
    publishChart({ name: 'cilium', version: '1.15.4', annotations: layer('cni') }, repoDir);
    await syncRegistry('new-cilium');

    const auto = await waitForProfile('edge', 'Resolved', (p) => lockOf(p).cilium === '1.15.4');
    expect(auto.status?.updatesAvailable).toBeUndefined();
    const manual = await waitForProfile('manual', 'Resolved', (p) => (p.status?.updatesAvailable?.length ?? 0) > 0);
    expect(lockOf(manual).cilium).toBe('1.15.3');
    expect(manual.status?.updatesAvailable).toEqual([{ name: 'cilium', current: '1.15.3', available: '1.15.4' }]);

    await client.mergePatch(CLUSTERPROFILE, 'manual', NS, {
      metadata: { annotations: { 'packyard.io/update-requested-at': 'now' } },
    });
    const updated = await waitForProfile('manual', 'Resolved', (p) => lockOf(p).cilium === '1.15.4');
    expect(updated.status?.lastHandledUpdateRequest).toBe('now');
    expect(updated.status?.updatesAvailable).toBeUndefined();
  });

  it('keeps the last good lock when a new resolution fails, and says why', async () => {
    const before = await getProfile('edge');
    await client.mergePatch(CLUSTERPROFILE, 'edge', NS, { spec: { packs: infraPacks('^2.0') } });
    const failed = await waitForProfile('edge', 'NoMatchingVersion');
    expect(ready(failed)?.message).toContain('cilium ^2.0 matches none of');
    expect(ready(failed)?.status).toBe('False');
    expect(failed.status?.resolved).toEqual(before.status?.resolved);
    expect(failed.status?.revision).toBe(before.status?.revision);
    await client.mergePatch(CLUSTERPROFILE, 'edge', NS, { spec: { packs: infraPacks() } });
    await waitForProfile('edge', 'Resolved');
  });

  it.each([
    [
      'PackNotFound',
      { type: 'add-on', packs: [{ name: 'cilum', layer: 'addon', version: '1.x' }] },
      'pack cilum not found in registry charts; it offers: cilium',
    ],
    [
      'IncompatibleKubeVersion',
      {
        type: 'full',
        packs: [
          ...infraPacks().slice(0, 1),
          { name: 'kubernetes', layer: 'k8s', version: '1.29.x' },
          infraPacks()[2],
          { name: 'podinfo', layer: 'addon', version: '6.5.0' },
        ],
      },
      '>=1.30.0-0',
    ],
    [
      'InvalidValues',
      { type: 'add-on', packs: [{ name: 'podinfo', layer: 'addon', version: 'latest', values: '- not\n- a map\n' }] },
      'values of pack podinfo',
    ],
    [
      'InvalidValues',
      {
        type: 'add-on',
        packs: [
          { name: 'podinfo', layer: 'addon', version: 'latest', valuesFrom: [{ kind: 'ConfigMap', name: 'absent' }] },
        ],
      },
      'ConfigMap default/absent',
    ],
    [
      'RegistryNotReady',
      { type: 'add-on', packs: [{ name: 'podinfo', layer: 'addon', registry: 'down', version: 'latest' }] },
      'down',
    ],
  ])('reports %s with a message naming the pack', async (reason, spec, fragment) => {
    if (reason === 'RegistryNotReady') {
      await client
        .create(PACKREGISTRY, packRegistry('down', { type: 'helm', url: `${server.url}/down` }))
        .catch(() => {});
    }
    const name = `bad-${reason.toLowerCase()}-${Math.random().toString(36).slice(2, 7)}`;
    await createProfile(name, spec);
    const p = await waitForProfile(name, reason);
    expect(ready(p)?.message).toContain(fragment);
    expect(p.status?.resolved).toBeUndefined();
  });

  it('resolves once a missing valuesFrom ConfigMap appears and the profile is touched', async () => {
    await createProfile('with-values', {
      type: 'add-on',
      packs: [
        {
          name: 'podinfo',
          layer: 'addon',
          version: 'latest',
          valuesFrom: [{ kind: 'ConfigMap', name: 'podinfo-values' }],
        },
      ],
    });
    await waitForProfile('with-values', 'InvalidValues');
    await client.create(CONFIGMAP, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'podinfo-values', namespace: NS },
      data: { 'values.yaml': 'replicaCount: 3\n' },
    } as never);
    await client.mergePatch(CLUSTERPROFILE, 'with-values', NS, { metadata: { annotations: { touch: '1' } } });
    await waitForProfile('with-values', 'Resolved');
  });

  it('fails profiles that rely on the default registry when two registries claim it', async () => {
    await client.create(
      PACKREGISTRY,
      packRegistry('second-default', { type: 'helm', url: `${server.url}/charts`, default: true }),
    );
    const p = await waitForProfile('edge', 'DefaultRegistryAmbiguous');
    expect(ready(p)?.message).toMatch(/charts.*second-default/);
    await client.delete(PACKREGISTRY, 'second-default');
    await waitForProfile('edge', 'Resolved');
  });

  it('re-resolves only the profiles that reference a changed pack', async () => {
    const reconciles = () =>
      metricValue(manager, 'controller_runtime_reconcile_total', { controller: 'clusterprofile' });
    const quiet = async () => {
      let last = await reconciles();
      for (;;) {
        await new Promise((r) => setTimeout(r, 2_000)); // generous: this box is shared and slow at times
        const now = await reconciles();
        if (now === last) return now;
        last = now;
      }
    };
    // Quiet first, then the versions: a write still landing from an earlier test (the box is loaded at
    // times) would otherwise count as a write of the change.
    const before = await quiet();
    const profiles = (await client.list<Profile>(CLUSTERPROFILE)).items;
    const referencing = profiles.filter((p) =>
      p.spec.packs.some((pk) => (pk.chart ?? pk.name) === 'podinfo' && (pk.registry ?? 'charts') === 'charts'),
    );
    expect(referencing.length).toBeGreaterThan(0);
    expect(referencing.length).toBeLessThan(profiles.length);
    const versionsBefore = new Map(profiles.map((p) => [p.metadata!.name!, p.metadata!.resourceVersion]));
    publishChart({ name: 'podinfo', version: '6.6.0' }, repoDir);
    await syncRegistry('fan-out');
    await waitFor(
      'podinfo 6.6.0 in the catalogue',
      async () => (await client.get<Pack & KubernetesObject>(PACK, 'charts.podinfo')).spec.latest === '6.6.0',
    );
    const reconciled = (await quiet()) - before;
    // Each referencing profile is reconciled; a late echo of its own status write may wake it once more.
    expect(reconciled).toBeGreaterThanOrEqual(referencing.length);
    expect(reconciled).toBeLessThanOrEqual(2 * referencing.length);
    // What matters to users: no profile that does not reference the pack was written (a referencing
    // one whose resolution fails for another reason keeps its status, so it is not written either).
    const after = (await client.list<Profile>(CLUSTERPROFILE)).items;
    const rewritten = after
      .filter((p) => p.metadata!.resourceVersion !== versionsBefore.get(p.metadata!.name!))
      .map((p) => p.metadata!.name!);
    expect(rewritten.length).toBeGreaterThan(0);
    expect(referencing.map((p) => p.metadata!.name!)).toEqual(expect.arrayContaining(rewritten));
  });

  it('keeps the last good lock with a clear condition when a chart is deleted from the repository', async () => {
    const before = await waitForProfile('edge', 'Resolved');
    for (const file of readdirSync(repoDir).filter((f) => f.startsWith('ubuntu-'))) rmSync(join(repoDir, file));
    reindex(repoDir);
    await syncRegistry('ubuntu-gone');
    const p = await waitForProfile('edge', 'PackNotFound');
    expect(ready(p)?.message).toContain('pack ubuntu not found in registry charts');
    expect(p.status?.resolved).toEqual(before.status?.resolved);
    expect(p.status?.revision).toBe(before.status?.revision);
  });
});
