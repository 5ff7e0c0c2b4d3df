/**
 * What is parsed from a version's files, once per files object. PackFiles are cached by their
 * archive's digest and never change, and every profile that locks a version reads the same object:
 * parsing its values.yaml again for each of 1,000 profiles was a fifth of a mass resolution's CPU.
 * Results are frozen, since every resolution shares them (values merged onto them are copies).
 */
const parsed = new WeakMap<object, Map<string, unknown>>();

/** `parse()`'s result for these files and this name (a file, or a tree read from several); a throw is not kept. */
export function parsedOnce<T>(files: object, name: string, parse: () => T): T {
  let byName = parsed.get(files);
  if (!byName) parsed.set(files, (byName = new Map()));
  if (!byName.has(name)) byName.set(name, deepFreeze(parse()));
  return byName.get(name) as T;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
