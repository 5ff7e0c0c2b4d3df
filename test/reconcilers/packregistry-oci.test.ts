// PackRegistry (type oci) end to end: the real operator manager against a real apiserver, syncing a
// real CNCF distribution registry (htpasswd auth) that holds charts pushed by `helm push` and
// Palette packs pushed by `oras push`.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperator } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';
import { packRegistry } from '../harness/objects.js';

const NAMESPACE = 'packyard-oci-test';
let cluster: TestCluster;
let client: KubeClient;
type Registry = PackRegistry & KubernetesObject;

const getRegistry = (name: string) => client.get<Registry>(PACKREGISTRY, name);
const ready = (r: Registry) => r.status?.conditions?.find((c) => c.type === 'Ready');
async function waitForReady(
  name: string,
  reason: string,
  status: 'True' | 'False' = reason === 'Synced' ? 'True' : 'False',
) {
  return waitFor(`${name} Ready=${status} ${reason}`, async () => {
    const r = await getRegistry(name);
    const c = ready(r);
    return c?.status === status && c.reason === reason && r.status?.observedGeneration === r.metadata?.generation
      ? r
      : undefined;
  });
}
async function packsOf(registry: string): Promise<Pack[]> {
  const items = (
    await client.list<Pack & KubernetesObject>(PACK, { labelSelector: `packyard.io/registry=${registry}` })
  ).items;
  return items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}
