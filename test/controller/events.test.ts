// How the EventRecorder spaces its writes and what it remembers to deduplicate (pure unit tests: the
// client is a stand-in that counts the writes; runtime.test.ts writes real events to a real apiserver).
import type { KubernetesObject } from '@kubernetes/client-node';
import { FakeClock } from '../../src/controller/clock.js';
import { EventRecorder } from '../../src/controller/events.js';
import { KubeApiError, type KubeClient } from '../../src/controller/kube-client.js';

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

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
const settle = () => new Promise((resolve) => setImmediate(resolve));
/** A client whose writes fail with `failures` in turn, then succeed; it remembers what it was sent. */
function failingClient(failures: unknown[]) {
  const sent: { method: string; name: string; body: Record<string, unknown> }[] = [];
  const answer = async (method: string, name: string, body: Record<string, unknown>) => {
    sent.push({ method, name, body });
    const failure = failures.shift();
    if (failure) throw failure;
  };
  const client = {
    create: (_type: unknown, event: { metadata: { name: string } }) =>
      answer('create', event.metadata.name, event as unknown as Record<string, unknown>),
    mergePatch: (_type: unknown, name: string, _ns: unknown, patch: Record<string, unknown>) =>
      answer('patch', name, patch),
  } as unknown as KubeClient;
  return { client, sent };
}

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

  describe('a write the apiserver did not answer', () => {
    it('is tried again, ten seconds apart, under the same name, until it is written', async () => {
      const clock = new FakeClock();
      const { client, sent } = failingClient([refused(), refused()]);
      const recorder = new EventRecorder(client, 'packyard.io/test', 'i', { clock });
      let written = false;
      void recorder.record(target, 'Normal', 'LockChanged', 'resolved').then(() => (written = true));
      await settle();
      expect(sent).toHaveLength(1);
      clock.advance(10_000); // the first wait: a random part of ten seconds
      await settle();
      expect(sent).toHaveLength(2);
      clock.advance(9_999);
      await settle();
      expect(sent).toHaveLength(2);
      clock.advance(1);
      await settle();
      expect(sent.map((s) => s.name)).toEqual([sent[0]!.name, sent[0]!.name, sent[0]!.name]);
      expect(written).toBe(true);
      expect(recorder.pending).toBe(0);
    });

    it('that landed all the same (AlreadyExists on the next try) counts as written: a repeat patches it', async () => {
      const clock = new FakeClock();
      const { client, sent } = failingClient([refused(), new KubeApiError(409, 'AlreadyExists', 'exists')]);
      const recorder = new EventRecorder(client, 'packyard.io/test', 'i', { clock });
      const first = recorder.record(target, 'Normal', 'LockChanged', 'resolved');
      await settle();
      clock.advance(10_000);
      await first;
      await recorder.record(target, 'Normal', 'LockChanged', 'resolved');
      expect(sent.map((s) => [s.method, s.name])).toEqual([
        ['create', sent[0]!.name],
        ['create', sent[0]!.name],
        ['patch', sent[0]!.name],
      ]);
    });

    it('is given up after twelve tries; one the apiserver refuses is not tried again', async () => {
      const clock = new FakeClock();
      const { client, sent } = failingClient([
        ...Array.from({ length: 12 }, refused),
        new KubeApiError(422, 'Invalid', 'events.k8s.io "x" is invalid'),
      ]);
      const recorder = new EventRecorder(client, 'packyard.io/test', 'i', { clock });
      const first = recorder.record(target, 'Normal', 'LockChanged', 'resolved');
      for (let i = 0; i < 12; i++) {
        await settle();
        clock.advance(10_000);
      }
      await first;
      expect(sent).toHaveLength(12);
      // Never written, so not remembered: the repeat is a create of its own, refused once and for all.
      await recorder.record(target, 'Normal', 'LockChanged', 'resolved');
      expect(sent.map((s) => s.method)).toEqual(Array.from({ length: 13 }, () => 'create'));
      expect(sent[12]!.name).not.toBe(sent[0]!.name);
    });

    it('waits no longer once the recorder stops', async () => {
      const clock = new FakeClock();
      const { client, sent } = failingClient([refused()]);
      const recorder = new EventRecorder(client, 'packyard.io/test', 'i', { clock });
      const first = recorder.record(target, 'Normal', 'LockChanged', 'resolved');
      await settle();
      recorder.stop();
      await first;
      clock.advance(60_000);
      await settle();
      expect(sent).toHaveLength(1);
    });
  });

  it('creates an Event deleted since again, with its series, when a repeat cannot patch it', async () => {
    const { client, sent } = failingClient([undefined, new KubeApiError(404, 'NotFound', 'gone')]);
    const recorder = new EventRecorder(client, 'packyard.io/test', 'i');
    for (let i = 0; i < 3; i++) await recorder.record(target, 'Warning', 'ResolutionFailed', 'no version');
    expect(sent.map((s) => s.method)).toEqual(['create', 'patch', 'create', 'patch']);
    const [created, , again, patched] = sent;
    expect(again!.name).not.toBe(created!.name);
    expect(again!.body).toMatchObject({ reason: 'ResolutionFailed', note: 'no version', series: { count: 2 } });
    expect(patched).toMatchObject({ name: again!.name, body: { series: { count: 3 } } });
  });
});
