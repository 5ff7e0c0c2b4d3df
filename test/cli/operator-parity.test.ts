// The CLI and the operator agree: for the same registries, `packyard resolve` prints the very lock
// (versions, digests, URLs, revision) the operator writes into each ClusterProfile's status — from
// files, and with --from-cluster (the cluster's registries and their Secrets).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import { DEFAULT_OPERATOR_NAMESPACE } from '../../src/api/names.js';
import type { Pack } from '../../src/api/pack.js';
import { CLUSTERPROFILE, CONFIGMAP, NAMESPACE, PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { makeHelmRepository, type ChartSpec } from '../harness/helm-charts.js';
import { basicAuth, serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperator } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';
import { objects, runCli, tempDir, writeYaml } from './cli-harness.js';
import { layer } from '../harness/objects.js';

type Profile = ClusterProfile & KubernetesObject;
interface Lock {
  profile: string;
  revision: string;
  resolved: unknown[];
}

const OPERATOR_NS = DEFAULT_OPERATOR_NAMESPACE;
const CHARTS: ChartSpec[] = [
  { name: 'ubuntu', version: '22.4.0', annotations: layer('os') },
  { name: 'ubuntu', version: '24.4.1', annotations: layer('os') },
  { name: 'kubernetes', version: '1.29.5', annotations: layer('k8s') },
  { name: 'kubernetes', version: '1.30.2', annotations: layer('k8s') },
  { name: 'cilium', version: '1.15.3', appVersion: '1.15.3', annotations: layer('cni') },
  { name: 'cilium', version: '1.16.0-rc.1', appVersion: '1.16.0-rc.1', annotations: layer('cni') },
  { name: 'podinfo', version: '6.5.0', appVersion: '6.5.0', kubeVersion: '>=1.30.0-0' },
  { name: 'podinfo', version: '6.6.1', appVersion: '6.6.1', kubeVersion: '>=1.30.0-0' },
];
const EXTRAS: ChartSpec[] = [{ name: 'cert-manager', version: '1.14.4', appVersion: 'v1.14.4' }];
const USER = 'operator';
const PASSWORD = 'pa55-word-of-the-day';

let cluster: TestCluster;
let client: KubeClient;
let server: TestServer;
let manager: Manager;
const dirs: string[] = [];
let work: string;

const registries = () => [
  objects.registry('charts', `${server.url}/charts`, {
    default: true,
    secretRef: { name: 'charts-auth' },
    filter: { prereleases: true },
  }),
  objects.registry('extras', `${server.url}/extras`),
];
const PROFILES = [
  objects.profile('edge', {
    type: 'full',
    packs: [
      { name: 'ubuntu', layer: 'os', version: '24.x' },
      { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
      { name: 'cilium', layer: 'cni', version: '>=1.16.0-rc.0' },
      {
        name: 'podinfo',
        layer: 'addon',
        version: 'latest',
        valuesFrom: [{ kind: 'ConfigMap', name: 'podinfo-values' }],
      },
    ],
  }),
  objects.profile(
    'certs',
    { type: 'add-on', packs: [{ name: 'cert-manager', layer: 'addon', registry: 'extras', version: '1.x' }] },
    'team-a',
  ),
];
const VALUES = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'podinfo-values', namespace: 'default' },
  data: { 'values.yaml': 'replicaCount: 3\n' },
};

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  const chartsDir = makeHelmRepository(CHARTS);
  const extrasDir = makeHelmRepository(EXTRAS);
  dirs.push(chartsDir, extrasDir);
  server = await startServer({
    routes: {
      '/charts/': basicAuth(USER, PASSWORD, serveDirectory(chartsDir, '/charts/')),
      '/extras/': serveDirectory(extrasDir, '/extras/'),
    },
  });
  for (const ns of [OPERATOR_NS, 'team-a'])
    await client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as never);
  await client.create(SECRET, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'charts-auth', namespace: OPERATOR_NS },
    data: { username: Buffer.from(USER).toString('base64'), password: Buffer.from(PASSWORD).toString('base64') },
  } as never);
  await client.create(CONFIGMAP, VALUES as never);
  manager = await startOperator(cluster.kubeConfig, OPERATOR_NS);
  for (const r of registries()) await client.create(PACKREGISTRY, r as never);
  await waitFor('the registries synced', async () => {
    const packs = await client.list<Pack & KubernetesObject>(PACK);
    return (
      packs.items.some((p) => p.spec.registry === 'charts') && packs.items.some((p) => p.spec.registry === 'extras')
    );
  });
  for (const p of PROFILES) await client.create(CLUSTERPROFILE, p as never);

  work = tempDir();
  dirs.push(work);
  writeYaml(join(work, 'registries.yaml'), registries());
  writeYaml(join(work, 'profiles.yaml'), [...PROFILES, VALUES]);
}, 180_000);

