// Signature checks end to end: the operator syncs a Helm repository whose charts `helm package --sign`
// signed with a GnuPG key made here, writes each version's verification into its Pack and the counts
// into the registry's Ready message, and a profile with verification Required locks only verified
// versions; when the keys change and its version no longer verifies, the last good lock stays.
import { rmSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { packageChart, reindex } from '../harness/helm-charts.js';
import { serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperator } from '../harness/operator.js';
import { gpgKey, type GpgKey } from '../harness/signing.js';
import { waitFor } from '../harness/wait.js';
import { tempDir } from '../cli/cli-harness.js';

const NS = 'packyard-verify-test';
type Profile = ClusterProfile & KubernetesObject;
type Registry = PackRegistry & KubernetesObject;

let cluster: TestCluster;
let client: KubeClient;
let server: TestServer;
let repoDir: string;
let manager: Manager;
let signer: GpgKey;
let stranger: GpgKey;

async function putKeys(pubring: Buffer) {
  const obj = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'chart-keys', namespace: NS },
    data: { 'pubring.gpg': pubring.toString('base64') },
  };
  await client.create(SECRET, obj as never).catch(() => client.update(SECRET, obj as never));
}
const getProfile = (name: string) => client.get<Profile>(CLUSTERPROFILE, name, 'default');
const ready = (o: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }) =>
  o.status?.conditions?.find((c) => c.type === 'Ready');

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  [signer, stranger] = await Promise.all([gpgKey(), gpgKey('Someone Else <else@packyard.test>')]);
  repoDir = tempDir('packyard-signed-repo-');
  packageChart({ name: 'podinfo', version: '6.5.0' }, repoDir, { key: signer.name, keyring: signer.secring });
  packageChart({ name: 'podinfo', version: '6.6.0' }, repoDir); // the newest, unsigned
  reindex(repoDir);
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/') } });
  await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } }).catch(() => {});
  await putKeys(signer.pubring);
  manager = await startOperator(cluster.kubeConfig, NS);
}, 180_000);

afterAll(async () => {
  await manager?.stop();
  await server?.close();
  rmSync(repoDir, { recursive: true, force: true });
  await cluster?.stop();
});

describe('verification end to end', () => {
  it('records each version on its Pack, counts them in Ready, and locks only verified versions under Required', async () => {
    await client.create(PACKREGISTRY, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      metadata: { name: 'signed' },
      spec: {
        type: 'helm',
        url: `${server.url}/charts`,
        default: true,
        verify: { provider: 'helm', secretRef: { name: 'chart-keys' } },
      },
    } as never);
    const registry = await waitFor('the registry synced', async () => {
      const r = await client.get<Registry>(PACKREGISTRY, 'signed');
      return ready(r)?.reason === 'Synced' ? r : undefined;
    });
    expect(ready(registry)!.message).toBe(
      `synced 1 pack (2 versions) from ${server.url}/charts; signatures: 1 verified, 1 unsigned, 0 failed`,
    );
    expect(registry.status?.verification).toEqual({ verified: 1, unsigned: 1, failed: 0 });
    const pack = await client.get<Pack & KubernetesObject>(PACK, 'signed.podinfo');
    expect(pack.spec.versions.map((v) => [v.version, v.verification?.state])).toEqual([
      ['6.6.0', 'Unsigned'],
      ['6.5.0', 'Verified'],
    ]);

    for (const [name, verification] of [
      ['strict', 'Required'],
      ['lenient', undefined],
    ] as const) {
      await client.create(CLUSTERPROFILE, {
        apiVersion: 'packyard.io/v1alpha1',
        kind: 'ClusterProfile',
        metadata: { name, namespace: 'default' },
        spec: {
          type: 'add-on',
          packs: [{ name: 'podinfo', layer: 'addon', version: '^6.5' }],
          ...(verification && { verification }),
        },
      } as never);
    }
    const strict = await waitFor('strict resolved', async () => {
      const p = await getProfile('strict');
      return ready(p)?.reason === 'Resolved' ? p : undefined;
    });
    expect(strict.status?.resolved?.[0]).toMatchObject({
      version: '6.5.0',
      verification: { state: 'Verified', method: 'helm-prov' },
    });
    expect(strict.status!.resolved![0]!.verification!.signer).toContain('Packyard Test Signer');
    const lenient = await waitFor('lenient resolved', async () => {
      const p = await getProfile('lenient');
      return ready(p)?.reason === 'Resolved' ? p : undefined;
    });
    expect(lenient.status?.resolved?.[0]).toMatchObject({ version: '6.6.0', verification: { state: 'Unsigned' } });
  });

  it('keeps the last good lock and says VerificationFailed when the keys change and nothing verifies', async () => {
    await putKeys(stranger.pubring); // a Secret change re-syncs and re-verifies: 6.5.0 was not signed by this key
    const strict = await waitFor('strict VerificationFailed', async () => {
      const p = await getProfile('strict');
      return ready(p)?.reason === 'VerificationFailed' ? p : undefined;
    });
    expect(ready(strict)!.message).toMatch(
      /^podinfo \^6\.5: no matching version is verified \(verification Required\): 6\.6\.0 Unsigned \(no provenance file podinfo-6\.6\.0\.tgz\.prov\), 6\.5\.0 Failed \(podinfo-6\.5\.0\.tgz\.prov: signature by key [0-9a-f]{16} does not verify/,
    );
    expect(strict.status?.resolved?.[0]).toMatchObject({ version: '6.5.0', verification: { state: 'Verified' } });
    const registry = await client.get<Registry>(PACKREGISTRY, 'signed');
    expect(registry.status?.verification).toEqual({ verified: 0, unsigned: 1, failed: 1 });
  });
});
