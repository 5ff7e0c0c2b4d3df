import { parseValues, removeAt, valueAt } from '../../src/resolve/values-tree.js';

describe('values trees', () => {
  it("reads and removes keys as the map's own: constructor and __proto__ are keys like any other", () => {
    const values = parseValues('constructor: x\n__proto__:\n  a: 1\n', 'values');
    expect(valueAt(values, ['constructor'])).toBe('x');
    expect(valueAt(values, ['__proto__', 'a'])).toBe(1);
    expect(valueAt({}, ['constructor'])).toBeUndefined();
    expect(valueAt({}, ['toString'])).toBeUndefined();
    const removed = removeAt(values, ['__proto__', 'a']);
    expect(Object.getPrototypeOf(removed)).toBe(Object.prototype);
    expect(JSON.stringify(removed)).toBe('{"constructor":"x","__proto__":{}}');
    expect(removeAt({}, ['toString'])).toEqual({});
  });
});
