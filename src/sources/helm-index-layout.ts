import { DISPLAY_NAME_ANNOTATION, LAYER_ANNOTATION } from '../api/names.js';
import {
  EntryFields,
  foldLines,
  own,
  toCandidate,
  validAlias,
  type Candidate,
  type UrlResolver,
} from './helm-index-candidate.js';
import {
  BAIL,
  bail,
  PLAIN_STRING,
  PLAIN_WORD,
  YAML11_NULL,
  goRfc3339,
  plainFirst,
  resolvePlain,
  yamlTrue,
} from './helm-index-shape.js';

/**
 * One chart of an index in the layout Helm writes (and chart-releaser, and js-yaml's dump), read
 * straight from its text into Candidates: one pass over the lines, native searches doing the work on
 * characters, each entry built once (no map of its fields first), and only what the catalogue keeps
 * made into strings, from the bytes themselves (a string that holds its own characters, not a view
 * of the chart's text). Everything else is checked, not built: Helm refuses the whole index over a
 * keyword that is a number, so every field is read as its Go type.
 *
 * The layout: the chart's key, its entries as a block list, each entry a block map of ChartVersion's
 * fields by their Go names; values one-line or wrapped plain scalars, quoted ones without escapes,
 * `|` blocks, block lists and maps. On anything else (a comment, a blank line, an anchor, a flow
 * collection, an escape, a null, a value Helm would refuse or convert, a duplicate key, …) it returns
 * undefined, and the caller reads the chart with the fast parser (helm-index-fast.ts) or the full one,
 * which decide it exactly. The chart must hold none of the characters supportedText refuses (the
 * caller checks: controlFree for ASCII bytes).
 */
export function readChartLayout(
  bytes: Buffer,
  /** The chart's bytes: [start, end) (a split's bounds). */
  start: number,
  end: number,
  /** Whether those bytes are ASCII (chartIsAscii): kept strings are then made from them. */
  ascii: boolean,
  resolveUrl: UrlResolver,
  /** The chart's text, if the caller has it; without it, the bytes must be ASCII and are read a segment at a time. */
  text?: string,
): { name: string; versions: (Candidate | undefined)[] } | undefined {
  if (text === undefined && !ascii) throw new Error('readChartLayout: a text that is not ASCII must be given');
  reader.start(bytes, start, end, ascii, resolveUrl, text);
  try {
    return reader.chart();
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  } finally {
    reader.start(EMPTY, 0, 0, false, resolveUrl, ''); // keeps no chart's text alive
  }
}

/**
 * How much of a chart's bytes is made one string at most (cut where an entry starts): a chart of
 * 170 KB made one string lives through young-generation collections while it is read, and is copied
 * into the old generation, which keeps it until a full collection (peak RSS).
 */
const SEGMENT = 16 * 1024;

/** "\n", n spaces and "- ": where an entry starts in a list at column n. */
const ITEM_NEEDLES: Buffer[] = [];
function itemNeedle(column: number): Buffer {
  return (ITEM_NEEDLES[column] ??= Buffer.from(`\n${' '.repeat(column)}- `));
}

const EMPTY = Buffer.alloc(0);

/**
 * bytes.toString('latin1', start, end) without its argument handling, which costs more than the copy
 * for the short values an index holds (Buffer's own latin1Slice, which toString calls).
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (start: number, end: number) => string })
  .latin1Slice;
function latin1(bytes: Buffer, start: number, end: number): string {
  return latin1Slice === undefined ? bytes.toString('latin1', start, end) : latin1Slice.call(bytes, start, end);
}

const SPACE = 0x20;
const NL = 0x0a;
const DOT = 0x2e;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const PIPE = 0x7c;
const APPLICATION = 'application';

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** First characters that make a plain scalar something else (an indicator); `-`, `?` and `:` too, always. */
const NOT_PLAIN = new Uint8Array(128);
for (const c of '&*!|>%@`{}[],#\'"?:-') NOT_PLAIN[c.charCodeAt(0)] = 1;

