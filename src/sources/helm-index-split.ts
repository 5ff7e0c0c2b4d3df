import { isAscii } from 'node:buffer';

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
export function splitIndex(bytes: Buffer): IndexSplit | undefined {
  const length = bytes.length;
  const entries = entriesLine(bytes);
  if (entries < 0) return undefined;
  // A tab where indentation ends refuses the layout; with no tab anywhere, a line indented deeper
  // than the charts needs no more than its first indent + 1 bytes looked at.
  const tabs = bytes.indexOf(TAB, entries) >= 0;
  const bounds: number[] = [];
  let indent = -1;
  let end = length;
  for (let line = lineAfter(bytes, entries); line < length;) {
    const most = tabs || indent < 0 ? length : line + indent + 1;
    let col = line;
    while (col < most && bytes[col] === SPACE) col++;
    const n = col - line;
    if (n <= indent || indent < 0 || tabs) {
      const c = col < length ? bytes[col] : NL;
      if (c === TAB) return undefined;
      if (c !== HASH && c !== CR && c !== NL) {
        if (n === 0) {
          end = line; // the next top-level key: entries are over
          break;
        }
        if (indent < 0) indent = n;
        if (n < indent) return undefined;
        if (n === indent && !(c === DASH && whiteAfter(bytes, col + 1))) bounds.push(line);
        else if (bounds.length === 0) return undefined;
      }
    }
    line = lineAfter(bytes, col);
  }
  if (bounds.length > 0) bounds.push(end);
  return {
    head: `${bytes.toString('utf8', 0, entries)}entries: {}\n${bytes.toString('utf8', end, length)}`,
    bounds,
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

/**
 * Uint8Array's own indexOf: Buffer's wraps it in argument handling that costs more than the search
 * for a line of an index (and allocates until the JIT has compiled it).
 */
const indexOfByte = Uint8Array.prototype.indexOf;

/** The start of the line after the one holding `at`, or the length. */
function lineAfter(bytes: Buffer, at: number): number {
  const nl = indexOfByte.call(bytes, NL, at);
  return nl < 0 ? bytes.length : nl + 1;
}

/** Whether the character at `at` is whitespace as /\s/ reads it (or the text ends): `- ` starts a list item. */
function whiteAfter(bytes: Buffer, at: number): boolean {
  const c = bytes[at];
  if (c === undefined) return true;
  if (c < 0x80) return c === SPACE || (c >= TAB && c <= CR);
  return /^\s/.test(bytes.toString('utf8', at, Math.min(at + 4, bytes.length)));
}

/** Chart i's text; `ascii` (chartIsAscii's answer) decodes it as Latin-1, the same text without UTF-8's work. */
export function chartText(bytes: Buffer, split: IndexSplit, i: number, ascii = false): string {
  return bytes.toString(ascii ? 'latin1' : 'utf8', split.bounds[i], split.bounds[i + 1]);
}

/** Whether chart i is ASCII only (parseChartFast then checks its characters faster). */
export function chartIsAscii(bytes: Buffer, split: IndexSplit, i: number): boolean {
  return isAscii(bytes.subarray(split.bounds[i], split.bounds[i + 1]));
}

/** splitIndex of a text, with each chart's text: what tests compare. */
export function splitCharts(source: string): { head: string; charts: string[] } | undefined {
  const bytes = Buffer.from(source);
  const split = splitIndex(bytes);
  if (!split) return undefined;
  return { head: split.head, charts: split.bounds.slice(1).map((_, i) => chartText(bytes, split, i)) };
}
