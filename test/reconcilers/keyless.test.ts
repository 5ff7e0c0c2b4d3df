// Keyless verification end to end: the operator syncs an OCI registry whose newest chart is unsigned and
// whose older one the real cosign signed with a certificate from a private CA (Fulcio's stand-in), with
// the TrustedRoot (made by `cosign trusted-root create`) in a ConfigMap of the operator's namespace. A
// profile with verification Required locks the keyless-verified version, recording the identity; a
// trusted root gone or malformed stops the registry (InvalidTrustedRoot) and keeps its catalogue and the
// lock; put right, the registry syncs again.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { CLUSTERPROFILE, CONFIGMAP, PACK, PACKREGISTRY } from '../../src/api/resource-types.js';
import type { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { clusterProfile, packRegistry } from '../harness/objects.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { startOperator } from '../harness/operator.js';
import {
  cosignSignKeyless,
  cosignTrustedRoot,
  keylessSigner,
  testCa,
  trustedRoot,
  type TestCa,
} from '../harness/signing.js';
import { waitFor } from '../harness/wait.js';

const NS = 'packyard-keyless-test';
const ISSUER = 'https://issuer.packyard.test';
type Registry = PackRegistry & KubernetesObject;
type Profile = ClusterProfile & KubernetesObject;

let cluster: TestCluster;
let client: KubeClient;
let registry: OciRegistry;
let manager: Manager;
let fulcio: TestCa;

const ready = (o: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }) =>
  o.status?.conditions?.find((c) => c.type === 'Ready');
const getRegistry = () => client.get<Registry>(PACKREGISTRY, 'keyless');
const getProfile = () => client.get<Profile>(CLUSTERPROFILE, 'strict', 'default');
async function putRoot(data: Record<string, string>) {
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sigstore-root', namespace: NS }, data };
  await client.create(CONFIGMAP, obj as never).catch(() => client.update(CONFIGMAP, obj as never));
}
const waitForRegistry = (reason: string) =>
  waitFor(`registry Ready reason ${reason}`, async () => {
    const r = await getRegistry();
    return ready(r)?.reason === reason ? r : undefined;
  });

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
  registry = await startOciRegistry({ auth: 'none' });
  fulcio = await testCa('Packyard Test Fulcio');
  const alice = await keylessSigner(fulcio, { subject: 'alice@packyard.test', issuer: ISSUER });
  const signed = await registry.pushChart({ name: 'podinfo', version: '6.5.0' }, 'charts');
  await registry.pushChart({ name: 'podinfo', version: '6.6.0' }, 'charts'); // the newest, unsigned
  await cosignSignKeyless(`${registry.host}/charts/podinfo@${signed}`, alice, 'bundle');
  await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } }).catch(() => {});
  // The root as the real cosign writes it (cosign trusted-root create).
  await putRoot({ 'trusted_root.json': await cosignTrustedRoot([fulcio]) });
  manager = await startOperator(cluster.kubeConfig, NS);
}, 300_000);

afterAll(async () => {
  await manager?.stop();
  await registry?.close();
  await cluster?.stop();
});

describe('keyless verification end to end', () => {
  it('verifies with the trusted root from a ConfigMap and locks only the keyless-verified version under Required', async () => {
    await client.create(
      PACKREGISTRY,
      packRegistry('keyless', {
        type: 'oci',
        url: `oci://${registry.host}/charts`,
        default: true,
        verify: {
          provider: 'cosign',
          matchOIDCIdentity: [{ issuer: '^https://issuer\\.packyard\\.test$', subject: '^alice@packyard\\.test$' }],
          trustedRootRef: { kind: 'ConfigMap', name: 'sigstore-root' },
        },
      }),
    );
    const r = await waitForRegistry('Synced');
    expect(ready(r)!.message).toMatch(/; signatures: 1 verified, 1 unsigned, 0 failed$/);
    const pack = await client.get<Pack & KubernetesObject>(PACK, 'keyless.podinfo');
    expect(pack.spec.versions.map((v) => [v.version, v.verification?.state, v.verification?.signer])).toEqual([
      ['6.6.0', 'Unsigned', undefined],
      ['6.5.0', 'Verified', `alice@packyard.test (${ISSUER})`],
    ]);

    await client.create(
      CLUSTERPROFILE,
      clusterProfile('strict', 'default', {
        type: 'add-on',
        verification: 'Required',
        packs: [{ name: 'podinfo', layer: 'addon', version: '^6.5' }],
      }),
    );
    const strict = await waitFor('strict resolved', async () => {
      const p = await getProfile();
      return ready(p)?.reason === 'Resolved' ? p : undefined;
    });
    expect(strict.status?.resolved?.[0]).toMatchObject({
      version: '6.5.0',
      verification: {
        state: 'Verified',
        signer: `alice@packyard.test (${ISSUER})`,
        method: 'cosign-bundle-keyless',
      },
    });
  });

  it('stops on a malformed or missing trusted root, keeping the catalogue and the lock, and syncs once it is put right', async () => {
    const before = await client.get<Pack & KubernetesObject>(PACK, 'keyless.podinfo');
    await putRoot({ 'trusted_root.json': '{"certificateAuthorities": [' });
    let r = await waitForRegistry('InvalidTrustedRoot');
    expect(ready(r)).toMatchObject({ status: 'False' });
    expect(ready(r)!.message).toMatch(
      new RegExp(`^ConfigMap ${NS}/sigstore-root key trusted_root\\.json: not JSON \\(`),
    );

    await putRoot({ 'root.json': trustedRoot([fulcio]) }); // the right JSON under another key
    r = await waitFor('the missing key named', async () => {
      const x = await getRegistry();
      return ready(x)?.message.includes('has no key trusted_root.json') ? x : undefined;
    });
    expect(ready(r)).toMatchObject({
      reason: 'InvalidTrustedRoot',
      message: `trusted root ConfigMap ${NS}/sigstore-root has no key trusted_root.json`,
    });

    await client.delete(CONFIGMAP, 'sigstore-root', NS);
    r = await waitFor('the missing ConfigMap named', async () => {
      const x = await getRegistry();
      return ready(x)?.message.endsWith('not found') ? x : undefined;
    });
    expect(ready(r)!.message).toBe(`trusted root ConfigMap ${NS}/sigstore-root not found`);

    // Nothing was lost while the root was unusable.
    const kept = await client.get<Pack & KubernetesObject>(PACK, 'keyless.podinfo');
    expect(kept.spec.versions).toEqual(before.spec.versions);
    expect((await getProfile()).status?.resolved?.[0]).toMatchObject({ version: '6.5.0' });

    await putRoot({ 'trusted_root.json': trustedRoot([fulcio]) });
    r = await waitForRegistry('Synced');
    expect(r.status?.verification).toEqual({ verified: 1, unsigned: 1, failed: 0 });
  });
});
