import { Registry } from 'prom-client';
import { defaultControllerRateLimiter } from '../../src/controller/backoff.js';
import { FakeClock } from '../../src/controller/clock.js';
import { createMetrics } from '../../src/controller/metrics.js';
import { WorkQueue } from '../../src/controller/workqueue.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const matches = (l: Record<string, unknown>) => Object.entries(labels).every(([k, v]) => l[k] === v);
  return metric?.values.find((v) => matches(v.labels) && !('le' in v.labels))?.value;
}

describe('createMetrics', () => {
  it("registers controller-runtime's metric names on the given registry only", async () => {
    const registry = new Registry();
    createMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'controller_runtime_active_workers',
      'controller_runtime_max_concurrent_reconciles',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds',
      'controller_runtime_reconcile_total',
      'leader_election_master_status',
      'packyard_informer_restarts_total',
      'packyard_leader_lease_in_doubt',
      'rest_client_requests_total',
      'workqueue_adds_total',
      'workqueue_depth',
      'workqueue_longest_running_processor_seconds',
      'workqueue_queue_duration_seconds',
      'workqueue_retries_total',
      'workqueue_unfinished_work_seconds',
      'workqueue_work_duration_seconds',
    ]);
    // A second registry is independent.
    expect(() => createMetrics(new Registry())).not.toThrow();
  });

  it('is fed by a running queue', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const { workqueue, reconcile } = metrics.forController('packregistry');
    const clock = new FakeClock();
    const queue = new WorkQueue({
      clock,
      rateLimiter: defaultControllerRateLimiter({ clock, jitter: 0 }),
      metrics: workqueue,
      reconcileMetrics: reconcile,
      yieldBetweenKeys: flush, // yieldTurn's budget is real time; the steps below are not
    });
    const q = { name: 'packregistry', controller: 'packregistry' };
    const c = { controller: 'packregistry' };
    expect(await value(registry, 'controller_runtime_reconcile_total', { ...c, result: 'requeue_after' })).toBe(0);

    let release: () => void = () => {};
    void queue.run(4, async (key) => {
      if (key === 'bad') throw new Error('boom');
      if (key === 'slow') await new Promise<void>((resolve) => (release = resolve));
      return key === 'periodic' ? { requeueAfter: 60_000 } : undefined;
    });
    queue.add('ok');
    queue.add('bad');
    queue.add('periodic');
    queue.add('slow');
    await flush();
    // Short of bad's first retry (5 ms), which would otherwise run again.
    clock.advance(4);

    expect(await value(registry, 'workqueue_adds_total', q)).toBe(4);
    expect(await value(registry, 'controller_runtime_reconcile_total', { ...c, result: 'success' })).toBe(1);
    expect(await value(registry, 'controller_runtime_reconcile_total', { ...c, result: 'error' })).toBe(1);
    expect(await value(registry, 'controller_runtime_reconcile_total', { ...c, result: 'requeue_after' })).toBe(1);
    expect(await value(registry, 'controller_runtime_reconcile_errors_total', c)).toBe(1);
    // One rate-limited retry and one requeueAfter, both through addAfter as in client-go.
    expect(await value(registry, 'workqueue_retries_total', q)).toBe(2);
    expect(await value(registry, 'controller_runtime_max_concurrent_reconciles', c)).toBe(4);
    expect(await value(registry, 'controller_runtime_active_workers', c)).toBe(1);

    // Only `slow` is still in flight.
    expect(await value(registry, 'workqueue_unfinished_work_seconds', q)).toBeCloseTo(0.004);
    expect(await value(registry, 'workqueue_longest_running_processor_seconds', q)).toBeCloseTo(0.004);
    const workDuration = (await registry.getSingleMetric('workqueue_work_duration_seconds')?.get())?.values;
    expect(workDuration?.find((v) => v.labels.le === '+Inf')?.value).toBe(3);

    release();
    await flush();
    expect(await value(registry, 'workqueue_unfinished_work_seconds', q)).toBe(0);
    expect(await value(registry, 'controller_runtime_active_workers', c)).toBe(0);
    await queue.shutdown(0);
  });

  it('exposes the leader and informer handles', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    metrics.leaderElectionMasterStatus.set({ name: 'packyard' }, 1);
    metrics.informerRestarts.inc({ resource: 'packregistries' });
    const text = await registry.metrics();
    expect(text).toContain('leader_election_master_status{name="packyard"} 1');
    expect(text).toContain('packyard_informer_restarts_total{resource="packregistries"} 1');
  });
});
