// One grammar for a profile pack's `version`: the real apiserver's admission (CEL), `packyard validate`
// and the resolver's parser accept exactly the same expressions. Every expression of the table goes
// through all three, and each must agree with the table and with the others.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { VERSION_EXPRESSION } from '../../src/api/version-expression.js';
import { parseVersionExpression } from '../../src/resolve/version-expression.js';
import { runCli, tempDir, writeYaml } from '../cli/cli-harness.js';
import { testKubeConfig } from '../harness/cluster.js';

/** [expression, accepted] */
const TABLE: [string, boolean][] = [
  ['latest', true],
  ['1.2.3', true],
  ['v1.2.3', true],
  ['=1.2.3', true],
  ['= 1.2.3', true],
  ['1.2.3-rc.1', true],
  ['1.2.3+k3s1', true],
  ['1.2.3-rc.1+build.5', true],
  ['22.04', true], // an Ubuntu-style OS pack version
  ['1.5', true], // kubeflow-full's published version
  ['0.1', true],
  ['3.5.0079', true], // leading zeros, as Helm reads published versions
  ['2.0.000', true],
  ['0.46.00', true],
  ['v0.5.30', true],
  ['1.2-rc.1', true],
  ['2.0.2-up.4', true], // upbound-crossplane's only version
  ['1.27.x', true],
  ['1.27.X', true],
  ['1.27.*', true],
  ['1.x', true],
  ['1.x.x', true],
  ['v1.27.x', true],
  ['1.27', true],
  ['*', true],
  ['x', true],
  ['^1.2', true],
  ['^v1', true],
  ['~1.2.3', true],
  ['~>1.2', true],
  ['>=1 <2', true],
  ['>= 1.2', true],
  ['>=1, <2', true],
  ['>=1,<2', true],
  ['1.2 - 1.4', true],
  ['1.2.3 - x', true],
  ['1.x || >=3.1', true],
  ['1.x||2.x', true],
  ['>=1.0.0-rc.0', true],
  ['>=1.2-rc.1', true],
  ['<=x', true],
  ['=1.27', true],
  ['999999999999999', true], // 15 digits: the longest number
  ['', false],
  [' 1.2.3', false],
  ['1.2.3 ', false],
  ['Latest', false],
  ['lastest', false],
  ['newest', false],
  ['foo', false],
  ['1.2.3.4', false],
  ['>=banana', false],
  ['^^1', false],
  ['1.0.0-01', false], // a numeric prerelease identifier with a leading zero: not a version to Helm either
  ['1.0.0-', false],
  ['1.0.0+', false],
  ['1.x-rc.1', false],
  ['1.2.3 -1.4', false],
  ['>=1 || ', false],
  ['|| 1', false],
  ['==1.2', false],
  ['>=1\t<2', false],
  ['1.2.3\n', false],
  ['9999999999999999', false], // 16 digits
  ['V1.2.3', false],
  ['1.2.3 , , 2', false],
  [`1.${'1'.repeat(130)}`, false], // longer than 128
];

const profile = (i: number, version: string): KubernetesObject & Record<string, unknown> => ({
  apiVersion: 'packyard.io/v1alpha1',
  kind: 'ClusterProfile',
  metadata: { name: `expr-${i}`, namespace: 'default' },
  spec: { type: 'add-on', packs: [{ name: 'app', layer: 'addon', version }] },
});

/** Whether the apiserver admits the object (dry run); a rejection must name spec.packs[0].version. */
async function admitted(client: KubernetesObjectApi, object: KubernetesObject): Promise<boolean> {
  try {
    await client.create(object, undefined, 'All');
    return true;
  } catch (err) {
    if (!(err instanceof ApiException) || err.code !== 422) throw err;
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    expect(String(body.message)).toContain('spec.packs[0].version');
    return false;
  }
}

describe('version expressions: admission, packyard validate and the resolver agree', () => {
  const client = KubernetesObjectApi.makeApiClient(testKubeConfig());
  let cliInvalid: Set<string>;

  beforeAll(async () => {
    const dir = tempDir();
    TABLE.forEach(([version], i) => writeYaml(join(dir, `${String(i).padStart(3, '0')}.yaml`), [profile(i, version)]));
    writeFileSync(join(dir, 'README.md'), 'the table of test/api/version-expression.test.ts\n');
    const run = await runCli(['validate', dir, '-o', 'json']);
    const report = JSON.parse(run.stdout) as { objects: number; errors: { file: string; field?: string }[] };
    expect(report.objects).toBe(TABLE.length);
    cliInvalid = new Set(
      report.errors.map((e) => {
        expect(e.field).toBe('spec.packs[0].version');
        return e.file.slice(dir.length + 1);
      }),
    );
  });

  it.each(
    TABLE.map(([version, ok], i) => [JSON.stringify(version), ok ? 'accepted' : 'refused', version, ok, i] as const),
  )('%s is %s by all three', async (_shown, _verdict, version, ok, i) => {
    const byResolver = parseVersionExpression(version).ok;
    const byCli = !cliInvalid.has(`${String(i).padStart(3, '0')}.yaml`);
    const byApiserver = await admitted(client, profile(i, version));
    expect({ byApiserver, byCli, byResolver }).toEqual({ byApiserver: ok, byCli: ok, byResolver: ok });
  });

  it('every expression the grammar accepts is read by the resolver (random expressions from the grammar)', () => {
    const parts = [
      '1',
      '01',
      '22',
      'x',
      '*',
      '1.2',
      '1.27.x',
      '3.5.0079',
      '1.2.3-rc.1',
      '1.2-rc.1',
      'v1.2.3+b.01',
      '0',
    ];
    const ops = ['', '=', '>=', '<=', '>', '<', '~', '~>', '^', '>= '];
    const seps = [' ', ', ', ',', ' || ', '||'];
    let seed = 7;
    const pick = <T>(xs: T[]): T => xs[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % xs.length]!;
    for (let n = 0; n < 2000; n++) {
      const count = 1 + (n % 3);
      let text = '';
      for (let i = 0; i < count; i++) text += (i ? pick(seps) : '') + pick(ops) + pick(parts);
      if (n % 7 === 0) text = `${pick(parts)} - ${pick(parts)}`;
      expect([text, VERSION_EXPRESSION.test(text)]).toEqual([text, parseVersionExpression(text).ok]);
    }
  });
});
