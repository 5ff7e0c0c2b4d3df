// Real Palette packs end to end: pack.json files of spectrocloud/pack-central, byte for byte, in
// pack archives (`<name>/pack.json` tar.gz) pushed with the real oras CLI into a real CNCF
// distribution registry, synced by the real operator into Packs; then profiles resolved on them
// (layers, resources, an upgrade rule that holds a lock, a manifest pack from a real Palette export).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack, PackVersion } from '../../src/api/pack.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { startOperator } from '../harness/operator.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import {
  PALETTE_EXPORT,
  PALETTE_FIXTURES,
  PALETTE_PACKS,
  paletteFixturePath,
  palettePackJson,
  type PalettePackDir,
} from '../harness/palette-fixtures.js';
import { waitFor } from '../harness/wait.js';
import { clusterProfile, packRegistry } from '../harness/objects.js';

const NS = 'default';
type Profile = ClusterProfile & KubernetesObject;
type PackObject = Pack & KubernetesObject;

let cluster: TestCluster;
let client: KubeClient;
let registry: OciRegistry;
let manager: Manager;
const digests: Record<string, string> = {};

/** Palette's OCI layout: the pack at `<base>/<name>:<version>` (Helm's `+` → `_` in tags). */
async function pushRealPack(
  base: string,
  dir: PalettePackDir,
  json = palettePackJson(dir),
): Promise<{ name: string; version: string }> {
  const { name, version } = JSON.parse(json.toString('utf8')) as { name: string; version: string };
  const files: Record<string, Buffer> = { 'pack.json': json };
  // Not every fixture pack has its values.yaml in shared/; pack.json is what is read.
  const values = join(PALETTE_FIXTURES, `spectrocloud__pack-central__packs__${dir}__values.yaml`);
  if (existsSync(values)) files['values.yaml'] = readFileSync(values);
  digests[`${name}:${version}`] = await registry.pushPackFiles(
    `${base}/${name}`,
    version.replaceAll('+', '_'),
    name,
    files,
  );
  return { name, version };
}

async function packsOf(reg: string): Promise<Map<string, PackObject>> {
  const items = (await client.list<PackObject>(PACK, { labelSelector: `packyard.io/registry=${reg}` })).items;
  return new Map(items.map((p) => [p.spec.name, p]));
}
const ready = (o: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }) =>
  o.status?.conditions?.find((c) => c.type === 'Ready');
async function createRegistry(name: string, base: string): Promise<void> {
  await client.create(
    PACKREGISTRY,
    packRegistry(name, { type: 'oci', url: `oci://${registry.host}/${base}`, oci: { content: 'pack' } }),
  );
}
async function waitForSync(name: string, value?: string) {
  return waitFor(`${name} synced${value ? ` (${value})` : ''}`, async () => {
    const r = await client.get<KubernetesObject & { status?: { lastHandledSyncRequest?: string; conditions?: never } }>(
      PACKREGISTRY,
      name,
    );
    return ready(r as never)?.status === 'True' && (value === undefined || r.status?.lastHandledSyncRequest === value)
      ? r
      : undefined;
  });
}
const getProfile = (name: string) => client.get<Profile>(CLUSTERPROFILE, name, NS);
async function waitForProfile(
  name: string,
  reason: string,
  extra: (p: Profile) => boolean = () => true,
): Promise<Profile> {
  return waitFor(`${name} ${reason}`, async () => {
    const p = await getProfile(name);
    return p.status?.observedGeneration === p.metadata?.generation && ready(p)?.reason === reason && extra(p)
      ? p
      : undefined;
  });
}
const lockOf = (p: Profile) =>
  Object.fromEntries((p.status?.resolved ?? []).map((r) => [r.name, r.version ?? r.digest]));
const newest = (p: PackObject | undefined): PackVersion => p!.spec.versions[0]!;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  registry = await startOciRegistry({ auth: 'none' });
  for (const dir of PALETTE_PACKS) await pushRealPack('palette/spectro-packs/archive', dir);
  // No pack-central file has layer kernel, the first of Palette's layers: one of our own shows it survives a sync.
  await registry.pushPack(
    { name: 'kernel-hwe', version: '6.8.0', layer: 'kernel' },
    'palette/spectro-packs/archive/kernel-hwe',
  );
  manager = await startOperator(cluster.kubeConfig, NS);
}, 240_000);

afterAll(async () => {
  await manager?.stop();
  await registry?.close();
  await cluster?.stop();
});

