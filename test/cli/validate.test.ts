// `packyard validate` end to end: the compiled CLI on files, and the same bad objects as the CRD
// tests, compared field by field with what the real apiserver's admission says about them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { admissionMessage } from '../harness/admission.js';
import { BAD_OBJECTS } from '../api/bad-objects.js';
import { testKubeConfig } from '../harness/cluster.js';
import { expectGolden, REPO_ROOT, runCli, tempDir, writeYaml } from './cli-harness.js';

interface JsonError {
  file: string;
  line: number;
  kind?: string;
  name?: string;
  field?: string;
  message: string;
  check: 'syntax' | 'admission' | 'resolver';
}
interface ValidateJson {
  valid: boolean;
  files: number;
  objects: number;
  errors: JsonError[];
}

/**
 * Field paths named by an apiserver "is invalid" message: `… is invalid: spec.url: …` or, for several,
 * `… is invalid: [spec.url: …, spec.packs: …]`; each cause starts with its field path and ": ".
 */
export function apiserverFields(message: string): Set<string> {
  const causes = message.slice(message.indexOf(' is invalid: ') + ' is invalid: '.length).replace(/^\[|\]$/g, '');
  return new Set(
    [...causes.matchAll(/(?:^|, )((?:spec|metadata|apiVersion|kind)(?:\.[A-Za-z0-9_]+|\[\d+\])*): /g)].map(
      (m) => m[1]!,
    ),
  );
}

describe('packyard validate: the apiserver and the CLI name the same fields', () => {
  let dir: string;
  let report: ValidateJson;
  let code: number;

  beforeAll(async () => {
    dir = tempDir();
    BAD_OBJECTS.forEach((bad, i) => writeYaml(join(dir, `${String(i).padStart(2, '0')}.yaml`), [bad.object]));
    const run = await runCli(['validate', dir, '-o', 'json']);
    code = run.code;
    report = JSON.parse(run.stdout) as ValidateJson;
  });

  it('fails, and checks every bad object', () => {
    expect(code).toBe(1);
    expect(report.valid).toBe(false);
    expect(report.objects).toBe(BAD_OBJECTS.length);
  });

  const client = () => KubernetesObjectApi.makeApiClient(testKubeConfig());
  it.each(BAD_OBJECTS.map((b, i) => [b.title, b, i] as const))('%s', async (_title, bad, i) => {
    const message = await admissionMessage(client(), bad.object as KubernetesObject);
    const fromApiserver = apiserverFields(message);
    const file = join(dir, `${String(i).padStart(2, '0')}.yaml`);
    const fromCli = new Set(
      report.errors.filter((e) => e.file === file && e.check === 'admission').map((e) => e.field),
    );
    expect(fromApiserver).toContain(bad.field);
    // The admission checks of the CLI and of the apiserver name exactly the same fields.
    expect([...fromCli].sort()).toEqual([...fromApiserver].sort());
  });
});

