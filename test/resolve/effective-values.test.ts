// Effective values and their validation. Charts are packaged by the real helm CLI, and every case is
// also run through `helm template` with the same values: Packyard must refuse exactly what Helm
// refuses (differential). Palette cases use the real hello-universe values, presets and schema.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfilePack } from '../../src/api/clusterprofile.js';
import { toolPath } from '../../src/local/tools.js';
import { readArchive, DEFAULT_ARCHIVE_LIMITS } from '../../src/sources/content/archive.js';
import { SELECTIONS, type PackFiles } from '../../src/sources/content/pack-files.js';
import { packValues } from '../../src/resolve/effective-values.js';
import { valuesDigest } from '../../src/resolve/values-tree.js';
import { makeHelmRepository } from '../harness/helm-charts.js';
import { paletteFixturePath } from '../harness/palette-fixtures.js';
import { webChart } from '../harness/values-charts.js';

let dir: string;
let web: PackFiles;
const hello: PackFiles = {
  kind: 'palette',
  digest: 'sha256:hello',
  files: Object.fromEntries(
    ['values.yaml', 'presets.yaml', 'schema.yaml', 'pack.json'].map((f) => [
      f,
      readFileSync(paletteFixturePath(`spectrocloud__pack-central__packs__hello-universe-1.3.1__${f}`), 'utf8'),
    ]),
  ),
};
const pack = (over: Partial<ProfilePack> = {}): ProfilePack =>
  ({ name: 'p', layer: 'addon', version: '1.0.0', ...over }) as ProfilePack;
const run = (content: PackFiles, over: Partial<ProfilePack>, sources: Record<string, string> = {}) =>
  packValues({ pack: pack(over), namespace: 'ns', lookup: (r) => sources[r.name], content, label: 'chart 1.0.0' });

/** Whether `helm template` accepts the values (exit 0), and its message when it does not. */
function helmAccepts(values: string): { ok: boolean; out: string } {
  const file = join(dir, 'values-case.yaml');
  writeFileSync(file, values);
  try {
    execFileSync(toolPath('helm'), ['template', 'rel', join(dir, 'web-1.0.0.tgz'), '-f', file], {
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, HELM_CONFIG_HOME: dir, HELM_CACHE_HOME: dir, HELM_DATA_HOME: dir },
    });
    return { ok: true, out: '' };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr) };
  }
}