/** First characters of a plain scalar that make it a string whatever follows (plainFirst's PLAIN_STRING). */
const STRING_FIRST = new Uint8Array(128);
for (let c = 0; c < 128; c++) STRING_FIRST[c] = plainFirst(c) === PLAIN_STRING ? 1 : 0;

/** Characters a key this reader takes may start with (isKeyStart). */
const KEY_FIRST = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  KEY_FIRST[c] = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ? 1 : 0;
}

/** Strings of n spaces, to match a line's indentation with one startsWith. */
const SPACES = Array.from({ length: 65 }, (_, n) => ' '.repeat(n));
const MAX_INDENT = 60;

/** A chart name this reader takes: a plain one-line key that is a string (checked again with resolvePlain). */
const CHART_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
/** An annotation key this reader takes (others go to the parsers): `charts.openshift.io/name`, `category`. */
const ANNOTATION_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;

/** How a field's value is read and checked. */
const STRING = 0; // a string field of chart.Metadata, or of a nested struct: a plain scalar must read as a string
const STRING_ANY = 1; // a string field of ChartVersion itself: sigs.k8s.io/yaml turns any plain scalar but null into one
const BOOL = 2;
const TIME = 3;
const STRINGS = 4; // a list of STRING
const STRINGS_ANY = 5; // a list of STRING_ANY
const MAINTAINERS = 6;
const DEPENDENCIES = 7;
const ANNOTATIONS = 8;

/** What the catalogue reads of a field (NONE: checked only). */
const NONE = 0;
const NAME = 1;
const VERSION = 2;
const TYPE = 3;
const APP_VERSION = 4;
const KUBE_VERSION = 5;
const DIGEST = 6;
const CREATED = 7;
const URLS = 8;
const DESCRIPTION = 9;
const ICON = 10;
const DEPRECATED = 11;
const ALIAS = 12;

interface Field {
  name: string;
  kind: number;
  read: number;
  bit: number;
}

/** Fields by the first character of their Go name. */
type FieldTable = (Field[] | undefined)[];

function fieldTable(fields: [string, number, number?][]): FieldTable {
  const table: FieldTable = new Array<Field[] | undefined>(128).fill(undefined);
  fields.forEach(([name, kind, read = NONE], i) =>
    (table[name.charCodeAt(0)] ??= []).push({ name, kind, read, bit: 1 << i }),
  );
  return table;
}

/** ChartVersion's fields (helm-index-shape.ts has their Go types): Metadata's, then its own. */
const CHART_VERSION = fieldTable([
  ['name', STRING, NAME],
  ['home', STRING],
  ['sources', STRINGS],
  ['version', STRING, VERSION],
  ['description', STRING, DESCRIPTION],
  ['keywords', STRINGS],
  ['maintainers', MAINTAINERS],
  ['icon', STRING, ICON],
  ['apiVersion', STRING],
  ['condition', STRING],
  ['tags', STRING],
  ['appVersion', STRING, APP_VERSION],
  ['deprecated', BOOL, DEPRECATED],
  ['annotations', ANNOTATIONS],
  ['kubeVersion', STRING, KUBE_VERSION],
  ['dependencies', DEPENDENCIES],
  ['type', STRING, TYPE],
  ['urls', STRINGS_ANY, URLS],
  ['created', TIME, CREATED],
  ['removed', BOOL],
  ['digest', STRING_ANY, DIGEST],
  ['checksum', STRING_ANY],
  ['engine', STRING_ANY],
  ['tillerVersion', STRING_ANY],
  ['url', STRING_ANY],
]);
const MAINTAINER = fieldTable([
  ['name', STRING],
  ['email', STRING],
  ['url', STRING],
]);
/** Dependency's fields but import-values (a list of anything): an entry with it goes to the parsers. */
const DEPENDENCY = fieldTable([
  ['name', STRING],
  ['version', STRING],
  ['repository', STRING],
  ['condition', STRING],
  ['tags', STRINGS],
  ['enabled', BOOL],
  ['alias', STRING, ALIAS],
]);