describe('packyard validate on files', () => {
  let dir: string;

  beforeAll(() => {
    dir = tempDir();
    writeFileSync(
      join(dir, 'stack.yaml'),
      [
        '# Not ours: ignored.',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        '---',
        'apiVersion: packyard.io/v1alpha1',
        'kind: PackRegistry',
        'metadata:',
        '  name: charts',
        'spec:',
        '  type: helm',
        '  url: oci://charts.example.com',
        '  interval: 1 day',
        '---',
        'apiVersion: packyard.io/v1alpha1',
        'kind: ClusterProfile',
        'metadata:',
        '  name: edge',
        '  namespace: apps',
        'spec:',
        '  type: add-on',
        '  packs:',
        '    - name: podinfo',
        '      layer: addon',
        '      version: newest',
        '    - name: metrics',
        '      layer: addon',
        '      version: 5.x',
        '      values: |',
        '        - a',
        '        - list',
        '',
      ].join('\n'),
    );
    // kustomize's own file is skipped, even when it is not valid YAML at all.
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [stack.yaml\n  {{ broken\n');
    writeFileSync(join(dir, 'README.md'), '# not YAML\n');
    mkdirSync(join(dir, 'nested'));
    writeFileSync(
      join(dir, 'nested', 'list.yml'),
      [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '  - apiVersion: packyard.io/v1alpha1',
        '    kind: ClusterProfile',
        '    metadata: { name: good }',
        '    spec:',
        '      type: add-on',
        '      packs: [{ name: podinfo, layer: addon, version: 6.x }]',
        '  - apiVersion: packyard.io/v1alpha1',
        '    kind: ClusterProfile',
        '    metadata: { name: base }',
        '    spec:',
        '      type: infra',
        '      packs:',
        '        - { name: ubuntu, layer: os, version: 24.x }',
        '        - { name: cilium, layer: cni, version: ^1.15 }',
        '        - { name: kubernetes, layer: k8s, version: 1.30.x }',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'nested', 'broken.yaml'),
      'apiVersion: packyard.io/v1alpha1\nkind: PackRegistry\nmetadata:\n  name: x\n  name: y\n',
    );
  });

  it('reports every problem as file:line: Kind/name: field: message, on the line of the field', async () => {
    const run = await runCli(['validate', '.'], { cwd: dir });
    expect(run.code).toBe(1);
    expectGolden('validate.txt', run.stdout);
    expect(run.stderr).toBe('6 problems: 1 PackRegistry, 3 ClusterProfiles in 3 files\n');
  });

  it('prints the same problems as JSON with -o json', async () => {
    const run = await runCli(['validate', '.', '--output', 'json'], { cwd: dir });
    expect(run.code).toBe(1);
    expectGolden('validate.json', run.stdout);
  });

  it('reads standard input for -', async () => {
    const run = await runCli(['validate', '-'], { stdin: readFileSync(join(dir, 'stack.yaml'), 'utf8') });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '<stdin>:13: PackRegistry/charts: spec.url: helm registries need an http:// or https:// URL',
    );
  });

  it('requires a name, as the apiserver does for every object', async () => {
    const run = await runCli(['validate', '-'], {
      stdin:
        'apiVersion: packyard.io/v1alpha1\nkind: PackRegistry\nmetadata: { labels: { a: b } }\nspec: { type: helm, url: "https://x" }\n',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      '<stdin>:3: PackRegistry/<unnamed>: metadata.name: Required value: name or generateName is required\n',
    );
  });

  it('accepts the samples, with exit status 0', async () => {
    const run = await runCli(['validate', join(REPO_ROOT, 'deploy/samples')]);
    expect(run).toEqual({ code: 0, stdout: '', stderr: 'valid: 2 PackRegistries, 4 ClusterProfiles in 6 files\n' });
  });
});

describe('packyard conventions', () => {
  it.each([
    [['validate'], 'validate needs at least one PATH'],
    [['validate', '/does/not/exist'], '/does/not/exist: no such file or directory'],
    [['validate', '.', '-o', 'yaml'], '--output must be text or json'],
    [['validate', '--frobnicate', '.'], "Unknown option '--frobnicate'"],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [[], 'Usage: packyard COMMAND'],
    [['resolve', 'x.yaml', '--lock', 'a', '--check', 'b'], 'use either --lock or --check'],
    [['search'], 'search needs exactly one NAME'],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  it.each(['validate', 'resolve', 'search', 'outdated'])('has --help for %s', async (command) => {
    const run = await runCli([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: packyard ${command} `));
    expect(run.stdout).toContain('Exit status:');
    expect(run.stdout).toContain('Examples:');
  });

  it('prints the version of the package', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('lists every command in the global help', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['validate', 'resolve', 'search', 'outdated']) expect(run.stdout).toContain(`  ${command} `);
  });

  it('names itself kubectl packyard when run as the kubectl plugin', async () => {
    const dir = tempDir();
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(REPO_ROOT, 'build/src/cli/main.js'), join(dir, 'kubectl-packyard'));
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [join(dir, 'kubectl-packyard'), 'validate', '--help'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^Usage: kubectl packyard validate /);
  });
});
