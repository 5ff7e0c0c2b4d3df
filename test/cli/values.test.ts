// Values in the CLI, with the operator's code: `packyard values` prints a real chart's defaults and
// schemas, `resolve --values` the effective values, `resolve` and `validate -r` refuse a value the
// schema forbids, naming the path. A second run reads the cache and downloads nothing (requests counted).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { makeHelmRepository } from '../harness/helm-charts.js';
import { serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { webChart } from '../harness/values-charts.js';
import { objects, runCli, tempDir, writeYaml, type RunOptions } from './cli-harness.js';

let server: TestServer;
let repoDir: string;
let work: string;
let cache: string;
const run = (args: string[], opts: RunOptions = {}) =>
  runCli(args, { cwd: work, ...opts, env: { PACKYARD_CACHE: cache, ...opts.env } });
const downloads = () => server.requests.filter((r) => r.url.endsWith('.tgz')).length;

beforeAll(async () => {
  repoDir = makeHelmRepository([webChart('1.0.0'), webChart('1.1.0')]);
  server = await startServer({ routes: { '/charts/': serveDirectory(repoDir, '/charts/') } });
  work = tempDir();
  cache = tempDir('packyard-cli-cache-');
  writeYaml(join(work, 'registries', 'charts.yaml'), [
    objects.registry('charts', `${server.url}/charts`, { default: true }),
  ]);
  const web = (values: string) => [{ name: 'web', layer: 'addon', version: '1.0.0', values }];
  writeYaml(join(work, 'good', 'web.yaml'), [
    objects.profile('web', { type: 'add-on', packs: web('replicaCount: 2\n') }),
  ]);
  writeYaml(join(work, 'bad', 'web.yaml'), [
    objects.profile('web', { type: 'add-on', packs: web('replicaCount: 2\ndb:\n  storage: 10GB\n') }),
  ]);
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(repoDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

describe('packyard values', () => {
  it("prints a version's defaults, then its schemas (subcharts' under their paths)", async () => {
    const defaults = await run(['values', 'web@1.0.0', '-r', 'registries/']);
    expect(defaults).toMatchObject({ code: 0, stderr: 'web 1.0.0 from charts\n' });
    expect(defaults.stdout).toContain('replicaCount: 1\nimage:\n  repository: nginx');
    const schema = await run(['values', 'web', '-r', 'registries/', '--schema']);
    expect(schema.code).toBe(0);
    expect(schema.stderr).toBe('web 1.1.0 from charts\n');
    expect(schema.stdout).toMatch(/^# values\.schema\.json\n\{/);
    expect(schema.stdout).toContain('# charts/db/values.schema.json\n');
    expect(schema.stdout).toContain('# charts/cache/values.schema.json\n');
    const presets = await run(['values', 'web', '-r', 'registries/', '--presets']);
    expect(presets).toMatchObject({ code: 1, stderr: expect.stringContaining('has no presets') });
  });

  it('names what does not exist', async () => {
    expect(await run(['values', 'wbe', '-r', 'registries/'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no pack wbe; did you mean web?'),
    });
    expect(await run(['values', 'web@9.x', '-r', 'registries/'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('web 9.x matches none of 1.1.0, 1.0.0'),
    });
  });
});

describe('resolve and validate check values', () => {
  it('resolve records valuesDigest, --values prints the effective values, and a second run downloads nothing', async () => {
    const first = await run(['resolve', 'good/', '-r', 'registries/', '-o', 'yaml']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/valuesDigest: sha256:[0-9a-f]{64}/);
    const before = downloads();
    const shown = await run(['resolve', 'good/', '-r', 'registries/', '--values']);
    expect(shown.code).toBe(0);
    const [doc] = parseAllDocuments(shown.stdout).map(
      (d) => d.toJS() as { profile: string; pack: string; values: Record<string, unknown> },
    );
    expect(doc).toMatchObject({
      profile: 'default/web',
      pack: 'web',
      values: { replicaCount: 2, db: { storage: '10Gi' }, redis: { maxMemory: 64 } },
    });
    // The archive came from the cache directory: the repository saw no second download.
    expect(downloads()).toBe(before);
  });

  it('resolve fails a value the schema forbids with file:line, the path and the rule', async () => {
    const r = await run(['resolve', 'bad/', '-r', 'registries/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /web\.yaml:\d+: ClusterProfile\/web: InvalidValues: values of pack web \(web 1\.0\.0\): \.db\.storage: must match pattern "\^\[0-9\]\+Gi\$" \(values\.schema\.json of db: \$defs\.size\.pattern\)/,
    );
  });

  it('validate -r checks values too; without -r it stays offline', async () => {
    const offline = await run(['validate', 'bad/']);
    expect(offline.code).toBe(0);
    const online = await run(['validate', 'bad/', '-r', 'registries/']);
    expect(online.code).toBe(1);
    expect(online.stdout).toContain('.db.storage: must match pattern');
    expect((await run(['validate', 'good/', '-r', 'registries/'])).code).toBe(0);
  });
});
