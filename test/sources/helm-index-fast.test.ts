// The fast path (helm-index-fast.ts) against the full parser (js-yaml's events and Helm's shape
// check) it stands in for: on every chart it reads, both give the same value, and whatever it does
// not read it leaves to the full parser (undefined), errors included.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { constructFromEvents, dump, mapTag, nullCoreTag, parseEvents, Schema, seqTag, strTag } from 'js-yaml';
import { repoRoot } from '../../src/local/control-plane.js';
import { parseChartFast, parseMapFast } from '../../src/sources/helm-index-fast.js';
import { checkYamlShape, HELM_ENTRIES, HELM_INDEX_FILE } from '../../src/sources/helm-index-shape.js';
import { splitCharts } from '../../src/sources/helm-index-split.js';

const FIXTURES = join(repoRoot(), '../shared/fixtures/helm-index');
const INDEX_SCHEMA = new Schema([strTag, seqTag, mapTag, nullCoreTag]);

/** What the full parser makes of one chart's text: { name, versions }, or 'refused' when Helm's loader would refuse it. */
function fullParse(text: string): { name: string; versions: unknown } | 'refused' {
  try {
    const events = parseEvents(text, { maxDepth: 64 });
    checkYamlShape(events, text, HELM_ENTRIES, 'entries');
    const doc = constructFromEvents(events, { source: text, schema: INDEX_SCHEMA })[0] as Record<string, unknown>;
    const [name] = Object.keys(doc);
    return { name: name!, versions: doc[name!] };
  } catch {
    return 'refused';
  }
}

function chartsOf(index: string): string[] {
  const split = splitCharts(index);
  if (!split) throw new Error('not in Helm block layout');
  return split.charts;
}

