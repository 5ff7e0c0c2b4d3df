// The CLI's pure parts: YAML line mapping, lock files and their diff, credentials from the
// environment, exit code precedence, tables and the progress line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedPack } from '../../src/api/clusterprofile.js';
import type { PackRegistrySpec } from '../../src/api/packregistry.js';
import { lockRevision } from '../../src/resolve/lock.js';
import { credentialsFromEnvironment, envPrefix } from '../../src/cli/credentials.js';
import { EXIT, UsageError, worstExit } from '../../src/cli/exit-codes.js';
import { diffLocks, formatLockFile, readLockFile, type ProfileLock } from '../../src/cli/lock-file.js';
import { fieldToPath } from '../../src/cli/object-checks.js';
import { formatTable, shortDigest } from '../../src/cli/output.js';
import { Progress } from '../../src/cli/progress.js';
import { parseYamlDocuments } from '../../src/resolve/yaml-documents.js';
import { tempDir } from './cli-harness.js';

describe('parseYamlDocuments', () => {
  const text = [
    '# leading comment', // 1
    'apiVersion: v1', // 2
    'kind: A', // 3
    '---', // 4
    '# second', // 5
    'spec:', // 6
    '  packs:', // 7
    '    - name: a', // 8
    '      version: 1', // 9
    '    - name: b', // 10
    '      values: |', // 11
    '        x: 1', // 12
    '---', // 13
    '', // 14
  ].join('\n');

  it('keeps the line of each document and of each field', () => {
    const { documents, errors } = parseYamlDocuments('f.yaml', text);
    expect(errors).toEqual([]);
    expect(documents.map((d) => d.line)).toEqual([2, 6]);
    const doc = documents[1]!;
    expect(doc.lineOf(['spec', 'packs'])).toBe(7);
    expect(doc.lineOf(['spec', 'packs', 1])).toBe(10);
    expect(doc.lineOf(['spec', 'packs', 1, 'values'])).toBe(11);
    // A field that is not there: the deepest one that is.
    expect(doc.lineOf(['spec', 'packs', 0, 'layer'])).toBe(8);
    expect(doc.lineOf(['spec', 'type'])).toBe(6);
    expect(doc.value).toEqual({
      spec: {
        packs: [
          { name: 'a', version: 1 },
          { name: 'b', values: 'x: 1\n' },
        ],
      },
    });
  });

  it('reports syntax errors with their line, and refuses alias bombs', () => {
    expect(parseYamlDocuments('f.yaml', 'a: 1\nb: [1\n').errors).toMatchObject([
      { file: 'f.yaml', line: 3, check: 'syntax' },
    ]);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
    ].join('\n');
    const { errors } = parseYamlDocuments('bomb.yaml', bomb);
    expect(errors[0]?.message).toMatch(/alias/i);
  });

  it('honours merge keys, as kubectl does', () => {
    const { documents } = parseYamlDocuments('f.yaml', 'base: &b { layer: addon }\npack:\n  <<: *b\n  name: x\n');
    expect(documents[0]!.value).toEqual({ base: { layer: 'addon' }, pack: { layer: 'addon', name: 'x' } });
  });
});

it('reads field paths in the apiserver notation', () => {
  expect(fieldToPath('spec.packs[12].valuesFrom[0].kind')).toEqual(['spec', 'packs', 12, 'valuesFrom', 0, 'kind']);
  expect(fieldToPath('spec')).toEqual(['spec']);
});

describe('lock files', () => {
  const entry = (name: string, version: string, extra: Partial<ResolvedPack> = {}): ResolvedPack => ({
    name,
    layer: 'addon',
    registry: 'charts',
    chart: name,
    version,
    digest: `sha256:${version.replaceAll('.', '').padEnd(64, '0')}`,
    ...extra,
  });
  const lock = (profile: string, resolved: ResolvedPack[]): ProfileLock => ({
    profile,
    revision: lockRevision(resolved),
    resolved,
  });

  it('writes locks sorted by profile with keys in a fixed order, and reads them back', () => {
    const dir = tempDir();
    const locks = [
      lock('ns/b', [{ version: '1.0.0', chart: 'x', registry: 'r', layer: 'os', name: 'x', url: 'u' }]),
      lock('ns/a', [entry('p', '2.0.0')]),
    ];
    const text = formatLockFile(locks);
    expect(text.indexOf('profile: ns/a')).toBeLessThan(text.indexOf('profile: ns/b'));
    expect(text).toContain(
      '  - name: x\n    layer: os\n    registry: r\n    chart: x\n    version: 1.0.0\n    url: u\n',
    );
    writeFileSync(join(dir, 'lock'), text);
    expect([...readLockFile(join(dir, 'lock')).values()]).toEqual([locks[1], locks[0]]);
    expect(readLockFile(join(dir, 'missing'), true).size).toBe(0);
  });

  it('says what changed, and nothing when nothing did', () => {
    const before = new Map([
      ['ns/a', lock('ns/a', [entry('cilium', '1.15.3'), entry('podinfo', '6.5.0'), entry('gone', '1.0.0')])],
      ['ns/old', lock('ns/old', [entry('x', '1.0.0')])],
    ]);
    expect(diffLocks(before, [...before.values()])).toEqual([]);
    const now = [
      lock('ns/a', [
        entry('cilium', '1.15.4'),
        entry('podinfo', '6.5.0', { digest: 'sha256:feedfacefeedface' }),
        entry('new', '0.1.0'),
      ]),
      lock('ns/new', [entry('y', '1.0.0')]),
    ];
    expect(diffLocks(before, now)).toEqual([
      '~ ns/a',
      '  ~ cilium 1.15.3 -> 1.15.4',
      `  ~ podinfo 6.5.0 (digest ${shortDigest(entry('podinfo', '6.5.0').digest)} -> sha256:feedfacefeed)`,
      '  + new 0.1.0',
      '  - gone 1.0.0',
      '+ ns/new: not in the lock file',
      '- ns/old: in the lock file, but not among the profiles given',
    ]);
  });

  it('notices a revision edited by hand', () => {
    const good = lock('ns/a', [entry('cilium', '1.15.3')]);
    expect(diffLocks(new Map([['ns/a', { ...good, revision: 'sha256:0' }]]), [good])).toEqual([
      '~ ns/a',
      '  revision sha256:0 does not match the entries (edited by hand?)',
    ]);
  });
});

