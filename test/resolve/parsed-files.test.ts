import { parsedOnce } from '../../src/resolve/parsed-files.js';
import { parseValues } from '../../src/resolve/values-tree.js';

describe('parsedOnce', () => {
  it('parses a files object once per name and shares the frozen result', () => {
    const files = { 'values.yaml': 'image:\n  tag: "1.0"\n' };
    let parses = 0;
    const read = () =>
      parsedOnce(files, 'values.yaml', () => (parses++, parseValues(files['values.yaml'], 'values.yaml')));
    const first = read();
    expect(read()).toBe(first);
    expect(parses).toBe(1);
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
});
