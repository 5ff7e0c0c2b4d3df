import {
  BAIL,
  bail,
  lookup,
  resolvePlain,
  scalarAccepted,
  YAML11_NULL,
  type GoType,
  type ScalarKind,
} from './helm-index-shape.js';

/**
 * A fast path for the YAML that Helm and chart-releaser write: block maps and lists, plain scalars
 * (wrapped over lines too), one-line quoted scalars and `|` literal blocks. It reads one chart of
 * `entries` (splitCharts' text) in a single pass over the characters and checks Helm's types as it
 * goes, with no event list and no second walk: several times faster than js-yaml's events plus the
 * shape check, and it allocates little more than the result.
 *
 * Fidelity comes first, so it never decides anything hard: on any construct outside that subset
 * (anchors, tags, flow collections, folded or indented blocks, quoted keys, escapes it does not know,
 * blank lines inside a scalar, duplicate keys, a field named in another case than Go's, …) and on
 * anything Helm would refuse, it returns undefined and the caller parses the chart with js-yaml and
 * the shape check, which give the exact value or the exact message. What it returns is what that
 * path returns: the same values, strings for every scalar, null for empty and null-like plain scalars.
 */
export function parseChartFast(
  text: string,
  type: GoType,
  ascii = false,
  eachEntry?: (entry: unknown) => unknown,
): { name: string; versions: unknown } | undefined {
  const result = parseMapFast(text, type, ascii, eachEntry);
  const keys = result ? Object.keys(result) : [];
  if (keys.length !== 1) return undefined;
  return { name: keys[0]!, versions: result![keys[0]!] };
}

/**
 * A text that is one block map of `type` (a chart, or the index without its charts: splitIndex's
 * head), read as parseChartFast reads a chart; undefined leaves it to the full parser.
 */
