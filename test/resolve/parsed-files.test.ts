import { KEPT_TEXT, parsedOnce } from '../../src/resolve/parsed-files.js';
import { parseValues } from '../../src/resolve/values-tree.js';

/** How often `parse` ran when read through parsedOnce. */
function counted(files: Record<string, string>) {
  let parses = 0;
  const read = () =>
    parsedOnce(files, 'values.yaml', () => (parses++, parseValues(files['values.yaml'] ?? '', 'values.yaml')));
  return { read, parses: () => parses };
}

describe('parsedOnce', () => {
  it('parses a files object once per name and shares the frozen result', () => {
    const files = { 'values.yaml': 'image:\n  tag: "1.0"\n' };
    const { read, parses } = counted(files);
    const first = read();
    expect(read()).toBe(first);
    expect(parses()).toBe(1);
    expect(Object.isFrozen((first as { image: object }).image)).toBe(true);
    // Another files object (another digest) is parsed on its own.
    expect(parsedOnce({ ...files }, 'values.yaml', () => ({ other: true }))).toEqual({ other: true });
  });

  it('keeps no failure: files that do not parse throw every time', () => {
    const files = { 'values.yaml': 'a: [' };
    const read = () => parsedOnce(files, 'values.yaml', () => parseValues(files['values.yaml'], 'values.yaml'));
    expect(read).toThrow(/not valid YAML/);
    expect(read).toThrow(/not valid YAML/);
  });

  it('keeps at most KEPT_TEXT of source text, least recently used out first', () => {
    const big = (key: string) => ({ 'values.yaml': `${key}: 1\n`, 'README.md': 'x'.repeat(KEPT_TEXT / 3) });
    const a = counted(big('a'));
    const b = counted(big('b'));
    const c = counted(big('c'));
    a.read();
    b.read();
    a.read(); // a is now the most recently used
    c.read(); // over the bound: b goes
    a.read();
    b.read();
    expect([a.parses(), b.parses(), c.parses()]).toEqual([1, 2, 1]);
    // Larger than the whole bound: parsed every time, never kept.
    const huge = counted({ 'values.yaml': 'h: 1\n', 'README.md': 'x'.repeat(KEPT_TEXT + 1) });
    huge.read();
    huge.read();
    expect(huge.parses()).toBe(2);
  });
});