class LayoutReader {
  private s = '';
  private len = 0;
  private bytes: Buffer = EMPTY;
  private asciiAt = -1;
  private resolveUrl: UrlResolver = () => undefined;
  private readonly f = new EntryFields();

  /** The start of the next line not yet read. */
  private pos = 0;

  /** The last scalar read: its text is s[from, to), as written (`wrapped`: over several lines). */
  private from = 0;
  private to = 0;
  private quoted = false;
  private wrapped = false;
  private block = false;

  /** Where the next `: `, ` #` and `\` are at or after some earlier point (len: none): each text is searched once for each. */
  private colonSpace = -1;
  private spaceHash = -1;
  private backslash = -1;

  /** The chart's bytes, and the current segment's end in them (the text is bytes [asciiAt, segmentEnd)). */
  private chartEnd = 0;
  private segmentEnd = 0;
  private needle: Buffer | undefined = undefined;

  start(bytes: Buffer, start: number, end: number, ascii: boolean, resolveUrl: UrlResolver, text?: string): void {
    this.bytes = bytes;
    this.chartEnd = end;
    this.resolveUrl = resolveUrl;
    this.needle = undefined;
    this.f.reset(); // the last entry's fields, views of the last text among them
    if (text !== undefined) this.segment(text, ascii ? start : -1, end);
    else this.segment('', start, start);
  }

  /** Reads on in s: the text of bytes [at, end) (asciiAt -1: a text given whole, not ASCII). */
  private segment(s: string, asciiAt: number, end: number): void {
    this.s = s;
    this.len = s.length;
    this.asciiAt = asciiAt;
    this.segmentEnd = end;
    this.pos = 0;
    this.colonSpace = -1;
    this.spaceHash = -1;
    this.backslash = -1;
  }

  /** The next segment of an ASCII chart read from its bytes: up to an entry's start after SEGMENT bytes, or the chart's end. */
  private nextSegment(): void {
    const from = this.segmentEnd;
    let end = this.chartEnd;
    if (end - from > SEGMENT + SEGMENT / 2 && this.needle !== undefined) {
      const at = this.bytes.indexOf(this.needle, from + SEGMENT);
      if (at >= 0 && at < end) end = at + 1;
    }
    this.segment(latin1(this.bytes, from, end), from, end);
  }

  chart(): { name: string; versions: (Candidate | undefined)[] } {
    if (this.segmentEnd === this.asciiAt) {
      // Read from the bytes: entries start at the first dash's column (the line after the chart's key).
      const bytes = this.bytes;
      const keyEnd = bytes.indexOf(NL, this.asciiAt);
      let dash = keyEnd + 1;
      while (bytes[dash] === SPACE) dash++;
      if (keyEnd >= 0 && dash - keyEnd - 1 <= MAX_INDENT) this.needle = itemNeedle(dash - keyEnd - 1);
      this.nextSegment();
    }
    const s = this.s;
    const indent = this.indentOf(0);
    if (indent === 0 || indent > MAX_INDENT) bail();
    const keyEnd = this.lineEnd(indent);
    if (s.charCodeAt(keyEnd - 1) !== COLON || keyEnd >= this.len) bail();
    // A string of its own: the caller keeps the name (in its set of names) while reading on, and a view
    // would keep this segment alive with it, one per chart.
    const name =
      this.asciiAt >= 0
        ? latin1(this.bytes, this.asciiAt + indent, this.asciiAt + keyEnd - 1)
        : own(s.slice(indent, keyEnd - 1));
    if (name.length > 1000 || !CHART_NAME.test(name) || name === '__proto__' || resolvePlain(name) !== 'string') bail();
    let line = keyEnd + 1;
    const dash = this.indentOf(line);
    if (dash < indent || dash > MAX_INDENT || !this.isItem(line + dash)) bail();
    const item = SPACES[dash]! + '- ';
    const versions: (Candidate | undefined)[] = [];
    for (;;) {
      versions.push(this.entry(line + dash + 2, dash + 2));
      line = this.pos;
      if (line >= this.len) {
        if (this.segmentEnd >= this.chartEnd) return { name, versions };
        this.nextSegment(); // it starts where an entry does
        line = 0;
      }
      if (!this.s.startsWith(item, line)) bail(); // a comment, a blank line, …
    }
  }

