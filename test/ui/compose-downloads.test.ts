// The composer's values step downloads the chosen versions' archives, against a real apiserver and
// a real HTTP server that holds each download until the test lets it go (or never does): an
// archive that does not come fails that one answer after the server's time limit (504, saying
// why), not the server, and the download is ended; a draft given up by the page does not take
// down the download a newer draft shares, which is read once.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_VERSION } from '../../src/api/common.js';
import { PACK_KIND, PACK_LABEL, REGISTRY_LABEL } from '../../src/api/pack.js';
import { PACK, PACKREGISTRY } from '../../src/api/resource-types.js';
import { UiServer } from '../../src/ui/server.js';
import { objects, tempDir } from '../cli/cli-harness.js';
import { packageChart } from '../harness/helm-charts.js';
import { startServer, type TestServer } from '../harness/http-server.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { waitFor } from '../harness/wait.js';

const LIMIT_MS = 1500;
let cluster: TestCluster;
let registry: TestServer;
let ui: UiServer;
let patientUi: UiServer;
let archive: Buffer;
const dirs: string[] = [];
/** Downloads the registry never answers. */
const never: IncomingMessage[] = [];
/** Downloads held by the registry, in arrival order; `release` serves the archive to the held ones. */
const held: { req: IncomingMessage; res: ServerResponse }[] = [];
const release = () => {
  for (const { res } of held.splice(0)) res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(archive);
};

/** A Pack of registry `name` with one version whose archive is `file` under that registry's path. */
function packOf(name: string, digest: string) {
  return {
    apiVersion: API_VERSION,
    kind: PACK_KIND,
    metadata: { name: `${name}.podinfo`, labels: { [REGISTRY_LABEL]: name, [PACK_LABEL]: 'podinfo' } },
    spec: {
      registry: name,
      name: 'podinfo',
      layer: 'addon',
      latest: '6.5.0',
      versionCount: 1,
      versions: [{ version: '6.5.0', digest, urls: [`${registry.url}/${name}/podinfo-6.5.0.tgz`] }],
    },
  };
}

beforeAll(async () => {
  cluster = await startTestCluster();
  const dir = tempDir('packyard-ui-downloads-');
  dirs.push(dir);
  archive = readFileSync(packageChart({ name: 'podinfo', version: '6.5.0' }, dir));
  registry = await startServer({
    routes: {
      '/never/': (req) => void never.push(req), // accepted, never answered
      '/held/': (req, res) => void held.push({ req, res }),
    },
  });
  const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
  for (const name of ['never', 'held']) {
    await cluster.client.create(PACKREGISTRY, objects.registry(name, `${registry.url}/${name}`) as never);
    // Synced once, as far as the resolver can tell: a registry that never synced is not used.
    await cluster.client.mergePatch(
      PACKREGISTRY,
      name,
      undefined,
      { status: { lastSyncTime: new Date().toISOString() } },
      'status',
    );
    await cluster.client.create(PACK, packOf(name, digest) as never);
  }
  ui = new UiServer({ kubeConfig: cluster.kubeConfig, composeTimeoutMs: LIMIT_MS });
  patientUi = new UiServer({ kubeConfig: cluster.kubeConfig, composeTimeoutMs: 120_000 });
  for (const server of [ui, patientUi]) {
    await server.start();
    await waitFor(
      'the UI to see the packs and their registries',
      () => server.view.packs.list().length === 2 && server.view.registryStates().every((r) => r.ready),
    );
  }
}, 120_000);

afterAll(async () => {
  release();
  await ui?.close();
  await patientUi?.close();
  await registry?.close();
  await cluster?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const draft = (registryName: string) => ({
  name: 'slow',
  namespace: 'default',
  spec: { type: 'add-on', packs: [{ name: 'podinfo', layer: 'addon', registry: registryName, version: '6.x' }] },
});

const compose = (server: UiServer, body: unknown, signal?: AbortSignal) =>
  fetch(`${server.origin}/api/compose`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal && { signal }),
  });

it('answers 504 with the reason when the archive does not come within the limit, and goes on answering', async () => {
  const started = Date.now();
  const answer = await compose(ui, draft('never'));
  expect([answer.status, await answer.json()]).toEqual([
    504,
    { error: `the chosen versions' files could not be read within ${LIMIT_MS / 1000}s` },
  ]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_MS);
  const download = registry.requests.filter((r) => r.url.startsWith('/never/'));
  expect(download.map((r) => r.url)).toEqual(['/never/podinfo-6.5.0.tgz']);
  // The download is ended by the content source's own limit, not left open.
  await waitFor('the download to be ended', () => never[0]!.socket.destroyed);

  // The server still answers: a draft that never reaches the values step comes back at once.
  const invalid = await compose(ui, { ...draft('never'), spec: { type: 'add-on', packs: [] } });
  expect(invalid.status).toBe(200);
  expect(((await invalid.json()) as { invalid: unknown[] }).invalid.length).toBeGreaterThan(0);
}, 60_000);

it('a draft the page gives up does not cancel the download a newer draft waits for; it is read once', async () => {
  const stale = new AbortController();
  const first = compose(patientUi, draft('held'), stale.signal).catch((err: Error) => err);
  await waitFor('the download to start', () => held.length === 1);
  const second = compose(patientUi, { ...draft('held'), name: 'newer' });
  stale.abort();
  expect(((await first) as Error).name).toBe('AbortError');
  release();
  const answer = await second;
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { result: { ok: boolean; resolved: { valuesDigest?: string }[] } };
  expect(body.result.ok).toBe(true);
  expect(body.result.resolved[0]!.valuesDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(registry.requests.filter((r) => r.url.startsWith('/held/')).length).toBe(1);

  // Cached by digest: the next answer reads nothing.
  expect((await compose(patientUi, draft('held'))).status).toBe(200);
  expect(registry.requests.filter((r) => r.url.startsWith('/held/')).length).toBe(1);
}, 60_000);
