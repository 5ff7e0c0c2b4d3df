// Proof of least privilege: the RBAC objects of `kubectl kustomize deploy/base` are applied to a real
// apiserver, the operator runs in-process as the deploy/ ServiceAccount (a token from the TokenRequest
// API), and completes a full registry sync (credentials from a Secret in its namespace) and a profile
// resolution. The same token cannot read Secrets outside the operator's namespace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import {
  CLUSTERPROFILE,
  CONFIGMAP,
  NAMESPACE as NAMESPACE_TYPE,
  PACK,
  PACKREGISTRY,
  SECRET,
} from '../../src/api/resource-types.js';
import { EVENT_TYPE } from '../../src/controller/events.js';
import { KubeApiError, KubeClient } from '../../src/controller/kube-client.js';
import { LEASE_TYPE } from '../../src/controller/leader-election.js';
import { createLogger } from '../../src/controller/logger.js';
import type { Manager } from '../../src/controller/manager.js';
import { makeHelmRepository } from '../harness/helm-charts.js';
import { basicAuth, serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperator } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';
import { byKind, kubectlApply, kustomizeBase, NAMESPACE, parseManifests, toYaml } from './manifests-helpers.js';

const SERVICE_ACCOUNT = 'packyard';
const TEAM_NS = 'team-a';
const RBAC_KINDS = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const layer = (l: string) => ({ 'packyard.io/layer': l });

type Profile = ClusterProfile & KubernetesObject;
type Registry = PackRegistry & KubernetesObject;
type Event = KubernetesObject & { reason: string; regarding: { name: string } };

let cluster: TestCluster;
let admin: KubeClient;
let asOperator: KubeClient;
let server: TestServer;
let repoDir: string;
let tmp: string;
let manager: Manager | undefined;
const problems: string[] = [];

const ready = (o: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }) =>
  o.status?.conditions?.find((c) => c.type === 'Ready');
async function expectForbidden(what: Promise<unknown>): Promise<void> {
  const err = await what.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KubeApiError);
  expect((err as KubeApiError).code).toBe(403);
}
async function waitForProfile(name: string, reason: string): Promise<Profile> {
  return waitFor(`profile ${name} ${reason}`, async () => {
    const p = await admin.get<Profile>(CLUSTERPROFILE, name, TEAM_NS);
    return p.status?.observedGeneration === p.metadata?.generation && ready(p)?.reason === reason ? p : undefined;
  });
}
const secret = (namespace: string, name: string, stringData: Record<string, string>) =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData }) as KubernetesObject;