  /** One entry, its first key at `keyAt` after "- ", its keys at column `indent`. */
  private entry(keyAt: number, indent: number): Candidate | undefined {
    const s = this.s;
    const f = this.f;
    f.reset();
    f.owned = true;
    f.printable = this.asciiAt >= 0; // an ASCII text the caller checked for control characters
    const keyIndent = SPACES[indent]!;
    let seen = 0;
    for (;;) {
      const field = this.field(CHART_VERSION, keyAt);
      if (seen & field.bit) bail();
      seen |= field.bit;
      this.value(field, keyAt + field.name.length + 1, indent);
      const line = this.pos;
      if (line >= this.len) break;
      if (!s.startsWith(keyIndent, line)) break; // the next entry
      keyAt = line + indent;
      const c = s.charCodeAt(keyAt);
      if (!(c < 128 && KEY_FIRST[c] === 1)) bail(); // deeper, a list after a scalar, a comment
    }
    return toCandidate(f, this.resolveUrl);
  }

  /** A field's value, `after` its key's colon; the key stands at column `indent`. */
  private value(field: Field, after: number, indent: number): void {
    const f = this.f;
    switch (field.kind) {
      case STRING:
      case STRING_ANY: {
        if (this.s.charCodeAt(after) !== SPACE) bail(); // scalarAfter, written out: a value below its key, or none
        this.scalarAt(after + 1, indent);
        if (!this.quoted && !this.block) {
          const c = this.s.charCodeAt(this.from);
          if (
            field.kind === STRING ? !(c < 128 && STRING_FIRST[c] === 1) && !this.plainIsString() : this.plainIsNull()
          ) {
            bail();
          }
        }
        if (field.read === NONE) return;
        if (this.block) bail(); // a `|` block is checked only: a value the catalogue reads goes to the parsers
        switch (field.read) {
          case NAME:
            f.name = this.text();
            return;
          case TYPE:
            f.type = this.is(APPLICATION) ? APPLICATION : this.text(); // the common value, with no copy of it
            return;
          case VERSION:
          case APP_VERSION:
          case KUBE_VERSION: {
            const kept = this.kept();
            if (field.read === VERSION) f.version = kept;
            else if (field.read === APP_VERSION) f.appVersion = kept;
            else f.kubeVersion = kept;
            return;
          }
          case DIGEST:
            f.digest = this.text(); // a new string is made of it (toCandidate)
            return;
          case DESCRIPTION:
            // As written, folded only for the version a pack shows (descriptionOf).
            if (this.to > this.from) f.description = this.s.slice(this.from, this.to);
            f.descriptionWrapped = this.wrapped;
            return;
          case ICON:
            f.icon = this.text();
            return;
          case ALIAS:
            if (!validAlias(this.text() ?? '')) f.dropped = true;
            return;
        }
        return;
      }
      case BOOL: {
        this.scalarAfter(after, indent);
        if (this.quoted || this.block || this.wrapped) bail();
        const text = this.s.slice(this.from, this.to);
        if (resolvePlain(text) !== 'bool') bail();
        if (field.read === DEPRECATED) f.deprecated = yamlTrue(text);
        return;
      }
      case TIME: {
        this.scalarAfter(after, indent);
        if (this.block || this.wrapped || (!this.quoted && !this.plainIsString())) bail();
        const kept = this.kept();
        if (kept === undefined || !goRfc3339(kept)) bail();
        f.created = kept;
        return;
      }
      case STRINGS:
      case STRINGS_ANY:
        this.strings(after, indent, field.kind === STRINGS, field.read === URLS);
        return;
      case MAINTAINERS:
      case DEPENDENCIES:
        this.structs(after, indent, field.kind === MAINTAINERS ? MAINTAINER : DEPENDENCY);
        return;
      case ANNOTATIONS:
        this.annotations(after, indent);
        return;
    }
    bail();
  }

