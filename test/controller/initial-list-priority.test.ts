// A new leader's initial list only re-checks what it finds; a change made meanwhile must not wait
// behind it (controller-runtime's priority queue). Checked on the real apiserver with one worker held
// on the first key, so what the queue hands out next is exactly what it put first.
import { randomBytes } from 'node:crypto';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { PACKREGISTRY } from '../../src/api/resource-types.js';
import { Controller } from '../../src/controller/controller.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import { testKubeConfig } from '../harness/cluster.js';
import { testManager } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';

type Reg = PackRegistry & { metadata: { name: string; resourceVersion?: string } };

const label = randomBytes(4).toString('hex');
const names = Array.from({ length: 30 }, (_, i) => `priority-${label}-${String(i).padStart(2, '0')}`);
const client = new KubeClient(testKubeConfig());

beforeAll(async () => {
  for (const name of names)
    await client.create(PACKREGISTRY, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      metadata: { name, labels: { test: label } },
      spec: { type: 'helm', url: 'https://charts.example.com', suspend: true },
    } as never);
}, 60_000);

afterAll(async () => {
  for (const name of names) await client.delete(PACKREGISTRY, name).catch(() => undefined);
  await client.close();
});

it("a change made during a new leader's initial pass is reconciled before the rest of that pass", async () => {
  const manager = testManager(testKubeConfig(), 'default');
  const registries = manager.informer<Reg>(PACKREGISTRY, { labelSelector: `test=${label}` });
  const reconciled: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  manager.add(
    new Controller<Reg>({
      name: 'priority-test',
      primary: registries,
      workers: 1,
      reconcile: async (key) => {
        reconciled.push(key);
        if (reconciled.length === 1) await held;
      },
    }) as never,
  );
  await manager.start();
  try {
    await waitFor('the first key of the initial list', () => reconciled.length === 1 && registries.hasSynced());
    // The last of the list (the apiserver lists by name) changes while the first is held.
    const last = names.at(-1)!;
    const changed = await client.mergePatch<Reg>(PACKREGISTRY, last, undefined, {
      spec: { url: 'https://charts.example.org' },
    });
    await waitFor(
      'the change in the cache',
      () => registries.get(last)?.metadata.resourceVersion === changed.metadata.resourceVersion,
    );
    release();
    await waitFor('the whole initial pass', () => new Set(reconciled).size === names.length);
    expect(reconciled[0]).toBe(names[0]);
    expect(reconciled[1]).toBe(last);
    expect(reconciled.filter((k) => k === last)).toHaveLength(1);
  } finally {
    release();
    await manager.stop();
  }
}, 60_000);
