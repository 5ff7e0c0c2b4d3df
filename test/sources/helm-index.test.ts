import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { splitCharts } from '../../src/sources/helm-index-split.js';
import { REPO_URL, entry, indexYaml, parse, parseError } from './helm-index-support.js';

const FIXTURE = readFileSync(
  fileURLToPath(new URL('../../../test/sources/fixtures/helm-index-small.yaml', import.meta.url)),
);
const HEX = 'ab'.repeat(32);

function versionsOf(entries: Record<string, unknown>, opts = {}): string[] {
  return parse(indexYaml(entries), opts).packs[0]?.versions.map((v) => v.version) ?? [];
}

describe('a realistic index', () => {
  it('becomes exactly these packs', () => {
    expect(parse(FIXTURE)).toEqual({
      skippedVersions: 2, // cilium "nightly" and snapshot-only "latest"
      packs: [
        {
          name: 'cert-manager',
          layer: 'addon',
          displayName: 'cert-manager',
          description: 'A Helm chart for cert-manager',
          icon: 'https://raw.githubusercontent.com/cert-manager/community/4d35a69437d21b76322157e6284be4cd64e6d2b7/logo/logo-small.png',
          latest: 'v1.14.4',
          versionCount: 3,
          versions: [
            {
              version: 'v1.15.0-alpha.2',
              prerelease: true,
              appVersion: 'v1.15.0-alpha.2',
              digest: 'sha256:0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a09080706050403020100f',
              created: '2024-03-20T09:00:00.5+01:00',
              urls: ['https://charts.example.com/stable/charts/cert-manager-v1.15.0-alpha.2.tgz'],
            },
            {
              version: 'v1.14.4',
              appVersion: 'v1.14.4',
              digest: 'sha256:5e2a3f6b0d8d5bf9c7b7ff1f0d1d4c60d3a6a2ea74fc0d5f2ab1a13dd0c33c6b',
              created: '2024-03-05T12:04:43.214935384Z',
              urls: ['https://charts.example.com/stable/charts/cert-manager-v1.14.4.tgz'],
              kubeVersion: '>= 1.22.0-0',
            },
            {
              version: 'v1.13.0',
              appVersion: 'v1.13.0',
              digest: 'sha256:8b1b0f33d2a8e8d5f7e1c5d2b6a6b9f0f9a4a1c3d7e2b5a8c6d4e3f2a1b0c9d8',
              created: '2023-09-12T16:22:05.031219822Z',
              urls: ['https://charts.example.com/stable/charts/cert-manager-v1.13.0.tgz'],
            },
          ],
        },
        {
          name: 'cilium',
          layer: 'cni',
          displayName: 'Cilium',
          description: 'eBPF-based Networking, Security, and Observability',
          icon: 'https://cdn.jsdelivr.net/gh/cilium/cilium@v1.15/Documentation/images/logo-solo.svg',
          latest: '1.15.3',
          versionCount: 2,
          versions: [
            {
              version: '1.15.3',
              appVersion: '1.15.3',
              digest: 'sha256:7c6ce3c3e6a0a4c1b0bb8b44a5c7a0e2a1f6f1e7d9b1c3a5e7f9b2d4c6e8a0b2',
              created: '2024-03-28T07:52:17.345236201Z',
              urls: ['https://helm.cilium.io/cilium-1.15.3.tgz'],
              kubeVersion: '>= 1.16.0-0',
            },
            {
              version: '1.14.9',
              appVersion: '1.14.9',
              digest: 'sha256:1d5f3e2c4b6a8d0f2e4c6a8b0d2f4e6c8a0b2d4f6e8c0a2b4d6f8e0c2a4b6d8f',
              created: '2024-03-28T07:40:02.907143718Z',
              urls: ['https://helm.cilium.io/cilium-1.14.9.tgz'],
            },
          ],
        },
        {
          name: 'ingress-nginx',
          layer: 'addon', // "ingress" is not a layer
          displayName: 'ingress-nginx',
          description: 'Ingress controller for Kubernetes using NGINX as a reverse proxy and load balancer',
          icon: 'https://upload.wikimedia.org/wikipedia/commons/thumb/c/c5/Nginx_logo.svg/500px-Nginx_logo.svg.png',
          latest: '4.10.0',
          versionCount: 1,
          versions: [
            {
              version: '4.10.0',
              appVersion: '1.10.0',
              digest: 'sha256:89b3a8a8e2a3c3a1b6a0d1f3e5c7a9b1d3f5e7a9c1b3d5f7e9a1c3b5d7f9e1a3',
              created: '2024-02-15T20:13:34.187239451Z',
              urls: ['https://charts.example.com/stable/ingress-nginx-4.10.0.tgz'],
              kubeVersion: '>=1.21.0-0',
            },
          ],
        },
        {
          name: 'legacy-dashboard', // the key, not the chart's own name
          layer: 'addon',
          displayName: 'legacy-dashboard',
          description: 'DEPRECATED: General-purpose web UI for Kubernetes clusters',
          latest: '1.2',
          versionCount: 1,
          versions: [
            {
              version: '1.2',
              appVersion: '1.10',
              digest: 'sha256:f6fe2ad41f02c1e3d2d09ec8b2e6ad01fab6ee2cc5d2f6e3c9c1c0b7d7b8f3a5',
              created: '2019-01-09T11:03:46.121738Z',
              urls: ['https://kubernetes-charts.storage.googleapis.com/kubernetes-dashboard-1.2.2.tgz'],
              deprecated: true,
            },
          ],
        },
      ],
    });
  });

  it('leaves prereleases out when the filter says prereleases: false', () => {
    const [certManager] = parse(FIXTURE, { filter: { prereleases: false } }).packs;
    expect(certManager).toMatchObject({
      latest: 'v1.14.4',
      versionCount: 2,
      description: 'A Helm chart for cert-manager',
    });
    expect(certManager?.versions.map((v) => v.version)).toEqual(['v1.14.4', 'v1.13.0']);
  });

  it('reads the same index served as JSON, as Helm does', () => {
    const asJson = JSON.stringify(parse(indexYaml({ a: [entry('1.0.0')] })));
    expect(JSON.stringify(parse(JSON.stringify({ apiVersion: 'v1', entries: { a: [entry('1.0.0')] } })))).toBe(asJson);
  });
});