export function parseMapFast(
  text: string,
  type: GoType,
  ascii = false,
  eachEntry?: (entry: unknown) => unknown,
): YamlMap | undefined {
  if (!supportedText(text, ascii)) return undefined;
  try {
    const p = new Parser(text, eachEntry);
    const first = p.nextContentLine();
    if (first < 0) return undefined;
    const indent = p.lineIndent;
    const result = p.mapAt(first + indent, indent, type, type, 0);
    if (p.nextContentLine() >= 0) return undefined; // something after the map: not one map
    return result;
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

/**
 * Whether a text holds none of the characters the fast readers leave to the full parser (UNSUPPORTED_TEXT);
 * `ascii` says the caller found it to be ASCII, which a narrower class checks faster.
 */
export function supportedText(text: string, ascii = false): boolean {
  return !(ascii ? UNSUPPORTED_ASCII : UNSUPPORTED_TEXT).test(text);
}

/**
 * Whether no ASCII text of these bytes holds a character UNSUPPORTED_ASCII names (control characters,
 * tabs and carriage returns among them): then supportedText need not look at each chart. A native
 * search for each such byte reads an index several times faster than the regular expression does.
 */
export function controlFree(bytes: Buffer): boolean {
  for (let c = 0; c < 0x20; c++) if (c !== 0x0a && bytes.indexOf(c) >= 0) return false;
  return bytes.indexOf(0x7f) < 0;
}

/** Tabs, carriage returns, and what js-yaml refuses as non-printable: the full parser decides those. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_TEXT = /[\t\r\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF\uD800-\uDFFF\uFEFF\u2028\u2029]/;
/** The same in a text the caller found to be ASCII (`ascii`): a narrower class, scanned faster. */
const UNSUPPORTED_ASCII = /[^\n -~]/;

/** quickScalar's answer when it leaves a scalar to scalar(). */
const SLOW = Symbol('slow');

const MAX_DEPTH = 32;
const SPACE = 0x20;
const NL = 0x0a;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;

/** First characters that make a plain scalar or key something else (an indicator) in block context. */
const INDICATOR = new Uint8Array(128);
for (const c of '&*!|>%@`{}[],#\'"?') INDICATOR[c.charCodeAt(0)] = 1;

type YamlMap = Record<string, unknown>;

class Parser {
  constructor(
    private readonly s: string,
    /** Applied to each entry of the chart's list as it is read: the list holds what it returns. */
    private readonly eachEntry?: (entry: unknown) => unknown,
  ) {}

  /** Start of the line after the one at `line`, or the text's length. */
  private next(line: number): number {
    const end = this.end(line);
    return end < this.s.length ? end + 1 : end;
  }

  /** The end of the line holding `at` (a `\n`, or the text's end); the last answer is kept, as each line is asked several times. */
  private end(at: number): number {
    if (at >= this.endFrom && at <= this.endAt) return this.endAt;
    const nl = this.s.indexOf('\n', at);
    this.endFrom = at;
    this.endAt = nl < 0 ? this.s.length : nl;
    return this.endAt;
  }

  private endFrom = -1;
  private endAt = -1;

  indentOf(line: number): number {
    let i = line;
    while (this.s.charCodeAt(i) === SPACE) i++;
    return i - line;
  }

  /** The cursor: the start of the next line not yet consumed. */
  private pos = 0;

  /**
   * The next line with content at or after the cursor (the cursor moves past lines of nothing but
   * spaces or a comment), or -1; its indentation is left in `lineIndent`.
   */
  nextContentLine(): number {
    if (this.pos === this.knownLine) {
      this.lineIndent = this.knownIndent; // quickScalar looked at this line already
      return this.pos;
    }
    const length = this.s.length;
    while (this.pos < length) {
      const n = this.indentOf(this.pos);
      const c = this.s.charCodeAt(this.pos + n);
      if (c !== NL && c !== HASH && !Number.isNaN(c)) {
        this.lineIndent = n;
        return this.pos;
      }
      this.pos = c === NL ? this.pos + n + 1 : this.next(this.pos);
    }
    return -1;
  }

  /** The indentation of the line nextContentLine found last. */
  lineIndent = 0;

  /** A line known to hold content (not blank, not a comment), and its indentation. */
  private knownLine = -1;
  private knownIndent = 0;

  /**
   * A block map whose keys sit at column `indent`; the first key starts at `at` (which may be inside
   * a line, after a list's "- "), later keys on lines of their own.
   */
  mapAt(at: number, indent: number, type: GoType, coerce: GoType | undefined, depth: number): YamlMap {
    if (depth > MAX_DEPTH) bail();
    if (type.kind !== 'struct' && type.kind !== 'map' && type.kind !== 'any') bail();
    const target = coerce?.kind === 'time' || coerce?.kind === 'any' ? undefined : coerce;
    const out: YamlMap = {};
    let keyAt = at;
    let seen = 0; // the struct fields read so far, by their bit
    for (;;) {
      // A struct's field spelled as Go names it, then ": " or the line's end: matched in the text, with
      // no key string to make and look up. That colon is the first on the line, as keyEnd would find.
      const exact = type.kind === 'struct' ? this.fieldAt(type, keyAt) : undefined;
      const colon = exact ? keyAt + exact.field.name.length : this.keyEnd(keyAt);
      let key: string;
      let fieldType: GoType = ANY;
      let fieldCoerce: GoType | undefined;
      if (exact) {
        key = exact.field.name;
        if (seen & exact.bit) bail();
        seen |= exact.bit;
        fieldType = exact.field.type;
        fieldCoerce = target === type ? exact.field.coerce : this.coerceOf(target, key);
      } else {
        key = this.s.slice(keyAt, colon);
        if (resolvePlain(key) !== 'string' || key === '<<' || key === '__proto__' || Object.hasOwn(out, key)) bail();
        // The conversion's target and the field's type, exactly as checkYamlShape's walk finds them.
        fieldCoerce = this.coerceOf(target, key);
        if (type.kind === 'struct') {
          // An unknown field (Helm refuses the index, and the full parser says where), or one spelled in
          // another case: every struct this returns has its fields by their Go names.
          const field = lookup(type, key);
          if (field?.name !== key) bail();
          fieldType = field!.type;
        } else if (type.kind === 'map') fieldType = type.elem;
      }
      let value: unknown = SLOW;
      if (this.s.charCodeAt(colon + 1) === SPACE) {
        let v = colon + 2;
        while (this.s.charCodeAt(v) === SPACE) v++;
        value = this.quickScalar(v, indent, fieldType, fieldCoerce);
      }
      out[key] = value !== SLOW ? value : this.value(colon + 1, indent, fieldType, fieldCoerce, depth + 1);
      const line = this.nextContentLine();
      if (line < 0) return out;
      const n = this.lineIndent;
      if (n < indent) return out;
      if (n > indent) bail();
      if (this.s.charCodeAt(line + n) === DASH && this.isSeqItem(line + n)) bail(); // a list after a scalar value
      keyAt = line + n;
    }
  }

  private tableOf: StructType | undefined;
  private table: FieldTable = [];

  /** Where sigs.k8s.io/yaml's conversion looks for the value of `key` under `target`. */
  private coerceOf(target: GoType | undefined, key: string): GoType | undefined {
    return target?.kind === 'struct' ? lookup(target, key)?.coerce : target?.kind === 'map' ? target.elem : undefined;
  }

  /**
   * The field of `type` whose Go name is the key at `at`, followed by ":" and a space or the line's
   * end, with its bit, if any.
   */
  private fieldAt(type: StructType, at: number): { field: GoField; bit: number } | undefined {
    const c = this.s.charCodeAt(at);
    if (type !== this.tableOf) {
      this.table = fieldTable(type);
      this.tableOf = type;
    }
    const candidates = c < 128 ? this.table[c] : undefined;
    if (candidates === undefined) return undefined;
    for (let i = 0; i < candidates.length; i++) {
      const f = candidates[i]!; // indexed: a for-of allocates an iterator until the JIT removes it
      const colon = at + f.field.name.length;
      if (this.s.charCodeAt(colon) !== COLON || !this.s.startsWith(f.field.name, at)) continue;
      const next = this.s.charCodeAt(colon + 1);
      return next === SPACE || next === NL || Number.isNaN(next) ? f : undefined;
    }
    return undefined;
  }

  /** A list whose "- " sit at column `indent`, starting at the line `line`. */
  private seqAt(line: number, indent: number, type: GoType, coerce: GoType | undefined, depth: number): unknown[] {
    if (depth > MAX_DEPTH) bail();
    if (type.kind !== 'slice' && type.kind !== 'any') bail();
    const elem = type.kind === 'slice' ? type.elem : ANY;
    const target = coerce?.kind === 'time' || coerce?.kind === 'any' ? undefined : coerce;
    const elemCoerce = target?.kind === 'slice' ? target.elem : undefined;
    let out: unknown[] | undefined;
    const each = depth === 1 ? this.eachEntry : undefined; // depth 1: the chart's own list
    for (;;) {
      const dash = line + indent;
      const item = this.item(dash + 1, indent, elem, elemCoerce, depth + 1);
      const value = each ? each(item) : item;
      // The first from a literal, which holds it alone: most lists here have one item (`urls`), and
      // push onto [] reserves 17 places.
      if (out) out.push(value);
      else out = [value];
      const next = this.nextContentLine();
      if (next < 0) return out;
      const n = this.lineIndent;
      if (n < indent) return out;
      if (n > indent) bail();
      if (!(this.s.charCodeAt(next + n) === DASH && this.isSeqItem(next + n))) return out; // the parent map goes on
      line = next;
    }
  }

  private isSeqItem(dash: number): boolean {
    const c = this.s.charCodeAt(dash + 1);
    return c === SPACE || c === NL || Number.isNaN(c);
  }

  /** A list item's node: what follows "- " on its line (a scalar or the first key of a map), or below it. */
  private item(after: number, indent: number, type: GoType, coerce: GoType | undefined, depth: number): unknown {
    let at = after;
    while (this.s.charCodeAt(at) === SPACE) at++;
    const c = this.s.charCodeAt(at);
    if (c === NL || Number.isNaN(c) || c === HASH) return this.below(at, indent, type, coerce, depth, false);
    if (c === DASH && this.isSeqItem(at)) bail(); // "- - x": a list in a list on one line
    const quick = this.quickScalar(at, indent, type, coerce);
    if (quick !== SLOW) return quick;
    const lineEnd = this.end(at);
    const keyColon = this.findKeyColon(at, lineEnd);
    if (keyColon >= 0) {
      return this.mapAt(at, at - this.lineStart(at), type, coerce, depth);
    }
    return this.scalar(at, indent, type, coerce);
  }

  private lineStart(at: number): number {
    return this.s.lastIndexOf('\n', at - 1) + 1;
  }

  /** A map value after its key's colon at `after`; the key sits at column `indent`. */
  private value(after: number, indent: number, type: GoType, coerce: GoType | undefined, depth: number): unknown {
    const c0 = this.s.charCodeAt(after);
    if (!(c0 === SPACE || c0 === NL || Number.isNaN(c0))) bail();
    let at = after;
    while (this.s.charCodeAt(at) === SPACE) at++;
    const c = this.s.charCodeAt(at);
    if (c === NL || Number.isNaN(c) || (c === HASH && at > after))
      return this.below(at, indent, type, coerce, depth, true);
    if (c === DASH && this.isSeqItem(at)) bail();
    return this.scalar(at, indent, type, coerce);
  }

  /**
   * The node on the lines below a key or "- " with nothing after it: deeper lines, a list at the
   * key's own column (`listAtColumn`, as Helm writes `urls:` and each chart's versions), or null.
   */
  private below(
    at: number,
    indent: number,
    type: GoType,
    coerce: GoType | undefined,
    depth: number,
    listAtColumn: boolean,
  ): unknown {
    this.pos = this.next(at);
    const line = this.nextContentLine();
    const n = line < 0 ? -1 : this.lineIndent;
    if (line >= 0 && n > indent) {
      if (this.s.charCodeAt(line + n) === DASH && this.isSeqItem(line + n))
        return this.seqAt(line, n, type, coerce, depth);
      const keyColon = this.findKeyColon(line + n, this.end(line));
      if (keyColon < 0) bail(); // a scalar on its own line below its key: the full parser reads those
      return this.mapAt(line + n, n, type, coerce, depth);
    }
    if (listAtColumn && line >= 0 && n === indent && this.s.charCodeAt(line + n) === DASH && this.isSeqItem(line + n)) {
      return this.seqAt(line, n, type, coerce, depth);
    }
    return this.checked(null, 'null', '', type, coerce);
  }

  /** Where a plain key's colon is on this line (": " or ":" at the end), or -1 when the line holds no key. */
  private findKeyColon(from: number, lineEnd: number): number {
    const c = this.s.charCodeAt(from);
    if (c === 0x22 || c === 0x27) {
      // A quoted scalar, or a quoted key (which the full parser reads).
      const close = this.s.indexOf(String.fromCharCode(c), from + 1);
      if (close > 0 && close < lineEnd) {
        let k = close + 1;
        while (this.s.charCodeAt(k) === SPACE) k++;
        if (this.s.charCodeAt(k) === COLON) bail();
      }
      return -1;
    }
    for (let i = this.s.indexOf(':', from); i >= 0 && i < lineEnd; i = this.s.indexOf(':', i + 1)) {
      const next = this.s.charCodeAt(i + 1);
      if (next === SPACE || next === NL || Number.isNaN(next)) return i;
    }
    return -1;
  }

  /** The colon after a plain one-line key at `at`; anything else leaves the fast path. */
  private keyEnd(at: number): number {
    const lineEnd = this.end(at);
    const c = this.s.charCodeAt(at);
    if (c < 128 && INDICATOR[c] === 1) bail();
    if ((c === DASH || c === COLON) && this.s.charCodeAt(at + 1) === SPACE) bail();
    const colon = this.findKeyColon(at, lineEnd);
    if (colon <= at || colon - at > 1024) bail(); // go-yaml v2 reads no longer key: the full parser says so
    if (this.s.charCodeAt(colon - 1) === SPACE) bail();
    for (let i = at; i < colon; i++) if (this.s.charCodeAt(i) === HASH && this.s.charCodeAt(i - 1) === SPACE) bail();
    return colon;
  }

  /**
   * What scalar() reads, for the scalars Helm writes nearly all of: one plain or quoted line
   * without escapes, comments or a `: `, the next line a content line no deeper than `indent`. Each
   * check is a native search or a few characters, and the next line's indentation is kept for
   * nextContentLine. SLOW, with nothing consumed, for anything else: the caller reads it as before.
   */
  private quickScalar(at: number, indent: number, type: GoType, coerce: GoType | undefined): unknown {
    if (type.kind === 'struct' || type.kind === 'map' || type.kind === 'slice') return SLOW;
    const s = this.s;
    const lineEnd = this.end(at);
    const c = s.charCodeAt(at);
    let text: string;
    if (c === 0x22 || c === 0x27) {
      // Quoted: no escape inside (a backslash in double quotes, '' in single ones).
      const close = s.indexOf(c === 0x22 ? '"' : "'", at + 1);
      if (close < 0 || close > lineEnd) return SLOW;
      text = s.slice(at + 1, close);
      if (c === 0x22 ? text.includes('\\') : s.charCodeAt(close + 1) === 0x27) return SLOW;
      let i = close + 1;
      while (s.charCodeAt(i) === SPACE) i++;
      if (i !== lineEnd) return SLOW;
    } else {
      if (at >= lineEnd || (c < 128 && INDICATOR[c] === 1) || c === DASH || c === 0x3f || c === COLON) return SLOW;
      let end = lineEnd;
      while (s.charCodeAt(end - 1) === SPACE) end--;
      text = s.slice(at, end);
      if (text.includes(' #') || text.includes(': ') || text.endsWith(':')) return SLOW;
    }
    const next = lineEnd + 1;
    if (next < s.length) {
      let n = 0;
      while (s.charCodeAt(next + n) === SPACE) n++;
      const fc = s.charCodeAt(next + n);
      if (n > indent || fc === NL || fc === HASH || Number.isNaN(fc)) return SLOW; // a wrapped line, a blank one, a comment
      this.knownLine = next;
      this.knownIndent = n;
      this.pos = next;
    } else this.pos = s.length;
    const quoted = c === 0x22 || c === 0x27;
    if (type.kind === 'string') {
      // What scalarAccepted says, without its calls: a string field takes a quoted scalar, and a plain
      // one that reads as a string (any plain one, when the conversion also aims at a string).
      if (quoted) return text;
      if (coerce?.kind === 'string') return YAML11_NULL.has(text) ? null : text;
      const kind = resolvePlain(text);
      if (kind === 'string') return text;
      if (kind === 'null') return null;
    }
    if (quoted) return this.checked(text, 'string', text, type, coerce);
    const kind: ScalarKind = resolvePlain(text);
    return this.checked(kind === 'null' ? null : text, kind, text, type, coerce);
  }

  /** A scalar starting at `at` on a line whose node sits at column `indent`: wrapped lines must be deeper. */
  private scalar(at: number, indent: number, type: GoType, coerce: GoType | undefined): unknown {
    const c = this.s.charCodeAt(at);
    const lineEnd = this.end(at);
    this.pos = this.next(at);
    if (c === 0x7b /* { */ && this.s.charCodeAt(at + 1) === 0x7d /* } */) {
      // `{}`, an empty map: what splitIndex's head holds in place of the charts.
      if (type.kind !== 'struct' && type.kind !== 'map' && type.kind !== 'any') bail();
      this.restOfLine(at + 2, lineEnd);
      return {};
    }
    if (c === 0x22 || c === 0x27) {
      const { value, end } = this.quoted(at, indent, c === 0x22);
      this.restOfLine(end, this.end(end));
      this.pos = this.next(end);
      return this.checked(value, 'string', value, type, coerce);
    }
    if (c === 0x7c /* | */) {
      const header = this.s.slice(at, lineEnd).replace(/ +$/, '');
      if (header !== '|' && header !== '|-') bail(); // folded, keep or explicit indentation: the full parser
      const value = this.literal(indent, header === '|-');
      return this.checked(value, 'string', value, type, coerce);
    }
    if (c < 128 && INDICATOR[c] === 1) bail();
    if ((c === 0x3f /* ? */ || c === COLON) && this.s.charCodeAt(at + 1) === SPACE) bail();
    let value = this.plainLine(at, lineEnd);
    // Wrapped lines: deeper than the node, each folded into one space.
    for (;;) {
      if (this.pos >= this.s.length) break;
      const n = this.indentOf(this.pos);
      const first = this.pos + n;
      const fc = this.s.charCodeAt(first);
      if (fc === NL || Number.isNaN(fc)) {
        // A blank line: fine at the scalar's end, but inside one it is a line break the full parser folds.
        const after = this.nextContentLine();
        if (after >= 0 && this.lineIndent > indent) bail();
        break;
      }
      if (n <= indent) break;
      // "- " or "? " starting a wrapped line is text (go-yaml and js-yaml agree); ": " would end the scalar.
      if (fc === HASH || (fc === COLON && this.isSeqItem(first))) bail();
      value += ' ' + this.plainLine(first, this.end(first));
      this.pos = this.next(first);
    }
    // A string field the conversion also aims at takes any scalar: only null needs telling apart.
    if (type.kind === 'string' && coerce?.kind === 'string') return YAML11_NULL.has(value) ? null : value;
    const kind: ScalarKind = resolvePlain(value);
    return this.checked(kind === 'null' ? null : value, kind, value, type, coerce);
  }

  /** One line of a plain scalar, trimmed; comments and ": " (a key where a value belongs) leave the fast path. */
  private plainLine(from: number, lineEnd: number): string {
    let end = lineEnd;
    while (end > from && this.s.charCodeAt(end - 1) === SPACE) end--; // YAML trims spaces, not all of Unicode's whitespace
    const text = this.s.slice(from, end);
    if (text.includes(' #') || text.includes(': ') || text.endsWith(':')) bail();
    return text;
  }

  /** Only spaces (or a comment after one) may follow a quoted scalar on its line. */
  private restOfLine(from: number, lineEnd: number): void {
    let i = from;
    while (this.s.charCodeAt(i) === SPACE) i++;
    if (i < lineEnd && !(this.s.charCodeAt(i) === HASH && i > from)) bail();
  }

  /**
   * A quoted scalar from its opening quote at `at`, wrapped over lines deeper than `indent` as go-yaml
   * writes long ones: each line break folds into a space, spaces around it go, and in double quotes
   * a backslash at the end of a line joins without one. Returns the value and where the scalar ends.
   */
  private quoted(at: number, indent: number, double: boolean): { value: string; end: number } {
    const quote = double ? 0x22 : 0x27;
    let value = '';
    let kept = 0; // what escapes produced is not trimmed at a line's end
    let i = at + 1;
    for (;;) {
      const lineEnd = this.end(i);
      let j = i;
      while (j < lineEnd) {
        const c = this.s.charCodeAt(j);
        if (c === quote || (double && c === 0x5c)) break;
        j++;
      }
      value += this.s.slice(i, j);
      if (j < lineEnd && this.s.charCodeAt(j) === quote) {
        if (!double && this.s.charCodeAt(j + 1) === 0x27) {
          value += "'";
          kept = value.length;
          i = j + 2;
          continue;
        }
        return { value, end: j + 1 };
      }
      let joined = false;
      if (j < lineEnd) {
        // A backslash escape (double quotes only).
        if (j + 1 === lineEnd)
          joined = true; // an escaped line break
        else {
          value += this.escape(j);
          kept = value.length;
          i = j + 2 + (ESCAPE_DIGITS[this.s[j + 1]!] ?? 0);
          continue;
        }
      }
      // The line ends inside the scalar: fold it into the next, which must be deeper than the node.
      if (!joined) {
        let end = value.length;
        while (end > kept && value.charCodeAt(end - 1) === SPACE) end--;
        value = value.slice(0, end);
      }
      const next = lineEnd + 1;
      if (next >= this.s.length) bail();
      const n = this.indentOf(next);
      const first = next + n;
      const fc = this.s.charCodeAt(first);
      if (n <= indent || fc === NL || Number.isNaN(fc)) bail(); // blank lines inside fold to line breaks: the full parser
      if (!joined) value += ' ';
      kept = value.length;
      i = first;
    }
  }

  /** The character a backslash escape at `at` stands for (the escape is known to be on one line). */
  private escape(at: number): string {
    const esc = this.s[at + 1]!;
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) return simple;
    const digits = ESCAPE_DIGITS[esc];
    if (digits === undefined || digits === 0) bail();
    const hex = this.s.slice(at + 2, at + 2 + digits);
    if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) bail();
    const code = parseInt(hex, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) bail();
    return String.fromCodePoint(code);
  }

  /** A `|` block under a node at column `indent`: its lines as written, less their common indentation. */
  private literal(indent: number, strip: boolean): string {
    const lines: string[] = [];
    let contentIndent = -1;
    let maxBlankIndent = 0;
    while (this.pos < this.s.length) {
      const n = this.indentOf(this.pos);
      const first = this.pos + n;
      const lineEnd = this.end(this.pos);
      if (first >= lineEnd) {
        // A line of spaces only: part of the block (an empty line), unless the block ends after it.
        if (contentIndent < 0) maxBlankIndent = Math.max(maxBlankIndent, n);
        else if (n > contentIndent) bail(); // spaces past the indentation on an empty line: the full parser keeps them right
        lines.push('');
        this.pos = this.next(this.pos);
        continue;
      }
      if (contentIndent < 0) {
        if (n <= indent) break;
        if (maxBlankIndent > n) bail(); // leading blank lines deeper than the text: an error the full parser names
        contentIndent = n;
      }
      if (n < contentIndent) {
        if (n > indent) bail();
        break;
      }
      lines.push(this.s.slice(this.pos + contentIndent, lineEnd));
      this.pos = this.next(this.pos);
    }
    // Blank lines that end the block are not part of it (clip and strip both drop them).
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    if (last === 0) return '';
    const body = lines.slice(0, last).join('\n');
    return strip ? body : `${body}\n`;
  }

  /** The value, once Helm's loader would take it for `type`; otherwise the full parser says why not. */
  private checked(value: unknown, kind: ScalarKind, text: string, type: GoType, coerce: GoType | undefined): unknown {
    const target = coerce?.kind === 'time' || coerce?.kind === 'any' ? undefined : coerce;
    if (!scalarAccepted(kind, text, type, target)) bail();
    return value;
  }
}

const ANY: GoType = { kind: 'any' };

type StructType = Extract<GoType, { kind: 'struct' }>;
type GoField = NonNullable<ReturnType<typeof lookup>>;

/** A struct's fields by the first character of their Go name, each with a bit for duplicate keys. */
type FieldTable = ({ field: GoField; bit: number }[] | undefined)[];
const FIELD_TABLES = new WeakMap<StructType, FieldTable>();

function fieldTable(type: StructType): FieldTable {
  let table = FIELD_TABLES.get(type);
  if (table) return table;
  table = new Array<{ field: GoField; bit: number }[] | undefined>(128).fill(undefined);
  let i = 0;
  for (const field of type.fields.values()) {
    const c = field.name.charCodeAt(0);
    if (c >= 128 || i >= 31) continue; // the slow path reads these
    (table[c] ??= []).push({ field, bit: 1 << i++ });
  }
  FIELD_TABLES.set(type, table);
  return table;
}

/** How many hex digits follow each escape letter (0 for the one-letter escapes). */
const ESCAPE_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