  /** The key of `table` at `at`, followed by `:`. */
  private field(table: FieldTable, at: number): Field {
    const s = this.s;
    const c = s.charCodeAt(at);
    const candidates = c < 128 ? table[c] : undefined;
    if (candidates !== undefined) {
      for (let i = 0; i < candidates.length; i++) {
        const field = candidates[i]!;
        if (s.charCodeAt(at + field.name.length) === COLON && s.startsWith(field.name, at)) return field;
      }
    }
    return bail(); // another field, another spelling: the parsers say what Helm makes of it
  }

  /** A block list of strings below its key (at column `indent`, or deeper). */
  private strings(after: number, indent: number, mustBeString: boolean, urls: boolean): void {
    const s = this.s;
    const column = this.listBelow(after, indent);
    const dash = SPACES[column]! + '- ';
    let line = this.pos;
    let count = 0;
    for (;;) {
      this.scalarAt(line + column + 2, column);
      if (this.block || (!this.quoted && (mustBeString ? !this.plainIsString() : this.plainIsNull()))) bail();
      if (urls) {
        const url = this.kept();
        if (count === 0) this.f.url = url;
        else if (count === 1) this.f.urls = [this.f.url, url];
        else (this.f.urls as unknown[]).push(url);
      }
      count++;
      line = this.pos;
      if (line >= this.len || !s.startsWith(dash, line)) return;
    }
  }

  /** A block list of maps (maintainers, dependencies) below its key at column `indent`. */
  private structs(after: number, indent: number, table: FieldTable): void {
    const s = this.s;
    const column = this.listBelow(after, indent);
    const dash = SPACES[column]! + '- ';
    const keyIndent = SPACES[column + 2]!;
    for (;;) {
      let keyAt = this.pos + column + 2;
      if (!this.isKeyStart(s.charCodeAt(keyAt))) bail(); // a null item (Helm drops the entry), a scalar, …
      let seen = 0;
      for (;;) {
        const field = this.field(table, keyAt);
        if (seen & field.bit) bail();
        seen |= field.bit;
        this.value(field, keyAt + field.name.length + 1, column + 2);
        const line = this.pos;
        if (line >= this.len) return;
        if (!s.startsWith(keyIndent, line)) break;
        keyAt = line + column + 2;
        if (!this.isKeyStart(s.charCodeAt(keyAt))) bail();
      }
      if (!s.startsWith(dash, this.pos)) return;
    }
  }

  /** The annotations: a block map of strings below its key at column `indent`. */
  private annotations(after: number, indent: number): void {
    const s = this.s;
    if (s.charCodeAt(after) !== NL) bail();
    const line = after + 1;
    const column = this.indentOf(line);
    if (column <= indent || column > MAX_INDENT) bail();
    const keyIndent = SPACES[column]!;
    const keys: string[] = [];
    let keyAt = line + column;
    for (;;) {
      const lineEnd = this.lineEnd(keyAt);
      const colon = s.indexOf(':', keyAt);
      if (colon < 0 || colon >= lineEnd || !(s.charCodeAt(colon + 1) === SPACE || colon + 1 === lineEnd)) bail();
      const key = s.slice(keyAt, colon);
      if (key.length > 1000 || !ANNOTATION_KEY.test(key) || keys.includes(key) || resolvePlain(key) !== 'string')
        bail();
      keys.push(key);
      // Annotations are strings; one whose key is a Metadata field's name is converted as that field, which the parsers know.
      this.scalarAfter(colon + 1, column);
      if (!this.quoted && !this.block && !this.plainIsString()) bail();
      if (key === DISPLAY_NAME_ANNOTATION || key === LAYER_ANNOTATION) {
        if (this.block) bail();
        if (key === LAYER_ANNOTATION) this.f.layer = this.text();
        else this.f.displayName = this.text();
      }
      const next = this.pos;
      if (next >= this.len || !s.startsWith(keyIndent, next)) return;
      keyAt = next + column;
      if (!this.isKeyStart(s.charCodeAt(keyAt))) bail();
    }
  }

