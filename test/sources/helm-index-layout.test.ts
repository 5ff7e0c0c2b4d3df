// The layout reader (helm-index-layout.ts) against the readers it stands in for (the fast path or the
// full parser, then readVersion): on every chart it reads, both give the same candidates, and
// whatever it does not read it leaves to them (undefined).
import { isAscii } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { constructFromEvents, dump, mapTag, nullCoreTag, parseEvents, Schema, seqTag, strTag } from 'js-yaml';
import { repoRoot } from '../../src/local/control-plane.js';
import { descriptionOf, readVersion, urlResolver, type Candidate } from '../../src/sources/helm-index-candidate.js';
import { controlFree, supportedText } from '../../src/sources/helm-index-fast.js';
import { readChartLayout } from '../../src/sources/helm-index-layout.js';
import { checkYamlShape, HELM_ENTRIES } from '../../src/sources/helm-index-shape.js';
import { splitCharts, splitHelmLayout, splitIndex } from '../../src/sources/helm-index-split.js';
import { parse, REPO_URL } from './helm-index-support.js';

const FIXTURES = join(repoRoot(), '../shared/fixtures/helm-index');
const INDEX_SCHEMA = new Schema([strTag, seqTag, mapTag, nullCoreTag]);
const resolveUrl = urlResolver(REPO_URL);

type Chart = { name: string; versions: unknown[] };

/** A candidate as a pack sees it: the description folded. */
function seen(c: Candidate | undefined): unknown {
  if (c === undefined) return undefined;
  const { descriptionWrapped: _, ...rest } = c;
  return { ...rest, description: descriptionOf(c) };
}

/** The full parser's reading of one chart, each entry through readVersion; 'refused' when Helm refuses it. */
function reference(text: string): Chart | 'refused' {
  try {
    const events = parseEvents(text, { maxDepth: 64 });
    checkYamlShape(events, text, HELM_ENTRIES, 'entries');
    const doc = constructFromEvents(events, { source: text, schema: INDEX_SCHEMA })[0] as Record<string, unknown[]>;
    const [name] = Object.keys(doc);
    return { name: name!, versions: (doc[name!] ?? []).map((e) => seen(readVersion(e, resolveUrl))) };
  } catch {
    return 'refused';
  }
}

/** The layout reader's reading of a chart text (ASCII ones from the bytes, as parseHelmIndex reads them). */
function layout(text: string): Chart | undefined {
  const bytes = Buffer.from(text);
  const ascii = bytes.length === text.length;
  if (!supportedText(text, ascii)) return undefined;
  // An ASCII chart is read from its bytes, as parseHelmIndex reads it, in segments; any other from its text.
  const read = ascii
    ? readChartLayout(bytes, 0, bytes.length, true, resolveUrl)
    : readChartLayout(bytes, 0, bytes.length, false, resolveUrl, text);
  return read && { name: read.name, versions: read.versions.map(seen) };
}

