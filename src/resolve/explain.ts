/** How many items a message lists before it says "and N more": enough to act on, short enough to read. */
export const LIST_LIMIT = 5;

/** `a, b, c` or `a, b, c, d, e and 7 more`. Callers order the items (newest or closest first). */
export function formatList(items: readonly string[], limit = LIST_LIMIT): string {
  if (items.length <= limit) return items.join(', ');
  return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
}

/** `pack a` or `packs a, b`: messages name every pack they are about. */
export function packs(names: readonly string[]): string {
  return `${names.length === 1 ? 'pack' : 'packs'} ${names.join(', ')}`;
}

/**
 * The names closest to `wanted`, for "did you mean": names containing it (or contained in it)
 * first, then by edit distance, then alphabetically, so the list is stable.
 */
export function closestNames(wanted: string, names: Iterable<string>): string[] {
  const w = wanted.toLowerCase();
  return [...new Set(names)]
    .map((name) => {
      const n = name.toLowerCase();
      return { name, related: n.includes(w) || w.includes(n) ? 0 : 1, distance: editDistance(w, n) };
    })
    .sort(
      (a, b) => a.related - b.related || a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    )
    .map((c) => c.name);
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** What a YAML value is, in words, for "must be a YAML map, got …". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Conditions cap messages at 32768 characters (metav1.Condition); cut on our side, visibly. */
export const MAX_MESSAGE = 32768;

export function truncate(message: string, max = MAX_MESSAGE): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}