afterAll(async () => {
  await manager?.stop();
  await server?.close();
  await cluster?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Each profile's status lock, once the operator has resolved it. */
async function operatorLocks(): Promise<Lock[]> {
  const locks: Lock[] = [];
  for (const p of PROFILES) {
    const profile = await waitFor(`${p.metadata.name} resolved`, async () => {
      const got = await client.get<Profile>(CLUSTERPROFILE, p.metadata.name, p.metadata.namespace);
      return got.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'Resolved' ? got : undefined;
    });
    locks.push({
      profile: `${p.metadata.namespace}/${p.metadata.name}`,
      revision: profile.status!.revision!,
      resolved: profile.status!.resolved!,
    });
  }
  return locks;
}

describe('packyard resolve agrees with the operator', () => {
  it('from files, with credentials from the environment', async () => {
    const expected = await operatorLocks();
    const r = await runCli(['resolve', 'profiles.yaml', '--registries', 'registries.yaml', '-o', 'json'], {
      cwd: work,
      env: { PACKYARD_REGISTRY_CHARTS_USERNAME: USER, PACKYARD_REGISTRY_CHARTS_PASSWORD: PASSWORD },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected);
    // Not trivially equal: a prerelease, a kubeVersion constraint, valuesFrom, two registries.
    expect(JSON.stringify(expected)).toContain('"version":"1.16.0-rc.1"');
    expect(JSON.stringify(expected)).toContain('"registry":"extras"');
  });

  it("with --from-cluster, reading the registries' Secrets in the operator's namespace", async () => {
    const expected = await operatorLocks();
    const r = await runCli(
      [
        'resolve',
        'profiles.yaml',
        '--from-cluster',
        '-n',
        OPERATOR_NS,
        '--kubeconfig',
        cluster.kubeconfigPath,
        '-o',
        'json',
      ],
      { cwd: work },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });

  it('reads locked versions from a profile as kubectl prints it', async () => {
    const edge = await client.get<Profile>(CLUSTERPROFILE, 'edge', 'default');
    writeYaml(join(work, 'edge-from-cluster.yaml'), [edge]);
    const r = await runCli(
      ['outdated', 'edge-from-cluster.yaml', '--from-cluster', '--kubeconfig', cluster.kubeconfigPath, '-o', 'json'],
      { cwd: work },
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; locked: string; wanted: string }[];
    expect(rows.map((row) => [row.name, row.locked])).toEqual(edge.status!.resolved!.map((e) => [e.name, e.version]));
  });

  it('says clearly when the cluster cannot be reached or the namespace holds no Secret', async () => {
    const missing = await runCli(
      ['resolve', 'profiles.yaml', '--from-cluster', '-n', 'elsewhere', '--kubeconfig', cluster.kubeconfigPath],
      { cwd: work },
    );
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain(
      'error: registry charts (cluster): SecretNotFound: Secret elsewhere/charts-auth not found',
    );
    const noConfig = await runCli(['resolve', 'profiles.yaml', '--from-cluster', '--kubeconfig', join(work, 'nope')], {
      cwd: work,
    });
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('does not exist');
  });
});