describe('chart by chart', () => {
  it('splits the layout Helm writes at its charts', () => {
    const split = splitCharts(FIXTURE.toString());
    expect(split?.charts.map((c) => c.slice(0, c.indexOf(':')).trim())).toEqual([
      'cert-manager',
      'cilium',
      'ingress-nginx',
      'legacy-dashboard',
      'snapshot-only',
    ]);
    expect(split?.head).toBe('apiVersion: v1\nentries: {}\ngenerated: "2024-03-28T07:52:17.981437011Z"\n');
  });

  it.each([
    ['flow-style entries', 'apiVersion: v1\nentries: {a: [{version: 1.0.0}]}\n'],
    ['an anchored entries map', 'apiVersion: v1\nentries: &e\n  a: []\n'],
    ['tab indentation', 'apiVersion: v1\nentries:\n\ta: []\n'],
    ['a line indented less than the charts', 'apiVersion: v1\nentries:\n    a:\n    - version: 1.0.0\n  b: []\n'],
    ['a sequence for entries', 'apiVersion: v1\nentries:\n  - a\n'],
  ])('leaves %s to the whole-document parse', (_title, body) => {
    expect(splitCharts(body)).toBeUndefined();
  });

  it('reads CRLF line endings and comments between charts', () => {
    const body =
      'apiVersion: v1\r\nentries:\r\n# first\r\n  a:\r\n  - {name: a, version: 1.0.0}\r\n\r\n  # second\r\n  b:\r\n  - {name: b, version: 2.0.0}\r\n';
    expect(splitCharts(body)?.charts).toHaveLength(2);
    expect(parse(body).packs.map((p) => [p.name, p.latest])).toEqual([
      ['a', '1.0.0'],
      ['b', '2.0.0'],
    ]);
  });

  it('falls back to the whole document for an alias from one chart to another', () => {
    const body = 'apiVersion: v1\nentries:\n  a:\n  - &v {name: a, version: 1.0.0, urls: [a.tgz]}\n  b:\n  - *v\n';
    expect(parse(body).packs.map((p) => [p.name, p.latest])).toEqual([
      ['a', '1.0.0'],
      ['b', '1.0.0'],
    ]);
  });

  it('reports errors of one chart at their line in the whole document', () => {
    const body =
      'apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n  b:\n  - version: "1.0.0\n  c:\n  - version: 1.0.0\n';
    expect(parseError(body).message).toMatch(/got YAML that cannot be read: .* \(line 7, column 3\)$/);
    const twice = 'apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n  a:\n  - version: 2.0.0\n';
    expect(parseError(twice).message).toMatch(
      /got YAML that cannot be read: duplicated mapping key \(line 5, column 3\)$/,
    );
  });
});

