// The catalogue equals what Helm reads. Helm's own loader (repo.LoadIndexFile of helm v3.22, built
// from hack/tools/helm-index-loader) reads every real index of ../shared/fixtures/helm-index and
// every named odd case below, in this run; parseHelmIndex must find the same charts, the same
// versions (as published, repeats included), the same newest and `latest`, and refuse exactly what
// Helm refuses, naming the line and field.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareHelmVersions, readHelmVersion } from '../../src/resolve/helm-version.js';
import { parseHelmIndex, type HelmIndexResult } from '../../src/sources/helm-index.js';
import { SourceError } from '../../src/sources/source-error.js';
import { REPO_ROOT, tempDir } from '../cli/cli-harness.js';

const FIXTURES = join(REPO_ROOT, '../shared/fixtures/helm-index');

interface HelmChart {
  count: number;
  newest: string;
  newestStable: string;
  newestStableError?: string;
  distinct: string[];
  ordered?: string[];
}
interface HelmReading {
  file: string;
  error?: string;
  charts: number;
  versions: number;
  skipped?: string[];
  perChart: Record<string, HelmChart>;
}

const idx = (body: string) => `apiVersion: v1\nentries:\n${body}generated: "2024-01-01T00:00:00Z"\n`;
const v = (version: string, extra = '') =>
  `  - name: a\n    version: ${version}\n    urls: [a-${version}.tgz]\n${extra}`;

