// The whole loop with nothing but Packyard and an ordinary OCI registry: packs authored as directories,
// pushed by `packyard pack push` (the compiled CLI) to the real CNCF distribution registry, synced by
// the real operator into Pack objects against a real apiserver, and resolved into a ClusterProfile's lock.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { runCli, tempDir } from '../cli/cli-harness.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { startOperator } from '../harness/operator.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { fixtureFile, writeFixturePack } from '../harness/palette-packs.js';
import { waitFor } from '../harness/wait.js';

const NS = 'packyard-pack-push';
let cluster: TestCluster;
let client: KubeClient;
let manager: Manager;
let registry: OciRegistry;
let work: string;
const pushed: Record<string, string> = {};

/** A pack directory of our own (for the os and k8s layers pack-central's fixtures do not cover). */
function authorPack(name: string, version: string, layer: string, dependencies: unknown[] = []): string {
  const dir = join(work, `${name}-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'pack.json'),
    JSON.stringify(
      { name, displayName: name, version, layer, cloudTypes: ['all'], constraints: { dependencies } },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'values.yaml'), `pack:\n  namespace: ${name}\n`);
  return dir;
}

async function push(dir: string, env: Record<string, string>): Promise<void> {
  const r = await runCli(['pack', 'push', dir, `oci://${registry.host}/palette`], { env });
  if (r.code !== 0) throw new Error(`pack push ${dir}: ${r.stderr}`);
  const [ref, digest] = r.stdout.trim().split('@') as [string, string];
  pushed[ref.slice(ref.indexOf('/archive/') + '/archive/'.length)] = digest;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  registry = await startOciRegistry({ auth: 'htpasswd' });
  work = tempDir('packyard-loop-');
  const docker = tempDir('packyard-docker-');
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  const env = { DOCKER_CONFIG: docker };
  await push(authorPack('ubuntu', '22.4.4', 'os'), env);
  await push(authorPack('kubernetes', '1.29.8', 'k8s'), env);
  await push(authorPack('kubernetes', '1.30.4', 'k8s'), env);
  await push(writeFixturePack('antrea-1.9.0', join(work, 'antrea')), env);
  await push(writeFixturePack('elastic-stack-0.19.0', join(work, 'elastic-stack')), env);

  await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } }).catch(() => {});
  await client.create(SECRET, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: { name: 'palette-login', namespace: NS },
    data: { '.dockerconfigjson': readFileSync(join(docker, 'config.json')).toString('base64') },
  } as never);
  manager = await startOperator(cluster.kubeConfig, NS);
  await client.create(PACKREGISTRY, {
    apiVersion: 'packyard.io/v1alpha1',
    kind: 'PackRegistry',
    metadata: { name: 'team-packs' },
    spec: {
      type: 'oci',
      url: `oci://${registry.host}/palette`,
      default: true,
      secretRef: { name: 'palette-login' },
      oci: { content: 'pack', baseContentPath: 'spectro-packs' },
    },
  } as never);
}, 240_000);

afterAll(async () => {
  await manager?.stop();
  await registry?.close();
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packs pushed with packyard pack push', () => {
  it('are synced by the operator with their layer, versions and dependencies', async () => {
    const r = await waitFor(
      'team-packs synced',
      async () => {
        const reg = await client.get<PackRegistry & KubernetesObject>(PACKREGISTRY, 'team-packs');
        return reg.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') ? reg : undefined;
      },
      60_000,
    );
    expect(r.status).toMatchObject({ packCount: 4, versionCount: 5 });
    const pack = (name: string) => client.get<Pack & KubernetesObject>(PACK, `team-packs.${name}`);
    const elastic = await pack('elastic-stack');
    const json = JSON.parse(readFileSync(fixtureFile('elastic-stack-0.19.0', 'pack.json'), 'utf8')) as {
      layer: string;
      version: string;
      displayName: string;
      constraints: { dependencies: Record<string, string>[] };
    };
    expect(elastic.spec).toMatchObject({ layer: json.layer, displayName: json.displayName, latest: json.version });
    // Every dependency of pack.json, empty bounds meaning none.
    expect(elastic.spec.versions[0]!.dependencies).toEqual(
      json.constraints.dependencies.map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== ''))),
    );
    expect(elastic.spec.versions[0]).toMatchObject({
      version: '0.19.0',
      digest: pushed['elastic-stack:0.19.0'],
      urls: [`oci://${registry.host}/palette/spectro-packs/archive/elastic-stack:0.19.0`],
    });
    expect((await pack('antrea')).spec).toMatchObject({ layer: 'cni', latest: '1.9.0' });
    expect((await pack('kubernetes')).spec.versions.map((v) => v.version)).toEqual(['1.30.4', '1.29.8']);
  }, 90_000);

  it('resolve into a ClusterProfile lock with the pushed digests', async () => {
    await client.create(CLUSTERPROFILE, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'edge', namespace: NS },
      spec: {
        type: 'infra',
        packs: [
          { name: 'ubuntu', layer: 'os', version: '22.x' },
          { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
          { name: 'antrea', layer: 'cni', version: '^1.9' },
        ],
      },
    } as never);
    const p = await waitFor(
      'edge resolved',
      async () => {
        const got = await client.get<ClusterProfile & KubernetesObject>(CLUSTERPROFILE, 'edge', NS);
        return got.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'Resolved') ? got : undefined;
      },
      60_000,
    );
    expect(p.status!.resolved!.map((r) => [r.name, r.version, r.digest])).toEqual([
      ['ubuntu', '22.4.4', pushed['ubuntu:22.4.4']],
      ['kubernetes', '1.30.4', pushed['kubernetes:1.30.4']],
      ['antrea', '1.9.0', pushed['antrea:1.9.0']],
    ]);
  }, 90_000);
});
