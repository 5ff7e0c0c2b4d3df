// `packyard pack lint` and `pack build` as users run them (the compiled CLI in a child process), on
// pack directories made from the real pack-central pack.json files with real helm-packaged charts.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { fixtureFile, packFixtures, PALETTE_FIXTURES, treeOf, writeFixturePack } from '../harness/palette-packs.js';
import { runCli, tempDir } from './cli-harness.js';

let work: string;
beforeAll(() => {
  work = tempDir('packyard-pack-');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small valid pack of our own: pack.json, values.yaml, a manifest and a script. */
function smallPack(dir: string): string {
  mkdirSync(join(dir, 'manifests'), { recursive: true });
  writeFileSync(
    join(dir, 'pack.json'),
    JSON.stringify(
      {
        name: 'demo',
        displayName: 'Demo',
        version: '1.2.3',
        layer: 'addon',
        cloudTypes: ['all'],
        kubeManifests: ['manifests/demo.yaml'],
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'values.yaml'), 'pack:\n  namespace: demo\n');
  writeFileSync(join(dir, 'manifests', 'demo.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n');
  writeFileSync(join(dir, 'hook.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'hook.sh'), 0o750);
  return dir;
}

describe('packyard pack', () => {
  it('lists its commands, alone (exit 2) or asked (exit 0), and names an unknown one', async () => {
    const alone = await runCli(['pack']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(
      /^Usage: packyard pack COMMAND \[flags\]\n\nCommands:\n {2}pack lint {4}.*\n {2}pack build {3}.*\n {2}pack push {4}/,
    );
    const asked = await runCli(['help', 'pack']);
    expect({ code: asked.code, stdout: asked.stdout }).toEqual({ code: 0, stdout: alone.stderr });
    expect((await runCli(['pack', 'push', '--help'])).stdout).toMatch(
      /^Usage: packyard pack push DIR\|FILE oci:\/\/REGISTRY\[\/BASE\] \[flags\]\n/,
    );
    const unknown = await runCli(['pack', 'publish']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'error: unknown command "pack publish"\nRun \'packyard pack --help\' for usage.\n',
    });
  });
});

describe('packyard pack lint', () => {
  it("passes every real pack.json Palette's schema accepts, and fails nvidia-dra-driver on the field the schema names", async () => {
    const schema = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(`${PALETTE_FIXTURES}spectrocloud__pack-central__validator__pack-schema.json`, 'utf8')),
    );
    for (const pack of packFixtures()) {
      const dir = writeFixturePack(pack, join(work, 'fixtures', pack));
      const r = await runCli(['pack', 'lint', dir]);
      const json: unknown = JSON.parse(readFileSync(fixtureFile(pack, 'pack.json'), 'utf8'));
      if (schema(json)) {
        expect({ pack, stdout: r.stdout, code: r.code }).toEqual({ pack, stdout: '', code: 0 });
        expect(r.stderr).toMatch(/^valid: /);
        continue;
      }
      // The reference: the schema's own error, as a field path (constraints.dependencies[0].type).
      const e = schema.errors![0]!;
      const field = `${e.instancePath}/${String(e.params.missingProperty)}`
        .split('/')
        .slice(1)
        .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i ? `.${p}` : p))
        .join('');
      expect(field).toBe('constraints.dependencies[0].type');
      expect(r.code).toBe(1);
      // The dependency without `type` opens on line 9 of the real file.
      expect(r.stdout).toBe(`${join(dir, 'pack.json')}:9: ${field}: is required\n`);
    }
  }, 120_000);

  it('reports each problem as file:line: field: message, schema and Packyard checks together', async () => {
    const dir = join(work, 'broken');
    mkdirSync(join(dir, 'charts'), { recursive: true });
    writeFileSync(
      join(dir, 'pack.json'),
      [
        '{',
        '  "name": "Broken_Pack",',
        '  "displayName": "Broken",',
        '  "version": "one",',
        '  "layer": "addon",',
        '  "charts": ["charts/missing-1.0.0.tgz"],',
        '  "kubeManifests": ["manifests/nope.yaml"],',
        '  "constraints": {',
        '    "dependencies": [',
        '      { "packName": "kubernetes", "layer": "k8s", "minVersion": "1.x.y", "type": "required" },',
        '      { "packName": "x", "layer": "gpu", "type": "sometimes" }',
        '    ]',
        '  }',
        '}',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'values.yaml'), 'a: [1, 2\n');
    writeFileSync(join(dir, 'presets.yaml'), '- just\n- a list\n');
    const r = await runCli(['pack', 'lint', dir]);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.slice(dir.length + 1));
    expect(lines).toEqual(
      expect.arrayContaining([
        'presets.yaml:1: must be a YAML map',
        'pack.json:11: constraints.dependencies[1].layer: must be one of "kernel", "os", "k8s", "cni", "csi", "addon"',
        'pack.json:11: constraints.dependencies[1].type: must be one of "required", "optional", "notSupported", "upgrade"',
        'pack.json:2: name: "Broken_Pack" cannot be an OCI repository name (lower-case letters and digits, separated by ".", "_" or "-")',
        'pack.json:4: version: "one" is not a version a registry sync can read (SemVer as Helm reads it: 1.2.3, v1.2, 1.2.3-rc.1)',
        'pack.json:10: constraints.dependencies[0].minVersion: "1.x.y" is not a version',
        'pack.json:6: charts[0]: charts/missing-1.0.0.tgz is not a file of the pack',
        'pack.json:7: kubeManifests[0]: manifests/nope.yaml is not a file of the pack',
      ]),
    );
    expect(lines.some((l) => /^values\.yaml:\d+: /.test(l))).toBe(true);
    expect(lines).toHaveLength(9);
  });

  it('checks a chart against its Chart.yaml and manifests as Kubernetes objects', async () => {
    const dir = writeFixturePack('elastic-stack-0.19.0', join(work, 'mismatch'));
    // A real chart of another version under the listed name.
    rmSync(join(dir, 'charts'), { recursive: true });
    const made = writeFixturePack('elastic-stack-0.19.0', join(work, 'made'));
    mkdirSync(join(dir, 'charts'));
    writeFileSync(
      join(dir, 'charts', 'eck-stack-0.19.0.tgz'),
      readFileSync(join(made, 'charts', 'eck-stack-0.19.0.tgz')),
    );
    execFileSync('tar', ['-xzf', join(dir, 'charts', 'eck-stack-0.19.0.tgz'), '-C', join(dir, 'charts')]);
    const chartYaml = join(dir, 'charts', 'eck-stack', 'Chart.yaml');
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace('version: 0.19.0', 'version: 0.20.0'));
    execFileSync('tar', ['-czf', join(dir, 'charts', 'eck-stack-0.19.0.tgz'), '-C', join(dir, 'charts'), 'eck-stack']);
    rmSync(join(dir, 'charts', 'eck-stack'), { recursive: true });
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(
      join(dir, 'manifests', 'm.yaml'),
      'kind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Secret\nmetadata: {}\n',
    );
    writeFileSync(
      join(dir, 'pack.json'),
      readFileSync(join(dir, 'pack.json'), 'utf8').replace(
        '"cloudTypes"',
        '"kubeManifests": ["manifests/m.yaml"],\n  "cloudTypes"',
      ),
    );
    const r = await runCli(['pack', 'lint', dir]);
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(dir.length + 1)),
    ).toEqual([
      'pack.json:9: charts[0]: warning: charts/eck-stack-0.19.0.tgz holds chart eck-stack 0.20.0 (Chart.yaml), so it should be named eck-stack-0.20.0.tgz',
      'pack.json:9: charts[0]: warning: charts/eck-stack-0.19.0.tgz holds chart eck-stack 0.20.0 (Chart.yaml), which values.yaml pack.content.charts does not list (it lists eck-stack 0.19.0)',
      'manifests/m.yaml:1: apiVersion: is required (a non-empty string)',
      'manifests/m.yaml:7: metadata.name: is required',
    ]);
  }, 60_000);

  // Each as a published pack-central pack has it: hello-universe's templated manifest, consul-k8s
  // 1.3.0's `tar czf x.tgz .` chart, trident-operator's chart that values.yaml lists under another version.
  it('passes what Palette deploys: a templated manifest, a ./ chart archive, a chart its inventory names otherwise', async () => {
    const dir = smallPack(join(work, 'palette-deploys'));
    writeFileSync(
      join(dir, 'manifests', 'demo.yaml'),
      '{{ if .Values.enabled }}\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Values.namespace }}\n{{ end }}\n',
    );
    const chart = join(work, 'palette-deploys-chart');
    mkdirSync(chart, { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo-chart\nversion: 0.1.0\n');
    mkdirSync(join(dir, 'charts'));
    execFileSync('tar', ['-czf', join(dir, 'charts', 'demo-chart-0.2.0.tgz'), '-C', chart, '.']);
    const packJson = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(dir, 'pack.json'),
      JSON.stringify({ ...packJson, charts: ['charts/demo-chart-0.2.0.tgz'] }, null, 2),
    );
    writeFileSync(
      join(dir, 'values.yaml'),
      'pack:\n  namespace: demo\n  content:\n    charts:\n    - repo: https://x\n      name: demo-chart\n      version: 0.2.0\n',
    );
    const r = await runCli(['pack', 'lint', dir]);
    const at = `${join(dir, 'pack.json')}:13: charts[0]: warning: charts/demo-chart-0.2.0.tgz holds chart demo-chart 0.1.0 (Chart.yaml)`;
    expect(r.stdout).toBe(
      `${at}, so it should be named demo-chart-0.1.0.tgz\n${at}, which values.yaml pack.content.charts does not list (it lists demo-chart 0.2.0)\n`,
    );
    expect(r.stderr).toMatch(/^valid: demo 1\.2\.3 \(\d+ files and directories, 2 warnings\)\n$/);
    expect(r.code).toBe(0);
    const json = JSON.parse((await runCli(['pack', 'lint', dir, '-o', 'json'])).stdout) as Record<string, unknown[]>;
    expect({ valid: json.valid, errors: json.errors, warnings: json.warnings?.length }).toEqual({
      valid: true,
      errors: [],
      warnings: 2,
    });
    const built = await runCli(['pack', 'build', dir, '-o', join(work, 'palette-deploys.tar.gz')]);
    expect({ code: built.code, warned: built.stderr.split('warning:').length - 1 }).toEqual({ code: 0, warned: 2 });
  }, 60_000);

  it('says where pack.json is not JSON', async () => {
    const dir = smallPack(join(work, 'badjson'));
    writeFileSync(join(dir, 'pack.json'), '{\n  "name": "demo",\n  "version": "1.0.0"\n  "layer": "addon"\n}\n');
    const r = await runCli(['pack', 'lint', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${join(dir, 'pack.json')}:4: not JSON: `));
  });

  it('is a usage error on a path that is not a directory', async () => {
    const r = await runCli(['pack', 'lint', join(work, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such directory');
  });
});

describe('a hostile pack directory is refused with the reason, in bounded time and memory', () => {
  it('refuses a symlink out of the pack', async () => {
    const dir = smallPack(join(work, 'symlink-out'));
    writeFileSync(join(work, 'secret.txt'), 'not for the pack');
    symlinkSync(join(work, 'secret.txt'), join(dir, 'values-link.yaml'));
    for (const command of ['lint', 'build']) {
      const r = await runCli(['pack', command, dir, ...(command === 'build' ? ['-o', join(work, 'x.tar.gz')] : [])]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: refused: ${dir}: values-link.yaml is a symlink to ../secret.txt, outside the pack; copy the file into the pack instead\n`,
      );
    }
  });

  it('follows a symlink to a file inside the pack', async () => {
    const dir = smallPack(join(work, 'symlink-in'));
    symlinkSync('values.yaml', join(dir, 'defaults.yaml'));
    const out = join(work, 'symlink-in.tar.gz');
    expect((await runCli(['pack', 'build', dir, '-o', out])).code).toBe(0);
    const listing = execFileSync('tar', ['-tvzf', out], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rw-r--r-- 0\/0 +24 1970-01-01 00:00 demo\/defaults\.yaml$/m);
  });

  it('refuses a 1 GB file before reading it', async () => {
    const dir = smallPack(join(work, 'huge'));
    execFileSync('truncate', ['-s', '1G', join(dir, 'huge.bin')]); // sparse: no gigabyte is written
    const started = Date.now();
    const r = await runCli(['pack', 'build', dir, '-o', join(work, 'huge.tar.gz')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: refused: ${dir}: huge.bin is 1073741824 bytes, more than the limit of 104857600 bytes for one file\n`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses 100,000 files after reading the first 10,000 names', async () => {
    const dir = smallPack(join(work, 'many'));
    mkdirSync(join(dir, 'files'));
    for (let i = 0; i < 100_000; i++) writeFileSync(join(dir, 'files', `f${i}`), '');
    const started = Date.now();
    const r = await runCli(['pack', 'lint', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: refused: ${dir}: more than 10000 files and directories; a pack is a pack.json, values and a few charts\n`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    rmSync(join(dir, 'files'), { recursive: true, force: true });
  }, 120_000);
});

describe('packyard pack build', () => {
  it("gives the same bytes twice, whatever the files' times, and the archive holds the pack under <name>/", async () => {
    const dir = writeFixturePack('elastic-stack-0.19.0', join(work, 'build'));
    const a = join(work, 'a.tar.gz');
    const b = join(work, 'b.tar.gz');
    const first = await runCli(['pack', 'build', dir, '-o', a]);
    expect(first.code).toBe(0);
    utimesSync(join(dir, 'values.yaml'), new Date(), new Date(2001, 1, 1));
    const second = await runCli(['pack', 'build', dir, '-o', b]);
    expect(second.code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(first.stdout).toBe(`${a} ${second.stdout.split(' ')[1]}`);
    // Unpacked by the real tar: the same files under elastic-stack/, owner 0/0, fixed time.
    const out = tempDir('packyard-pack-x-');
    execFileSync('tar', ['-xzf', a, '-C', out]);
    expect(treeOf(join(out, 'elastic-stack'))).toEqual(treeOf(dir));
    const listing = execFileSync('tar', ['-tvzf', a], { encoding: 'utf8' }).trim().split('\n');
    expect(
      listing
        .map((l) => l.split(/\s+/).slice(0, 2).join(' '))
        .every((l) => l === '-rw-r--r-- 0/0' || l === 'drwxr-xr-x 0/0'),
    ).toBe(true);
    expect(listing.map((l) => l.split(/\s+/).at(-1))).toEqual([
      'elastic-stack/',
      'elastic-stack/charts/',
      'elastic-stack/charts/eck-stack-0.19.0.tgz',
      'elastic-stack/pack.json',
      'elastic-stack/values.yaml',
    ]);
    // gzip header: no time (bytes 4-7), OS byte 3.
    expect([...readFileSync(a).subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    rmSync(out, { recursive: true, force: true });
  }, 60_000);

  it('keeps the owner execute bit and nothing else of the mode; hidden files stay out', async () => {
    const dir = smallPack(join(work, 'modes'));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    chmodSync(join(dir, 'values.yaml'), 0o600);
    const out = join(work, 'modes.tar.gz');
    expect((await runCli(['pack', 'build', dir, '-o', out])).code).toBe(0);
    const listing = execFileSync('tar', ['-tvzf', out], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rwxr-xr-x 0\/0 .* demo\/hook\.sh$/m);
    expect(listing).toMatch(/^-rw-r--r-- 0\/0 .* demo\/values\.yaml$/m);
    expect(listing).not.toContain('.git');
  });

  it('refuses to build a pack that does not lint, printing why', async () => {
    const dir = smallPack(join(work, 'nobuild'));
    rmSync(join(dir, 'values.yaml'));
    const r = await runCli(['pack', 'build', dir, '-o', join(work, 'nobuild.tar.gz')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `${join(dir, 'values.yaml')}:1: missing: a pack needs values.yaml (it may be empty)\nerror: ${dir}: 1 problem; fix it and build again (packyard pack lint ${dir})\n`,
    );
  });
});