/** Named odd cases: [name, index text, what our refusal must say (for those Helm refuses)]. */
const ODD: [string, string | Buffer, string?][] = [
  // Helm's own block layout, which the layout reader reads straight into candidates (helm-index-layout.ts).
  [
    'helm-layout',
    idx(
      [
        '  a:',
        '  - annotations:',
        '      images: |',
        '        - name: a',
        '          image: docker.io/a:1.0 # text',
        '      packyard.io/layer: cni',
        '    apiVersion: v2',
        '    appVersion: "1.4"',
        '    created: "2024-01-02T00:00:00.123456789Z"',
        '    dependencies:',
        '    - alias: lib',
        '      enabled: true',
        '      name: common',
        '      tags:',
        '      - t',
        '      version: 2.x.x',
        '    description: A description that go-yaml wrapped',
        '      over two lines',
        '    digest: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        "    kubeVersion: '>=1.23.0-0'",
        '    maintainers:',
        '    - email: x@example.com',
        '      name: Xavier',
        '    name: a',
        '    type: application',
        '    urls:',
        '    - a-1.0.0.tgz',
        '    version: 1.0.0',
        '  - dependencies:',
        '    - alias: bad alias',
        '      name: common',
        '    name: a',
        '    urls:',
        '    - a-1.1.0.tgz',
        '    version: 1.1.0',
        '  - deprecated: true',
        '    name: a',
        '    version: 0.9.0-rc.1',
        '  b:',
        '  - name: b',
        '    version: 2.0.0',
        '',
      ].join('\n'),
    ),
  ],
  // The same layout with what the layout reader leaves to the parsers, each in a chart of its own,
  // between charts it reads: the key search's split is made again line by line from there.
  [
    'helm-layout-fallbacks',
    idx(
      [
        '  a:',
        '  - name: a',
        '    version: 1.0.0',
        '  # a comment between charts',
        '  b:',
        '  - description: "an escape\\tinside"',
        '    name: b',
        '    version: 1.0.0',
        '  c: []',
        '  d:',
        '  - annotations:',
        '      version: 1.5',
        '    keywords: [x, z]',
        '    name: d',
        '    version: 1.0.0',
        '  - maintainers:',
        '    -',
        '    name: d',
        '    version: 1.1.0',
        '  e:',
        '  - name: e',
        '    version: 1.0.0',
        '',
      ].join('\n'),
    ),
  ],
  [
    'helm-layout-top-level-key-between-charts',
    `apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\nserverInfo:\n  b:\n  - name: b\n    version: 1.0.0\n`,
  ],
  ['leading-zeros', idx(`  a:\n${v('2.0.000')}${v('3.5.0079')}${v('0.46.00')}${v('3.5.79')}`)],
  ['v-prefix', idx(`  a:\n${v('v0.5.30')}${v('0.5.29')}${v('v0.5.31-rc.1')}`)],
  ['one-and-two-part', idx(`  a:\n${v('"0.1"')}${v('"1.2"')}${v('"1"')}${v('1.2.0')}`)],
  ['only-prereleases', idx(`  a:\n${v('0.0.1-develop')}${v('4.2.6-1')}`)],
  ['apiversion-alone', 'apiVersion: v1\n'],
  ['apiversion-v2-empty-entries', 'apiVersion: v2\nentries:\n'],
  ['unquoted-appversion', idx(`  a:\n${v('1.0.0', '    appVersion: 1.4\n')}`), 'line 7: entries.a[0].appVersion'],
  ['unquoted-version-number', idx(`  a:\n${v('1.10')}`), 'entries.a[0].version'],
  ['unknown-entry-field', idx(`  a:\n${v('1.0.0', '    size: big\n')}`), 'line 7: entries.a[0].size'],
  ['unknown-top-level-field', `apiVersion: v1\nowner: me\nentries: {}\n`, 'line 2: owner'],
  ['duplicate-key', idx(`  a:\n${v('1.0.0', '    digest: x\n    digest: y\n')}`), 'line 8'],
  [
    'merge-conflict-markers',
    `apiVersion: v1\nentries:\n  a:\n<<<<<<< HEAD\n${v('1.0.0')}=======\n${v('1.0.1')}>>>>>>> feature\n`,
    'line 5',
  ],
  ['prerelease-leading-zero', idx(`  a:\n${v('1.0.0-01')}${v('1.0.0')}`)],
  ['identical-repeats', idx(`  a:\n${v('4.0.4-1')}${v('4.0.4-1')}${v('4.0.4-1')}${v('4.0.3')}`)],
  ['two-spellings', idx(`  a:\n${v('v1.2.3')}${v('1.2.3')}${v('1.02.3')}`)],
  [
    'build-metadata-ties',
    idx(
      `  a:\n${v('1.0.0+b', '    created: "2024-01-02T00:00:00Z"\n')}${v('1.0.0+a', '    created: "2024-01-03T00:00:00Z"\n')}${v('0.9.0')}`,
    ),
  ],
  ['null-entry', idx(`  a:\n  - null\n  -\n${v('1.0.0')}`)],
  [
    'invalid-names-and-types',
    idx(
      `  a:\n${v('1.0.0')}  - name: a/b\n    version: 1.0.1\n  - version: 1.0.2\n  - name: ..\n    version: 1.0.3\n${v('1.0.4', '    type: widget\n')}${v('1.0.5', '    type: library\n')}`,
    ),
  ],
  [
    'json-index',
    '{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"v1.0.0","urls":["a.tgz"],"extra":1}],"b":[{"name":"b","version":"0.1.0-rc.1"}]}}',
  ],
  ['json-number-version', '{"apiVersion":"v1","entries":{"a":[{"name":"a","version":1.5}]}}', 'entries.a[0].version'],
  ['empty-file', '', 'empty'],
  ['whitespace-only', '  \n\n', 'empty'],
  ['no-apiversion', 'entries:\n  a:\n  - name: a\n    version: 1.0.0\n', 'apiVersion'],
  ['quoted-boolean', idx(`  a:\n${v('1.0.0', '    deprecated: "true"\n')}`), 'line 7: entries.a[0].deprecated'],
  ['yaml11-boolean', idx(`  a:\n${v('1.0.0', '    deprecated: yes\n')}${v('1.1.0', '    deprecated: off\n')}`)],
  ['date-only-created', idx(`  a:\n${v('1.0.0', '    created: 2018-12-05\n')}`), 'line 7: entries.a[0].created'],
  [
    'number-digest-and-url-converted',
    idx(`  a:\n${v('1.0.0', '    digest: 1.4\n')}  - name: a\n    version: 1.0.1\n    urls: [1]\n`),
  ],
  ['key-in-other-case', idx(`  a:\n  - name: a\n    Version: 2.0.0\n    version: 1.0.0\n`)],
  ['second-document-ignored', `${idx(`  a:\n${v('1.0.0')}`)}---\napiVersion: v1\nentries:\n  b:\n${v('1.0.0')}`],
  [
    'annotation-number',
    idx(`  a:\n${v('1.0.0', '    annotations:\n      foo: 1\n')}`),
    'line 8: entries.a[0].annotations.foo',
  ],
  ['annotation-number-named-like-a-field', idx(`  a:\n${v('1.0.0', '    annotations:\n      name: 1\n')}`)],
  ['index-annotation-number', `apiVersion: v1\nannotations:\n  a: 1\nentries:\n  a:\n${v('1.0.0')}`],
  ['server-info', `apiVersion: v1\nserverInfo:\n  contextPath: /charts\n  n: 3\nentries:\n  a:\n${v('1.0.0')}`],
  ['server-info-nan', `apiVersion: v1\nserverInfo:\n  ratio: .nan\nentries: {}\n`, 'line 3: serverInfo.ratio'],
  [
    'yaml11-key',
    `apiVersion: v1\nentries:\n  yes:\n  - name: a\n    version: 1.0.0\n  1.50:\n  - name: b\n    version: 1.0.0\n`,
  ],
  ['generated-number', `apiVersion: v1\ngenerated: 12\nentries: {}\n`, 'line 2: generated'],
  [
    'null-maintainer-and-bad-alias',
    idx(
      `  a:\n${v('1.0.0', '    maintainers:\n    - null\n')}${v('1.0.1', '    dependencies:\n    - name: x\n      alias: "bad alias"\n')}${v('1.0.2', '    dependencies:\n    - name: x\n    - name: x\n')}${v('1.0.3')}`,
    ),
  ],
  [
    'anchors-and-aliases',
    `apiVersion: v1\nentries:\n  a:\n  - &one\n    name: a\n    version: 1.0.0\n  - *one\n  b: &list\n  - name: b\n    version: 2.0.0\n  c: *list\n`,
  ],
  ['version-with-space', idx(`  a:\n${v('"1.0.0 "')}${v('1.0.1')}`)],
  ['empty-and-null-charts', idx(`  a: []\n  b:\n  c:\n${v('1.0.0')}`)],
  ['apiversion-number', 'apiVersion: 1\nentries: {}\n'],
  ['entries-not-a-map', 'apiVersion: v1\nentries: [1, 2]\n', 'line 2: entries'],
  // The edges of the fast path's one-line scalars (quickScalar) and `{}`.
  [
    'one-line-scalar-edges',
    idx(
      `  a:\n${v('1.0.0', '    created: "2024-01-01T00:00:00Z" # when\n    annotations: {}\n    description: one\n  # a comment\n    home: x\n')}${v('1.0.1', '    description: "x\\ty"\n    maintainers:\n    - {}\n')}`,
    ),
  ],
  [
    'empty-flow-map-where-a-string-belongs',
    idx(`  a:\n${v('1.0.0', '    description: {}\n')}`),
    'line 7: entries.a[0].description',
  ],
  ['head-empty-maps', `apiVersion: v1\nserverInfo: {}\nannotations: {} # none\nentries:\n  a:\n${v('1.0.0')}`],
  // go-yaml v2 ends a plain scalar at `?` inside [ ] and { }; js-yaml reads on (YAML 1.2).
  [
    'flow-question-mark-in-url',
    idx(`  a:\n${v('1.0.0', '    sources: [https://h/a?b]\n')}`),
    'line 7: entries.a[0].sources[0]',
  ],
  [
    'flow-question-mark-in-key',
    idx(`  a:\n${v('1.0.0', '    annotations: {a?: b}\n')}`),
    'line 7: entries.a[0].annotations',
  ],
  [
    'flow-question-mark-quoted-or-explicit-key',
    idx(`  a:\n${v('1.0.0', '    annotations: {"a?": "b?c", ? d : e}\n')}`),
  ],
  [
    'flow-alias-of-a-block-question-mark',
    `apiVersion: v1\nannotations:\n  x: &u https://h/a?b\nentries:\n  a:\n${v('1.0.0', '    sources: [*u]\n')}`,
  ],
  // go-yaml v2 reads YAML 1.1 documents only.
  ['yaml-directive-1.2', `%YAML 1.2\n---\n${idx(`  a:\n${v('1.0.0')}`)}`, '%YAML 1.2'],
  ['yaml-directive-1.1', `%YAML 1.01\n---\n${idx(`  a:\n${v('1.0.0')}`)}`],
  // time.Parse takes zone offsets of 24 hours and 60 minutes, and no more.
  [
    'created-zone-24-60',
    idx(
      `  a:\n${v('1.0.0', '    created: 2020-01-01T10:00:00-24:60\n')}${v('1.0.1', '    created: 2020-01-01T1:00:00+24:00\n')}`,
    ),
  ],
  [
    'created-zone-25',
    idx(`  a:\n${v('1.0.0', '    created: 2020-01-01T10:00:00+25:00\n')}`),
    'line 7: entries.a[0].created',
  ],
  // Encodings and line breaks go-yaml v2 reads and js-yaml does not (or not so).
  [
    'utf16le-with-bom',
    Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(idx(`  a:\n${v('1.0.0', '    description: \u{1F600}\n')}`), 'utf16le'),
    ]),
  ],
  [
    'utf16be-with-bom',
    Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(idx(`  a:\n${v('1.0.0')}`), 'utf16le').swap16()]),
  ],
  [
    'utf16le-odd-length',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(idx(`  a:\n${v('1.0.0')}`), 'utf16le'), Buffer.from('A')]),
    'UTF-16LE',
  ],
  [
    'utf8-bom-json-is-yaml',
    '\uFEFF{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"1.0.0","extra":1}]}}',
    'extra',
  ],
  ['line-separator-in-plain-value', idx(`  a:\n${v('1.0.0', '    description: a\u2028b\n')}`), 'line 9'],
  ['line-separator-as-comment-end', idx(`  a:\n${v('1.0.0', '    # note\u2028    home: x\n')}`)],
  ['next-line-breaks-lines', idx(`  a:\n${v('1.0.0')}`).replaceAll('\n', '\u0085')],
  [
    'paragraph-separator-in-json',
    '{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"1.0.0","description":"a\u2029b"}]}}',
  ],
  ['go-emitted-line-separator', idx(`  a:\n${v('1.0.0', "    description: 'a\u2028      b'\n")}`)],
  // A quoted scalar's continuation lines: go-yaml v2 takes them at any indentation, js-yaml (YAML 1.2) not.
  ['double-quoted-continuation-at-key-column', idx(`  a:\n${v('1.0.0', '    description: "a long\n    text"\n')}`)],
  ['single-quoted-continuation-at-column-0', idx(`  a:\n${v('1.0.0', "    description: 'a long\ntext'\n")}`)],
  ['quoted-closing-quote-alone', idx(`  a:\n${v('1.0.0', '    description: "a long\n"\n')}${v('1.0.1')}`)],
  ['quoted-across-an-entry', idx(`  a:\n${v('1.0.0', '    description: "x\n')}${v('1.0.1', '    home: y"\n')}`)],
  ['quoted-never-closed', idx(`  a:\n${v('1.0.0', '    description: "x\n')}`), 'line'],
  [
    'block-entry-indented-too-little',
    idx(`  a:\n${v('1.0.0', '    maintainers:\n    - name: x\n   email: y\n')}`),
    'line',
  ],
  // go-yaml v2's escapes (YAML 1.1: no \/), its 1024-character keys, and its numbers (64-bit ints, finite floats).
  [
    'slash-escape',
    idx(`  a:\n${v('1.0.0', '    home: "https:\\/\\/x"\n')}`),
    "line 7: entries.a[0].home: Helm's loader (YAML 1.1) knows no",
  ],
  [
    'surrogate-escape',
    idx(`  a:\n${v('1.0.0', '    description: "\\ud83d\\ude00"\n')}`),
    'line 7: entries.a[0].description',
  ],
  ['key-over-1024', `apiVersion: v1\nentries:\n  ${'a'.repeat(1100)}:\n${v('1.0.0')}`, 'line 3'],
  ['quoted-key-over-1024', `apiVersion: v1\nentries:\n  "${'a'.repeat(1030)}":\n${v('1.0.0')}`, 'line 3'],
  ['explicit-key-over-1024', idx(`  a:\n${v('1.0.0', `    annotations:\n      ? ${'a'.repeat(1100)}\n      : x\n`)}`)],
  [
    'chart-key-beyond-64-bits',
    `apiVersion: v1\nentries:\n  123456789012345678901234567890:\n${v('1.0.0')}  0x1FFFFFFFFFFFFFFFFF:\n${v('1.0.0')}`,
  ],
  [
    'app-version-beyond-float64',
    idx(`  a:\n${v('1.0.0', '    appVersion: 1e400\n')}${v('1.0.1', '    appVersion: 18446744073709551616\n')}`),
    'line 11: entries.a[1].appVersion',
  ],
];

