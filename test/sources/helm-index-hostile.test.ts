import { gzipSync } from 'node:zlib';
import { entry, indexYaml, parse, parseError } from './helm-index-support.js';

const EXPECTED = 'expected a Helm repository index (apiVersion and entries), got';

/** The classic "billion laughs": nine levels of nine aliases, 9^9 strings once expanded. */
function billionLaughs(indent = ''): string {
  const levels = 'abcdefghi'.split('');
  return levels
    .map((name, i) => {
      const items = i === 0 ? Array(9).fill('"lol"') : Array(9).fill(`*${levels[i - 1]}`);
      return `${indent}${name}: &${name} [${items.join(', ')}]`;
    })
    .join('\n');
}

function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

describe('alias bombs', () => {
  it('are refused before anything is built', () => {
    const { result: error, ms } = timed(() => parseError(`apiVersion: v1\nentries: {}\n${billionLaughs()}\n`));
    expect(error.reason).toBe('InvalidIndex');
    expect(error.message).toBe(`${EXPECTED} YAML whose aliases expand to more than 10000 nodes (an alias bomb?)`);
    expect(ms).toBeLessThan(1000);
  });

  it('are refused inside a chart version too', () => {
    const body = `apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n    annotations:\n${billionLaughs('      ')}\n`;
    expect(parseError(body).message).toContain('alias bomb');
  });

  it('do not stop the modest aliases a hand-written index may use', () => {
    const team = '&team\n    - name: Platform\n      email: p@example.com';
    const charts = Array.from(
      { length: 50 },
      (_, i) =>
        `  c${i}:\n  - name: c${i}\n    version: 1.0.${i}\n    maintainers: ${i ? '*team' : team}\n    urls: [c.tgz]`,
    );
    const body = `apiVersion: v1\nentries:\n${charts.join('\n')}\n`;
    expect(parse(body).packs).toHaveLength(50);
  });
});

describe('deep nesting', () => {
  it.each([
    ['flow sequences', `apiVersion: v1\nentries: {}\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    ['flow maps', `apiVersion: v1\nentries: {}\nx: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`],
    [
      'block maps',
      `apiVersion: v1\nentries: {}\n${Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')}\n`,
    ],
    ['block sequences', `apiVersion: v1\nentries: {}\nx:\n${'- '.repeat(10_000)}x\n`],
  ])('of 10k %s fails fast', (_kind, body) => {
    const { result: error, ms } = timed(() => parseError(body));
    expect(error.reason).toBe('InvalidIndex');
    expect(error.message).toMatch(
      /^expected a Helm repository index .*, got YAML that cannot be read: nesting exceeded maxDepth \(64\)/,
    );
    expect(ms).toBeLessThan(2000);
  });

  it('in a JSON index is harmless: nothing walks what Helm leaves untyped, and a typed field stops at its first level', () => {
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const body = `{"apiVersion":"v1","serverInfo":{"x":${deep}},"entries":{"a":[{"name":"a","version":"1.0.0"}]}}`;
    expect(parse(body).packs[0]?.latest).toBe('1.0.0');
    const typed = `{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"1.0.0","annotations":{"x":${deep}}}]}}`;
    expect(parseError(typed).message).toBe("entries.a[0].annotations.x: Helm's loader expects a string, got a map");
    expect(parseError(deep).message).toBe(`${EXPECTED} no apiVersion (Helm: "no API version specified")`);
  });
});

describe('bytes that are not UTF-8 text', () => {
  it('are refused clearly (a Latin-1 index)', () => {
    const latin1 = Buffer.from(indexYaml({ a: [entry('1.0.0', { description: 'Café' })] }), 'latin1');
    expect(parseError(latin1).message).toBe(`${EXPECTED} bytes that are not valid UTF-8 text`);
  });

  it('are refused clearly (random binary)', () => {
    expect(parseError(Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28])).reason).toBe('InvalidIndex');
  });

  it('are named when they are a gzip-compressed index', () => {
    expect(parseError(gzipSync(indexYaml({ a: [entry('1.0.0')] }))).message).toBe(`${EXPECTED} gzip-compressed data`);
  });

  it('while UTF-8 with a byte order mark is read', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(indexYaml({ a: [entry('1.0.0', { description: 'Café ☕' })] })),
    ]);
    expect(parse(body).packs[0]?.description).toBe('Café ☕');
  });
});

describe('documents that are something else', () => {
  it.each([
    [
      'an HTML error page',
      '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>nope</body></html>',
      `${EXPECTED} an HTML document ("404 Not Found")`,
    ],
    ['an HTML page without a title', '\n  <html><body>Sign in</body></html>', `${EXPECTED} an HTML document`],
    ['an XML error', '<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>', `${EXPECTED} HTML or XML markup`],
    [
      'JSON that is not an index',
      '{"name": "nginx", "version": "1.0.0"}',
      `${EXPECTED} no apiVersion (Helm: "no API version specified")`,
    ],
    ['a JSON list', '[{"apiVersion": "v1"}]', 'line 1: the index: expected a map (IndexFile), got a list'],
    [
      'a JSON index whose entries are a list',
      '{"apiVersion": "v1", "entries": []}',
      "entries: Helm's loader expects a map, got a list",
    ],
    [
      'a Chart.yaml',
      'apiVersion: v2\nname: nginx\nversion: 1.0.0\n',
      'line 2: name: Helm\'s loader refuses the unknown field "name" (of IndexFile)',
    ],
    [
      'a Kubernetes manifest',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
      'line 2: kind: Helm\'s loader refuses the unknown field "kind" (of IndexFile)',
    ],
  ])('%s', (_title, body, message) => {
    const error = parseError(body);
    expect(error.reason).toBe('InvalidIndex');
    expect(error.message).toBe(message);
  });

  it('a chart called __proto__ is just a chart', () => {
    const result = parse(
      'apiVersion: v1\nentries:\n  __proto__:\n  - name: x\n    version: 1.0.0\n    urls: [x.tgz]\n',
    );
    expect(result.packs.map((p) => p.name)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).version).toBeUndefined();
  });
});

describe('size', () => {
  it('100k versions of one chart parse in a few seconds', () => {
    const lines = ['apiVersion: v1', 'entries:', '  big:'];
    for (let i = 0; i < 100_000; i++) {
      const version = `${Math.floor(i / 1000)}.${Math.floor(i / 10) % 100}.${i % 10}`;
      lines.push(
        `  - name: big`,
        `    version: ${version}`,
        `    created: "2024-01-01T00:00:00Z"`,
        `    digest: ${'0123456789abcdef'.repeat(4)}`,
        `    urls: [big-${version}.tgz]`,
      );
    }
    const body = Buffer.from(lines.join('\n'));
    // CPU time, not wall time: on a shared machine the wall clock measures the neighbours too.
    const cpu = process.cpuUsage();
    const result = parse(body);
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    expect(result.packs[0]).toMatchObject({ name: 'big', versionCount: 100_000, latest: '99.99.9' });
    expect(result.packs[0]?.versions[99_999]?.version).toBe('0.0.0');
    expect(ms).toBeLessThan(10_000);
  });
});
