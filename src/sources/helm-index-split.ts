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
export function splitIndex(bytes: Uint8Array): IndexSplit | undefined {
  const length = bytes.length;
  const entries = entriesLine(bytes);
  if (entries < 0) return undefined;
  const bounds: number[] = [];
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
      if (n === indent && !(c === DASH && whiteAfter(bytes, col + 1))) bounds.push(line);
      else if (bounds.length === 0) return undefined;
    }
    line = lineAfter(bytes, col);
  }
  bounds.push(end);
  if (bounds.length === 1) bounds.length = 0; // no charts
  const text = (from: number, to: number) => Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString();
  return { head: `${text(0, entries)}entries: {}\n${text(end, length)}`, bounds };
}

/** Where the line `entries:` (spaces, tabs or a `\r` may follow) starts, or -1. */
function entriesLine(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = buffer.indexOf(ENTRIES); at >= 0; at = buffer.indexOf(ENTRIES, at + 1)) {
    if (at > 0 && bytes[at - 1] !== NL) continue;
    let i = at + ENTRIES.length;
    while (bytes[i] === SPACE || bytes[i] === TAB) i++;
    if (bytes[i] === CR) i++;
    if (i === bytes.length || bytes[i] === NL) return at;
  }
  return -1;
}

/** The start of the line after the one holding `at`, or the length. */
function lineAfter(bytes: Uint8Array, at: number): number {
  const length = bytes.length;
  let i = at;
  while (i < length && bytes[i] !== NL) i++;
  return i + 1 > length ? length : i + 1;
}

/** Whether the character at `at` is whitespace as /\s/ reads it (or the text ends): `- ` starts a list item. */
function whiteAfter(bytes: Uint8Array, at: number): boolean {
  const c = bytes[at];
  if (c === undefined) return true;
  if (c < 0x80) return c === SPACE || (c >= TAB && c <= CR);
  const ch = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(4, bytes.length - at)).toString();
  return /^\s/.test(ch);
}

/** A chart's text (for tests and for the charts the fast path leaves to js-yaml). */
export function chartText(bytes: Uint8Array, split: IndexSplit, i: number): string {
  const from = split.bounds[i]!;
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, split.bounds[i + 1]! - from).toString();
}

/** splitIndex of a text, with each chart's text: what tests compare. */
export function splitCharts(source: string): { head: string; charts: string[] } | undefined {
  const bytes = Buffer.from(source);
  const split = splitIndex(bytes);
  if (!split) return undefined;
  return { head: split.head, charts: split.bounds.slice(1).map((_, i) => chartText(bytes, split, i)) };
}
