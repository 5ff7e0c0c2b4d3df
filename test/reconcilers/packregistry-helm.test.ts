// PackRegistry (type helm) end to end: the real operator manager against a real apiserver, syncing a
// real Helm repository (charts packaged and indexed by the real helm CLI) served over HTTPS with auth.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Pack } from '../../src/api/pack.js';
import type { PackRegistry } from '../../src/api/packregistry.js';
import { PACK, PACKREGISTRY, SECRET } from '../../src/api/resource-types.js';
import { KubeClient } from '../../src/controller/kube-client.js';
import type { Manager } from '../../src/controller/manager.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { makeHelmRepository, publishChart, type ChartSpec } from '../harness/helm-charts.js';
import {
  basicAuth,
  content,
  hang,
  serveDirectory,
  startServer,
  status,
  truncate,
  type TestServer,
} from '../harness/http-server.js';
import { createTestPki, type TestPki } from '../harness/tls.js';
import { startOperator } from '../harness/operator.js';
import { waitFor } from '../harness/wait.js';
import { REPO_ROOT, tempDir } from '../cli/cli-harness.js';
import { packRegistry } from '../harness/objects.js';

const NAMESPACE = 'packyard-helm-test';
let cluster: TestCluster;
let client: KubeClient;
type Registry = PackRegistry & KubernetesObject;

const charts: ChartSpec[] = [
  { name: 'podinfo', version: '6.5.0', appVersion: '6.5.0' },
  { name: 'podinfo', version: '6.6.0', appVersion: '6.6.0', kubeVersion: '>=1.23.0-0' },
  { name: 'cilium', version: '1.15.0', annotations: { 'packyard.io/layer': 'cni' } },
  { name: 'cilium', version: '1.16.0-rc.1', annotations: { 'packyard.io/layer': 'cni' } },
];

async function getRegistry(name: string): Promise<Registry> {
  return client.get<Registry>(PACKREGISTRY, name);
}
const ready = (r: Registry) => r.status?.conditions?.find((c) => c.type === 'Ready');
async function waitForReady(
  name: string,
  reason: string,
  status: 'True' | 'False' = reason === 'Synced' ? 'True' : 'False',
  timeoutMs = 30_000,
) {
  return waitFor(
    `${name} Ready=${status} ${reason}`,
    async () => {
      const r = await getRegistry(name);
      const c = ready(r);
      return c?.status === status && c.reason === reason && r.status?.observedGeneration === r.metadata?.generation
        ? r
        : undefined;
    },
    timeoutMs,
  );
}
async function packsOf(registry: string): Promise<Pack[]> {
  return (await client.list<Pack & KubernetesObject>(PACK, { labelSelector: `packyard.io/registry=${registry}` }))
    .items;
}
async function createRegistry(name: string, spec: Record<string, unknown>): Promise<Registry> {
  return client.create(PACKREGISTRY, packRegistry(name, spec));
}
async function requestSync(name: string, value: string) {
  await client.mergePatch(PACKREGISTRY, name, undefined, {
    metadata: { annotations: { 'packyard.io/sync-requested-at': value } },
  });
}
async function putSecret(name: string, stringData: Record<string, string>) {
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE }, data };
  await client.create(SECRET, obj as never).catch(() => client.update(SECRET, obj as never));
}