const loader = execFileSync(join(REPO_ROOT, 'hack/build-tool.sh'), ['helm-index-loader'], {
  encoding: 'utf8',
  timeout: 900_000,
}).trim();

function helmReads(files: string[], ordered: boolean): HelmReading[] {
  const args = ['--read', ...(ordered ? ['--ordered'] : []), ...files];
  return JSON.parse(execFileSync(loader, args, { encoding: 'utf8', maxBuffer: 1 << 28 })) as HelmReading[];
}

function ours(file: string): HelmIndexResult | SourceError {
  try {
    return parseHelmIndex(readFileSync(file), { repoUrl: 'https://charts.example.com/stable' });
  } catch (e) {
    if (e instanceof SourceError) return e;
    throw e;
  }
}

const precedence = (a: string, b: string) => compareHelmVersions(readHelmVersion(a)!, readHelmVersion(b)!);

/** Every difference between Helm's reading and ours; empty when they agree. */
function differences(helm: HelmReading, result: HelmIndexResult | SourceError): string[] {
  if (helm.error || result instanceof SourceError) {
    if (!helm.error) return [`we refuse (${(result as SourceError).message}) what Helm reads`];
    if (!(result instanceof SourceError)) return [`we read what Helm refuses (${helm.error})`];
    return result.reason === 'InvalidIndex' ? [] : [`refused with ${result.reason}, not InvalidIndex`];
  }
  const out: string[] = [];
  const packs = new Map(result.packs.map((p) => [p.name, p]));
  const charts = Object.entries(helm.perChart).filter(([, c]) => c.count > 0);
  if (JSON.stringify(charts.map(([n]) => n).sort()) !== JSON.stringify([...packs.keys()].sort())) {
    out.push(
      `charts: Helm ${charts
        .map(([n]) => n)
        .sort()
        .join(',')}; ours ${[...packs.keys()].sort().join(',')}`,
    );
  }
  for (const [name, c] of charts) {
    const p = packs.get(name);
    if (!p) continue;
    const versions = p.versions.map((x) => x.version);
    const helmOrder = c.ordered!;
    if (JSON.stringify([...versions].sort()) !== JSON.stringify([...helmOrder].sort())) {
      out.push(`${name}: versions Helm ${helmOrder.join(',')}; ours ${versions.join(',')}`);
      continue;
    }
    // Same order, except among versions of equal precedence, which Helm's unstable sort leaves in no set order.
    helmOrder.forEach((h, i) => {
      if (precedence(h, versions[i]!) !== 0) out.push(`${name}: position ${i} Helm ${h}, ours ${versions[i]}`);
    });
    if (precedence(c.newest, versions[0]!) !== 0) out.push(`${name}: newest Helm ${c.newest}, ours ${versions[0]}`);
    const latest = p.latest ?? '';
    if (latest !== c.newestStable && !(latest && c.newestStable && precedence(latest, c.newestStable) === 0)) {
      out.push(`${name}: latest Helm ${JSON.stringify(c.newestStable)}, ours ${JSON.stringify(latest)}`);
    }
    if (p.versionCount !== c.count) out.push(`${name}: versionCount ${p.versionCount}, Helm ${c.count}`);
    p.versions.forEach((x) => {
      const pre = readHelmVersion(x.version)!.prerelease.length > 0;
      if ((x.prerelease ?? false) !== pre) out.push(`${name}: ${x.version} flagged prerelease=${x.prerelease}`);
    });
  }
  const skipped = helm.skipped?.length ?? 0;
  if (result.skippedVersions !== skipped) out.push(`skipped: Helm ${skipped}, ours ${result.skippedVersions}`);
  return out;
}

