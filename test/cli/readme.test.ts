// The README's `npx packyard …` lines, as written, in a fresh clone after a build: the bin must run
// although the build writes build/ without execute bits (npx runs the bin file directly). The one
// change: `pack push` goes to a local registry instead of registry.example.com.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeHelmRepository, type ChartSpec } from '../harness/helm-charts.js';
import { serveDirectory, startServer, type TestServer } from '../harness/http-server.js';
import { startOciRegistry, type OciRegistry } from '../harness/oci-registry.js';
import { writeFixturePack } from '../harness/palette-packs.js';
import { objects, REPO_ROOT, tempDir, writeYaml } from './cli-harness.js';
import { layer } from '../harness/objects.js';

const exec = promisify(execFile);
const CHARTS: ChartSpec[] = [
  { name: 'ubuntu', version: '24.4.1', annotations: layer('os') },
  { name: 'kubernetes', version: '1.30.2', annotations: layer('k8s') },
  { name: 'cilium', version: '1.15.0', annotations: layer('cni') },
  { name: 'cilium', version: '1.15.3', annotations: layer('cni') },
];

/** The README's CLI lines: `npx packyard …` in a sh block, without their trailing comments. */
function readmeCliLines(registryHost = 'registry.example.com'): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return readme
    .split('\n')
    .filter((l) => l.startsWith('npx packyard '))
    .map((l) => l.replace(/\s+#.*$/, ''))
    .map((l) => l.replace('oci://registry.example.com/', `oci://${registryHost}/`));
}

describe("the README's CLI lines", () => {
  let server: TestServer;
  let registry: OciRegistry;
  let chartsDir: string;
  let clone: string;

  beforeAll(async () => {
    chartsDir = makeHelmRepository(CHARTS);
    server = await startServer({ routes: { '/charts/': serveDirectory(chartsDir, '/charts/') } });
    registry = await startOciRegistry({ auth: 'none' });
    // A fresh clone: file modes as git stores them. Then what `make build` leaves: the compiled
    // sources without execute bits, and the installed packages.
    clone = join(tempDir('packyard-readme-'), 'packyard');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone]);
    cpSync(join(REPO_ROOT, 'build', 'src'), join(clone, 'build', 'src'), { recursive: true });
    chmodSync(join(clone, 'build', 'src', 'cli', 'main.js'), 0o644);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));

    writeYaml(join(clone, 'registries', 'charts.yaml'), [
      objects.registry('charts', `${server.url}/charts`, { default: true }),
    ]);
    writeYaml(join(clone, 'profiles', 'edge.yaml'), [
      objects.profile('edge', {
        type: 'infra',
        packs: [
          { name: 'ubuntu', layer: 'os', version: '24.x' },
          { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
          { name: 'cilium', layer: 'cni', version: '1.15.0' },
        ],
      }),
    ]);
    // A Palette profile export in its real shape, for the import line.
    const pack = {
      name: 'cilium',
      type: 'spectro',
      layer: 'addon',
      version: '1.15.3',
      tag: '1.15.x',
      values: 'a: 1',
      registry: { metadata: { uid: 'u', name: 'Public Repo', kind: 'pack', isPrivate: false } },
    };
    writeFixturePack('hello-universe-1.3.1', join(clone, 'packs', 'hello-universe'));
    writeFileSync(
      join(clone, 'export.json'),
      JSON.stringify({
        metadata: { name: 'edge' },
        spec: { version: '1.0.0', template: { type: 'add-on', packs: [pack] } },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await registry?.close();
    rmSync(chartsDir, { recursive: true, force: true });
    if (clone) rmSync(join(clone, '..'), { recursive: true, force: true });
  });

  it('has the lines this test runs', () => {
    expect(readmeCliLines().map((l) => l.split(' ')[2])).toEqual([
      'validate',
      'resolve',
      'resolve',
      'search',
      'outdated',
      'import',
      'pack',
      'pack',
    ]);
  });

  it('runs each of them as written with npx, from a fresh clone, after a first npx run and a rebuild', async () => {
    const env = {
      ...process.env,
      npm_config_cache: join(clone, '..', 'npm-cache'),
      npm_config_update_notifier: 'false',
    };
    const sh = (line: string) => exec('sh', ['-c', line], { cwd: clone, env, timeout: 60_000 });
    // npx installs the project into its cache once, linking (and chmod'ing) the bin file of that
    // moment; the README's lines then run after a rebuild has written build/ anew, without that bit.
    await sh('npx packyard resolve profiles/ -r registries/ --lock packyard.lock'); // the lock the --check line compares with
    const main = join(clone, 'build', 'src', 'cli', 'main.js');
    const compiled = readFileSync(main);
    rmSync(main);
    writeFileSync(main, compiled, { mode: 0o644 });
    expect(statSync(main).mode & 0o111).toBe(0);
    for (const line of readmeCliLines(registry.host)) {
      const { stdout } = await sh(line).catch((err: { code?: number; stderr?: string }) => {
        throw new Error(`\`${line}\` failed (exit ${err.code}): ${err.stderr}`);
      });
      if (line.includes(' search ')) expect(stdout).toContain('1.15.3');
      if (line.startsWith('npx packyard resolve profiles/edge.yaml')) expect(stdout).toContain('cilium');
      if (line.includes(' import palette ')) expect(stdout).toContain('kind: ClusterProfile');
      if (line.includes(' pack push '))
        expect(stdout).toContain(`${registry.host}/team/spectro-packs/archive/hello-universe:1.3.1@sha256:`);
    }
  }, 300_000);
});
