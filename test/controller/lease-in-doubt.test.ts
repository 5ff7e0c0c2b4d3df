// A leader whose lease goes unrenewed past the renew deadline because the apiserver does not answer:
// it holds its writes and leads on once it renews (no other candidate can have led meanwhile), and
// gives up when another candidate took the lease. Each operator reaches the real apiserver through
// a proxy the test cuts, as an outage (both cut) or a partition (the leader alone cut).
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { CONFIGMAP } from '../../src/api/resource-types.js';
import { isNotFound, KubeClient } from '../../src/controller/kube-client.js';
import { LEASE_TYPE } from '../../src/controller/leader-election.js';
import { createLogger } from '../../src/controller/logger.js';
import { Manager } from '../../src/controller/manager.js';
import { testKubeConfig } from '../harness/cluster.js';
import { startCuttableProxy, type CuttableProxy } from '../harness/cuttable-proxy.js';
import { waitFor } from '../harness/wait.js';

type Lease = KubernetesObject & { spec: { holderIdentity?: string; leaseTransitions?: number } };

// client-go's defaults: under a loaded machine's apiserver a shorter deadline is lost for reasons of its own.
const TIMINGS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 1_000 };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

interface Candidate {
  manager: Manager;
  proxy: CuttableProxy;
  lost: () => boolean;
  inDoubt: () => Promise<boolean>;
  /** GETs answered 200: with no informers, the elector's reads of the lease. */
  reads: () => Promise<number>;
}

async function candidate(leaseName: string): Promise<Candidate> {
  const proxy = await startCuttableProxy(testKubeConfig());
  cleanups.push(() => proxy.close());
  let lost = false;
  const manager = new Manager({
    kubeConfig: proxy.kubeConfig,
    namespace: 'default',
    log: createLogger({ level: 'fatal', name: 'lease-in-doubt' }),
    metricsBindAddress: '0',
    probeBindAddress: '0',
    leaderElection: { enabled: true, leaseName, ...TIMINGS },
    onLostLeadership: () => (lost = true),
  });
  cleanups.push(() => manager.stop());
  await manager.start();
  const inDoubt = async () =>
    (await manager.metrics.leaderLeaseInDoubt.get()).values.find((v) => v.labels.name === leaseName)?.value === 1;
  const reads = async () =>
    (await manager.metrics.restClientRequests.get()).values.find(
      (v) => v.labels.method === 'GET' && v.labels.code === '200',
    )?.value ?? 0;
  return { manager, proxy, lost: () => lost, inDoubt, reads };
}

/** A ConfigMap created by `c`'s controllers' client (the fenced one), with its own 90 s deadline. */
function createConfigMap(c: Candidate, name: string): Promise<unknown> {
  return c.manager.client.request('POST', '/api/v1/namespaces/default/configmaps', {
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { by: c.manager.identity } },
    signal: AbortSignal.timeout(90_000),
  });
}

describe('a leader whose lease is in doubt', () => {
  const client = new KubeClient(testKubeConfig());
  afterAll(() => client.close());
  const lease = (name: string) => client.get<Lease>(LEASE_TYPE, name, 'default');
  const configMapExists = (name: string) =>
    client.get(CONFIGMAP, name, 'default').then(
      () => true,
      (err) => (isNotFound(err) ? false : Promise.reject(err)),
    );

  it('holds its writes through an apiserver outage longer than the renew deadline, then leads on', async () => {
    const leaseName = `in-doubt-${randomBytes(3).toString('hex')}`;
    const a = await candidate(leaseName);
    await waitFor('a to lead', () => a.manager.isLeader(), 30_000);
    const b = await candidate(leaseName);
    await waitFor('b to see a hold the lease', async () => (await b.reads()) >= 2, 30_000, 50);
    const { leaseTransitions } = (await lease(leaseName)).spec;

    const cutAt = Date.now();
    a.proxy.cut();
    b.proxy.cut();
    await waitFor('a in doubt', a.inDoubt, 60_000);
    const configMap = `held-${randomBytes(3).toString('hex')}`;
    const held = createConfigMap(a, configMap);
    // Down longer than the lease duration: a candidate counting through the outage would take the
    // lease at its first read. B reads first, twice, before A can renew.
    await waitFor('the lease duration to pass', () => Date.now() - cutAt > TIMINGS.leaseDurationMs + 1_000, 60_000);
    expect(await configMapExists(configMap)).toBe(false);
    const readsBefore = await b.reads();
    b.proxy.restore();
    await waitFor(
      'b to read the lease twice',
      async () => b.manager.isLeader() || (await b.reads()) >= readsBefore + 2,
      30_000,
      50,
    );
    expect(b.manager.isLeader()).toBe(false);
    a.proxy.restore();
    await waitFor('a out of doubt', async () => !(await a.inDoubt()), 30_000);
    await held;
    cleanups.push(() => client.delete(CONFIGMAP, configMap, 'default'));
    expect(await configMapExists(configMap)).toBe(true);

    expect(a.manager.isLeader()).toBe(true);
    expect(a.lost()).toBe(false);
    expect(b.manager.isLeader()).toBe(false);
    const after = (await lease(leaseName)).spec;
    expect(after.holderIdentity).toBe(a.manager.identity);
    expect(after.leaseTransitions).toBe(leaseTransitions);
  }, 120_000);

  it('gives up, with none of the held writes sent, when another candidate took the lease meanwhile', async () => {
    const leaseName = `taken-${randomBytes(3).toString('hex')}`;
    const a = await candidate(leaseName);
    await waitFor('a to lead', () => a.manager.isLeader(), 30_000);
    const b = await candidate(leaseName);
    await waitFor('b to see a hold the lease', async () => (await b.reads()) >= 2, 30_000, 50);

    a.proxy.cut(); // B still reaches the apiserver: it sees the lease go unrenewed and takes it
    await waitFor('a in doubt', a.inDoubt, 60_000);
    const configMap = `held-${randomBytes(3).toString('hex')}`;
    let settled = false;
    // Held: it ends only at its own deadline, long after the process would have exited.
    void createConfigMap(a, configMap)
      .catch(() => {})
      .finally(() => (settled = true));
    await waitFor('b to lead', () => b.manager.isLeader(), 60_000);
    expect(a.lost()).toBe(false); // A cannot know yet
    a.proxy.restore();
    await waitFor('a to find the lease taken', () => a.lost(), 30_000);

    expect(a.manager.isLeader()).toBe(false);
    expect((await lease(leaseName)).spec.holderIdentity).toBe(b.manager.identity);
    expect(await configMapExists(configMap)).toBe(false);
    expect(settled).toBe(false); // still held, not sent and refused
  }, 120_000);
});