describe("the fixture indexes: Helm's own loader, run now, and parseHelmIndex read the same catalogue", () => {
  const files = readdirSync(FIXTURES)
    .filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'expected.json')
    .map((f) => join(FIXTURES, f));
  const readings = helmReads(files, true);

  it('finds the fixtures, and the loader reads them as expected.json recorded', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    const recorded = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as HelmReading[];
    const now = readings.map(({ perChart, ...r }) => ({
      ...r,
      perChart: Object.fromEntries(Object.entries(perChart).map(([n, { ordered: _o, ...c }]) => [n, c])),
    }));
    expect(now).toEqual(recorded);
  });

  it.each(files.map((f) => [f.slice(FIXTURES.length + 1), f] as const))('%s', (_name, file) => {
    const helm = readings.find((r) => file.endsWith(`/${r.file}`))!;
    expect(differences(helm, ours(file))).toEqual([]);
  });
});

describe("named odd cases: Helm's own loader and parseHelmIndex agree", () => {
  const dir = tempDir('helm-index-odd-');
  for (const [name, text] of ODD) writeFileSync(join(dir, `${name}.yaml`), text);
  const readings = helmReads(
    ODD.map(([name]) => join(dir, `${name}.yaml`)),
    true,
  );

  it.each(ODD.map(([name, , says]) => [name, says] as const))('%s', (name, says) => {
    const helm = readings.find((r) => r.file === `${name}.yaml`)!;
    const result = ours(join(dir, `${name}.yaml`));
    expect(differences(helm, result)).toEqual([]);
    // The table says which cases Helm refuses, and the refusal names the line and the field.
    expect(!!helm.error).toBe(says !== undefined);
    if (says !== undefined) expect((result as SourceError).message).toContain(says);
  });
});