beforeAll(async () => {
  dir = makeHelmRepository([webChart('1.0.0')]);
  const files = await readArchive(
    readFileSync(join(dir, 'web-1.0.0.tgz')),
    SELECTIONS.helm,
    DEFAULT_ARCHIVE_LIMITS,
    'web',
  );
  web = {
    kind: 'helm',
    digest: 'sha256:web',
    files: Object.fromEntries([...files].map(([k, v]) => [k, v.toString('utf8')])),
  };
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chart values against values.schema.json, as helm template judges them', () => {
  const cases: [string, string, RegExp | undefined][] = [
    ['the chart defaults', '', undefined],
    ['a valid override', 'replicaCount: 3\nimage:\n  pullPolicy: Always\n', undefined],
    [
      'a number below the minimum',
      'replicaCount: 0\n',
      /\.replicaCount: must be >= 1 \(values\.schema\.json of web: properties\.replicaCount\.minimum\)/,
    ],
    ['a string where an integer belongs', 'replicaCount: "3"\n', /\.replicaCount: must be integer/],
    [
      'a value outside an enum',
      'image:\n  pullPolicy: Sometimes\n',
      /\.image\.pullPolicy: must be one of "Always", "IfNotPresent", "Never"/,
    ],
    [
      'a draft-07 $ref to definitions',
      'service:\n  port: 70000\n',
      /\.service\.port: must be <= 65535 \(values\.schema\.json of web: definitions\.port\.maximum\)/,
    ],
    ['null deletes a required default', 'image: null\n', /\.image: is required/],
    [
      'a subchart (directory) with a 2020-12 $ref to $defs',
      'db:\n  storage: 10GB\n',
      /\.db\.storage: must match pattern "\^\[0-9\]\+Gi\$" \(values\.schema\.json of db: \$defs\.size\.pattern\)/,
    ],
    ['2020-12 prefixItems', 'db:\n  users: [root]\n', /\.db\.users\[0\]: must be equal to constant/],
    [
      '2020-12 dependentRequired',
      'db:\n  password: x\n',
      /\.db: must have property user when property password is present/,
    ],
    [
      'an aliased subchart from a nested .tgz, under its alias',
      'redis:\n  maxMemory: 8\n',
      /\.redis\.maxMemory: must be >= 16 \(values\.schema\.json of cache/,
    ],
    ['a subchart disabled by its condition is not validated', 'db:\n  enabled: false\n  storage: 10GB\n', undefined],
    ['globals are copied into subcharts', 'global:\n  region: eu\n', undefined],
  ];
  it.each(cases)('%s', (_name, values, expected) => {
    const result = run(web, { values });
    const helm = helmAccepts(values);
    expect({ packyard: result.ok, helm: helm.ok }).toEqual({
      packyard: expected === undefined,
      helm: expected === undefined,
    });
    if (expected) expect(result.ok ? '' : result.problems.join('\n')).toMatch(expected);
  });

  it('subchart defaults and globals are part of the effective values, so of the digest', () => {
    const result = run(web, { values: 'global:\n  region: eu\n' });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.values).toMatchObject({
      db: { storage: '10Gi', global: { region: 'eu' } },
      redis: { maxMemory: 64, global: { region: 'eu' } },
    });
    expect(result.digest).toBe(valuesDigest(result.values));
  });

  it('valuesFrom merge in order, then values on top; the digest changes with them and not with key order', () => {
    const a = run(
      web,
      {
        valuesFrom: [
          { kind: 'ConfigMap', name: 'one' },
          { kind: 'ConfigMap', name: 'two' },
        ] as never,
        values: 'replicaCount: 5\n',
      },
      { one: 'replicaCount: 2\nimage:\n  tag: "1"\n', two: 'image:\n  tag: "2"\n' },
    );
    if (!a.ok) throw new Error(a.problems.join('\n'));
    expect(a.values).toMatchObject({ replicaCount: 5, image: { repository: 'nginx', tag: '2' } });
    const b = run(web, { values: 'image:\n  tag: "2"\nreplicaCount: 5\n' });
    expect(b.ok && b.digest).toBe(a.digest);
    const c = run(web, { values: 'replicaCount: 6\n' });
    expect(c.ok && c.digest).not.toBe(a.digest);
  });

  it('keeps keys named __proto__ or constructor as keys, in the values and their digest', () => {
    const result = run(web, { values: '__proto__:\n  a: 1\nconstructor: x\n' });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(Object.getPrototypeOf(result.values)).toBe(Object.prototype);
    expect(Object.hasOwn(result.values, '__proto__')).toBe(true);
    expect(JSON.stringify(result.values)).toContain('"__proto__":{"a":1}');
    expect(result.values).toMatchObject({ constructor: 'x' });
    const plain = run(web, {});
    expect(plain.ok && plain.digest).not.toBe(result.digest);
  });

  it('reads values as Helm does (YAML 1.1): yes is a boolean', () => {
    const result = run(web, { values: 'db:\n  enabled: no\n  storage: 10GB\n' });
    expect(result.ok).toBe(true);
    expect(helmAccepts('db:\n  enabled: no\n  storage: 10GB\n').ok).toBe(true);
  });

  it('presets on a Helm chart are a problem', () => {
    expect(run(web, { presets: ['x'] })).toEqual({
      ok: false,
      problems: ['values of pack p (chart 1.0.0): presets x chosen, but a Helm chart has no presets'],
    });
  });
});

