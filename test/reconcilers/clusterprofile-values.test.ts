// Values checked by the operator: a chart with a values schema (and subcharts) from a real Helm
// repository, the real hello-universe pack from a real OCI registry (oras), profiles whose values
// pass, break the schema, or pick presets. Requests to the repository are counted: a chart archive
// is downloaded once, whatever the number of resolutions.
import { readFileSync, rmSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack } from '../../src/api/pack.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { makeHelmRepository } from '../harness/helm-charts.js';
import { serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperator } from '../harness/operator.js';
import { paletteFixturePath } from '../harness/palette-fixtures.js';
import { webChart } from '../harness/values-charts.js';
import { waitFor } from '../harness/wait.js';

type Profile = ClusterProfile & KubernetesObject;
const NS = 'default';
const hello = (file: string) =>
  readFileSync(paletteFixturePath(`spectrocloud__pack-central__packs__hello-universe-1.3.1__${file}`));

let cluster: TestCluster;
let client: KubeClient;
let server: TestServer;
let oci: OciRegistry;
let repoDir: string;
let manager: Manager;

const getProfile = (name: string) => client.get<Profile>(CLUSTERPROFILE, name, NS);
const ready = (p: Profile) => p.status?.conditions?.find((c) => c.type === 'Ready');
async function waitForProfile(
  name: string,
  reason: string,
  extra: (p: Profile) => boolean = () => true,
): Promise<Profile> {
  return waitFor(
    `${name} ${reason}`,
    async () => {
      const p = await getProfile(name);
      return p.status?.observedGeneration === p.metadata?.generation && ready(p)?.reason === reason && extra(p)
        ? p
        : undefined;
    },
    60_000,
  );
}
async function createProfile(name: string, packs: Record<string, unknown>[]): Promise<void> {
  await client.create(CLUSTERPROFILE, {
    apiVersion: 'packyard.io/v1alpha1',
    kind: 'ClusterProfile',
    metadata: { name, namespace: NS },
    spec: { type: 'add-on', packs },
  } as never);
}
async function setPacks(name: string, packs: Record<string, unknown>[]): Promise<void> {
  await client.mergePatch(CLUSTERPROFILE, name, NS, { spec: { packs } });
}
const chartDownloads = () => server.requests.filter((r) => r.url.endsWith('.tgz')).length;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  repoDir = makeHelmRepository([webChart('1.0.0')]);
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/') } });
  oci = await startOciRegistry({ auth: 'none' });
  await oci.pushPackFiles('spectro-packs/archive/hello-universe', '1.3.1', 'hello-universe', {
    'pack.json': hello('pack.json'),
    'values.yaml': hello('values.yaml'),
    'presets.yaml': hello('presets.yaml'),
    'schema.yaml': hello('schema.yaml'),
  });
  manager = await startOperator(cluster.kubeConfig, 'default');
  for (const spec of [
    { name: 'charts', spec: { type: 'helm', url: `${server.url}/charts` } },
    {
      name: 'palette',
      spec: {
        type: 'oci',
        url: `oci://${oci.host}`,
        oci: { content: 'pack', repositories: ['spectro-packs/archive/hello-universe'] },
      },
    },
  ]) {
    await client.create(PACKREGISTRY, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      metadata: { name: spec.name },
      spec: spec.spec,
    } as never);
  }
  await waitFor(
    'both registries synced',
    async () => {
      const web = await client.get<Pack & KubernetesObject>(PACK, 'charts.web').catch(() => undefined);
      const hu = await client.get<Pack & KubernetesObject>(PACK, 'palette.hello-universe').catch(() => undefined);
      return web && hu;
    },
    90_000,
  );
}, 240_000);

afterAll(async () => {
  await manager?.stop();
  await server?.close();
  await oci?.close();
  await cluster?.stop();
  rmSync(repoDir, { recursive: true, force: true });
});

describe('values in the operator', () => {
  it('records a valuesDigest per pack, fails a value the schema forbids with its path and rule, and keeps the last good lock', async () => {
    const web = { name: 'web', layer: 'addon', registry: 'charts', version: '1.0.0' };
    await createProfile('web', [{ ...web, values: 'replicaCount: 2\n' }]);
    const good = await waitForProfile('web', 'Resolved');
    const entry = good.status!.resolved![0]!;
    expect(entry.valuesDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(chartDownloads()).toBe(1);

    // Same version, other values: a new digest and revision.
    await setPacks('web', [{ ...web, values: 'replicaCount: 3\n' }]);
    const changed = await waitForProfile(
      'web',
      'Resolved',
      (p) => p.status?.resolved?.[0]?.valuesDigest !== entry.valuesDigest,
    );
    expect(changed.status!.resolved![0]!.version).toBe('1.0.0');
    expect(changed.status!.revision).not.toBe(good.status!.revision);

    // A subchart's schema, under its alias: InvalidValues naming pack, path and rule; the lock stays.
    await setPacks('web', [{ ...web, values: 'replicaCount: 3\nredis:\n  maxMemory: 8\n' }]);
    const bad = await waitForProfile('web', 'InvalidValues');
    expect(ready(bad)?.message).toMatch(
      /values of pack web \(web 1\.0\.0\): \.redis\.maxMemory: must be >= 16 \(values\.schema\.json of cache: properties\.maxMemory\.minimum\)/,
    );
    expect(bad.status!.resolved).toEqual(changed.status!.resolved);
    expect(bad.status!.revision).toBe(changed.status!.revision);
    // Three resolutions of one digest: one download.
    expect(chartDownloads()).toBe(1);
  });

  it('applies Palette presets and checks schema.yaml on the real hello-universe pack', async () => {
    const hu = { name: 'hello-universe', layer: 'addon', registry: 'palette', version: '1.3.1' };
    await createProfile('hello', [{ ...hu, presets: ['enable-api'] }]);
    const good = await waitForProfile('hello', 'Resolved');
    expect(good.status!.resolved![0]!.valuesDigest).toMatch(/^sha256:/);

    await setPacks('hello', [{ ...hu, presets: ['enable-api', 'disable-api'] }]);
    const groups = await waitForProfile('hello', 'InvalidValues');
    expect(ready(groups)?.message).toMatch(/presets disable-api, enable-api are all of group Backend: choose one/);

    await setPacks('hello', [{ ...hu, values: 'manifests:\n  hello-universe:\n    port: eighty\n' }]);
    const port = await waitForProfile('hello', 'InvalidValues', (p) => /port/.test(ready(p)?.message ?? ''));
    expect(ready(port)?.message).toMatch(
      /\.manifests\.hello-universe\.port: must be a number .*\(schema\.yaml: format \$\{number\}\)/,
    );
    expect(port.status!.resolved).toEqual(good.status!.resolved);
  });

  it('refuses two equal preset names at admission', async () => {
    const err = await client
      .create(CLUSTERPROFILE, {
        apiVersion: 'packyard.io/v1alpha1',
        kind: 'ClusterProfile',
        metadata: { name: 'dup', namespace: NS },
        spec: {
          type: 'add-on',
          packs: [
            {
              name: 'hello-universe',
              layer: 'addon',
              registry: 'palette',
              version: '1.3.1',
              presets: ['enable-api', 'enable-api'],
            },
          ],
        },
      } as never)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toMatch(/Duplicate value/);
  });
});
