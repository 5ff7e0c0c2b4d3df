import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { APISERVER_CONNECTIONS } from '../../src/controller/apiserver-transport.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import { LEASE_TYPE } from '../../src/controller/leader-election.js';
import { createLogger } from '../../src/controller/logger.js';
import { Manager } from '../../src/controller/manager.js';
import { testKubeConfig } from '../harness/cluster.js';
import { waitFor } from '../harness/wait.js';

type Lease = KubernetesObject & { spec: { holderIdentity?: string; renewTime?: string } };

describe('lease renewal under load', () => {
  let manager: Manager | undefined;
  const held: AbortController[] = [];
  afterAll(async () => {
    for (const c of held) c.abort();
    await manager?.stop();
  });

  it("goes on while every connection of the reconcilers' client is busy", async () => {
    const leaseName = `renewal-${randomBytes(3).toString('hex')}`;
    let lost = false;
    manager = new Manager({
      kubeConfig: testKubeConfig(),
      namespace: 'default',
      log: createLogger({ level: 'error', name: 'lease-renewal' }),
      metricsBindAddress: '0',
      probeBindAddress: '0',
      // client-go's defaults: under a loaded machine's apiserver a shorter deadline is lost for reasons of its own.
      leaderElection: {
        enabled: true,
        leaseName,
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 1_000,
      },
      onLostLeadership: () => (lost = true),
    });
    await manager.start();
    await waitFor('leadership', async () => manager!.isLeader(), 30_000);

    // Every pooled connection held by a request that takes 60 s to answer (a watch that ends on its
    // own timeout), as a burst of slow reconciles would hold them.
    const m = manager;
    for (let i = 0; i < APISERVER_CONNECTIONS + 4; i++) {
      const abort = new AbortController();
      held.push(abort);
      void m.client
        .request('GET', '/api/v1/namespaces/default/configmaps', {
          query: { watch: 1, timeoutSeconds: 60 },
          signal: abort.signal,
        })
        .catch(() => {});
    }
    const client = new KubeClient(testKubeConfig());
    const renewTime = async () => (await client.get<Lease>(LEASE_TYPE, leaseName, 'default')).spec.renewTime;
    // The pool really is full: a request of the reconcilers' client waits, and its deadline still
    // ends it (Node itself would report the abort only when a held connection frees, 60 s on).
    const queuedAt = Date.now();
    const queued = m.client.request('GET', '/api/v1/namespaces/default', { signal: AbortSignal.timeout(1_500) });
    await expect(queued).rejects.toMatchObject({ name: 'AbortError', cause: { name: 'TimeoutError' } });
    expect(Date.now() - queuedAt).toBeLessThan(30_000);

    const seen = new Set([await renewTime()]);
    await waitFor(
      'three renewals while the pool is full',
      async () => seen.add(await renewTime()).size > 3,
      45_000,
      100,
    );
    expect(m.isLeader()).toBe(true);
    expect(lost).toBe(false);
    await client.close();
  }, 90_000);
});
