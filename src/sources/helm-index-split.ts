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
  /**
   * Whether every line was looked at (splitIndex). splitHelmLayout's bounds are found by searching
   * for chart keys only: right for every chart whose lines the layout reader then takes, and for no
   * other, which is the caller's cue to split again with splitIndex.
   */
  checked: boolean;
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
  return { head: headOf(bytes, entries, end), bounds, checked: true };
}

/** The document without its charts: `entries: {}` in place of bytes [entries, end). */
function headOf(bytes: Buffer, entries: number, end: number): string {
  return `${bytes.toString('utf8', 0, entries)}entries: {}\n${bytes.toString('utf8', end, bytes.length)}`;
}

/**
 * The charts of an index in the layout Helm writes, found with a few native searches rather than a
 * look at each line: each chart's key is a line at the first chart's indentation that ends in `:`,
 * the next line its first entry's `- ` (`:\n  - `); the charts end at the first line at column 0
 * after the last indented one. Unchecked: a chart may hold lines splitIndex would split or refuse at,
 * so the caller takes a chart from these bounds only when the layout reader reads all its lines, and
 * otherwise splits again with splitIndex (which agrees on every chart read so far). Undefined when
 * the index does not start its entries so.
 */
export function splitHelmLayout(bytes: Buffer): IndexSplit | undefined {
  const entries = entriesLine(bytes);
  if (entries < 0) return undefined;
  const first = lineAfter(bytes, entries);
  const indent = spacesAt(bytes, first);
  const keyEnd = indexOfByte.call(bytes, NL, first);
  if (indent === 0 || !keyStart(bytes[first + indent]) || keyEnd < 0 || bytes[keyEnd - 1] !== COLON) return undefined;
  const dash = spacesAt(bytes, keyEnd + 1);
  if (dash < indent || bytes[keyEnd + 1 + dash] !== DASH) return undefined;
  const end = entriesEnd(bytes, first);
  if (end <= keyEnd) return undefined;
  const needle = Buffer.from(`:\n${' '.repeat(dash)}- `);
  const bounds = [first];
  for (let at = bytes.indexOf(needle, keyEnd); at >= 0 && at < end; at = bytes.indexOf(needle, at + 1)) {
    const line = bytes.lastIndexOf(NL, at) + 1;
    if (line > bounds[bounds.length - 1]! && spacesAt(bytes, line) === indent && keyStart(bytes[line + indent])) {
      bounds.push(line);
    }
  }
  bounds.push(end);
  return { head: headOf(bytes, entries, end), bounds, checked: false };
}

const COLON = 0x3a;

function spacesAt(bytes: Buffer, at: number): number {
  let i = at;
  while (bytes[i] === SPACE) i++;
  return i - at;
}

/** A byte a chart's key may start with in splitHelmLayout: not a space, `-`, `#` or a line's end. */
function keyStart(c: number | undefined): boolean {
  return c !== undefined && c !== SPACE && c !== DASH && c !== HASH && c !== NL && c !== CR && c !== TAB;
}

/**
 * Where the charts after `from` end, read from the index's end: at the first line at column 0 (not a
 * comment, not blank) after the last indented line; the length when there is none.
 */
function entriesEnd(bytes: Buffer, from: number): number {
  let end = bytes.length;
  let line = bytes.length;
  for (;;) {
    // The start of the line before `line`.
    const start = line <= from ? -1 : bytes.lastIndexOf(NL, line - 2) + 1;
    if (start < from) return -1;
    const c = bytes[start];
    if (c === SPACE || c === TAB) return end;
    if (c !== HASH && c !== NL && c !== CR && start < line - 1) end = start;
    line = start;
  }
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