describe('the Helm layout reader', () => {
  it('reads the charts of the real indexes as the full parser and readVersion do', () => {
    let read = 0;
    let all = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('index.yaml'))) {
      const source = readFileSync(join(FIXTURES, file));
      for (const text of splitCharts(source.toString())?.charts ?? []) {
        all++;
        const result = layout(text);
        if (result === undefined) continue;
        read++;
        expect(result).toEqual(reference(text));
      }
    }
    expect(all).toBeGreaterThan(300);
    expect(read / all).toBeGreaterThan(0.95); // Helm's own layout is what it is for
  });

  it('reads an entry in every shape of Helm layout it takes', () => {
    const text = [
      '  demo:',
      '  - annotations:',
      '      category: Infrastructure',
      '      images: |',
      '        - name: demo',
      '',
      '          image: docker.io/demo:1.0 # not a comment',
      '      notes: |-',
      '        kept',
      "      packyard.io/display-name: 'Demo, the chart'",
      '      packyard.io/layer: cni',
      '    apiVersion: v2',
      '    appVersion: "1.4"',
      '    created: "2024-01-01T00:00:00.123456789Z"',
      '    dependencies:',
      '    - alias: common-lib',
      '      enabled: true',
      '      name: common',
      '      repository: oci://registry-1.docker.io/bitnamicharts',
      '      tags:',
      '      - bitnami-common',
      '      version: 2.x.x',
      '    deprecated: true',
      '    description: A long description that go-yaml wrapped',
      '      over two lines - with a dash, a C# hash and a url https://x/y:z',
      '    digest: 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef',
      "    home: 'it is wrapped",
      "      too'",
      '    icon: https://example.com/icon.svg',
      '    keywords:',
      '    - a',
      '    - "1.0"',
      "    kubeVersion: '>=1.23.0-0'",
      '    maintainers:',
      '    - email: x@example.com',
      '      name: X',
      '    - name: Yann',
      '    name: demo',
      '    sources:',
      '    - https://github.com/example/demo',
      '    type: application',
      '    urls:',
      '    - demo-1.0.0.tgz',
      '    - https://mirror.example.com/demo-1.0.0.tgz',
      '    version: 1.0.0',
      '  - name: demo',
      '    urls:',
      '    - https://example.com/demo-0.9.0.tgz',
      '    version: 0.9.0-rc.1',
      '',
    ].join('\n');
    const result = layout(text);
    expect(result).toEqual(reference(text));
    expect(result?.versions[0]).toMatchObject({
      displayName: 'Demo, the chart',
      layer: 'cni',
      description:
        'A long description that go-yaml wrapped over two lines - with a dash, a C# hash and a url https://x/y:z',
      out: {
        version: '1.0.0',
        appVersion: '1.4',
        digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        created: '2024-01-01T00:00:00.123456789Z',
        urls: [`${REPO_URL}/demo-1.0.0.tgz`, 'https://mirror.example.com/demo-1.0.0.tgz'],
        kubeVersion: '>=1.23.0-0',
        deprecated: true,
      },
    });
    expect(result?.versions[1]).toMatchObject({ out: { version: '0.9.0-rc.1', prerelease: true } });
  });

  it('splits the real indexes by their chart keys where splitIndex splits them, for every chart the layout reader takes', () => {
    let same = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('index.yaml'))) {
      const bytes = readFileSync(join(FIXTURES, file));
      const byKeys = splitHelmLayout(bytes);
      if (byKeys === undefined) continue;
      expect(byKeys.checked).toBe(false);
      const byLines = splitIndex(bytes);
      const lineBounds = byLines?.bounds.join() ?? '';
      let taken = 0;
      for (let i = 0; i + 1 < byKeys.bounds.length; i++) {
        const [start, end] = [byKeys.bounds[i]!, byKeys.bounds[i + 1]!];
        const ascii = isAscii(bytes.subarray(start, end));
        const text = bytes.toString('utf8', start, end);
        if (!supportedText(text, ascii)) continue;
        if (readChartLayout(bytes, start, end, ascii, resolveUrl, text) === undefined) continue;
        taken++;
        expect(`,${lineBounds},`).toContain(`,${start},${end},`); // a chart of splitIndex's too
      }
      if (taken === byKeys.bounds.length - 1) {
        same++;
        expect({ head: byKeys.head, bounds: byKeys.bounds }).toEqual({ head: byLines?.head, bounds: byLines?.bounds });
      }
    }
    expect(same).toBeGreaterThanOrEqual(4); // one fixture has merge conflict markers between its charts
  });

  it.each([
    ['a comment between charts', '  a:\n  - name: a\n  # c\n  b:\n  - name: b\n'],
    ['a chart whose list is not below its key', '  a:\n  - name: a\n  b: []\n  c:\n  - name: c\n'],
    ['a top-level key between charts', '  a:\n  - name: a\nserverInfo:\n  b:\n  - name: b\n'],
    ['a line indented less than the charts', '  a:\n  - name: a\n x: 1\n  b:\n  - name: b\n'],
  ])('leaves the charts to splitIndex, or the whole document, when the key search cuts wrong: %s', (_what, body) => {
    const bytes = Buffer.from(`apiVersion: v1\nentries:\n${body}`);
    const byKeys = splitHelmLayout(bytes);
    if (byKeys === undefined) return;
    // Some chart the key search made holds a line the layout reader does not take.
    const taken = byKeys.bounds.slice(1).every((end, i) => {
      const start = byKeys.bounds[i]!;
      return readChartLayout(bytes, start, end, true, resolveUrl) !== undefined;
    });
    expect(taken).toBe(false);
  });

  it('reads an index past its first MiB of clean bytes as it reads a small one (a tab in a later chart)', () => {
    const charts: Record<string, unknown[]> = {};
    for (let n = 0; n < 7000; n++) {
      const name = `chart-${n}`;
      const description = n === 6900 ? 'a\tb' : `chart ${n}, with a description long enough to fill the index`;
      charts[name] = [{ name, version: '1.0.0', description, urls: [`https://example.com/${name}-1.0.0.tgz`] }];
    }
    // A raw tab in single quotes, as a hand edit leaves it (js-yaml would write the escape \t).
    const yaml = dump({ apiVersion: 'v1', entries: charts }, { lineWidth: -1 }).replace('"a\\tb"', "'a\tb'");
    expect(yaml.length).toBeGreaterThan(1.2 * 2 ** 20);
    expect(yaml.indexOf('\t')).toBeGreaterThan(2 ** 20);
    const read = parse(yaml);
    expect(read).toEqual(parse(JSON.stringify({ apiVersion: 'v1', entries: charts })));
    expect(read.packs.find((p) => p.name === 'chart-6900')?.description).toBe('a b');
  });

  it('reads a chart larger than a segment a segment at a time, each cut where an entry starts', () => {
    const entry = (n: number) =>
      `  - description: entry ${n} of a long chart, wrapped as go-yaml wraps long lines of text, over\n      two lines\n    name: big\n    urls:\n    - https://example.com/big-1.0.${n}.tgz\n    version: 1.0.${n}\n`;
    const text = `  big:\n${Array.from({ length: 400 }, (_, n) => entry(n)).join('')}`;
    expect(text.length).toBeGreaterThan(3 * 16 * 1024);
    const result = layout(text);
    expect(result?.versions).toHaveLength(400);
    expect(result).toEqual(reference(text));
  });

  it('leaves a chart to the parsers when an entry does not end where a segment is cut', () => {
    // go-yaml reads a quoted scalar's lines at any indentation; "  - " inside one is text, not an entry.
    const filler = `  - name: big\n    version: 1.0.0\n    home: ${'x'.repeat(60)}\n`.repeat(200);
    const text = `  big:\n${filler}  - name: big\n    description: "a quoted\n  - text"\n    version: 2.0.0\n${filler}`;
    expect(layout(text)).toBeUndefined();
  });

  it('reads an entry Helm drops (a dependency alias its pattern refuses) as dropped', () => {
    const text =
      '  demo:\n  - dependencies:\n    - alias: bad alias\n      name: x\n    name: demo\n    version: 1.0.0\n';
    expect(layout(text)).toEqual({ name: 'demo', versions: [undefined] });
    expect(reference(text)).toEqual({ name: 'demo', versions: [undefined] });
  });

  it.each([
    ['an anchor and alias', '  a:\n  - &x\n    name: a\n    version: 1.0.0\n  - *x\n'],
    ['a flow map', '  a:\n  - {name: a, version: 1.0.0}\n'],
    ['a flow list', '  a:\n  - name: a\n    urls: [a.tgz]\n    version: 1.0.0\n'],
    ['a folded block', '  a:\n  - description: >\n      folded\n    version: 1.0.0\n'],
    ['a kept block', '  a:\n  - description: |+\n      kept\n    version: 1.0.0\n'],
    ['a literal block where a value is read', '  a:\n  - description: |\n      text\n    version: 1.0.0\n'],
    ['a tag', '  a:\n  - name: !!str a\n    version: 1.0.0\n'],
    ['a duplicate key', '  a:\n  - name: a\n    name: b\n'],
    ['a duplicate annotation', '  a:\n  - annotations:\n      x: a\n      x: b\n    name: a\n'],
    ['a blank line inside a plain scalar', '  a:\n  - description: one\n\n      two\n    version: 1.0.0\n'],
    ['a blank line between entries', '  a:\n  - name: a\n    version: 1.0.0\n\n  - name: a\n    version: 1.0.1\n'],
    ['a comment line', '  a:\n  - name: a\n  # c\n    version: 1.0.0\n'],
    ['a quoted key', '  a:\n  - "name": a\n'],
    ['a comment after a plain scalar', '  a:\n  - name: a # c\n'],
    ['a comment after a quoted scalar', '  a:\n  - name: "a" # c\n'],
    ['an escape', '  a:\n  - description: "a\\tb"\n    name: a\n'],
    ["a quote in single quotes ('')", "  a:\n  - description: 'it''s'\n    name: a\n"],
    ["a field in another case than Go's", '  a:\n  - name: a\n    Version: 1.0.0\n'],
    ['a null entry', '  a:\n  -\n  - name: a\n'],
    ['a null maintainer', '  a:\n  - maintainers:\n    -\n    name: a\n'],
    ['a null value', '  a:\n  - icon:\n    name: a\n'],
    ['a null word', '  a:\n  - icon: ~\n    name: a\n'],
    ['import-values', '  a:\n  - dependencies:\n    - import-values:\n      - a\n      name: x\n    name: a\n'],
    ['an annotation whose key is a field and whose value a number', '  a:\n  - annotations:\n      version: 1.5\n'],
    ['a trailing space', '  a:\n  - name: a \n'],
    ['two spaces after a dash', '  a:\n  -   name: a\n'],
    ['a scalar on the line below its key', '  a:\n  - description:\n      below\n    name: a\n'],
    ['a number as the chart key', '  1.5:\n  - name: a\n'],
  ])('leaves %s to the parsers', (_what, text) => {
    expect(layout(text)).toBeUndefined();
  });

  it.each([
    ['an unknown field', '  a:\n  - name: a\n    colour: red\n'],
    ['a number where Helm wants a string', '  a:\n  - name: a\n    appVersion: 1.4\n'],
    ['a keyword that is a number', '  a:\n  - keywords:\n    - 1.5\n    name: a\n'],
    ['a created time that is not RFC 3339', '  a:\n  - name: a\n    created: yesterday\n'],
    ['a created time out of range', '  a:\n  - name: a\n    created: "2024-13-01T00:00:00Z"\n'],
    ['a quoted boolean', '  a:\n  - deprecated: "true"\n    name: a\n'],
    ['a list where Helm wants a string', '  a:\n  - name:\n    - a\n'],
  ])('leaves what Helm refuses (%s) to the parsers', (_what, text) => {
    expect(layout(text)).toBeUndefined();
    expect(reference(text)).toBe('refused');
  });

  it('agrees with the full parser on generated charts in every style js-yaml writes', () => {
    const taken = { all: 0, read: 0 };
    const odd = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom('a', ' ', ':', '#', "'", '"', '\\', '-', '1', '.', 'é', '\n', 'y', '~', '|', '?'),
        maxLength: 30,
      }),
      fc.constantFrom('1.0', 'yes', '~', 'null', '', '0x1F', '2024-01-01', '-', '- a', 'a: b', '#x', '|', '>', 'true'),
    );
    // Mostly what indexes hold, so that whole charts read; now and then anything.
    const usual = fc.constantFrom(
      'demo',
      'A chart, with words',
      'key: value',
      'https://example.com/a?b=c#d',
      "it's",
      'say "hi"',
      '1.2.3',
      'v1',
      'é',
      'two words',
    );
    const text = fc.oneof({ weight: 30, arbitrary: usual }, { weight: 1, arbitrary: odd });
    const version = fc.record(
      {
        name: fc.constantFrom('demo', 'x', 'a/b'),
        version: fc.oneof(fc.constantFrom('1.0.0', '1.0', 'v2.3.4-rc.1+b', '1.2.3-0001'), text),
        description: text,
        appVersion: text,
        digest: fc.oneof(text, fc.constantFrom('a'.repeat(64), `sha256:${'0'.repeat(64)}`)),
        created: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.5+01:00') },
          { weight: 1, arbitrary: fc.oneof(text, fc.constantFrom('2024-02-30T00:00:00Z', '2024-1-01T00:00:00Z')) },
        ),
        annotations: fc.dictionary(fc.constantFrom('a', 'b/c', 'd.e', 'packyard.io/layer', 'name'), text, {
          minKeys: 1,
          maxKeys: 3,
        }),
        keywords: fc.array(text, { minLength: 1, maxLength: 3 }),
        urls: fc.array(fc.oneof(fc.constantFrom('a.tgz', 'https://x/a.tgz', '../a.tgz'), text), {
          minLength: 1,
          maxLength: 3,
        }),
        maintainers: fc.array(fc.record({ name: text, email: text }), { minLength: 1, maxLength: 2 }),
        dependencies: fc.array(
          fc.record(
            { name: text, alias: text, enabled: fc.boolean(), tags: fc.array(text, { minLength: 1, maxLength: 2 }) },
            { requiredKeys: ['name'] },
          ),
          { minLength: 1, maxLength: 2 },
        ),
        deprecated: fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constant('true') }),
        type: fc.constantFrom('application', 'library', 'widget'),
      },
      { requiredKeys: ['name'] },
    );
    fc.assert(
      fc.property(
        fc.array(version, { minLength: 1, maxLength: 3 }),
        fc.record({
          seqNoIndent: fc.boolean(),
          lineWidth: fc.constantFrom(20, 40, 80),
          quotingType: fc.constantFrom("'" as const, '"' as const),
          forceQuotes: fc.boolean(),
          sortKeys: fc.boolean(),
        }),
        (versions, style) => {
          const index = dump({ apiVersion: 'v1', entries: { demo: versions } }, style);
          for (const chart of splitCharts(index)?.charts ?? []) {
            const read = layout(chart);
            taken.all++;
            if (read === undefined) continue;
            taken.read++;
            expect(read).toEqual(reference(chart));
          }
        },
      ),
      { numRuns: 1000 },
    );
    expect(taken.read).toBeGreaterThan(taken.all / 10); // the property says something about the layout reader
  });

  it('finds control characters in the bytes as the character check finds them', () => {
    const unit = fc.constantFrom('a', ' ', '\n', '\t', '\r', '\x00', '\x1f', '\x7f', '~', 'z');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 20 }), (text) => {
        expect(controlFree(Buffer.from(text))).toBe(supportedText(text, true));
      }),
    );
  });

  it('reads a chart of a real index from its bytes with the offset splitIndex gives', () => {
    const source = readFileSync(join(FIXTURES, 'IBM__charts__repo__ibm-helm__index.yaml'));
    const split = splitIndex(source)!;
    let last = split.bounds.length - 2;
    while (!isAscii(source.subarray(split.bounds[last], split.bounds[last + 1]))) last--;
    const text = source.toString('latin1', split.bounds[last], split.bounds[last + 1]);
    const read = readChartLayout(source, split.bounds[last]!, split.bounds[last + 1]!, true, resolveUrl);
    expect(read && { name: read.name, versions: read.versions.map(seen) }).toEqual(reference(text));
  });
});
