// `packyard resolve`, `search` and `outdated` end to end: the compiled CLI against real Helm
// repositories (packaged and indexed by the real helm CLI) served on loopback, one behind basic auth.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { ResolvedPack } from '../../src/api/clusterprofile.js';
import { lockRevision } from '../../src/resolve/lock.js';
import { makeHelmRepository, publishChart, type ChartSpec } from '../harness/helm-charts.js';
import { basicAuth, serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { expectGolden, normalise, objects, runCli, tempDir, writeYaml, type RunOptions } from './cli-harness.js';
import { layer } from '../harness/objects.js';

const CHARTS: ChartSpec[] = [
  { name: 'ubuntu', version: '22.4.0', annotations: layer('os') },
  { name: 'ubuntu', version: '24.4.1', annotations: layer('os') },
  { name: 'kubernetes', version: '1.29.5', annotations: layer('k8s') },
  { name: 'kubernetes', version: '1.30.2', annotations: layer('k8s') },
  { name: 'cilium', version: '1.15.0', appVersion: '1.15.0', annotations: layer('cni') },
  { name: 'cilium', version: '1.15.3', appVersion: '1.15.3', annotations: layer('cni') },
  { name: 'cilium', version: '1.16.0-rc.1', annotations: layer('cni') },
];
const EXTRAS: ChartSpec[] = [
  { name: 'podinfo', version: '6.4.0', appVersion: '6.4.0' },
  { name: 'podinfo', version: '6.5.0', appVersion: '6.5.0', kubeVersion: '>=1.30.0-0' },
  { name: 'cilium', version: '1.14.9', appVersion: '1.14.9', annotations: layer('cni') },
  { name: 'cert-manager', version: '1.14.4', appVersion: 'v1.14.4' },
];
const USER = 'ci-bot';
const PASSWORD = 'hunter2-s3cret';
const CREDS = { PACKYARD_REGISTRY_CHARTS_USERNAME: USER, PACKYARD_REGISTRY_CHARTS_PASSWORD: PASSWORD };

let server: TestServer;
let chartsDir: string;
let extrasDir: string;
let work: string;
const run = (args: string[], opts: RunOptions = {}) =>
  runCli(args, { cwd: work, ...opts, env: { ...CREDS, ...opts.env } });

beforeAll(async () => {
  chartsDir = makeHelmRepository(CHARTS);
  extrasDir = makeHelmRepository(EXTRAS);
  server = await startServer({
    routes: {
      '/charts/': basicAuth(USER, PASSWORD, serveDirectory(chartsDir, '/charts/')),
      '/extras/': serveDirectory(extrasDir, '/extras/'),
    },
  });
  work = tempDir();
  writeYaml(join(work, 'registries', 'charts.yaml'), [
    objects.registry('charts', `${server.url}/charts`, { default: true }),
  ]);
  writeYaml(join(work, 'registries', 'extras.yaml'), [objects.registry('extras', `${server.url}/extras`)]);
  writeYaml(join(work, 'profiles', 'edge.yaml'), [
    objects.profile('edge', {
      type: 'infra',
      packs: [
        { name: 'ubuntu', layer: 'os', version: '24.x' },
        { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
        { name: 'cilium', layer: 'cni', version: '^1.15' },
      ],
    }),
  ]);
  writeYaml(join(work, 'profiles', 'apps.yaml'), [
    objects.profile(
      'apps',
      {
        type: 'add-on',
        updatePolicy: 'Manual',
        packs: [
          { name: 'podinfo', layer: 'addon', registry: 'extras', version: '6.x', values: 'replicaCount: 2\n' },
          { name: 'certs', layer: 'addon', registry: 'extras', chart: 'cert-manager', version: 'latest' },
        ],
      },
      'team-a',
    ),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: 'team-a' }, data: { a: 'b' } },
  ]);
}, 120_000);

