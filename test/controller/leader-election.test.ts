// Two operator processes on one real apiserver: only the leader reconciles; a graceful stop hands the
import type { KubernetesObject } from '@kubernetes/client-node';
// lease over at once, and a kill -9 hands it over once the lease expires.
import type { PackRegistry } from '../../src/api/packregistry.js';
import { PACKREGISTRY } from '../../src/api/resource-types.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import { LEASE_TYPE } from '../../src/controller/leader-election.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperatorProcess, type OperatorProcess } from '../harness/operator-process.js';
import { waitFor } from '../harness/wait.js';

const SCRIPT = new URL('./fixtures/test-operator.js', import.meta.url);
const LEASE = 'packyard-leader';
let cluster: TestCluster;
let client: KubeClient;
const processes: OperatorProcess[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
}, 120_000);

const start = async () => {
  const p = await startOperatorProcess(SCRIPT, cluster.kubeconfigPath, ['--leader-elect', '--namespace=default']);
  processes.push(p);
  return p;
};
const holder = async () =>
  (await client.get<KubernetesObject & { spec: { holderIdentity?: string } }>(LEASE_TYPE, LEASE, 'default')).spec
    .holderIdentity;
const reconciledBy = async (name: string) =>
  (await client.get<PackRegistry>(PACKREGISTRY, name)).status?.conditions?.find((c) => c.type === 'Ready')?.message;
const createRegistry = (name: string) =>
  client.create(PACKREGISTRY, {
    apiVersion: 'packyard.io/v1alpha1',
    kind: 'PackRegistry',
    metadata: { name },
    spec: { type: 'helm', url: 'https://charts.example.com' },
  } as never);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await cluster?.stop();
});

describe('leader election between operator processes', () => {
  it('lets only the leader reconcile, and fails over on graceful stop and on kill -9', async () => {
    const a = await start();
    await waitFor('a leader', async () => (await holder()) === a.identity);
    const b = await start();

    await createRegistry('le-one');
    expect(await waitFor('le-one reconciled', () => reconciledBy('le-one'))).toBe(`reconciled by ${a.identity}`);
    expect(await b.metric('controller_runtime_reconcile_total', { controller: 'echo' })).toBe(0);
    expect(await b.metric('leader_election_master_status')).toBe(0);
    expect(await a.metric('leader_election_master_status')).toBe(1);

    // Graceful stop releases the lease: the follower takes over within a retry period or so.
    const stoppedAt = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    await waitFor('b to lead', async () => (await holder()) === b.identity, 30_000, 50);
    const handover = Date.now() - stoppedAt;

    const c = await start();
    await new Promise((r) => setTimeout(r, 3_000)); // let the operators idle before measuring memory
    const idleRssMiB = Math.round(c.rssKiB() / 1024);

    // kill -9 leaves the lease held: the follower must wait for it to expire (15 s by default).
    const killedAt = Date.now();
    await b.stop('SIGKILL');
    await waitFor('c to lead', async () => (await holder()) === c.identity, 60_000, 50);
    const failover = Date.now() - killedAt;
    await createRegistry('le-two');
    expect(await waitFor('le-two reconciled', () => reconciledBy('le-two'), 30_000)).toBe(
      `reconciled by ${c.identity}`,
    );

    console.log(
      `leader handover after SIGTERM: ${handover} ms; failover after kill -9: ${failover} ms; idle follower RSS: ${idleRssMiB} MiB`,
    );
    expect(handover).toBeLessThan(10_000);
    expect(failover).toBeGreaterThan(5_000); // the lease was not released, so expiry had to pass
  }, 120_000);
});