describe('what is not an index (Helm refuses each of these too: see helm-index-differential.test.ts)', () => {
  const expected = 'expected a Helm repository index (apiVersion and entries), got';
  it.each([
    ['an empty body', '', `${expected} an empty file`],
    ['whitespace', ' \n\t\n', `${expected} an empty document`],
    ['comments only', '# nothing here\n', `${expected} no apiVersion`],
    ['a plain string', 'Not Found', 'line 1: the index: expected a map (IndexFile), got "Not Found"'],
    ['a list', '- a\n- b\n', 'line 1: the index: expected a map (IndexFile), got a list'],
    ['an empty map', '{}', `${expected} no apiVersion`],
    [
      'a map with an unknown field',
      'apiVersion: v1\ngenerated: now\n',
      "line 2: generated: Helm's loader expects an RFC 3339 time",
    ],
    ['entries as a list', 'apiVersion: v1\nentries: [a, b]\n', 'line 2: entries: expected a map, got a list'],
    ['entries as text', 'apiVersion: v1\nentries: nginx\n', 'line 2: entries: expected a map, got "nginx"'],
    ['no apiVersion', 'entries: {}\n', `${expected} no apiVersion`],
    ['an empty apiVersion', 'apiVersion: ""\nentries: {}\n', `${expected} no apiVersion`],
    [
      'broken YAML',
      'apiVersion: v1\nentries: {a: [1, 2}\n',
      `${expected} YAML that cannot be read: missed comma between flow collection entries (line 2, column 19)`,
    ],
    [
      'truncated YAML',
      'apiVersion: v1\nentries: {a: [1,',
      `${expected} YAML that cannot be read: unexpected end of the stream within a flow collection (line 2, column 17)`,
    ],
    ['a tab-indented map', 'apiVersion: v1\nentries:\n\tnginx: []\n', `${expected} YAML that cannot be read:`],
    [
      'a duplicated key',
      'apiVersion: v1\nentries: {}\nentries: {}\n',
      `${expected} YAML that cannot be read: duplicated mapping key (line 3, column 1)`,
    ],
    ['an unknown tag', 'apiVersion: v1\nentries: !!js/function "x"\n', 'line 2: entries: expected a map, got "x"'],
    [
      'a merge key',
      'apiVersion: v1\nbase: &b {apiVersion: v1}\n<<: *b\nentries: {}\n',
      "line 2: base: Helm's loader refuses the unknown field",
    ],
  ])('%s', (_title, body, message) => {
    const error = parseError(body);
    expect(error.reason).toBe('InvalidIndex');
    expect(error.message.slice(0, message.length)).toBe(message);
  });

  it('reads the first document of a stream, as go-yaml does', () => {
    const body = 'apiVersion: v1\nentries: {a: [{name: a, version: 1.0.0}]}\n---\nanything: else\n';
    expect(parse(body).packs.map((p) => p.name)).toEqual(['a']);
  });

  it.each([
    ['a chart that is not a list', { nginx: 'latest' }, 'entries.nginx', 'expected a list, got "latest"'],
    ['a chart that is a map', { nginx: { version: '1.0.0' } }, 'entries.nginx', 'expected a list, got a map'],
    [
      'a version that is not a map',
      { nginx: [entry('1.0.0'), '1.0.1'] },
      'entries.nginx[1]',
      'expected a map (ChartVersion), got "1.0.1"',
    ],
    [
      'urls that are not a list',
      { nginx: [entry('1.0.0', { urls: { a: 'b' } })] },
      'entries.nginx[0].urls',
      'expected a list, got a map',
    ],
    [
      'a url that is not a string',
      { nginx: [entry('1.0.0', { urls: [['x']] })] },
      'entries.nginx[0].urls[0]',
      'expected a string, got a list',
    ],
    [
      'annotations that are not a map',
      { nginx: [entry('1.0.0', { annotations: ['x'] })] },
      'entries.nginx[0].annotations',
      'expected a map, got a list',
    ],
    [
      'a description that is a map',
      { nginx: [entry('1.0.0', { description: { a: 1 } })] },
      'entries.nginx[0].description',
      'expected a string, got a map',
    ],
    [
      'an unquoted number as appVersion',
      { nginx: [entry('1.0.0', { appVersion: 1.4 })] },
      'entries.nginx[0].appVersion',
      'Helm\'s loader expects a string, got the number 1.4 (quote it: "1.4")',
    ],
  ])('%s is named by its line and path', (_title, entries, path, what) => {
    const text = indexYaml(entries);
    const m = /^line (\d+): (\S+): (.*)$/.exec(parseError(text).message);
    expect(m?.slice(2)).toEqual([path, what]);
    const key = /([A-Za-z]+)(\[\d+\])?$/.exec(path)![1]!;
    const lines = text.split('\n');
    // The line named holds the field, or (for a list item) is at or below it.
    expect(lines.slice(0, Number(m![1])).some((l) => l.includes(`${key}:`))).toBe(true);
    expect(lines[Number(m![1]) - 1]).toBeDefined();
  });
});

