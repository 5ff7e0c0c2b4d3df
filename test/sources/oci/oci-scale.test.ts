// Request counts of a first and a second sync of a registry of 50 repositories × 20 versions (token
// auth), counted by the client and at the registry (its access log). The second sync of an unchanged
// registry lists tags and HEADs manifests, nothing else: no manifest body, no blob, no token.
import { closeHttpAgents } from '../../../src/sources/http-client.js';
import { OciRegistrySource } from '../../../src/sources/oci/oci-registry-source.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { countingHttp, countKinds, syncRequest } from './oci-test-support.js';

const REPOSITORIES = 50;
const TAGS = 20;
let registry: OciRegistry;

beforeAll(async () => {
  registry = await startOciRegistry({ auth: 'token' });
  const names = [...Array(REPOSITORIES).keys()].map((i) => `chart-${String(i).padStart(2, '0')}`);
  await Promise.all(
    [0, 1, 2, 3, 4, 5, 6, 7].map(async (worker) => {
      for (const name of names.filter((_, i) => i % 8 === worker)) {
        await registry.seedCharts(
          `catalog/${name}`,
          [...Array(TAGS).keys()].map((v) => ({ name, version: `1.${v}.0`, appVersion: `${v}` })),
        );
      }
    }),
  );
}, 300_000);

afterAll(async () => {
  await registry?.close();
  await closeHttpAgents();
});

it(`syncs ${REPOSITORIES} repositories × ${TAGS} tags, then re-syncs with listings and HEADs only`, async () => {
  const counter = countingHttp();
  const source = new OciRegistrySource({ http: counter.http });
  const request = syncRequest(
    { url: `oci://${registry.host}/catalog` },
    { auth: { username: registry.username, password: registry.password } },
  );
  const server = () => registry.requests(/^packyard/).length;
  const tokens = () => registry.tokenServer!.requests.length;

  await registry.settle();
  let [serverMark, tokenMark] = [server(), tokens()];
  let started = Date.now();
  const first = await source.sync(request);
  const firstMs = Date.now() - started;
  if (!first.changed) throw new Error('expected a catalogue');
  expect(first.packs).toHaveLength(REPOSITORIES);
  expect(first.packs.reduce((n, p) => n + p.versions.length, 0)).toBe(REPOSITORIES * TAGS);
  await registry.settle();
  const firstAtServer = {
    ...countKinds(registry.requests(/^packyard/).slice(serverMark)),
    token: tokens() - tokenMark,
  };
  const firstAtClient = counter.counts();

  const mark = counter.calls.length;
  [serverMark, tokenMark] = [server(), tokens()];
  started = Date.now();
  const second = await source.sync({ ...request, previous: { revision: first.revision } });
  const secondMs = Date.now() - started;
  expect(second).toEqual({ changed: false });
  await registry.settle();
  const secondAtServer = {
    ...countKinds(registry.requests(/^packyard/).slice(serverMark)),
    token: tokens() - tokenMark,
  };
  const secondAtClient = counter.counts(mark);

  process.stdout.write(
    `\nOCI sync of ${REPOSITORIES} repositories × ${TAGS} tags (token auth)\n` +
      `  first:  ${firstMs} ms, client ${JSON.stringify(firstAtClient)}, registry+token service ${JSON.stringify(firstAtServer)}\n` +
      `  second: ${secondMs} ms, client ${JSON.stringify(secondAtClient)}, registry+token service ${JSON.stringify(secondAtServer)}\n`,
  );

  const versions = REPOSITORIES * TAGS;
  // ping + token for /v2/, catalog token + page, a token and a listing per repository, then per version a HEAD, the manifest and its config.
  expect(firstAtClient).toEqual({
    ping: 2,
    catalog: 1,
    tags: REPOSITORIES,
    'manifest-head': versions,
    'manifest-get': versions,
    blob: versions,
    token: REPOSITORIES + 2,
  });
  expect(secondAtClient).toEqual({ ping: 2, catalog: 1, tags: REPOSITORIES, 'manifest-head': versions });
  // The registry saw the same (its access log also shows the unauthenticated first ping).
  expect(secondAtServer).toEqual({ ping: 2, catalog: 1, tags: REPOSITORIES, 'manifest-head': versions, token: 0 });
  expect(firstAtServer).toMatchObject({ 'manifest-get': versions, blob: versions, token: REPOSITORIES + 2 });
}, 300_000);