beforeAll(async () => {
  cluster = await startTestCluster();
  admin = cluster.client;
  tmp = mkdtempSync(join(tmpdir(), 'packyard-least-privilege-'));

  // 1. The RBAC objects exactly as deploy/base ships them.
  const rbac = parseManifests(kustomizeBase()).filter((o) => RBAC_KINDS.includes(o.kind));
  kubectlApply(cluster.kubeconfigPath, toYaml(rbac));
  expect(byKind(rbac, 'ServiceAccount').map((o) => o.metadata.name)).toEqual([SERVICE_ACCOUNT]);

  // 2. A token for the ServiceAccount from the TokenRequest API, and a kubeconfig that uses it.
  const review = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${SERVICE_ACCOUNT}/token`,
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } },
  );
  const current = cluster.kubeConfig.getCurrentCluster()!;
  const saConfig = new KubeConfig();
  saConfig.loadFromOptions({
    clusters: [{ name: 'test', server: current.server, caData: current.caData, skipTLSVerify: false }],
    users: [{ name: SERVICE_ACCOUNT, token: review.status.token }],
    contexts: [{ name: 'operator', cluster: 'test', user: SERVICE_ACCOUNT }],
    currentContext: 'operator',
  });
  const saKubeconfigPath = join(tmp, 'kubeconfig');
  writeFileSync(saKubeconfigPath, saConfig.exportConfig(), { mode: 0o600 });
  const operatorConfig = new KubeConfig();
  operatorConfig.loadFromFile(saKubeconfigPath);
  asOperator = new KubeClient(operatorConfig);

  // 3. A real Helm repository behind basic auth, its credentials in a Secret in the operator's namespace.
  repoDir = makeHelmRepository([
    { name: 'ubuntu', version: '24.4.1', annotations: layer('os') },
    { name: 'kubernetes', version: '1.30.2', annotations: layer('k8s') },
    { name: 'cilium', version: '1.15.3', appVersion: '1.15.3', annotations: layer('cni') },
    { name: 'podinfo', version: '6.5.0' },
  ]);
  server = await startServer({
    routes: { '/charts/': basicAuth('packyard', 'op-s3cret', serveDirectory(repoDir, '/charts/')) },
  });
  await admin.create(SECRET, secret(NAMESPACE, 'charts-auth', { username: 'packyard', password: 'op-s3cret' }));
  await admin.create(NAMESPACE_TYPE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEAM_NS } });
  await admin.create(SECRET, secret('default', 'not-yours', { password: 'elsewhere' }));

  // The apiserver's RBAC authorizer learns of new bindings through its own informers, a moment later.
  await waitFor('RBAC in effect', async () => {
    await Promise.all([PACKREGISTRY, PACK, CLUSTERPROFILE].map((t) => asOperator.list(t, { limit: 1 })));
    await asOperator.list(SECRET, { namespace: NAMESPACE, limit: 1 });
    return true;
  });

  // 4. The operator, in-process, as the ServiceAccount, with leader election on (the Lease rules).
  manager = await startOperator(operatorConfig, NAMESPACE, {
    log: createLogger(
      { level: 'warn', name: 'least-privilege' },
      { write: (line: string) => void problems.push(line) },
    ),
    leaderElection: { enabled: true },
  });
}, 180_000);

afterAll(async () => {
  await manager?.stop();
  await server?.close();
  await cluster?.stop();
  for (const dir of [repoDir, tmp]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the operator as the deploy/base ServiceAccount', () => {
  it('authenticates as system:serviceaccount:packyard-system:packyard', async () => {
    const review = await asOperator.request<{ status: { userInfo: { username: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      },
    );
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`);
  });

  it('leads through its Lease', async () => {
    const lease = await waitFor('the lease', async () => {
      const l = await admin.get<KubernetesObject & { spec: { holderIdentity?: string } }>(
        LEASE_TYPE,
        'packyard-leader',
        NAMESPACE,
      );
      return l.spec.holderIdentity === manager!.identity ? l : undefined;
    });
    expect(lease.metadata?.namespace).toBe(NAMESPACE);
  });

  it('syncs a Helm repository with credentials from a Secret in its namespace', async () => {
    await admin.create(PACKREGISTRY, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      metadata: { name: 'charts' },
      spec: { type: 'helm', url: `${server.url}/charts`, default: true, secretRef: { name: 'charts-auth' } },
    } as never);
    const registry = await waitFor(
      'registry charts Ready',
      async () => {
        const r = await admin.get<Registry>(PACKREGISTRY, 'charts');
        return ready(r)?.status === 'True' ? r : undefined;
      },
      60_000,
    );
    expect(ready(registry)?.reason).toBe('Synced');
    expect(registry.status?.packCount).toBe(4);
    const packs = await admin.list<Pack & KubernetesObject>(PACK, { labelSelector: 'packyard.io/registry=charts' });
    expect(packs.items.map((p) => p.spec.name).sort()).toEqual(['cilium', 'kubernetes', 'podinfo', 'ubuntu']);
    expect(packs.items[0]!.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'PackRegistry',
      name: 'charts',
      blockOwnerDeletion: true,
    });
    // Registries are cluster-scoped: their events go to `default`.
    await waitFor('the Synced event', async () =>
      (await admin.list<Event>(EVENT_TYPE, { namespace: 'default' })).items.some(
        (e) => e.regarding.name === 'charts' && e.reason === 'Synced',
      ),
    );
  });

  it('sees a rotated password through its namespaced Secret watch', async () => {
    server.route('/charts/', basicAuth('packyard', 'rotated', serveDirectory(repoDir, '/charts/')));
    await admin.update(SECRET, secret(NAMESPACE, 'charts-auth', { username: 'packyard', password: 'rotated' }));
    await admin.mergePatch(PACKREGISTRY, 'charts', undefined, {
      metadata: { annotations: { 'packyard.io/sync-requested-at': 'rotated' } },
    });
    await waitFor('a sync with the new password', async () => {
      const r = await admin.get<Registry>(PACKREGISTRY, 'charts');
      return r.status?.lastHandledSyncRequest === 'rotated' && ready(r)?.status === 'True';
    });
    expect(server.requests.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from('packyard:rotated').toString('base64')}`,
    );
  });

  it('resolves a profile with valuesFrom a ConfigMap to Ready', async () => {
    await admin.create(CONFIGMAP, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'podinfo-values', namespace: TEAM_NS },
      data: { 'values.yaml': 'replicaCount: 2\n' },
    } as never);
    await admin.create(CLUSTERPROFILE, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'edge', namespace: TEAM_NS },
      spec: {
        type: 'full',
        packs: [
          { name: 'ubuntu', layer: 'os', version: '24.x' },
          { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
          { name: 'cilium', layer: 'cni', version: '^1.15' },
          {
            name: 'podinfo',
            layer: 'addon',
            version: 'latest',
            valuesFrom: [{ kind: 'ConfigMap', name: 'podinfo-values' }],
          },
        ],
      },
    } as never);
    const p = await waitForProfile('edge', 'Resolved');
    expect(ready(p)?.status).toBe('True');
    expect(Object.fromEntries(p.status!.resolved!.map((r) => [r.name, r.version]))).toEqual({
      ubuntu: '24.4.1',
      kubernetes: '1.30.2',
      cilium: '1.15.3',
      podinfo: '6.5.0',
    });
    await waitFor('the LockChanged event', async () =>
      (await admin.list<Event>(EVENT_TYPE, { namespace: TEAM_NS })).items.some(
        (e) => e.regarding.name === 'edge' && e.reason === 'LockChanged',
      ),
    );
  });

  it('reads Secrets in its own namespace only', async () => {
    expect((await asOperator.get(SECRET, 'charts-auth', NAMESPACE)).metadata?.name).toBe('charts-auth');
    await expectForbidden(asOperator.get(SECRET, 'not-yours', 'default'));
    await expectForbidden(asOperator.list(SECRET, { namespace: 'default' }));
    await expectForbidden(asOperator.list(SECRET));
  });

  it('cannot change what people own: registry and profile specs, RBAC', async () => {
    await expectForbidden(asOperator.mergePatch(PACKREGISTRY, 'charts', undefined, { spec: { suspend: true } }));
    await expectForbidden(asOperator.delete(CLUSTERPROFILE, 'edge', TEAM_NS));
    await expectForbidden(asOperator.create(SECRET, secret(NAMESPACE, 'new', { a: 'b' })));
    await expectForbidden(
      asOperator.list({
        group: 'rbac.authorization.k8s.io',
        version: 'v1',
        plural: 'clusterroles',
        kind: 'ClusterRole',
        namespaced: false,
      }),
    );
  });

  it('reads valuesFrom Secrets of a namespace only once a RoleBinding grants it (docs/deploy.md)', async () => {
    await admin.create(SECRET, secret(TEAM_NS, 'podinfo-secret-values', { 'values.yaml': 'auth:\n  token: t0ken\n' }));
    await admin.create(CLUSTERPROFILE, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'apps', namespace: TEAM_NS },
      spec: {
        type: 'add-on',
        packs: [
          {
            name: 'podinfo',
            layer: 'addon',
            version: '6.x',
            valuesFrom: [{ kind: 'Secret', name: 'podinfo-secret-values' }],
          },
        ],
      },
    } as never);
    const denied = await waitForProfile('apps', 'InvalidValues');
    // Forbidden, not "not found": the Secret exists, and the fix is the RBAC the message names.
    expect(ready(denied)?.message).toContain(
      `Secret ${TEAM_NS}/podinfo-secret-values is forbidden to the operator (403)`,
    );
    expect(ready(denied)?.message).toContain(
      `bind the ClusterRole packyard-values-secret-reader to its ServiceAccount in namespace ${TEAM_NS}`,
    );
    expect(ready(denied)?.message).not.toContain('not found');

    kubectlApply(
      cluster.kubeconfigPath,
      toYaml([
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'packyard-values-secrets', namespace: TEAM_NS },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'packyard-values-secret-reader',
          },
          subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }],
        },
      ]),
    );
    // Nothing watches RBAC: touching the profile makes the operator resolve it again.
    await admin.mergePatch(CLUSTERPROFILE, 'apps', TEAM_NS, { metadata: { annotations: { touched: 'now' } } });
    await waitForProfile('apps', 'Resolved');
  });

  it('logged no authorization failure', () => {
    expect(problems.filter((l) => /forbidden|403/i.test(l))).toEqual([]);
  });
});