describe('versions', () => {
  it.each([
    '1.2.3',
    'v1.2.3',
    '1.2',
    'v2',
    '1.2-rc.1',
    '1.0.0-rc.1+build.5',
    '1.0.0+20240101',
    '01.2.3',
    '1.02.3',
    '3.5.0079',
  ])('%s is a version to Helm, kept as published', (raw) => {
    expect(versionsOf({ a: [entry(raw)] })).toEqual([raw]);
  });

  it('refuses an unquoted YAML number as a version, as Helm does (1.10 would be the number 1.1)', () => {
    const body = 'apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.10\n    urls: [a.tgz]\n';
    expect(parseError(body).message).toMatch(
      /^line 5: entries\.a\[0\]\.version: Helm's loader expects a string, got the number 1\.10/,
    );
  });

  it.each(['latest', 'nightly', '1.2.3.4', '1.0.0-', '1.0.0-01', 'v', '', ' 1.2.3', '=1.2.3', 'V1.2.3'])(
    '%j is not a version to Helm: skipped and counted',
    (raw) => {
      const result = parse(indexYaml({ a: [entry('1.0.0'), entry(raw)] }));
      expect(result.skippedVersions).toBe(1);
      expect(result.packs[0]?.versions.map((v) => v.version)).toEqual(['1.0.0']);
    },
  );

  it('skips and counts entries without a version, and empty entries as Helm does', () => {
    const result = parse(
      indexYaml({
        a: [
          entry('1.0.0'),
          { name: 'a', urls: ['x'] },
          null,
          entry('1.1.0', { version: null }),
          entry('1.2.0', { name: null }),
        ],
      }),
    );
    expect(result.skippedVersions).toBe(4);
    expect(result.packs[0]?.versionCount).toBe(1);
  });

  it('drops a chart with no usable version, and reads empty entries as no charts', () => {
    expect(parse(indexYaml({ a: [entry('latest')], b: [], c: null }))).toEqual({ packs: [], skippedVersions: 1 });
    expect(parse('apiVersion: v1\nentries:\n')).toEqual({ packs: [], skippedVersions: 0 });
  });

  it('keeps both spellings of one version, the most recently created first, as Helm keeps both', () => {
    const result = parse(
      indexYaml({
        a: [
          entry('v1.0.0', { created: '2024-01-01T00:00:00Z', description: 'old' }),
          entry('1.0.0', { created: '2024-02-01T00:00:00Z', description: 'new' }),
        ],
      }),
    );
    expect(result.skippedVersions).toBe(0);
    expect(result.packs[0]).toMatchObject({ versionCount: 2, description: 'new', latest: '1.0.0' });
    expect(result.packs[0]?.versions.map((v) => v.version)).toEqual(['1.0.0', 'v1.0.0']);
  });

  it('keeps exact repeats, as Helm does, and counts them as versions', () => {
    const result = parse(indexYaml({ a: [entry('1.0.0'), entry('1.0.0'), entry('0.9.0')] }));
    expect(result.packs[0]?.versions.map((v) => v.version)).toEqual(['1.0.0', '1.0.0', '0.9.0']);
    expect(result.packs[0]?.versionCount).toBe(3);
  });

  it('orders two equal versions with equal dates the same way whatever their order', () => {
    const a = entry('v1.0.0', { urls: ['a.tgz'] });
    const b = entry('1.0.0', { urls: ['b.tgz'] });
    expect(parse(indexYaml({ c: [a, b] }))).toEqual(parse(indexYaml({ c: [b, a] })));
  });

  it('sorts newest first by precedence, prereleases below their release', () => {
    const raw = ['1.0.0', '2.0.0-rc.1', '1.10.0', '2.0.0', '1.9.0', '2.0.0-beta.2', '2.0.0-beta.10', '0.1.0'];
    expect(versionsOf({ a: raw.map((v) => entry(v)) }, { filter: { prereleases: true } })).toEqual([
      '2.0.0',
      '2.0.0-rc.1',
      '2.0.0-beta.10',
      '2.0.0-beta.2',
      '1.10.0',
      '1.9.0',
      '1.0.0',
      '0.1.0',
    ]);
  });

  it('breaks precedence ties by created, newest first, undated last, then by version text', () => {
    const versions = [
      entry('1.0.0+b', { created: '2024-01-01T00:00:00Z' }),
      entry('1.0.0+c'),
      entry('1.0.0+a', { created: '2024-01-01T01:00:00+02:00' }), // 2023-12-31T23:00Z: older than +b
      entry('1.0.0+e', { created: '2024-03-01T00:00:00.123456789Z' }),
      entry('1.0.0+d'),
    ];
    expect(versionsOf({ a: versions })).toEqual(['1.0.0+e', '1.0.0+b', '1.0.0+a', '1.0.0+c', '1.0.0+d']);
  });

  it('sets latest to the newest release, and none when all are prereleases (Helm\'s Get(name, "") finds none)', () => {
    const mixed = parse(indexYaml({ a: [entry('1.0.0'), entry('2.0.0-rc.1'), entry('0.9.0')] }));
    expect(mixed.packs[0]).toMatchObject({ latest: '1.0.0', versionCount: 3 });
    expect(mixed.packs[0]?.versions.map((v) => [v.version, v.prerelease])).toEqual([
      ['2.0.0-rc.1', true],
      ['1.0.0', undefined],
      ['0.9.0', undefined],
    ]);
    const pre = parse(indexYaml({ a: [entry('1.0.0-alpha.1'), entry('1.0.0-beta.1')] }));
    expect(pre.packs[0]).toMatchObject({ versionCount: 2 });
    expect(pre.packs[0]?.latest).toBeUndefined();
  });
});

