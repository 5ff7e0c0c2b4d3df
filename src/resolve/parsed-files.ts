/**
 * What is parsed from a version's files, once per files object. PackFiles are cached by their
 * archive's digest and never change, and every profile that locks a version reads the same object:
 * parsing its values.yaml again for each of 1,000 profiles was a fifth of a mass resolution's CPU.
 * Results are frozen, since every resolution shares them (values merged onto them are copies).
 */
type Files = Readonly<Record<string, string>>;

/**
 * The source text (UTF-16 code units, all of a version's files) whose parsed results are kept, least
 * recently used out first: a parsed tree costs several times its text in heap, on top of the content
 * cache's own bound, so a few MiB (hundreds of typical charts) and no more.
 */
export const KEPT_TEXT = 4 * 1024 * 1024;

const kept = new Map<Files, { text: number; byName: Map<string, unknown> }>();
let keptText = 0;

/** `parse()`'s result for these files and this name (a file, or a tree read from several); a throw is not kept. */
export function parsedOnce<T>(files: Files, name: string, parse: () => T): T {
  let entry = kept.get(files);
  if (entry) {
    kept.delete(files);
    kept.set(files, entry); // most recently used last
  } else {
    entry = { text: Object.values(files).reduce((n, text) => n + text.length, 0), byName: new Map() };
    if (entry.text > KEPT_TEXT) return deepFreeze(parse());
    kept.set(files, entry);
    keptText += entry.text;
    for (const [oldest, { text }] of kept) {
      if (keptText <= KEPT_TEXT) break;
      kept.delete(oldest);
      keptText -= text;
    }
  }
  if (!entry.byName.has(name)) entry.byName.set(name, deepFreeze(parse()));
  return entry.byName.get(name) as T;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