describe('PackRegistry of type helm', () => {
  let pki: TestPki;
  let server: TestServer;
  let repoDir: string;
  let manager: Manager;
  let password = 's3cret-pa55';

  beforeAll(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
    pki = await createTestPki();
    repoDir = makeHelmRepository(charts);
    server = await startServer({
      tls: { cert: pki.server.cert, key: pki.server.key },
      routes: {
        '/charts/': (req, res, s) => basicAuth('packyard', password, serveDirectory(repoDir, '/charts/'))(req, res, s),
        // A signed URL (a storage bucket's): every file answers only with the repository URL's query.
        '/signed/': (req, res, s) =>
          new URL(req.url!, 'http://x').searchParams.get('sig') === 'abc123'
            ? serveDirectory(repoDir, '/signed/')(req, res, s)
            : status(403)(req, res, s),
      },
    });
    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NAMESPACE } } }).catch(() => {});
    await putSecret('helm-auth', { username: 'packyard', password });
    await putSecret('helm-ca', { 'ca.crt': pki.ca.cert });
    manager = await startOperator(cluster.kubeConfig, NAMESPACE);
  }, 120_000);

  afterAll(async () => {
    await manager?.stop();
    await server?.close();
    rmSync(repoDir, { recursive: true, force: true });
    await cluster?.stop();
  });

  it("reads a repository URL's query into the index URL and every chart URL, as Helm does (a signed URL)", async () => {
    await createRegistry('signed', {
      type: 'helm',
      url: `${server.url}/signed/?sig=abc123`,
      tls: { caSecretRef: { name: 'helm-ca' } },
    });
    await waitForReady('signed', 'Synced');
    expect(server.requests.map((r) => r.url)).toContain('/signed/index.yaml?sig=abc123');
    const podinfo = (await packsOf('signed')).find((p) => p.spec.name === 'podinfo')!;
    expect(podinfo.spec.versions[0]!.urls).toEqual([`${server.url}/signed/podinfo-6.6.0.tgz?sig=abc123`]);
  });

  it('syncs a repository over HTTPS with basic auth and a CA from Secrets into Pack objects', async () => {
    const created = await createRegistry('demo', {
      type: 'helm',
      url: `${server.url}/charts`,
      secretRef: { name: 'helm-auth' },
      tls: { caSecretRef: { name: 'helm-ca' } },
    });
    const registry = await waitForReady('demo', 'Synced');
    expect(registry.status).toMatchObject({ packCount: 2, versionCount: 4 });
    expect(registry.status?.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ready(registry)?.message).toBe(`synced 2 packs (4 versions) from ${server.url}/charts`);

    const packs = await packsOf('demo');
    const podinfo = packs.find((p) => p.metadata.name === 'demo.podinfo')!;
    expect(podinfo.spec).toMatchObject({
      registry: 'demo',
      name: 'podinfo',
      layer: 'addon',
      latest: '6.6.0',
      versionCount: 2,
    });
    expect(podinfo.spec.versions.map((v) => v.version)).toEqual(['6.6.0', '6.5.0']);
    expect(podinfo.spec.versions[0]).toMatchObject({
      kubeVersion: '>=1.23.0-0',
      urls: [`${server.url}/charts/podinfo-6.6.0.tgz`],
    });
    expect(podinfo.spec.versions[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((podinfo.metadata as KubernetesObject['metadata'])?.ownerReferences?.[0]).toMatchObject({
      kind: 'PackRegistry',
      name: 'demo',
      uid: created.metadata?.uid,
      controller: true,
    });
    const cilium = packs.find((p) => p.metadata.name === 'demo.cilium')!;
    // The prerelease is listed and flagged, so a profile can pin it; latest stays the newest stable version.
    expect(cilium.spec).toMatchObject({ layer: 'cni', latest: '1.15.0' });
    expect(cilium.spec.versions.map((v) => [v.version, v.prerelease])).toEqual([
      ['1.16.0-rc.1', true],
      ['1.15.0', undefined],
    ]);
  });

  it('re-syncs an unchanged repository with a conditional GET and writes no Pack', async () => {
    const before = await packsOf('demo');
    const requestsBefore = server.count('/charts/index.yaml');
    await requestSync('demo', 'first');
    const registry = await waitFor('the sync request handled', async () => {
      const r = await getRegistry('demo');
      return r.status?.lastHandledSyncRequest === 'first' ? r : undefined;
    });
    expect(ready(registry)?.status).toBe('True');
    const requests = server.requests.filter((r) => r.url === '/charts/index.yaml').slice(requestsBefore);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers['if-none-match']).toBe(registry.status?.etag);
    const after = await packsOf('demo');
    expect(after.map((p) => p.metadata.resourceVersion)).toEqual(before.map((p) => p.metadata.resourceVersion));
  });

  it('picks up a newly published version on request, rewriting only the pack that changed', async () => {
    const before = Object.fromEntries(
      (await packsOf('demo')).map((p) => [p.metadata.name, p.metadata.resourceVersion]),
    );
    publishChart({ name: 'podinfo', version: '6.7.0', appVersion: '6.7.0' }, repoDir);
    await requestSync('demo', 'second');
    await waitFor(
      'podinfo 6.7.0',
      async () => (await client.get<Pack & KubernetesObject>(PACK, 'demo.podinfo')).spec.latest === '6.7.0',
    );
    const after = Object.fromEntries((await packsOf('demo')).map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    expect(after['demo.cilium']).toBe(before['demo.cilium']);
    expect(after['demo.podinfo']).not.toBe(before['demo.podinfo']);
  });

  it('reports AuthenticationFailed and keeps the catalogue when the password is rotated, then heals from the Secret', async () => {
    const packsBefore = await packsOf('demo');
    password = 'rotated-pa55';
    await requestSync('demo', 'third');
    const failed = await waitForReady('demo', 'AuthenticationFailed');
    expect(ready(failed)?.message).toContain('401');
    expect(JSON.stringify(failed.status)).not.toContain('s3cret-pa55');
    expect(failed.status?.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
    expect(failed.status?.packCount).toBe(2);
    expect((await packsOf('demo')).map((p) => p.metadata.resourceVersion)).toEqual(
      packsBefore.map((p) => p.metadata.resourceVersion),
    );

    await putSecret('helm-auth', { username: 'packyard', password: 'rotated-pa55' }); // the Secret watch re-syncs it
    const healed = await waitForReady('demo', 'Synced');
    expect(healed.status?.conditions?.find((c) => c.type === 'Stalled')).toBeUndefined();
  });

  it('syncs at once when a Secret it reads changes, not at the end of its backoff', async () => {
    password = 'third-pa55';
    // Fail a few times in a row, so the backoff before the next attempt is long.
    for (const attempt of ['fail-1', 'fail-2', 'fail-3', 'fail-4', 'fail-5']) {
      await requestSync('demo', attempt);
      await waitFor(
        `attempt ${attempt}`,
        async () => (await getRegistry('demo')).status?.lastHandledSyncRequest === attempt,
      );
    }
    const failing = await waitForReady('demo', 'AuthenticationFailed');
    expect(Date.parse(failing.status!.nextSyncTime!) - Date.now()).toBeGreaterThan(20_000);

    await putSecret('helm-auth', { username: 'packyard', password: 'third-pa55' });
    const t0 = Date.now();
    // Well inside the backoff (> 20 s), with room for a loaded machine.
    await waitForReady('demo', 'Synced', 'True', 15_000);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('retries at once, in a new operator process, a registry failing with AuthenticationFailed whose Secret changed meanwhile', async () => {
    password = 'fourth-pa55';
    for (const attempt of ['again-1', 'again-2', 'again-3', 'again-4', 'again-5']) {
      await requestSync('demo', attempt);
      await waitFor(
        `attempt ${attempt}`,
        async () => (await getRegistry('demo')).status?.lastHandledSyncRequest === attempt,
      );
    }
    const failing = await waitForReady('demo', 'AuthenticationFailed');
    expect(Date.parse(failing.status!.nextSyncTime!) - Date.now()).toBeGreaterThan(20_000);

    await manager.stop(); // e.g. a leader handing over: the next process never saw the old Secret
    await putSecret('helm-auth', { username: 'packyard', password: 'fourth-pa55' });
    manager = await startOperator(cluster.kubeConfig, NAMESPACE);
    await waitForReady('demo', 'Synced', 'True', 15_000); // well inside the backoff (> 20 s)
  });

  it('reports InvalidIndex for a page that is not an index and keeps every Pack', async () => {
    const packsBefore = (await packsOf('demo')).map((p) => p.metadata.name);
    const spec = { type: 'helm', url: `${server.url}/broken`, tls: { caSecretRef: { name: 'helm-ca' } } };
    server.route(
      '/broken/index.yaml',
      content('<html><body>Service Unavailable</body></html>', { contentType: 'text/html' }),
    );
    await createRegistry('broken', spec);
    const broken = await waitForReady('broken', 'InvalidIndex');
    expect(ready(broken)?.message).toMatch(/HTML/);
    expect((await packsOf('demo')).map((p) => p.metadata.name)).toEqual(packsBefore);
  });

  it('keeps credentials out of status when the index quotes the Authorization header it was sent', async () => {
    await putSecret('echo-auth', { username: 'packyard', password: 'echoed-pa55' });
    // A repository (or a proxy's error page) that reflects the request: the value is in what InvalidIndex quotes.
    server.route(
      '/echo/index.yaml',
      (req, res) => void res.end(`apiVersion: v1\nentries: ${JSON.stringify(req.headers.authorization ?? '')}\n`),
    );
    await createRegistry('echo', {
      type: 'helm',
      url: `${server.url}/echo`,
      secretRef: { name: 'echo-auth' },
      tls: { caSecretRef: { name: 'helm-ca' } },
    });
    const echoed = await waitForReady('echo', 'InvalidIndex');
    expect(ready(echoed)?.message).toMatch(/entries: expected a map, got "Basic \*\*\*"/);
    const status = JSON.stringify(echoed.status);
    expect(status).not.toContain('echoed-pa55');
    expect(status).not.toContain(Buffer.from('packyard:echoed-pa55').toString('base64'));
  });

  it('reads a real public index as Helm reads it, then keeps that catalogue while the index is one Helm refuses', async () => {
    const fixtures = join(REPO_ROOT, '../shared/fixtures/helm-index');
    const file = join(fixtures, 'aws__eks-charts__index.yaml');
    const loader = execFileSync(join(REPO_ROOT, 'hack/build-tool.sh'), ['helm-index-loader'], {
      encoding: 'utf8',
    }).trim();
    type Chart = { count: number; newestStable: string; distinct: string[] };
    const [helm] = JSON.parse(execFileSync(loader, ['--read', file], { encoding: 'utf8', maxBuffer: 1 << 26 })) as {
      versions: number;
      perChart: Record<string, Chart>;
    }[];
    server.route('/real/index.yaml', content(readFileSync(file)));
    await createRegistry('real', {
      type: 'helm',
      url: `${server.url}/real`,
      tls: { caSecretRef: { name: 'helm-ca' } },
    });
    const synced = await waitForReady('real', 'Synced', 'True', 60_000);
    expect(synced.status).toMatchObject({
      packCount: Object.keys(helm!.perChart).length,
      versionCount: helm!.versions,
    });
    const packs = new Map((await packsOf('real')).map((p) => [p.spec.name, p.spec]));
    for (const [name, chart] of Object.entries(helm!.perChart)) {
      const pack = packs.get(name);
      expect([name, pack?.versionCount, pack?.latest ?? '']).toEqual([name, chart.count, chart.newestStable]);
      expect([name, [...new Set(pack!.versions.map((v) => v.version))].sort()]).toEqual([name, chart.distinct]);
    }
    const before = (await packsOf('real')).map((p) => [p.metadata.name, p.metadata.resourceVersion]);

    // The same index with one unquoted appVersion, as a publisher might write it: Helm refuses the whole file.
    const broken = readFileSync(file, 'utf8').replace('appVersion: v0.5.20', 'appVersion: 1.4');
    const brokenFile = join(tempDir('helm-broken-'), 'index.yaml');
    writeFileSync(brokenFile, broken);
    const [helmBroken] = JSON.parse(execFileSync(loader, ['--read', brokenFile], { encoding: 'utf8' })) as {
      error?: string;
    }[];
    expect(helmBroken?.error).toMatch(/cannot unmarshal number into Go struct field .*appVersion of type string/);
    server.route('/real/index.yaml', content(broken));
    await requestSync('real', 'broken');
    const refused = await waitForReady('real', 'InvalidIndex');
    expect(ready(refused)?.message).toMatch(
      /line \d+: entries\.aws-efa-k8s-device-plugin\[\d+\]\.appVersion: Helm's loader expects a string, got the number 1\.4/,
    );
    expect(refused.status).toMatchObject({
      packCount: synced.status?.packCount,
      versionCount: synced.status?.versionCount,
    });
    expect((await packsOf('real')).map((p) => [p.metadata.name, p.metadata.resourceVersion])).toEqual(before);

    // A real index committed with merge-conflict markers (Azure/brigade-charts): refused, nothing lost.
    server.route('/real/index.yaml', content(readFileSync(join(fixtures, 'Azure__brigade-charts__docs__index.yaml'))));
    await requestSync('real', 'conflict');
    const conflict = await waitFor('the conflicted index refused', async () => {
      const r = await getRegistry('real');
      return r.status?.lastHandledSyncRequest === 'conflict' ? r : undefined;
    });
    expect(ready(conflict)).toMatchObject({ status: 'False', reason: 'InvalidIndex' });
    expect(ready(conflict)?.message).toMatch(/line \d+/);
    expect((await packsOf('real')).map((p) => [p.metadata.name, p.metadata.resourceVersion])).toEqual(before);
  }, 120_000);

  it.each([
    ['NotFound', '/missing', undefined, {}],
    ['FetchFailed', '/error', status(500, { body: 'internal error' }), {}],
    ['FetchFailed', '/truncated', truncate('apiVersion: v1\nentries: {}\n'.repeat(100), 300), {}],
    ['Timeout', '/slow', hang(), { timeout: '1s' }],
    ['RateLimited', '/busy', status(429, { headers: { 'Retry-After': '120' } }), {}],
    ['IndexTooLarge', '/big', content('x'.repeat(4096)), { maxIndexSize: 1024 }],
  ] as const)('reports %s precisely', async (reason, path, handler, extra) => {
    if (handler) server.route(`${path}/index.yaml`, handler);
    const name = `fault-${path.slice(1)}`;
    await createRegistry(name, {
      type: 'helm',
      url: `${server.url}${path}`,
      tls: { caSecretRef: { name: 'helm-ca' } },
      ...extra,
    });
    const r = await waitForReady(name, reason);
    expect(r.status?.lastSyncTime).toBeUndefined();
    if (reason === 'RateLimited') {
      // Retry-After is honoured: the next attempt is no sooner than the server asked.
      const next = Date.parse(r.status!.nextSyncTime!) - Date.parse(r.status!.lastAttemptTime!);
      expect(next).toBeGreaterThanOrEqual(120_000);
    }
  });

  it('writes status even when a step fails unexpectedly (the apiserver refusing a Pack), then heals', async () => {
    // A ValidatingAdmissionPolicy makes the apiserver refuse this registry's Packs with a 422 no step expects.
    const policyType = {
      group: 'admissionregistration.k8s.io',
      version: 'v1',
      kind: 'ValidatingAdmissionPolicy',
      plural: 'validatingadmissionpolicies',
      namespaced: false,
    };
    const bindingType = {
      ...policyType,
      kind: 'ValidatingAdmissionPolicyBinding',
      plural: 'validatingadmissionpolicybindings',
    };
    await client.create(policyType, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'refuse-packs' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: ['packyard.io'], apiVersions: ['*'], operations: ['CREATE'], resources: ['packs'] },
          ],
        },
        validations: [{ expression: "object.spec.registry != 'refused'", message: 'this test refuses the Pack' }],
      },
    } as never);
    await client.create(bindingType, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'refuse-packs' },
      spec: { policyName: 'refuse-packs', validationActions: ['Deny'] },
    } as never);
    const probe = {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'Pack',
      metadata: { name: 'refused.probe' },
      spec: { registry: 'refused', name: 'probe', layer: 'addon', versions: [] },
    };
    await waitFor('the policy in force', () =>
      client.request('POST', '/apis/packyard.io/v1alpha1/packs', { query: { dryRun: 'All' }, body: probe }).then(
        () => false,
        (err) => /refuses the Pack/.test(String(err?.message)),
      ),
    );

    await createRegistry('refused', {
      type: 'helm',
      url: `${server.url}/charts`,
      secretRef: { name: 'helm-auth' },
      tls: { caSecretRef: { name: 'helm-ca' } },
    });
    const failed = await waitForReady('refused', 'ReconciliationFailed');
    expect(ready(failed)?.message).toMatch(/^reconcile failed: .*this test refuses the Pack/);
    // Retried with backoff, not stalled.
    expect(failed.status?.conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({ status: 'True' });
    expect(failed.status?.lastSyncTime).toBeUndefined();

    await client.request(
      'DELETE',
      '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/refuse-packs',
    );
    await client.request('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/refuse-packs');
    const healed = await waitForReady('refused', 'Synced', 'True', 60_000);
    expect(healed.status?.packCount).toBe(2);
    await client.request('DELETE', '/apis/packyard.io/v1alpha1/packregistries/refused');
  });

  it('reports TLSError for a server certificate signed by a CA it was not given', async () => {
    await createRegistry('wrong-ca', { type: 'helm', url: `${server.url}/charts`, secretRef: { name: 'helm-auth' } });
    const r = await waitForReady('wrong-ca', 'TLSError');
    expect(ready(r)?.message).toMatch(/certificate/i);
  });

  it('applies a filter change at once and deletes Packs the catalogue no longer holds', async () => {
    const current = await getRegistry('demo');
    await client.update(PACKREGISTRY, {
      ...current,
      spec: { ...current.spec, filter: { include: ['podinfo'] } },
    } as never);
    await waitFor('demo.cilium deleted', async () =>
      (await packsOf('demo')).every((p) => p.metadata.name !== 'demo.cilium'),
    );
    const r = await waitForReady('demo', 'Synced');
    expect(r.status?.packCount).toBe(1);
  });

  it('keeps Packs but stops syncing while suspended', async () => {
    const current = await getRegistry('demo');
    await client.update(PACKREGISTRY, { ...current, spec: { ...current.spec, suspend: true } } as never);
    await waitFor('suspend observed', async () => {
      const r = await getRegistry('demo');
      return r.status?.observedGeneration === r.metadata?.generation;
    });
    const requestsBefore = server.count('/charts/index.yaml');
    await requestSync('demo', 'while-suspended');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(server.count('/charts/index.yaml')).toBe(requestsBefore);
    expect((await packsOf('demo')).length).toBe(1);
  });
});