describe('fields', () => {
  function onlyVersion(extra: Record<string, unknown>, repoUrl = REPO_URL) {
    return parse(indexYaml({ a: [entry('1.0.0', extra)] }), { repoUrl }).packs[0]!.versions[0]!;
  }

  it.each([
    [REPO_URL, 'a-1.0.0.tgz', 'https://charts.example.com/stable/a-1.0.0.tgz'],
    [`${REPO_URL}/`, 'a-1.0.0.tgz', 'https://charts.example.com/stable/a-1.0.0.tgz'],
    [REPO_URL, 'charts/a-1.0.0.tgz', 'https://charts.example.com/stable/charts/a-1.0.0.tgz'],
    [REPO_URL, '../other/a-1.0.0.tgz', 'https://charts.example.com/other/a-1.0.0.tgz'],
    [REPO_URL, '/root/a-1.0.0.tgz', 'https://charts.example.com/root/a-1.0.0.tgz'],
    [REPO_URL, '//mirror.example.org/a-1.0.0.tgz', 'https://mirror.example.org/a-1.0.0.tgz'],
    ['https://charts.example.com', 'a-1.0.0.tgz', 'https://charts.example.com/a-1.0.0.tgz'],
    ['https://charts.example.com/s?token=abc', 'a-1.0.0.tgz', 'https://charts.example.com/s/a-1.0.0.tgz?token=abc'],
    [REPO_URL, 'https://cdn.example.org/a-1.0.0.tgz?x=1', 'https://cdn.example.org/a-1.0.0.tgz?x=1'],
    [REPO_URL, 'oci://registry.example.org/charts/a:1.0.0', 'oci://registry.example.org/charts/a:1.0.0'],
  ])('with repository %s, url %s is %s', (repoUrl, url, resolved) => {
    expect(onlyVersion({ urls: [url] }, repoUrl).urls).toEqual([resolved]);
  });

  it('drops empty and unresolvable urls, and omits urls when none is left', () => {
    expect(onlyVersion({ urls: ['', '//[bad', 'a.tgz'] }).urls).toEqual([`${REPO_URL}/a.tgz`]);
    expect(onlyVersion({ urls: [] }).urls).toBeUndefined();
  });

  it.each([
    [HEX, `sha256:${HEX}`],
    [HEX.toUpperCase(), `sha256:${HEX}`],
    [`sha256:${HEX}`, `sha256:${HEX}`],
    [`sha512:${'cd'.repeat(64)}`, `sha512:${'cd'.repeat(64)}`],
    ['not a digest', undefined],
    ['abc123', undefined],
  ])('digest %s becomes %s', (digest, normalised) => {
    expect(onlyVersion({ digest }).digest).toBe(normalised);
  });

  it.each([
    ['2024-03-05T12:04:43.214935384Z', '2024-03-05T12:04:43.214935384Z'],
    ['2024-03-05T12:04:43+01:00', '2024-03-05T12:04:43+01:00'],
    ['2024-03-05T1:04:43Z', undefined], // Go's time.Parse takes a one-digit hour; a Pack's date-time does not
  ])('created %s is kept as %s', (created, kept) => {
    expect(onlyVersion({ created }).created).toBe(kept);
  });

  it.each(['yesterday', '2024-03-05', '2024-13-05T12:04:43Z', '2024-03-05 12:04:43Z', '2023-02-29T00:00:00Z'])(
    "created %s fails the index, as Helm's loader fails it",
    (created) => {
      expect(parseError(indexYaml({ a: [entry('1.0.0', { created })] })).message).toMatch(
        /^line \d+: entries\.a\[0\]\.created: /,
      );
    },
  );

  it('marks only deprecated versions, and keeps appVersion and kubeVersion', () => {
    expect(onlyVersion({ deprecated: true, appVersion: 'v9', kubeVersion: '>=1.27.0-0' })).toEqual({
      version: '1.0.0',
      appVersion: 'v9',
      kubeVersion: '>=1.27.0-0',
      deprecated: true,
      urls: [`${REPO_URL}/chart-1.0.0.tgz`],
    });
    expect(onlyVersion({ deprecated: false }).deprecated).toBeUndefined();
  });

  it.each([
    [{ 'packyard.io/layer': 'cni' }, 'cni'],
    [{ 'packyard.io/layer': 'os' }, 'os'],
    [{ 'packyard.io/layer': 'network' }, 'addon'],
    [{ 'packyard.io/layer': 'CNI' }, 'addon'],
    [{}, 'addon'],
    [undefined, 'addon'],
  ])('annotations %j give layer %s', (annotations, layer) => {
    expect(parse(indexYaml({ a: [entry('1.0.0', { annotations })] })).packs[0]?.layer).toBe(layer);
  });

  it('takes layer, display name, description and icon from the newest stable version', () => {
    const pack = parse(
      indexYaml({
        'my-chart': [
          entry('1.0.0', {
            description: 'old',
            icon: 'old.svg',
            annotations: { 'packyard.io/layer': 'csi', 'packyard.io/display-name': 'Old' },
          }),
          entry('2.0.0', {
            description: 'new',
            icon: 'new.svg',
            annotations: { 'packyard.io/layer': 'cni', 'packyard.io/display-name': 'New' },
          }),
          entry('3.0.0-rc.1', { description: 'next', icon: 'next.svg', annotations: { 'packyard.io/layer': 'os' } }),
        ],
      }),
    ).packs[0];
    expect(pack).toMatchObject({ layer: 'cni', displayName: 'New', description: 'new', icon: 'new.svg' });
    const plain = parse(indexYaml({ 'my-chart': [entry('1.0.0', { name: 'other' })] })).packs[0];
    expect(plain).toEqual({
      name: 'my-chart',
      layer: 'addon',
      displayName: 'my-chart',
      latest: '1.0.0',
      versionCount: 1,
      versions: [{ version: '1.0.0', urls: [`${REPO_URL}/chart-1.0.0.tgz`] }],
    });
  });

  it('skips charts whose name no Pack can hold, counting their versions', () => {
    const result = parse(
      indexYaml({ '': [entry('1.0.0')], ['x'.repeat(254)]: [entry('1.0.0'), entry('2.0.0')], ok: [entry('1.0.0')] }),
    );
    expect(result.packs.map((p) => p.name)).toEqual(['ok']);
    expect(result.skippedVersions).toBe(3);
  });

  it('sorts packs by name', () => {
    const names = parse(
      indexYaml({ zeta: [entry('1.0.0')], Alpha: [entry('1.0.0')], alpha: [entry('1.0.0')], beta: [entry('1.0.0')] }),
    ).packs.map((p) => p.name);
    expect(names).toEqual(['Alpha', 'alpha', 'beta', 'zeta']);
  });
});