  /**
   * The column of a block list below a key (at column `indent`) whose colon ends its line at `after`:
   * the key's own column, as Helm writes them, or deeper. The cursor moves to the list's first line.
   */
  private listBelow(after: number, indent: number): number {
    if (this.s.charCodeAt(after) !== NL) bail(); // a flow list, a scalar, a trailing space or comment
    const line = after + 1;
    const column = this.indentOf(line);
    if (column < indent || column > MAX_INDENT || !this.isItem(line + column)) bail(); // null, or a map
    this.pos = line;
    return column;
  }

  /** The scalar after a key's colon at `after - 1`: one space, then the scalar. */
  private scalarAfter(after: number, indent: number): void {
    if (this.s.charCodeAt(after) !== SPACE) bail(); // a value below the key, or none: the parsers read those
    this.scalarAt(after + 1, indent);
  }

  /**
   * The scalar starting at `at` of a node at column `indent` (wrapped lines are deeper): plain,
   * quoted without escapes, or a `|` block (checked only). Leaves the cursor after it.
   */
  private scalarAt(at: number, indent: number): void {
    const s = this.s;
    const c = s.charCodeAt(at);
    let lineEnd = s.indexOf('\n', at); // lineEnd() written out: this runs for every value
    if (lineEnd < 0) lineEnd = this.len;
    this.block = false;
    if (c === DQUOTE || c === SQUOTE) {
      const close = s.indexOf(c === DQUOTE ? '"' : "'", at + 1);
      if (close < 0) bail();
      if (c === SQUOTE ? s.charCodeAt(close + 1) === SQUOTE : this.backslashFrom(at) < close) bail(); // an escape
      let end = lineEnd;
      while (end < close) {
        // A quoted scalar wrapped over lines deeper than its node, none blank: each break folds into a space.
        const line = end + 1;
        const n = this.indentOf(line);
        if (n <= indent || s.charCodeAt(line + n) === NL) bail();
        end = this.lineEnd(line);
      }
      if (close + 1 !== end) bail(); // something after the closing quote
      this.from = at + 1;
      this.to = close;
      this.quoted = true;
      this.wrapped = end !== lineEnd;
      this.pos = end + 1;
      return;
    }
    this.quoted = false;
    if (c === PIPE) {
      this.literal(at, lineEnd, indent);
      return;
    }
    if ((c < 128 && NOT_PLAIN[c] === 1) || c === SPACE) bail();
    if (at >= lineEnd) bail(); // nothing after "key: ": null, which the parsers read
    let end = lineEnd;
    this.wrapped = false;
    for (;;) {
      const last = s.charCodeAt(end - 1);
      if (last === SPACE || last === COLON) bail(); // trailing spaces, or a key where a value belongs
      const line = end + 1;
      // A wrapped line is deeper than the node: at least one more space than `indent`.
      if (line >= this.len || s.charCodeAt(line + indent) !== SPACE) break;
      const n = this.indentOf(line);
      if (n <= indent) break;
      const first = s.charCodeAt(line + n);
      if (first === NL || first === HASH) bail(); // a blank line inside (a line break) or a comment
      end = this.lineEnd(line);
      this.wrapped = true;
    }
    // A key or a comment inside: the next of each, searched for once a text and kept.
    if (this.colonSpace < at) this.colonSpace = this.search(': ', at);
    if (this.spaceHash < at) this.spaceHash = this.search(' #', at);
    if (this.colonSpace < end || this.spaceHash < end) bail();
    this.from = at;
    this.to = end;
    this.pos = end + 1;
  }