describe('the fast Helm index path', () => {
  it('reads the charts of the real indexes exactly as the full parser does', () => {
    let fast = 0;
    let all = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('index.yaml'))) {
      const split = splitCharts(readFileSync(join(FIXTURES, file), 'utf8'));
      for (const text of split?.charts ?? []) {
        all++;
        const result = parseChartFast(text, HELM_ENTRIES);
        if (result === undefined) continue;
        fast++;
        expect(result).toEqual(fullParse(text));
      }
    }
    expect(all).toBeGreaterThan(300);
    expect(fast / all).toBeGreaterThan(0.95); // what Helm writes is what it is for
  });

  it('reads wrapped plain and quoted scalars, escapes and literal blocks', () => {
    const text = [
      '  demo:',
      '  - annotations:',
      '      images: |',
      '        - name: a',
      '',
      '          image: b # not a comment',
      '      notes: |-',
      '        kept',
      '    apiVersion: v2',
      '    created: "2024-01-01T00:00:00Z"',
      '    deprecated: true',
      '    description: A long description that go-yaml wrapped',
      '      over two lines',
      "    home: 'it''s wrapped",
      "      too'",
      '    icon: "tab\\there \\u00e9 \\\\ joined\\',
      '      on"',
      '    keywords:',
      '    - a',
      '    - "1.0"',
      '    maintainers:',
      '    - email: x@example.com',
      '      name: X',
      '    name: demo',
      '    version: 1.0.0',
      '',
    ].join('\n');
    const result = parseChartFast(text, HELM_ENTRIES);
    expect(result).toEqual(fullParse(text));
    expect(result?.versions).toEqual([
      expect.objectContaining({
        annotations: { images: '- name: a\n\n  image: b # not a comment\n', notes: 'kept' },
        description: 'A long description that go-yaml wrapped over two lines',
        home: "it's wrapped too",
        icon: 'tab\there é \\ joinedon',
        deprecated: 'true',
      }),
    ]);
  });

  it("reads wrapped lines that start with '- ' or '? ' as text, as IBM's index has them", () => {
    const text = [
      '  demo:',
      '  - description: manages Postgres Clusters',
      '      - Cluster-scoped resources',
      '      ? asked',
      '    name: demo',
      '    version: 1.0.0',
      '',
    ].join('\n');
    const result = parseChartFast(text, HELM_ENTRIES);
    expect(result).toEqual(fullParse(text));
    expect(result?.versions).toEqual([
      expect.objectContaining({ description: 'manages Postgres Clusters - Cluster-scoped resources ? asked' }),
    ]);
  });

  it('agrees with the full parser on wrapped lines starting with indicators', () => {
    const word = fc.constantFrom('-', '?', ':', '- a', '? b', ': c', 'a:', '#', 'x', '-y', '|', '>', '*', '&');
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), fc.integer({ min: 5, max: 8 }), (words, indent) => {
        const lines = ['  demo:', '  - description: start'];
        for (const w of words) lines.push(`${' '.repeat(indent)}${w}`);
        lines.push('    name: demo', '    version: 1.0.0', '');
        const text = lines.join('\n');
        const fast = parseChartFast(text, HELM_ENTRIES);
        if (fast !== undefined) expect(fast).toEqual(fullParse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('reads an ASCII chart (the faster character check) as any other', () => {
    const unit = fc.constantFrom(
      'a',
      ' ',
      '\t',
      '\r',
      '\x7f',
      '\x00',
      '\x1f',
      'é',
      '\u2028',
      '\uFEFF',
      '\x85',
      ':',
      '"',
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (value) => {
        const text = `  demo:\n  - name: '${value.replaceAll("'", "''")}'\n    version: 1.0.0\n`; // raw characters
        const ascii = [...text].every((ch) => ch.charCodeAt(0) < 0x80);
        expect(parseChartFast(text, HELM_ENTRIES, ascii)).toEqual(parseChartFast(text, HELM_ENTRIES));
      }),
    );
  });

  it("agrees with the full parser around one-line scalars and `{}` (quickScalar's edges)", () => {
    const value = fc.constantFrom(
      ...['a', 'a b', 'a #c', 'a:b', 'a: b', 'a:', '~', 'null', '1.0', 'yes', '', '  ', '- a', '? a', ': a', '-'],
      ...[
        '"a"',
        '"a" ',
        '"a" # c',
        '"a"x',
        '"a" : b',
        '"a\\"b"',
        '"a\\',
        '"',
        '"a',
        "'a'",
        "'a' # c",
        "''",
        "'a''b'",
        "'a'''",
        "'a",
        '""',
      ],
      ...['"2024-01-01T00:00:00Z"', '"2024-01-01T00:00:00Z" # c', '{}', '{} ', '{} # c', '{}x', '{ }', '[]'],
    );
    const after = fc.constantFrom('', '#c', '  #c', '    #c', '      #c', '      more', '   ', '  - x', '    - x');
    const key = fc.constantFrom('description', 'created', 'deprecated', 'annotations', 'maintainers', 'name');
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value, after), { minLength: 1, maxLength: 4 }), (lines) => {
        const text = [
          '  demo:',
          '  - version: 1.0.0',
          ...lines.flatMap(([k, v, a]) => [`    ${k}: ${v}`, ...(a ? [a] : [])]),
          '  - version: 1.0.1',
          '',
        ].join('\n');
        const fast = parseChartFast(text, HELM_ENTRIES);
        if (fast !== undefined) expect(fast).toEqual(fullParse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads the head of every real index (its charts as `entries: {}`) as the full parser does', () => {
    let read = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('index.yaml'))) {
      const head = splitCharts(readFileSync(join(FIXTURES, file), 'utf8'))?.head;
      if (head === undefined) continue;
      let full: unknown = 'refused';
      try {
        const events = parseEvents(head, { maxDepth: 64 });
        checkYamlShape(events, head, HELM_INDEX_FILE, '');
        full = constructFromEvents(events, { source: head, schema: INDEX_SCHEMA })[0];
      } catch {
        // Helm refuses it (one fixture has merge conflict markers): the fast path must not read it
      }
      const fast = parseMapFast(head, HELM_INDEX_FILE);
      if (full === 'refused') expect(fast).toBeUndefined();
      else expect(fast).toEqual(full);
      if (fast !== undefined) read++;
    }
    expect(read).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['an anchor and alias', '  a:\n  - &x\n    name: a\n    version: 1.0.0\n  - *x\n'],
    ['a flow map', '  a:\n  - {name: a, version: 1.0.0}\n'],
    ['a folded block', '  a:\n  - description: >\n      folded\n    version: 1.0.0\n'],
    ['a tag', '  a:\n  - name: !!str a\n    version: 1.0.0\n'],
    ['a duplicate key', '  a:\n  - name: a\n    name: b\n'],
    ['a blank line inside a plain scalar', '  a:\n  - description: one\n\n      two\n    version: 1.0.0\n'],
    ['a quoted key', '  a:\n  - "name": a\n'],
    ['a comment after a plain scalar', '  a:\n  - name: a # c\n'],
    ["a field in another case than Go's", '  a:\n  - name: a\n    Version: 1.0.0\n'],
  ])('leaves %s to the full parser', (_what, text) => {
    expect(parseChartFast(text, HELM_ENTRIES)).toBeUndefined();
    expect(fullParse(text)).not.toBeUndefined();
  });

  it.each([
    ['an unknown field', '  a:\n  - name: a\n    colour: red\n'],
    ['a number where Helm wants a string', '  a:\n  - name: a\n    appVersion: 1.4\n'],
    ['a created time that is not RFC 3339', '  a:\n  - name: a\n    created: yesterday\n'],
    ['a list where Helm wants a string', '  a:\n  - name:\n    - a\n'],
  ])('leaves what Helm refuses (%s) to the full parser, which names it', (_what, text) => {
    expect(parseChartFast(text, HELM_ENTRIES)).toBeUndefined();
    expect(fullParse(text)).toBe('refused');
  });

  it('agrees with the full parser on generated charts in every style js-yaml writes', () => {
    const taken = { all: 0, bailed: 0 };
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom('a', ' ', ':', '#', "'", '"', '\\', '-', '1', '.', 'é', '\n', 'y', '~'),
        maxLength: 30,
      }),
      fc.constantFrom('1.0', 'yes', '~', 'null', '', '0x1F', '2024-01-01', '-', '- a', 'a: b', '#x', '|', '>'),
    );
    const version = fc.record(
      {
        name: fc.constantFrom('demo', 'x'),
        version: fc.oneof(fc.constantFrom('1.0.0', '1.0', 'v2.3.4-rc.1+b'), text),
        description: text,
        appVersion: text,
        digest: text,
        annotations: fc.dictionary(fc.constantFrom('a', 'b/c', 'd.e'), text, { maxKeys: 3 }),
        keywords: fc.array(text, { maxLength: 3 }),
        deprecated: fc.constantFrom('true', true, false),
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
        }),
        (versions, style) => {
          const index = dump({ apiVersion: 'v1', entries: { demo: versions } }, style);
          for (const chart of chartsOf(index)) {
            const fast = parseChartFast(chart, HELM_ENTRIES);
            if (fast !== undefined) expect(fast).toEqual(fullParse(chart));
            else taken.bailed++;
            taken.all++;
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(taken.bailed).toBeLessThan(taken.all); // the property says something about the fast path
  });
});