describe('filter', () => {
  const entries = {
    'cert-manager': [entry('1.0.0'), entry('1.1.0-rc.1'), entry('0.9.0'), entry('0.8.0')],
    'cert-manager-csi': [entry('1.0.0')],
    cilium: [entry('1.15.0'), entry('bad')],
    nginx: [entry('2.0.0-beta.1')],
  };

  it('keeps included names minus excluded ones, without counting versions of charts it skips', () => {
    const result = parse(indexYaml(entries), { filter: { include: ['cert-*', 'cilium'], exclude: ['*-csi'] } });
    expect(result.packs.map((p) => p.name)).toEqual(['cert-manager', 'cilium']);
    expect(result.skippedVersions).toBe(1);
    expect(parse(indexYaml(entries), { filter: { include: ['nginx'] } }).skippedVersions).toBe(0);
  });

  it('keeps prereleases by default; prereleases: false drops them, and a pack left without versions', () => {
    expect(parse(indexYaml(entries)).packs.map((p) => p.name)).toEqual([
      'cert-manager',
      'cert-manager-csi',
      'cilium',
      'nginx',
    ]);
    const result = parse(indexYaml(entries), { filter: { prereleases: false } });
    expect(result.packs.map((p) => p.name)).toEqual(['cert-manager', 'cert-manager-csi', 'cilium']);
    expect(result.packs[0]?.versions.map((v) => v.version)).toEqual(['1.0.0', '0.9.0', '0.8.0']);
  });

  it('keeps the newest maxVersionsPerPack versions', () => {
    const pack = parse(indexYaml(entries), { filter: { prereleases: true, maxVersionsPerPack: 2 } }).packs[0];
    expect(pack).toMatchObject({ latest: '1.0.0', versionCount: 2 });
    expect(pack?.versions.map((v) => v.version)).toEqual(['1.1.0-rc.1', '1.0.0']);
  });
});