  /** A `|` or `|-` block scalar, checked only (its lines are text); the parsers read any other block. */
  private literal(at: number, lineEnd: number, indent: number): void {
    const s = this.s;
    const header = lineEnd - at;
    if (!(header === 1 || (header === 2 && s.charCodeAt(at + 1) === DASH))) bail();
    let line = lineEnd + 1;
    let content = -1;
    let blankIndent = 0;
    while (line < this.len) {
      const n = this.indentOf(line);
      if (s.charCodeAt(line + n) === NL) {
        if (content < 0) blankIndent = Math.max(blankIndent, n);
        line += n + 1;
        continue;
      }
      if (content < 0) {
        if (n <= indent) break;
        if (blankIndent > n) bail(); // leading blank lines deeper than the text: an error the parsers name
        content = n;
      }
      if (n < content) {
        if (n > indent) bail(); // less indented than the block but inside it: an error
        break;
      }
      line = this.lineEnd(line) + 1;
    }
    this.block = true;
    this.wrapped = false;
    this.from = at;
    this.to = at;
    this.pos = Math.min(line, this.len);
  }

  /** Whether the last plain scalar reads as a string (resolvePlain), reading its text only when its first character cannot tell. */
  private plainIsString(): boolean {
    const first = plainFirst(this.s.charCodeAt(this.from));
    if (first === PLAIN_STRING) return this.to > this.from;
    if (first === PLAIN_WORD && (this.wrapped || this.to - this.from > 5)) return true;
    if (this.dotted()) return true;
    return !this.wrapped && resolvePlain(this.s.slice(this.from, this.to)) === 'string';
  }

  /** Whether the last scalar starts with digits, a dot, digits and a dot (1.2.3…), which resolvePlain reads as a string first of all. */
  private dotted(): boolean {
    const s = this.s;
    let i = this.from;
    while (isDigit(s.charCodeAt(i))) i++;
    if (i === this.from || s.charCodeAt(i) !== DOT) return false;
    i++;
    while (isDigit(s.charCodeAt(i))) i++;
    return s.charCodeAt(i) === DOT && i < this.to;
  }

  /** Whether the last plain scalar reads as null. */
  private plainIsNull(): boolean {
    return this.to - this.from <= 5 && !this.wrapped && YAML11_NULL.has(this.s.slice(this.from, this.to));
  }

  /** Whether the last scalar's value is `value` (written on one line). */
  private is(value: string): boolean {
    return !this.wrapped && this.to - this.from === value.length && this.s.startsWith(value, this.from);
  }

  /** The last scalar's value, a view of the text; undefined for ''. */
  private text(): string | undefined {
    if (this.to === this.from) return undefined;
    const raw = this.s.slice(this.from, this.to);
    return this.wrapped ? foldLines(raw) : raw;
  }

  /** The last scalar's value, as a string of its own (the catalogue keeps it); undefined for ''. */
  private kept(): string | undefined {
    if (this.to === this.from) return undefined;
    if (this.wrapped) return own(foldLines(this.s.slice(this.from, this.to)));
    if (this.asciiAt < 0 || this.to - this.from < 13) return own(this.s.slice(this.from, this.to));
    // Latin-1 from the bytes: for an ASCII text the same characters, copied once into a string that holds them.
    return latin1(this.bytes, this.asciiAt + this.from, this.asciiAt + this.to);
  }

  private backslashFrom(at: number): number {
    if (this.backslash < at) this.backslash = this.search('\\', at);
    return this.backslash;
  }

  private search(needle: string, at: number): number {
    const i = this.s.indexOf(needle, at);
    return i < 0 ? this.len : i;
  }

  /** A list item's dash at `at`: "- " and then content. */
  private isItem(at: number): boolean {
    const s = this.s;
    const c = s.charCodeAt(at + 2);
    return s.charCodeAt(at) === DASH && s.charCodeAt(at + 1) === SPACE && c !== SPACE && c !== NL && !Number.isNaN(c);
  }

  /** A character a key this reader takes may start with. */
  private isKeyStart(c: number): boolean {
    return c < 128 && KEY_FIRST[c] === 1;
  }

  private indentOf(line: number): number {
    let i = line;
    while (this.s.charCodeAt(i) === SPACE) i++;
    return i - line;
  }

  /** The `\n` ending the line holding `at`, or the text's length. */
  private lineEnd(at: number): number {
    const nl = this.s.indexOf('\n', at);
    return nl < 0 ? this.len : nl;
  }
}

const reader = new LayoutReader();
