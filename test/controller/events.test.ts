// How the EventRecorder spaces its writes and what it remembers to deduplicate (pure unit tests: the
// client is a stand-in that counts the writes; runtime.test.ts writes real events to a real apiserver).
import type { KubernetesObject } from '@kubernetes/client-node';
import { EventRecorder } from '../../src/controller/events.js';
import type { KubeClient } from '../../src/controller/kube-client.js';

/** A client whose creates wait until released, one by one, in order. */
function heldClient() {
  const held: (() => void)[] = [];
  const client = {
    create: () => new Promise<void>((resolve) => held.push(resolve)),
  } as unknown as KubeClient;
  return {
    client,
    get inFlight() {
      return held.length;
    },
    async releaseOne() {
      held.shift()!();
      // Every promise callback runs before setImmediate's: the recorder has seen the write end.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const target: KubernetesObject = {
  apiVersion: 'packyard.io/v1alpha1',
  kind: 'ClusterProfile',
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
};

describe('EventRecorder', () => {
  it('writes one event at a time while status writes are in flight, a few at a time once they are done', async () => {
    const server = heldClient();
    let busy = true;
    const recorder = new EventRecorder(server.client, 'packyard.io/test', 'i', { busy: () => busy });
    for (let i = 0; i < 8; i++) void recorder.record(target, 'Normal', 'LockChanged', `event ${i}`);
    expect(server.inFlight).toBe(1);
    await server.releaseOne();
    expect(server.inFlight).toBe(1);
    busy = false;
    await server.releaseOne();
    expect(server.inFlight).toBe(4);
    expect(recorder.pending).toBe(6);
  });

  it('remembers the 4,096 most recently seen events: a repeat of one of them patches, of an older one creates', async () => {
    const writes = { create: 0, patch: 0 };
    const client = {
      create: async () => void writes.create++,
      mergePatch: async () => void writes.patch++,
    } as unknown as KubeClient;
    const recorder = new EventRecorder(client, 'packyard.io/test', 'i');
    const record = (i: number) => recorder.record(target, 'Normal', 'LockChanged', `event ${i}`);
    for (let i = 0; i < 4096; i++) await record(i);
    await record(0); // a repeat: patched, and the most recently seen now
    expect(writes).toEqual({ create: 4096, patch: 1 });
    for (let i = 4096; i < 4096 + 4095; i++) await record(i); // pushes out 1…4095, the least recently seen
    await record(0);
    expect(writes).toEqual({ create: 4096 + 4095, patch: 2 });
    await record(1);
    expect(writes).toEqual({ create: 4096 + 4095 + 1, patch: 2 });
  });
});