describe('memory', () => {
  it('keeps none of the index text alive once parsed: the catalogue holds copies of its values', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Long fields the catalogue does not keep make the text far larger than the catalogue: a value
    // that is a view into its chart's text would keep that whole text alive.
    const filler = 'x'.repeat(2000);
    const entries: Record<string, unknown> = {};
    for (let c = 0; c < 100; c++) {
      entries[`chart-${c}`] = Array.from({ length: 20 }, (_, v) => ({
        ...entry(`1.${v}.0-rc.${c}`),
        appVersion: `application-version-${c}-${v}`,
        digest: `${c.toString(16).padStart(4, '0')}${v.toString(16).padStart(4, '0')}`.padEnd(64, 'F'),
        description: `a description long enough to be a view, chart ${c}`,
        home: `https://example.com/${c}/${v}/${filler}`,
        keywords: [`${filler}-${c}-${v}`],
      }));
    }
    const body = Buffer.from(indexYaml(entries)); // outside the heap: heapUsed counts what parsing keeps
    gc();
    const before = process.memoryUsage().heapUsed;
    const result = parse(body);
    gc(); // chart texts are garbage now, unless the catalogue keeps them
    const retained = process.memoryUsage().heapUsed - before;
    expect(result.packs).toHaveLength(100);
    const text = 2000 * 2 * 20 * 100; // the filler alone, in bytes
    expect(retained).toBeLessThan(text / 4);
  });
});