describe('Palette pack values: hello-universe presets and schema.yaml', () => {
  it('the pack defaults pass its schema', () => {
    const result = run(hello, {});
    expect(result.ok).toBe(true);
  });

  it('a preset applies its add (and remove) before the profile values', () => {
    const result = run(hello, { presets: ['enable-api'], values: 'manifests:\n  hello-universe:\n    replicas: 2\n' });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.values).toMatchObject({
      manifests: {
        'hello-universe': {
          apiEnabled: true,
          replicas: 2,
          images: { hellouniverseapi: 'ghcr.io/spectrocloud/hello-universe-api:1.1.1' },
        },
      },
    });
  });

  it('only one preset per group', () => {
    const result = run(hello, { presets: ['enable-api', 'disable-api'] });
    expect(result).toEqual({
      ok: false,
      problems: [
        'values of pack p (chart 1.0.0): presets disable-api, enable-api are all of group Backend: choose one',
      ],
    });
  });

  it('an unknown preset names the ones there are', () => {
    const result = run(hello, { presets: ['fast'] });
    expect(result.ok ? '' : result.problems[0]).toMatch(/has no preset fast; it offers disable-api, enable-api/);
  });

  it.each([
    [
      'a number format',
      'port: eighty',
      /\.manifests\.hello-universe\.port: must be a number \(Enter the cluster port number.*\) \(schema\.yaml: format \$\{number\}\)/,
    ],
    [
      'a list format',
      'ui:\n      tolerations:\n        effect: Sometimes',
      /\.manifests\.hello-universe\.ui\.tolerations\.effect: must be one of PreferNoSchedule, NoSchedule, NoExecute/,
    ],
    ['a required value emptied', 'namespace: ""', /\.manifests\.hello-universe\.namespace: is required/],
    ['a boolean format', 'apiEnabled: "yes please"', /\.manifests\.hello-universe\.apiEnabled: must be true or false/],
  ])('%s', (_name, value, expected) => {
    const result = run(hello, { values: `manifests:\n  hello-universe:\n    ${value}\n` });
    expect(result.ok ? '' : result.problems.join('\n')).toMatch(expected);
  });

  // Palette's pack-constraints documentation: `registry.addresses.$[]` "is an array data type in the config file".
  it('a $[] segment checks each item of the list there, and a missing list once', () => {
    const listPack: PackFiles = {
      kind: 'palette',
      digest: 'sha256:list',
      files: {
        'values.yaml': 'registry:\n  addresses: ["10.10.10.10", "10.10.10.11"]\n  mirrors: []\n',
        'schema.yaml': [
          'registry.addresses.$[]:',
          `  schema: '{{ required | format "\${ipv4}" }}'`,
          'registry.mirrors.$[].host:',
          `  schema: '{{ required | format "\${string}" }}'`,
          'registry.ports.$[]:',
          `  schema: '{{ required | format "\${number}" }}'`,
        ].join('\n'),
      },
    };
    const problems = (values: string) => {
      const result = run(listPack, { values });
      return result.ok ? [] : result.problems;
    };
    expect(problems('registry:\n  ports: [5000]\n')).toEqual([]);
    expect(problems('registry:\n  addresses: ["10.0.0.1", "ten"]\n  mirrors: [{host: a}, {port: 1}]\n')).toEqual([
      'values of pack p (chart 1.0.0): .registry.addresses[1]: must be an IPv4 address (schema.yaml: format ${ipv4}); ' +
        '.registry.mirrors[1].host: is required (schema.yaml: required); ' +
        '.registry.ports.$[]: is required (schema.yaml: required)',
    ]);
  });

  // As pack-central's nvidia-vss-application 1.0.0 ships its defaults (vlmBatchSize: "32", enableAudio: "false").
  it('a number or boolean format is met by its text, quoted', () => {
    const result = run(hello, { values: 'manifests:\n  hello-universe:\n    port: "8080"\n    apiEnabled: "false"\n' });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