describe('credentials from the environment', () => {
  const spec = { type: 'helm', url: 'https://charts.example.com:8443/stable' } as PackRegistrySpec;

  it('names variables after the registry', () => {
    expect(envPrefix('my-charts.prod')).toBe('PACKYARD_REGISTRY_MY_CHARTS_PROD_');
  });

  it('reads username and password, or a token, and TLS files', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    const env = {
      PACKYARD_REGISTRY_CHARTS_USERNAME: 'u',
      PACKYARD_REGISTRY_CHARTS_PASSWORD: 'p',
      PACKYARD_REGISTRY_CHARTS_CA_FILE: join(dir, 'ca.pem'),
      HOME: dir,
    };
    expect(credentialsFromEnvironment('charts', spec, env)).toEqual({
      credentials: { auth: { username: 'u', password: 'p' }, tls: { ca: '-----BEGIN CERTIFICATE-----\n' } },
      origin: 'PACKYARD_REGISTRY_CHARTS_USERNAME/_PASSWORD',
    });
    expect(
      credentialsFromEnvironment('charts', spec, { PACKYARD_REGISTRY_CHARTS_TOKEN: 't', HOME: dir }).credentials,
    ).toEqual({ auth: { token: 't' } });
    expect(credentialsFromEnvironment('charts', spec, { HOME: dir })).toEqual({ credentials: {} });
  });

  it('refuses half a pair, naming the variables and never a value', () => {
    expect(() =>
      credentialsFromEnvironment('charts', spec, { PACKYARD_REGISTRY_CHARTS_USERNAME: 'secret-user' }),
    ).toThrow(new UsageError('PACKYARD_REGISTRY_CHARTS_USERNAME is set but PACKYARD_REGISTRY_CHARTS_PASSWORD is not'));
  });

  it('finds the docker config entry of the host, and says why when there is none', () => {
    const dir = tempDir();
    const auth = Buffer.from('u:p').toString('base64');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'charts.example.com:8443': { auth } } }));
    expect(credentialsFromEnvironment('charts', spec, { DOCKER_CONFIG: dir })).toEqual({
      credentials: { auth: { username: 'u', password: 'p' } },
      origin: `docker config ${join(dir, 'config.json')}`,
    });
    const other = { type: 'oci', url: 'oci://ghcr.io/org' } as PackRegistrySpec;
    const none = credentialsFromEnvironment('ghcr', other, { DOCKER_CONFIG: dir });
    expect(none.credentials).toEqual({});
    expect(none.hint).toContain('no auths entry for ghcr.io');
    expect(JSON.stringify(none)).not.toContain(auth);
  });
});

it('exits with the most serious code', () => {
  expect(worstExit()).toBe(EXIT.OK);
  expect(worstExit(EXIT.LOCK_OUT_OF_DATE, EXIT.ERRORS)).toBe(EXIT.ERRORS);
  expect(worstExit(EXIT.ERRORS, EXIT.REGISTRY_UNREACHABLE, EXIT.LOCK_OUT_OF_DATE)).toBe(EXIT.REGISTRY_UNREACHABLE);
});

it('prints kubectl-style tables', () => {
  expect(
    formatTable(
      ['NAME', 'VERSION'],
      [
        ['cilium', '1.15.3'],
        ['kubernetes', '1.30.2'],
      ],
    ),
  ).toBe('NAME         VERSION\ncilium       1.15.3\nkubernetes   1.30.2\n');
});

describe('the progress line', () => {
  const fakeStream = () => {
    const writes: string[] = [];
    return { writes, stream: { write: (s: string) => writes.push(s), columns: 60 } as unknown as NodeJS.WriteStream };
  };

  it('draws on a terminal and erases itself', () => {
    const { writes, stream } = fakeStream();
    const p = new Progress(stream, true);
    p.start(2);
    p.begin('charts');
    p.end('charts');
    p.clear();
    expect(writes).toEqual([
      '\r\x1b[Kfetching indexes 0/2',
      '\r\x1b[Kfetching indexes 0/2: charts',
      '\r\x1b[Kfetching indexes 1/2',
      '\r\x1b[K',
    ]);
  });

  it('writes nothing when not on a terminal', () => {
    const { writes, stream } = fakeStream();
    const p = new Progress(stream, false);
    p.start(1);
    p.begin('charts');
    p.end('charts');
    p.clear();
    expect(writes).toEqual([]);
  });
});