afterAll(async () => {
  await server?.close();
  for (const dir of [chartsDir, extrasDir, work]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The digest and URL helm wrote into the index for one chart version. */
function indexEntry(dir: string, chart: string, version: string): { digest: string; url: string } {
  const index = parse(readFileSync(join(dir, 'index.yaml'), 'utf8')) as {
    entries: Record<string, { version: string; digest: string; urls: string[] }[]>;
  };
  const entry = index.entries[chart]!.find((e) => e.version === version)!;
  return { digest: `sha256:${entry.digest}`, url: entry.urls[0]! };
}

describe('packyard resolve', () => {
  it('prints the lock of a profile as a table', async () => {
    const r = await run(['resolve', 'profiles/edge.yaml', '--registries', 'registries']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectGolden('resolve-table.txt', normalise(r.stdout));
  });

  it('prints the locks as YAML with the exact digests and URLs of the index, and the revision of the lock', async () => {
    const r = await run([
      'resolve',
      'profiles',
      '-r',
      'registries/charts.yaml',
      '-r',
      'registries/extras.yaml',
      '-o',
      'yaml',
    ]);
    expect(r.code).toBe(0);
    expectGolden('resolve.yaml', normalise(r.stdout));
    const locks = parseAllDocuments(r.stdout).map(
      (d) => d.toJS() as { profile: string; revision: string; resolved: ResolvedPack[] },
    );
    expect(locks.map((l) => l.profile)).toEqual(['team-a/apps', 'default/edge']);
    for (const lock of locks) {
      expect(lock.revision).toBe(lockRevision(lock.resolved));
      for (const entry of lock.resolved) {
        const dir = entry.registry === 'charts' ? chartsDir : extrasDir;
        const { digest, url } = indexEntry(dir, entry.chart!, entry.version!);
        expect(entry.digest).toBe(digest);
        expect(entry.url).toBe(`${server.url}/${entry.registry}/${url}`);
      }
    }
  });

  it('prints the same lock as JSON', async () => {
    const [yaml, json] = await Promise.all([
      run(['resolve', 'profiles/edge.yaml', '-r', 'registries', '-o', 'yaml']),
      run(['resolve', 'profiles/edge.yaml', '-r', 'registries', '-o', 'json']),
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(parse(yaml.stdout));
  });

  it('takes credentials from a docker config', async () => {
    const docker = tempDir();
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [`127.0.0.1:${server.port}`]: { auth } } }));
    const r = await runCli(['resolve', 'profiles/edge.yaml', '-r', 'registries', '-o', 'json'], {
      cwd: work,
      env: { DOCKER_CONFIG: docker },
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { resolved: unknown[] }).resolved).toHaveLength(3);
  });

  it('exits 4 when a registry refuses the credentials, and never prints them', async () => {
    const wrong = await runCli(['resolve', 'profiles/edge.yaml', '-r', 'registries'], {
      cwd: work,
      env: { PACKYARD_REGISTRY_CHARTS_USERNAME: USER, PACKYARD_REGISTRY_CHARTS_PASSWORD: 'hunter2-wrong' },
    });
    expect(wrong.code).toBe(4);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toMatch(/^error: registry charts \(registries\/charts.yaml:1\): AuthenticationFailed: /m);
    expect(wrong.stderr).toMatch(
      /profiles\/edge.yaml:\d+: ClusterProfile\/edge: RegistryNotReady: registry charts \(packs ubuntu, kubernetes, cilium\) is not ready: AuthenticationFailed/,
    );
    expect(wrong.stderr).not.toContain('hunter2');

    const none = await runCli(['resolve', 'profiles/edge.yaml', '-r', 'registries'], { cwd: work });
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('AuthenticationFailed');
  });

  it('exits 4 when a registry cannot be reached, and still resolves the profiles that do not use it', async () => {
    const dir = tempDir();
    writeYaml(join(dir, 'registries.yaml'), [
      objects.registry('extras', `${server.url}/extras`),
      objects.registry('gone', 'http://127.0.0.1:1/charts'),
      objects.registry('oci-packs', 'oci://127.0.0.1:1/packs', { type: 'oci' }),
    ]);
    writeYaml(join(dir, 'profiles.yaml'), [
      objects.profile('ok', {
        type: 'add-on',
        packs: [{ name: 'podinfo', layer: 'addon', registry: 'extras', version: '6.4.0' }],
      }),
      objects.profile('down', {
        type: 'add-on',
        packs: [{ name: 'podinfo', layer: 'addon', registry: 'gone', version: '6.x' }],
      }),
      objects.profile('oci', {
        type: 'add-on',
        packs: [{ name: 'podinfo', layer: 'addon', registry: 'oci-packs', version: '6.x' }],
      }),
    ]);
    const r = await runCli(['resolve', 'profiles.yaml', '-r', 'registries.yaml'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('error: registry gone (registries.yaml:');
    expect(r.stderr).toMatch(/error: registry oci-packs \(registries.yaml:\d+\): \w+: /);
    expect(r.stdout).toMatch(/^NAME +LAYER +REGISTRY +CHART +VERSION/);
    expect(r.stdout).toContain('podinfo   addon   extras     podinfo   6.4.0');
  });

  it('exits 1 and explains why when a profile does not resolve', async () => {
    const dir = tempDir();
    writeYaml(join(dir, 'p.yaml'), [
      objects.profile('bad', {
        type: 'add-on',
        packs: [
          { name: 'podinfo', layer: 'addon', registry: 'extras', version: '^7.0' },
          { name: 'cilum', layer: 'addon', registry: 'extras', version: '1.x' },
        ],
      }),
    ]);
    const r = await runCli(['resolve', join(dir, 'p.yaml'), '-r', 'registries/extras.yaml'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(normalise(r.stderr).replaceAll(dir, 'DIR')).toBe(
      [
        'DIR/p.yaml:13: ClusterProfile/bad: PackNotFound: pack cilum not found in registry extras; it offers: cilium, podinfo, cert-manager',
        'DIR/p.yaml:9: ClusterProfile/bad: NoMatchingVersion: podinfo ^7.0 matches none of 6.5.0, 6.4.0 in extras',
        '',
      ].join('\n'),
    );
  });

  it('checks valuesFrom against the ConfigMaps among the files, and warns about those it cannot see', async () => {
    const dir = tempDir();
    const withValues = (name: string, configMap: string) =>
      objects.profile(name, {
        type: 'add-on',
        packs: [
          {
            name: 'podinfo',
            layer: 'addon',
            registry: 'extras',
            version: '6.x',
            valuesFrom: [{ kind: 'ConfigMap', name: configMap }],
          },
        ],
      });
    writeYaml(join(dir, 'p.yaml'), [
      withValues('listed', 'podinfo-values'),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'podinfo-values', namespace: 'default' },
        data: { 'values.yaml': '- not\n- a map\n' },
      },
    ]);
    writeYaml(join(dir, 'q.yaml'), [withValues('elsewhere', 'in-the-cluster')]);
    const listed = await runCli(['resolve', 'p.yaml', '-r', join(work, 'registries/extras.yaml')], { cwd: dir });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toBe(
      'p.yaml:9: ClusterProfile/listed: InvalidValues: valuesFrom of pack podinfo: ConfigMap default/podinfo-values key values.yaml: not a YAML map but a list\n',
    );
    const elsewhere = await runCli(['resolve', 'q.yaml', '-r', join(work, 'registries/extras.yaml')], { cwd: dir });
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stderr).toBe(
      'warning: valuesFrom ConfigMap default/in-the-cluster is not among the files given; its values are not checked\n',
    );
  });

  it('refuses two objects of the same name, but not the same file given twice', async () => {
    const dir = tempDir();
    writeYaml(join(dir, 'a.yaml'), [
      objects.registry('extras', `${server.url}/extras`),
      objects.profile('p', {
        type: 'add-on',
        packs: [{ name: 'podinfo', layer: 'addon', registry: 'extras', version: '6.4.0' }],
      }),
    ]);
    writeYaml(join(dir, 'b.yaml'), [objects.registry('extras', `${server.url}/other`)]);
    const twice = await runCli(['resolve', 'a.yaml', '-r', 'a.yaml', '-o', 'json'], { cwd: dir });
    expect(twice.code).toBe(0);
    expect(twice.stderr).toBe('');
    const clash = await runCli(['resolve', 'a.yaml', '-r', 'b.yaml'], { cwd: dir });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toBe('b.yaml:1: PackRegistry/extras: defined twice: also at a.yaml:1\n');
  });

  it('refuses invalid objects before fetching anything', async () => {
    const dir = tempDir();
    writeYaml(join(dir, 'p.yaml'), [
      objects.profile('bad', { type: 'add-on', packs: [{ name: 'podinfo', layer: 'os', version: '6.x' }] }),
    ]);
    const before = server.requests.length;
    const r = await runCli(['resolve', 'p.yaml', '-r', join(work, 'registries')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'p.yaml:8: ClusterProfile/bad: spec.packs: add-on profiles may only hold packs of layer addon\n',
    );
    expect(server.requests.length).toBe(before);
  });
});

describe('packyard search', () => {
  it('lists the versions of a pack across registries, newest first', async () => {
    const r = await run(['search', 'cilium', '-r', 'registries']);
    expect(r.code).toBe(0);
    expectGolden('search.txt', normalise(r.stdout));
  });

  it('matches globs and prints YAML or JSON', async () => {
    const r = await run(['search', 'c*', '-r', 'registries', '--registry', 'extras', '-o', 'json']);
    expect(r.code).toBe(0);
    const hits = JSON.parse(r.stdout) as { registry: string; chart: string; version: string }[];
    expect(hits.map((h) => `${h.registry}/${h.chart}@${h.version}`)).toEqual([
      'extras/cilium@1.14.9',
      'extras/cert-manager@1.14.4',
    ]);
  });

  it('exits 1 and suggests names when there is no such pack', async () => {
    const r = await run(['search', 'podinf', '-r', 'registries']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'no pack named podinf in registries charts, extras; closest: podinfo, cilium, ubuntu, kubernetes, cert-manager\n',
    );
  });
});

describe('lock files', () => {
  it('writes a stable lock file and checks it', async () => {
    const write = await run(['resolve', 'profiles', '-r', 'registries', '--lock', 'packyard.lock']);
    expect(write.code).toBe(0);
    expect(write.stderr).toBe('wrote packyard.lock (2 profiles)\n');
    const first = readFileSync(join(work, 'packyard.lock'), 'utf8');
    expectGolden('packyard.lock', normalise(first));
    await run(['resolve', 'profiles', '-r', 'registries', '--lock', 'packyard.lock', '-o', 'json']);
    expect(readFileSync(join(work, 'packyard.lock'), 'utf8')).toBe(first);

    const check = await run(['resolve', 'profiles', '-r', 'registries', '--check', 'packyard.lock']);
    expect(check.code).toBe(0);
    expect(check.stderr).toBe('packyard.lock is up to date (2 profiles)\n');
  });

  it('exits 3 with a summary of the changes when new versions make the lock out of date; Manual profiles keep theirs', async () => {
    publishChart({ name: 'cilium', version: '1.15.4', appVersion: '1.15.4', annotations: layer('cni') }, chartsDir);
    publishChart({ name: 'podinfo', version: '6.6.0', appVersion: '6.6.0' }, extrasDir);
    const check = await run(['resolve', 'profiles', '-r', 'registries', '--check', 'packyard.lock']);
    expect(check.code).toBe(3);
    expect(check.stderr).toBe(
      [
        'note: team-a/apps (updatePolicy Manual) keeps its locked versions; newer: podinfo 6.5.0 -> 6.6.0; --update takes them',
        'packyard.lock is out of date:',
        '  ~ default/edge',
        '    ~ cilium 1.15.3 -> 1.15.4',
        'update it with: packyard resolve ... --lock packyard.lock',
        '',
      ].join('\n'),
    );
    const update = await run(['resolve', 'profiles', '-r', 'registries', '--check', 'packyard.lock', '--update']);
    expect(update.code).toBe(3);
    expect(update.stderr).toContain('  ~ team-a/apps\n    ~ podinfo 6.5.0 -> 6.6.0\n');
  });

  it('shows locked, wanted and latest versions with outdated', async () => {
    const r = await run(['outdated', 'profiles', '-r', 'registries', '--lock', 'packyard.lock']);
    expect(r.code).toBe(0);
    expectGolden('outdated.txt', r.stdout);
  });

  it('reports a lock entry that is no longer among the profiles, and a lock file that is not one', async () => {
    const only = await run([
      'resolve',
      'profiles/edge.yaml',
      '-r',
      'registries',
      '--check',
      'packyard.lock',
      '-o',
      'json',
    ]);
    expect(only.code).toBe(3);
    expect(only.stderr).toContain('  - team-a/apps: in the lock file, but not among the profiles given\n');
    writeFileSync(join(work, 'bad.lock'), 'profile: default/edge\nresolved: 3\n');
    const bad = await run(['resolve', 'profiles/edge.yaml', '-r', 'registries', '--check', 'bad.lock']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad.lock:1: not a lock file: revision:');
  });
});
