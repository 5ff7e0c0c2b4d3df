/**
 * Where the charts of an index are, found in its bytes. Helm writes one block layout: `entries:`
 * alone on a line at column 0, then each chart as a key at one indentation with its versions below.
 * Reading chart by chart keeps peak memory to the result plus one chart: js-yaml's event list is
 * about 100 bytes a node (seven times the text), and the index is never one string either (that
 * alone is the index's size again, twice it once one character is outside Latin-1, and every value
 * sliced from it would keep all of it alive).
 */
export interface IndexSplit {
  /** The document without its charts (`entries: {}` in their place): apiVersion and the rest. */
  head: string;
  /** Byte offsets: chart i is bytes [bounds[i], bounds[i + 1]), comments after it included. */
  bounds: number[];
  /**
   * Whether chart i holds only printable ASCII, spaces and line feeds: the fast path need not look
   * for the characters it leaves to js-yaml (parseChartFast's `plain`).
   */
  plain: boolean[];
}

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const DASH = 0x2d;
const ENTRIES = Buffer.from('entries:');

/**
 * The charts of `bytes` (UTF-8, no byte-order mark), or undefined for any other layout, which is
 * then parsed whole. Lines end at `\n`, and a `\r` before it is part of the line.
 */
export function splitIndex(bytes: Buffer): IndexSplit | undefined {
  const length = bytes.length;
  const entries = entriesLine(bytes);
  if (entries < 0) return undefined;
  const bounds: number[] = [];
  const plain: boolean[] = [];
  let odd = false; // a character outside printable ASCII in the current chart
  let indent = -1;
  let end = length;
  let line = lineAfter(bytes, entries);
  while (line < length) {
    let col = line;
    while (bytes[col] === SPACE) col++;
    const c = bytes[col];
    const n = col - line;
    if (c === TAB) return undefined;
    if (c !== HASH && c !== CR && c !== NL && c !== undefined) {
      if (n === 0) {
        end = line; // the next top-level key: entries are over
        break;
      }
      if (indent < 0) indent = n;
      if (n < indent) return undefined;
      if (n === indent && !(c === DASH && whiteAfter(bytes, col + 1))) {
        if (bounds.length > 0) plain.push(!odd);
        bounds.push(line);
        odd = false;
      } else if (bounds.length === 0) return undefined;
    }
    // To the line's end, every byte looked at once: this loop is most of the split's time.
    let i = col;
    for (; i < length; i++) {
      const b = bytes[i]!;
      if (b === NL) break;
      if (b < SPACE || b > 0x7e) odd = true;
    }
    line = i + 1;
  }
  if (bounds.length > 0) {
    plain.push(!odd);
    bounds.push(end);
  }
  return {
    head: `${bytes.toString('utf8', 0, entries)}entries: {}\n${bytes.toString('utf8', end, length)}`,
    bounds,
    plain,
  };
}

/** Where the line `entries:` (spaces, tabs or a `\r` may follow) starts, or -1. */
function entriesLine(bytes: Buffer): number {
  for (let at = bytes.indexOf(ENTRIES); at >= 0; at = bytes.indexOf(ENTRIES, at + 1)) {
    if (at > 0 && bytes[at - 1] !== NL) continue;
    let i = at + ENTRIES.length;
    while (bytes[i] === SPACE || bytes[i] === TAB) i++;
    if (bytes[i] === CR) i++;
    if (i === bytes.length || bytes[i] === NL) return at;
  }
  return -1;
}

/** The start of the line after the one holding `at`, or the length. */
function lineAfter(bytes: Buffer, at: number): number {
  const length = bytes.length;
  let i = at;
  while (i < length && bytes[i] !== NL) i++;
  return i + 1 > length ? length : i + 1;
}

/** Whether the character at `at` is whitespace as /\s/ reads it (or the text ends): `- ` starts a list item. */
function whiteAfter(bytes: Buffer, at: number): boolean {
  const c = bytes[at];
  if (c === undefined) return true;
  if (c < 0x80) return c === SPACE || (c >= TAB && c <= CR);
  return /^\s/.test(bytes.toString('utf8', at, Math.min(at + 4, bytes.length)));
}

/** Chart i's text. */
export function chartText(bytes: Buffer, split: IndexSplit, i: number): string {
  return bytes.toString('utf8', split.bounds[i], split.bounds[i + 1]);
}

/** splitIndex of a text, with each chart's text: what tests compare. */
export function splitCharts(source: string): { head: string; charts: string[] } | undefined {
  const bytes = Buffer.from(source);
  const split = splitIndex(bytes);
  if (!split) return undefined;
  return { head: split.head, charts: split.bounds.slice(1).map((_, i) => chartText(bytes, split, i)) };
}