const resourceVersions = async (registry: string) =>
  (await packsOf(registry)).map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`);
async function createRegistry(name: string, spec: Record<string, unknown>): Promise<Registry> {
  return client.create(PACKREGISTRY, packRegistry(name, spec));
}
async function requestSync(name: string, value: string) {
  await client.mergePatch(PACKREGISTRY, name, undefined, {
    metadata: { annotations: { 'packyard.io/sync-requested-at': value } },
  });
  return waitFor(`${name} to handle sync request ${value}`, async () => {
    const r = await getRegistry(name);
    return r.status?.lastHandledSyncRequest === value ? r : undefined;
  });
}
async function putSecret(name: string, stringData: Record<string, string>, type = 'Opaque') {
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const obj = { apiVersion: 'v1', kind: 'Secret', type, metadata: { name, namespace: NAMESPACE }, data };
  await client.create(SECRET, obj as never).catch(() => client.update(SECRET, obj as never));
}

describe('PackRegistry of type oci', () => {
  let registry: OciRegistry;
  let manager: Manager;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
    registry = await startOciRegistry({ auth: 'htpasswd' });
    digests['podinfo:6.5.0'] = await registry.pushChart({ name: 'podinfo', version: '6.5.0', appVersion: '6.5.0' });
    digests['podinfo:6.6.0'] = await registry.pushChart({
      name: 'podinfo',
      version: '6.6.0',
      appVersion: '6.6.0',
      kubeVersion: '>=1.23.0-0',
    });
    digests['cilium:1.15.0'] = await registry.pushChart({
      name: 'cilium',
      version: '1.15.0',
      annotations: { 'packyard.io/layer': 'cni' },
    });
    await registry.pushPack(
      {
        name: 'cni-calico',
        displayName: 'Calico',
        version: '3.27.0',
        layer: 'cni',
        addonType: 'cni',
        dependencies: [
          { packName: 'kubernetes', layer: 'k8s', minVersion: '1.25.0', maxVersion: '', type: 'required' },
        ],
      },
      'palette/spectro-packs/archive/cni-calico',
    );
    await registry.pushPack(
      { name: 'kubernetes', displayName: 'Kubernetes', version: '1.29.0', layer: 'k8s' },
      'palette/spectro-packs/archive/kubernetes',
    );

    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NAMESPACE } } }).catch(() => {});
    await putSecret('oci-auth', { username: registry.username, password: registry.password });
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    await putSecret(
      'oci-dockerconfig',
      { '.dockerconfigjson': JSON.stringify({ auths: { [registry.host]: { auth } } }) },
      'kubernetes.io/dockerconfigjson',
    );
    await putSecret('oci-wrong', { username: registry.username, password: 'not-the-password' });
    manager = await startOperator(cluster.kubeConfig, NAMESPACE);
  }, 180_000);

  afterAll(async () => {
    await manager?.stop();
    await registry?.close();
    await cluster?.stop();
  });

  it('syncs Helm charts from an OCI registry with username/password into Pack objects', async () => {
    await createRegistry('charts', {
      type: 'oci',
      url: `oci://${registry.host}/charts`,
      secretRef: { name: 'oci-auth' },
      oci: { content: 'helm' },
    });
    const r = await waitForReady('charts', 'Synced');
    expect(r.status).toMatchObject({ packCount: 2, versionCount: 3 });
    expect(r.status?.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ready(r)?.message).toBe(`synced 2 packs (3 versions) from oci://${registry.host}/charts`);
    const [cilium, podinfo] = await packsOf('charts');
    expect(podinfo!.metadata.name).toBe('charts.podinfo');
    expect(podinfo!.spec).toMatchObject({
      registry: 'charts',
      name: 'podinfo',
      layer: 'addon',
      latest: '6.6.0',
      versionCount: 2,
    });
    expect(podinfo!.spec.versions[0]).toMatchObject({
      version: '6.6.0',
      appVersion: '6.6.0',
      kubeVersion: '>=1.23.0-0',
      digest: digests['podinfo:6.6.0'],
      urls: [`oci://${registry.host}/charts/podinfo:6.6.0`],
    });
    expect(cilium!.spec).toMatchObject({ name: 'cilium', layer: 'cni', latest: '1.15.0' });
  });

  it('syncs Palette packs with a .dockerconfigjson Secret, dependencies visible on the Packs', async () => {
    await createRegistry('palette', {
      type: 'oci',
      url: `oci://${registry.host}/palette`,
      secretRef: { name: 'oci-dockerconfig' },
      oci: { content: 'pack', baseContentPath: 'spectro-packs' },
    });
    const r = await waitForReady('palette', 'Synced');
    expect(r.status).toMatchObject({ packCount: 2, versionCount: 2 });
    const [calico, kubernetes] = await packsOf('palette');
    expect(calico!.spec).toMatchObject({ name: 'cni-calico', layer: 'cni', displayName: 'Calico', latest: '3.27.0' });
    expect(calico!.spec.versions[0]!.dependencies).toEqual([
      { packName: 'kubernetes', layer: 'k8s', minVersion: '1.25.0', type: 'required' },
    ]);
    expect(calico!.spec.versions[0]).toMatchObject({ addonType: 'cni', cloudTypes: ['all'] });
    expect(calico!.spec.versions[0]!.urls).toEqual([
      `oci://${registry.host}/palette/spectro-packs/archive/cni-calico:3.27.0`,
    ]);
    expect(kubernetes!.spec).toMatchObject({ name: 'kubernetes', layer: 'k8s', displayName: 'Kubernetes' });
  });

  it('re-syncs an unchanged registry without downloading a manifest or blob, rewriting no Pack', async () => {
    const before = await resourceVersions('charts');
    await registry.settle();
    const mark = registry.requests(/^packyard/).length;
    const r = await requestSync('charts', 'unchanged');
    expect(ready(r)?.status).toBe('True');
    await registry.settle();
    const seen = registry.requests(/^packyard/).slice(mark);
    expect(seen.filter((e) => e.method === 'HEAD')).toHaveLength(3);
    expect(seen.filter((e) => e.method === 'GET' && /\/(manifests|blobs)\//.test(e.url))).toEqual([]);
    expect(await resourceVersions('charts')).toEqual(before);
  });

  it('picks up a newly pushed version, rewriting only the pack that changed', async () => {
    const before = await resourceVersions('charts');
    await registry.pushChart({ name: 'podinfo', version: '6.7.0', appVersion: '6.7.0' });
    await requestSync('charts', 'new-version');
    await waitFor(
      'podinfo 6.7.0',
      async () => (await client.get<Pack & KubernetesObject>(PACK, 'charts.podinfo')).spec.latest === '6.7.0',
    );
    const after = await resourceVersions('charts');
    expect(after[0]).toBe(before[0]); // cilium untouched
    expect(after[1]).not.toBe(before[1]);
  });

  it('keeps the last good Packs when the registry is down, and heals when it is back', async () => {
    const before = await resourceVersions('charts');
    await registry.stop();
    try {
      const failed = await waitFor('a failed sync', async () => {
        await requestSync('charts', `down-${Date.now()}`);
        const r = await getRegistry('charts');
        return ready(r)?.status === 'False' ? r : undefined;
      });
      expect(ready(failed)).toMatchObject({
        reason: 'FetchFailed',
        message: expect.stringMatching(/connection (refused|reset|closed)/),
      });
      expect(failed.status).toMatchObject({ packCount: 2, versionCount: 4 });
      expect(await resourceVersions('charts')).toEqual(before);
    } finally {
      await registry.start();
    }
    await requestSync('charts', 'back');
    await waitForReady('charts', 'Synced');
    expect(await resourceVersions('charts')).toEqual(before);
  });

  it('reports wrong credentials and a missing repository precisely, creating no Pack', async () => {
    await createRegistry('wrong-password', {
      type: 'oci',
      url: `oci://${registry.host}/charts`,
      secretRef: { name: 'oci-wrong' },
    });
    const wrong = await waitForReady('wrong-password', 'AuthenticationFailed');
    expect(ready(wrong)?.message).toContain('401');
    expect(JSON.stringify(wrong.status)).not.toContain('not-the-password');
    expect(wrong.status?.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');

    await createRegistry('missing-repo', {
      type: 'oci',
      url: `oci://${registry.host}/charts`,
      secretRef: { name: 'oci-auth' },
      oci: { repositories: ['podinfo', 'nginx'] },
    });
    const missing = await waitForReady('missing-repo', 'NotFound');
    expect(ready(missing)?.message).toContain('repository charts/nginx not found');
    expect(await packsOf('wrong-password')).toEqual([]);
    expect(await packsOf('missing-repo')).toEqual([]);
  });
});
