// The controller runtime against a real apiserver: informers survive an apiserver restart, and an
// unchanged object costs no status write.
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { EVENT_TYPE, EventRecorder } from '../../src/controller/events.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { PACKREGISTRY } from '../../src/api/resource-types.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import { createLogger } from '../../src/controller/logger.js';
import { Manager } from '../../src/controller/manager.js';
import { repoRoot, startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { applyCrdsFromDir } from '../../src/local/crds.js';
import { startCuttableProxy } from '../harness/cuttable-proxy.js';
import { metricValue } from '../harness/metrics.js';
import { waitFor } from '../harness/wait.js';
import { registerEchoReconciler } from './fixtures/echo-reconciler.js';

const quietLog = createLogger({ level: 'fatal', name: 'test' });

function registry(name: string, url = 'https://charts.example.com'): PackRegistry {
  return {
    apiVersion: 'packyard.io/v1alpha1',
    kind: 'PackRegistry',
    metadata: { name },
    spec: { type: 'helm', url },
  } as PackRegistry;
}

async function startManager(kubeConfig: KubeConfig): Promise<Manager> {
  const manager = new Manager({
    kubeConfig,
    namespace: 'default',
    log: quietLog,
    metricsBindAddress: '0',
    probeBindAddress: '0',
    gracefulShutdownMs: 5_000,
  });
  registerEchoReconciler(manager);
  await manager.start();
  return manager;
}

const readyMessage = (r: PackRegistry | undefined) => r?.status?.conditions?.find((c) => c.type === 'Ready')?.message;

describe('controller runtime on a real apiserver', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let manager: Manager | undefined;

  beforeAll(async () => {
    cp = await startControlPlane({ log: () => {} });
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    await applyCrdsFromDir(kc, `${repoRoot()}/crds`);
    client = new KubeClient(kc);
    manager = await startManager(kc);
  }, 120_000);

  afterAll(async () => {
    await manager?.stop();
    await cp?.stop();
  });

  it('recovers after the apiserver restarts and reconciles what changed meanwhile', async () => {
    await client.create(PACKREGISTRY, registry('restart'));
    await waitFor('first reconcile', async () => readyMessage(await client.get<PackRegistry>(PACKREGISTRY, 'restart')));

    await cp.stopApiserver();
    await new Promise((r) => setTimeout(r, 1_500)); // let the informer notice and back off
    await cp.startApiserver();
    const upAt = Date.now();
    // Changed before the informer is back: only a relist or resumed watch can deliver it.
    const current = await client.get<PackRegistry>(PACKREGISTRY, 'restart');
    await client.update(PACKREGISTRY, { ...current, spec: { ...current.spec, url: 'https://changed.example.com' } });
    const reconciled = await waitFor(
      'reconcile of the change made while the watch was down',
      async () => {
        const r = await client.get<PackRegistry>(PACKREGISTRY, 'restart');
        return r.status?.observedGeneration === r.metadata.generation ? r : undefined;
      },
      60_000,
    );
    console.log(`recovery after apiserver restart: ${Date.now() - upAt} ms`);
    expect(reconciled.metadata.generation).toBe(2);
    expect(await metricValue(manager!, 'packyard_informer_restarts_total', {})).toBeGreaterThan(0);
  }, 120_000);

  it('makes no status write for an object that did not change', async () => {
    const m = manager!;
    const reconciles = () =>
      metricValue(m, 'controller_runtime_reconcile_total', { controller: 'echo', result: 'success' });
    const first = await reconciles();
    await client.create(PACKREGISTRY, registry('steady'));
    await waitFor('first reconcile', async () => readyMessage(await client.get<PackRegistry>(PACKREGISTRY, 'steady')));
    // The stored status can be read before the operator has its PATCH's answer (and counted it).
    await waitFor('first reconcile finished', async () => (await reconciles()) > first);
    const patchesBefore = await metricValue(m, 'rest_client_requests_total', { method: 'PATCH' });

    // Annotation changes trigger reconciles without changing anything the status depends on.
    for (let i = 0; i < 5; i++) {
      const before = await reconciles();
      await client.mergePatch(PACKREGISTRY, 'steady', undefined, { metadata: { annotations: { touch: String(i) } } });
      await waitFor(`reconcile after touch ${i}`, async () => (await reconciles()) > before);
    }
    expect(await metricValue(m, 'rest_client_requests_total', { method: 'PATCH' })).toBe(patchesBefore);
  }, 60_000);

  it('caches objects without managedFields, which the apiserver keeps on them', async () => {
    await client.create(PACKREGISTRY, registry('rt-lean') as never);
    const stored = await client.get<KubernetesObject>(PACKREGISTRY, 'rt-lean');
    expect(stored.metadata?.managedFields?.length).toBeGreaterThan(0);
    const cached = await waitFor('rt-lean cached', () =>
      manager!.informer<KubernetesObject>(PACKREGISTRY).get('rt-lean'),
    );
    expect(cached.metadata?.name).toBe('rt-lean');
    expect(cached.metadata).not.toHaveProperty('managedFields');
  });

  it('records events.k8s.io events and folds repeats into a series', async () => {
    const target = await client.create(PACKREGISTRY, registry('evented'));
    const recorder = new EventRecorder(client, 'packyard.io/test', 'test-instance');
    await recorder.record(
      target,
      'Warning',
      'AuthenticationFailed',
      'HTTP 401 from https://charts.example.com/index.yaml',
    );
    await recorder.record(
      target,
      'Warning',
      'AuthenticationFailed',
      'HTTP 401 from https://charts.example.com/index.yaml',
    );
    await recorder.record(target, 'Normal', 'Synced', 'synced 3 packs');
    const events = await client.list<
      KubernetesObject & { reason: string; series?: { count: number }; regarding: { uid: string } }
    >(EVENT_TYPE, { namespace: 'default' });
    const mine = events.items.filter((e) => e.regarding.uid === target.metadata?.uid);
    expect(mine.map((e) => [e.reason, e.series?.count]).sort()).toEqual([
      ['AuthenticationFailed', 2],
      ['Synced', undefined],
    ]);
  });

  it('writes events in the background, a few at a time, and drops what does not fit in its queue', async () => {
    const target = await client.create(PACKREGISTRY, registry('event-burst'));
    const recorder = new EventRecorder(client, 'packyard.io/test', 'test-instance', { maxQueued: 5 });
    // Recorded without waiting, as reconcilers do: 4 go out at once, 5 wait, the other 11 are dropped.
    for (let i = 0; i < 20; i++) void recorder.record(target, 'Normal', 'Burst', `event ${i}`);
    expect(recorder.pending).toBe(9);
    await recorder.flush(30_000);
    expect(recorder.pending).toBe(0);
    const events = await client.list<KubernetesObject & { note: string; regarding: { uid: string } }>(EVENT_TYPE, {
      namespace: 'default',
    });
    const notes = events.items.filter((e) => e.regarding.uid === target.metadata?.uid).map((e) => e.note);
    expect(notes.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `event ${i}`).sort());
  });

  it('writes an event recorded while the apiserver cannot be reached once it can, and one deleted since again', async () => {
    const target = await client.create(PACKREGISTRY, registry('event-outage'));
    const proxy = await startCuttableProxy(client.kubeConfig);
    const proxied = new KubeClient(proxy.kubeConfig);
    const recorder = new EventRecorder(proxied, 'packyard.io/test', 'test-instance', { retryDelayMs: 200 });
    type Event = KubernetesObject & { note: string; series?: { count: number }; regarding: { uid: string } };
    const mine = async () =>
      (await client.list<Event>(EVENT_TYPE, { namespace: 'default' })).items.filter(
        (e) => e.regarding.uid === target.metadata?.uid,
      );
    try {
      proxy.cut();
      const written = recorder.record(target, 'Normal', 'Synced', 'synced through an outage');
      await waitFor('a try that did not get through', () => proxy.refused >= 2);
      proxy.restore();
      await written;
      const [event] = await mine();
      expect(event).toMatchObject({ note: 'synced through an outage' });
      expect(await mine()).toHaveLength(1);

      await client.request('DELETE', `/apis/events.k8s.io/v1/namespaces/default/events/${event!.metadata!.name}`);
      await recorder.record(target, 'Normal', 'Synced', 'synced through an outage');
      const again = await mine();
      expect(again.map((e) => [e.note, e.series?.count])).toEqual([['synced through an outage', 2]]);
    } finally {
      recorder.stop();
      await proxied.close();
      await proxy.close();
    }
  });
});
