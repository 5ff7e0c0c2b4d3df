import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { PACKREGISTRY } from '../../src/api/resource-types.js';
import { Controller } from '../../src/controller/controller.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import { mergePatchFor, StatusWriter } from '../../src/controller/status-writer.js';
import { testKubeConfig } from '../harness/cluster.js';
import { testManager } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';

describe('mergePatchFor', () => {
  it('is empty when nothing changed', () => {
    const status = { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] };
    expect(mergePatchFor(status, structuredClone(status))).toEqual({});
  });

  it('carries changed keys and nulls removed ones', () => {
    expect(mergePatchFor({ a: 1, b: 2, c: [1] }, { a: 1, c: [2], d: 'x' })).toEqual({ b: null, c: [2], d: 'x' });
  });

  it('treats undefined in the desired status as removal', () => {
    expect(mergePatchFor({ etag: 'x' }, { etag: undefined })).toEqual({ etag: null });
  });
});

// A lost status write, reproduced deterministically on the real apiserver: the cached object a
// reconcile reads is held back (what a lagging watch shows), or the status is written by another
// client (a previous leader) while our cache says there is nothing to do.
describe('StatusWriter on a real apiserver', () => {
  const client = new KubeClient(testKubeConfig());
  const label = `status-writer-${randomBytes(3).toString('hex')}`;
  type Reg = PackRegistry & KubernetesObject;
  let n = 0;

  async function createRegistry(): Promise<Reg> {
    const name = `${label}-${++n}`;
    return client.create<Reg>(PACKREGISTRY, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      metadata: { name, labels: { test: label } },
      spec: { type: 'helm', url: 'https://charts.example.com' },
    } as unknown as Reg);
  }

  const status = (reason: string, message: string) => ({
    observedGeneration: 1,
    conditions: [
      {
        type: 'Ready',
        status: reason === 'Synced' ? 'True' : 'False',
        reason,
        message,
        observedGeneration: 1,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  });
  const A = status('Synced', 'synced 3 packs');
  const B = status('FetchFailed', 'connection refused');
  const readyOf = (r: Reg) => r.status?.conditions?.find((c) => c.type === 'Ready');

  afterAll(async () => {
    for (const r of (await client.list<Reg>(PACKREGISTRY, { labelSelector: `test=${label}` })).items)
      await client.delete(PACKREGISTRY, r.metadata!.name!);
  });

  it('writes A again after B although the cached object still shows A (its watch event has not arrived)', async () => {
    const writer = new StatusWriter(client);
    const created = await createRegistry();
    expect(await writer.write(PACKREGISTRY, created, A)).toBe(true);
    const cachedA = await client.get<Reg>(PACKREGISTRY, created.metadata!.name!); // what the cache holds from here on
    expect(await writer.write(PACKREGISTRY, cachedA, B)).toBe(true);
    expect(readyOf(await client.get<Reg>(PACKREGISTRY, created.metadata!.name!))?.reason).toBe('FetchFailed');

    // A→B→A while the cache still shows A: the write of A must not be skipped.
    await writer.write(PACKREGISTRY, cachedA, A);
    expect(readyOf(await client.get<Reg>(PACKREGISTRY, created.metadata!.name!))).toMatchObject({
      status: 'True',
      reason: 'Synced',
      message: 'synced 3 packs',
    });
  });

  it('never writes into an object re-created under the name of the cached one (the cache has not seen the delete)', async () => {
    const writer = new StatusWriter(client);
    const old = await createRegistry();
    const name = old.metadata!.name!;
    await writer.write(PACKREGISTRY, old, A);
    const cached = await client.get<Reg>(PACKREGISTRY, name); // the old object, with its status, as the cache holds it
    await client.delete(PACKREGISTRY, name);
    await waitFor('the old object gone', () =>
      client.get(PACKREGISTRY, name).then(
        () => false,
        () => true,
      ),
    );
    const recreated = await client.create<Reg>(PACKREGISTRY, {
      ...old,
      metadata: { name, labels: old.metadata!.labels },
    } as Reg);
    // A merge patch wrote what differs (conditions) into the new object: a status without observedGeneration.
    await expect(writer.write(PACKREGISTRY, cached, B)).rejects.toMatchObject({ code: 422 });
    expect((await client.get<Reg>(PACKREGISTRY, name)).status).toBeUndefined();
    // Its own reconcile, from the new object, writes it whole.
    expect(await writer.write(PACKREGISTRY, recreated, B)).toBe(true);
    expect((await client.get<Reg>(PACKREGISTRY, name)).status).toEqual(B);
  });

  it('removes a key whether or not the server still holds it, and keeps what the server holds beyond the cache', async () => {
    const writer = new StatusWriter(client);
    const created = await createRegistry();
    const name = created.metadata!.name!;
    await writer.write(PACKREGISTRY, created, { ...A, etag: 'x', revision: 'r1' });
    const cached = await client.get<Reg>(PACKREGISTRY, name);
    await client.mergePatch(
      PACKREGISTRY,
      name,
      undefined,
      { status: { etag: null, lastSyncTime: '2026-01-01T00:00:00Z' } },
      'status',
    );
    await writer.write(PACKREGISTRY, cached, { ...A, revision: 'r2' }); // etag removed (already gone on the server)
    expect((await client.get<Reg>(PACKREGISTRY, name)).status).toEqual({
      ...A,
      revision: 'r2',
      lastSyncTime: '2026-01-01T00:00:00Z',
    });
  });

  it('writes nothing once the cache shows its last write and nothing changed', async () => {
    const writes: string[] = [];
    const counting = new KubeClient(testKubeConfig(), (method, path) => method === 'PATCH' && writes.push(path));
    const writer = new StatusWriter(counting);
    const created = await createRegistry();
    await writer.write(PACKREGISTRY, created, A);
    const cached = await client.get<Reg>(PACKREGISTRY, created.metadata!.name!);
    expect(writer.isOwnWrite(cached)).toBe(true); // the echo of our write reaches the cache
    expect(await writer.write(PACKREGISTRY, cached, A)).toBe(false);
    expect(writes).toHaveLength(1);
  });

  it("reconciles a status someone else wrote (a previous leader's last write that its own cache had not seen)", async () => {
    const manager = testManager(testKubeConfig(), 'default');
    const registries = manager.informer<Reg>(PACKREGISTRY, { labelSelector: `test=${label}` });
    manager.add(
      new Controller<Reg>({
        name: 'status-writer-test',
        primary: registries,
        isOwnStatusWrite: (obj) => manager.statusWriter.isOwnWrite(obj),
        reconcile: async (key) => {
          const registry = registries.get(key);
          if (registry) await manager.statusWriter.write(PACKREGISTRY, registry, A);
        },
      }) as never,
    );
    await manager.start();
    try {
      const { metadata } = await createRegistry();
      const name = metadata!.name!;
      await waitFor(
        'the first reconcile',
        async () => readyOf(await client.get<Reg>(PACKREGISTRY, name))?.reason === 'Synced',
        10_000,
      );
      // Another writer sets B; our reconcile wants A, and only a reconcile triggered by this very
      // update can put it back (the next resync is minutes away).
      await client.mergePatch(PACKREGISTRY, name, undefined, { status: B }, 'status');
      await waitFor(
        'A to be written back',
        async () => readyOf(await client.get<Reg>(PACKREGISTRY, name))?.reason === 'Synced',
        10_000,
      );
    } finally {
      await manager.stop();
    }
  }, 30_000);
});