describe('real pack-central packs synced by the operator', () => {
  let packs: Map<string, PackObject>;
  beforeAll(async () => {
    await createRegistry('palette', 'palette');
    await waitForSync('palette');
    packs = await packsOf('palette');
  }, 120_000);

  it('lists every pack by its pack.json name (argo-cd, not the directory argocd), each with its layer', () => {
    expect(Object.fromEntries([...packs].map(([name, p]) => [name, p.spec.layer]))).toEqual({
      antrea: 'cni',
      'argo-cd': 'addon',
      'elastic-stack': 'addon',
      'hello-universe': 'addon',
      'kubeflow-full': 'addon',
      kubevious: 'addon',
      'nvidia-dra-driver': 'addon',
      'piraeus-operator': 'csi',
      'kernel-hwe': 'kernel',
      'upbound-crossplane': 'addon',
    });
  });

  it('keeps the published version string: kubeflow-full 1.5 stays 1.5', () => {
    expect(packs.get('kubeflow-full')?.spec.versions.map((v) => v.version)).toEqual(['1.5']);
  });

  it('lists upbound-crossplane 2.0.2-up.4, its only version, a prerelease: in the catalogue by default', () => {
    expect(packs.get('upbound-crossplane')?.spec).toMatchObject({
      layer: 'addon',
      versions: [expect.objectContaining({ version: '2.0.2-up.4' })],
    });
  });

  it('carries the digest and URL of each pushed version', () => {
    const argo = newest(packs.get('argo-cd'));
    expect(argo).toMatchObject({
      version: '3.26.7',
      digest: digests['argo-cd:3.26.7'],
      urls: [`oci://${registry.host}/palette/spectro-packs/archive/argo-cd:3.26.7`],
    });
  });

  it('keeps all four dependency types: required and optional (elastic-stack), upgrade (argo-cd, piraeus-operator)', () => {
    expect(newest(packs.get('elastic-stack')).dependencies).toEqual([
      { packName: 'elastic-operator', layer: 'addon', minVersion: '3.3.2', type: 'required' },
      { packName: 'kubernetes', layer: 'k8s', minVersion: '1.29', type: 'optional' },
    ]);
    expect(newest(packs.get('argo-cd')).dependencies).toEqual([
      { packName: 'argo-cd', layer: 'addon', maxVersion: '3.26.7', type: 'upgrade' },
    ]);
    expect(newest(packs.get('piraeus-operator')).dependencies).toEqual([
      { packName: 'piraeus-operator', layer: 'csi', minVersion: '2.9.0', type: 'upgrade' },
    ]);
    expect(newest(packs.get('kubeflow-full')).dependencies).toHaveLength(6);
  });

  it('drops the one dependency pack-schema.json refuses (nvidia-dra-driver: no type) and keeps the other', () => {
    expect(newest(packs.get('nvidia-dra-driver')).dependencies).toEqual([
      { packName: 'nvidia-gpu-operator', layer: 'addon', minVersion: '25.10.1', type: 'optional' },
    ]);
  });

  it('keeps constraints.resources per version (kubevious: 512 millicores, 1636 MiB, with components)', () => {
    const resources = newest(packs.get('kubevious')).resources!;
    expect(resources.map((r) => [r.type, r.minLimit, r.components?.length])).toEqual([
      ['cpu', 512, 4],
      ['memory', 1636, 4],
    ]);
  });

  it('surfaces annotations.system_state deprecated as deprecation (argo-cd), and an empty eol as none (antrea)', () => {
    expect(newest(packs.get('argo-cd')).deprecated).toBe(true);
    expect(newest(packs.get('antrea')).deprecated).toBeUndefined();
    expect(newest(packs.get('antrea')).eol).toBeUndefined();
  });

  it('keeps Palette fields of the manifest-based hello-universe and the vsphere-only antrea', () => {
    expect(newest(packs.get('hello-universe'))).toMatchObject({
      version: '1.3.1',
      addonType: 'app services',
      cloudTypes: ['all'],
    });
    expect(newest(packs.get('antrea'))).toMatchObject({ version: '1.9.0', cloudTypes: ['vsphere'] });
  });
});

