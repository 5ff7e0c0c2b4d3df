// The composer's values step downloads the chosen versions' archives: a registry that never answers
// fails that one answer after the server's time limit (504, saying why), not the server, and the
// download is given up. Against a real apiserver and a real HTTP server that accepts and never replies.
import type { IncomingMessage } from 'node:http';
import { API_VERSION } from '../../src/api/common.js';
import { PACK_KIND, PACK_LABEL, REGISTRY_LABEL } from '../../src/api/pack.js';
import { PACK, PACKREGISTRY } from '../../src/api/resource-types.js';
import { UiServer } from '../../src/ui/server.js';
import { objects } from '../cli/cli-harness.js';
import { startServer, type TestServer } from '../harness/http-server.js';
import { startTestCluster, type TestCluster } from '../harness/own-cluster.js';
import { waitFor } from '../harness/wait.js';

const LIMIT_MS = 1500;
let cluster: TestCluster;
let registry: TestServer;
let ui: UiServer;
/** Requests to the archive that were left hanging, and whether the composer gave each up. */
const hanging: IncomingMessage[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  registry = await startServer({ routes: { '/hang/': (req) => void hanging.push(req) } });
  await cluster.client.create(PACKREGISTRY, objects.registry('slow', `${registry.url}/hang`) as never);
  // Synced once, as far as the resolver can tell: a registry that never synced is not used.
  await cluster.client.mergePatch(
    PACKREGISTRY,
    'slow',
    undefined,
    { status: { lastSyncTime: new Date().toISOString() } },
    'status',
  );
  await cluster.client.create(PACK, {
    apiVersion: API_VERSION,
    kind: PACK_KIND,
    metadata: { name: 'slow.podinfo', labels: { [REGISTRY_LABEL]: 'slow', [PACK_LABEL]: 'podinfo' } },
    spec: {
      registry: 'slow',
      name: 'podinfo',
      layer: 'addon',
      latest: '6.5.0',
      versionCount: 1,
      versions: [
        {
          version: '6.5.0',
          digest: `sha256:${'ab'.repeat(32)}`,
          urls: [`${registry.url}/hang/podinfo-6.5.0.tgz`],
        },
      ],
    },
  } as never);
  ui = new UiServer({ kubeConfig: cluster.kubeConfig, composeTimeoutMs: LIMIT_MS });
  await ui.start();
  await waitFor(
    'the UI to see the pack and its registry',
    () => ui.view.packs.list().length === 1 && ui.view.registryStates()[0]?.ready === true,
  );
}, 120_000);

afterAll(async () => {
  await ui?.close();
  await registry?.close();
  await cluster?.stop();
});

const compose = (draft: unknown) =>
  fetch(`${ui.origin}/api/compose`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ui.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(draft),
  });

it('answers 504 with the reason when the archive does not come within the limit, and goes on answering', async () => {
  const draft = {
    name: 'slow',
    namespace: 'default',
    spec: { type: 'add-on', packs: [{ name: 'podinfo', layer: 'addon', registry: 'slow', version: '6.x' }] },
  };
  const started = Date.now();
  const answer = await compose(draft);
  expect([answer.status, await answer.json()]).toEqual([
    504,
    {
      error: `the chosen versions' files could not be read within ${LIMIT_MS / 1000}s`,
    },
  ]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_MS);
  expect(hanging.map((r) => r.url)).toEqual(['/hang/podinfo-6.5.0.tgz']);
  // The download was given up: the registry's side of it closed.
  await waitFor('the download to be closed', () => hanging[0]!.socket.destroyed || hanging[0]!.destroyed);

  // The server still answers: a draft that never reaches the values step comes back at once.
  const invalid = await compose({ ...draft, spec: { ...draft.spec, packs: [] } });
  expect(invalid.status).toBe(200);
  expect(((await invalid.json()) as { invalid: unknown[] }).invalid.length).toBeGreaterThan(0);
}, 60_000);