describe('profiles on real packs', () => {
  const base = 'stack/spectro-packs/archive';
  const piraeus = JSON.parse(palettePackJson('piraeus-operator-2.9.0').toString('utf8')) as Record<string, unknown>;
  const exported = () =>
    JSON.parse(readFileSync(paletteFixturePath(PALETTE_EXPORT), 'utf8')) as {
      spec: { template: { packs: { type: string; manifests?: { name: string; content: string }[] }[] } };
    };
  const helloManifests = () => exported().spec.template.packs.find((p) => p.type === 'manifest')!.manifests!;
  const packsSpec = () => [
    { name: 'kernel-hwe', layer: 'kernel', registry: 'palette', version: '6.x' },
    { name: 'ubuntu', layer: 'os', registry: 'stack', version: '22.x' },
    { name: 'kubernetes', layer: 'k8s', registry: 'stack', version: '1.29.x' },
    { name: 'cni-calico', layer: 'cni', registry: 'stack', version: '3.x' },
    { name: 'piraeus-operator', layer: 'csi', registry: 'stack', version: '2.x' },
    { name: 'kubevious', layer: 'addon', registry: 'stack', version: '1.x' },
    { name: 'hello-universe', layer: 'addon', manifests: helloManifests() },
  ];
  const createProfile = (name: string, updatePolicy: 'Auto' | 'Manual') =>
    client.create(CLUSTERPROFILE, clusterProfile(name, NS, { type: 'full', updatePolicy, packs: packsSpec() }));

  beforeAll(async () => {
    await registry.pushPack({ name: 'ubuntu', version: '22.4.4', layer: 'os' }, `${base}/ubuntu`);
    await registry.pushPack({ name: 'kubernetes', version: '1.29.6', layer: 'k8s' }, `${base}/kubernetes`);
    await registry.pushPack({ name: 'cni-calico', version: '3.27.3', layer: 'cni' }, `${base}/cni-calico`);
    await pushRealPack(base, 'kubevious-1.0.10');
    // The version before the real 2.9.0: the same pack.json, an older version and no upgrade rule.
    const older = { ...piraeus, version: '2.8.1', constraints: undefined };
    await pushRealPack(base, 'piraeus-operator-2.9.0', Buffer.from(JSON.stringify(older, null, 2)));
    await createRegistry('stack', 'stack');
    await waitForSync('palette');
    await waitForSync('stack');
    await createProfile('edge', 'Auto');
    await createProfile('edge-manual', 'Manual');
  }, 120_000);

  it('resolves layers, sums the resources the chosen versions declare, and locks the manifest pack to its sha256', async () => {
    const p = await waitForProfile('edge', 'Resolved');
    const canonical = `[${helloManifests()
      .map((m) => `{"content":${JSON.stringify(m.content)},"name":${JSON.stringify(m.name)}}`)
      .join(',')}]`;
    expect(lockOf(p)).toEqual({
      'kernel-hwe': '6.8.0',
      ubuntu: '22.4.4',
      kubernetes: '1.29.6',
      'cni-calico': '3.27.3',
      'piraeus-operator': '2.8.1',
      kubevious: '1.0.10',
      'hello-universe': `sha256:${createHash('sha256').update(canonical).digest('hex')}`,
    });
    expect(p.status?.resolved?.find((r) => r.name === 'hello-universe')).toEqual({
      name: 'hello-universe',
      layer: 'addon',
      digest: expect.any(String),
    });
    expect(p.status?.minimumResources).toEqual({ cpu: '512m', memory: '1636Mi' });
  });

  it('keeps the lock with UpgradeNotSupported when the real piraeus-operator 2.9.0 (upgrade from >=2.9.0) arrives; Manual lists it with the note', async () => {
    const before = await waitForProfile('edge', 'Resolved');
    await waitForProfile('edge-manual', 'Resolved');
    await pushRealPack(base, 'piraeus-operator-2.9.0');
    await client.mergePatch(PACKREGISTRY, 'stack', undefined, {
      metadata: { annotations: { 'packyard.io/sync-requested-at': 'piraeus-2.9.0' } },
    });

    const held = await waitForProfile('edge', 'UpgradeNotSupported');
    expect(ready(held)?.status).toBe('False');
    expect(ready(held)?.message).toBe(
      'piraeus-operator 2.9.0 can be upgraded to only from >=2.9.0, not from the locked 2.8.1; the lock is kept; no newer 2.x version of piraeus-operator can be upgraded to from 2.8.1',
    );
    expect(held.status?.resolved).toEqual(before.status?.resolved);
    expect(held.status?.revision).toBe(before.status?.revision);

    const manual = await waitForProfile(
      'edge-manual',
      'Resolved',
      (p) => (p.status?.updatesAvailable?.length ?? 0) > 0,
    );
    expect(lockOf(manual)['piraeus-operator']).toBe('2.8.1');
    expect(manual.status?.updatesAvailable).toEqual([
      {
        name: 'piraeus-operator',
        current: '2.8.1',
        available: '2.9.0',
        note: 'UpgradeNotSupported: piraeus-operator 2.9.0 can be upgraded to only from >=2.9.0, not from the locked 2.8.1; no newer 2.x version of piraeus-operator can be upgraded to from 2.8.1',
      },
    ]);
  });
});
