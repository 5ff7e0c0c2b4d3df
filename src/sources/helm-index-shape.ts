import { COLLECTION_STYLE, EVENT_ID, getScalarValue, SCALAR_STYLE, type Event, type ScalarEvent } from 'js-yaml';
import { SourceError } from './source-error.js';

/**
 * What Helm's typed loader refuses in an index, so Packyard refuses the same documents.
 *
 * `repo.LoadIndexFile` reads YAML through sigs.k8s.io/yaml's UnmarshalStrict: go-yaml v2 (YAML 1.1
 * scalars: `1.4` is a number, `yes` a boolean), then a conversion to JSON that turns numbers and
 * booleans into strings only where it finds a string field by reflection, then encoding/json with
 * DisallowUnknownFields into Go structs. So an unknown field, a number or boolean where a string
 * belongs, or a `created` that is not RFC 3339 fails the whole file. One quirk decides a common
 * case: the conversion looks fields up on ChartVersion, whose chart fields (name, version,
 * appVersion, …) come from an embedded *chart.Metadata, and there it finds the embedded struct, not
 * a string, so `appVersion: 1.4` stays a number and fails, while `digest: 1.4` becomes "1.4".
 * JSON indexes go through plain json.Unmarshal: no conversion, unknown fields allowed.
 *
 * The Go types below are Helm v3.22's (pkg/repo/index.go, pkg/chart/metadata.go, dependency.go),
 * as far as decoding checks them; `coerce` is where the YAML-to-JSON conversion looks.
 */
export type GoType =
  | { kind: 'string' | 'bool' | 'time' | 'any' }
  | { kind: 'slice' | 'map'; elem: GoType }
  | { kind: 'struct'; name: string; fields: Map<string, GoField>; folded: Map<string, GoField> };

interface GoField {
  name: string;
  type: GoType;
  /** The type sigs.k8s.io/yaml looks at for this key: the field's own, or the embedded struct it is promoted from. */
  coerce: GoType;
}

const STRING: GoType = { kind: 'string' };
const BOOL: GoType = { kind: 'bool' };
const TIME: GoType = { kind: 'time' };
const ANY: GoType = { kind: 'any' };
const slice = (elem: GoType): GoType => ({ kind: 'slice', elem });
const map = (elem: GoType): GoType => ({ kind: 'map', elem });

function struct(
  name: string,
  fields: Record<string, GoType>,
  promotedFrom?: { name: string; fields: Record<string, GoType> },
): GoType {
  const s = { kind: 'struct' as const, name, fields: new Map<string, GoField>(), folded: new Map<string, GoField>() };
  const add = (field: string, type: GoType, coerce: GoType) => {
    const f = { name: field, type, coerce };
    s.fields.set(field, f);
    if (!s.folded.has(field.toLowerCase())) s.folded.set(field.toLowerCase(), f);
  };
  if (promotedFrom) {
    const embedded = struct(promotedFrom.name, promotedFrom.fields);
    for (const [field, type] of Object.entries(promotedFrom.fields)) add(field, type, embedded);
  }
  for (const [field, type] of Object.entries(fields)) add(field, type, type);
  return s;
}

const METADATA_FIELDS: Record<string, GoType> = {
  name: STRING,
  home: STRING,
  sources: slice(STRING),
  version: STRING,
  description: STRING,
  keywords: slice(STRING),
  maintainers: slice(struct('Maintainer', { name: STRING, email: STRING, url: STRING })),
  icon: STRING,
  apiVersion: STRING,
  condition: STRING,
  tags: STRING,
  appVersion: STRING,
  deprecated: BOOL,
  annotations: map(STRING),
  kubeVersion: STRING,
  dependencies: slice(
    struct('Dependency', {
      name: STRING,
      version: STRING,
      repository: STRING,
      condition: STRING,
      tags: slice(STRING),
      enabled: BOOL,
      'import-values': slice(ANY),
      alias: STRING,
    }),
  ),
  type: STRING,
};

const CHART_VERSION = struct(
  'ChartVersion',
  {
    urls: slice(STRING),
    created: TIME,
    removed: BOOL,
    digest: STRING,
    checksum: STRING,
    engine: STRING,
    tillerVersion: STRING,
    url: STRING,
  },
  { name: 'Metadata', fields: METADATA_FIELDS },
);
/** The `entries` map: what each chart of a chart-by-chart parse is checked against. */
export const HELM_ENTRIES: GoType = map(slice(CHART_VERSION));
export const HELM_INDEX_FILE: GoType = struct('IndexFile', {
  serverInfo: map(ANY),
  apiVersion: STRING,
  generated: TIME,
  entries: HELM_ENTRIES,
  publicKeys: slice(STRING),
  annotations: map(STRING),
});

/** The field names of ChartVersion in lower case, for reading entries whose keys differ in case. */
export const CHART_VERSION_FIELDS: ReadonlyMap<string, string> = new Map(
  [...(CHART_VERSION as { fields: Map<string, GoField> }).fields.keys()].map((k) => [k.toLowerCase(), k]),
);

/** What go-yaml v2 makes of a scalar, as far as the loader cares. */
export type ScalarKind = 'null' | 'bool' | 'int' | 'float' | 'nonfinite' | 'string';

const YAML11_BOOL = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
]);
const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
/** What go-yaml v2 reads as null in a plain scalar. */
export const YAML11_NULL: ReadonlySet<string> = new Set(['', '~', 'null', 'Null', 'NULL']);
const YAML11_NONFINITE = new Set([
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|0|[1-9][0-9]*)$/;
const YAML_TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?$/;

/** Two dots after digits: 1.2.3, the most common plain value of an index, which no number is. */
const DOTTED = /^[0-9]+\.[0-9]*\./;

/** go-yaml v2's resolveTable: what a plain scalar's first character can make it (0: only a string). */
const FIRST = new Uint8Array(128);
const WORD = 1; // y n t f o Y N T F O ~: a boolean or null word, or a string
const NUMERIC = 2; // + - . 0-9: a number, a non-finite float, or a string
for (const c of 'yYnNtTfFoO~') FIRST[c.charCodeAt(0)] = WORD;
for (const c of '+-.0123456789') FIRST[c.charCodeAt(0)] = NUMERIC;

/**
 * What the first character of a plain scalar says of resolvePlain's answer: PLAIN_STRING, a string
 * (unless the scalar is empty); PLAIN_WORD, a string when longer than five characters; PLAIN_NUMERIC,
 * only resolvePlain can tell.
 */
export function plainFirst(c: number): number {
  return c < 128 ? FIRST[c]! : PLAIN_STRING;
}
export const PLAIN_STRING = 0;
export const PLAIN_WORD = WORD;
export const PLAIN_NUMERIC = NUMERIC;

/** go-yaml v2's resolve() of a plain scalar (timestamps stay strings when decoded into interface{}). */
export function resolvePlain(text: string): ScalarKind {
  const c = text.charCodeAt(0);
  const first = c < 128 ? FIRST[c] : 0; // NaN for '' reads as 0 too
  if (first === 0) return text === '' ? 'null' : 'string';
  if (first === WORD) {
    if (text.length > 5) return 'string'; // the longest word is "false"
    return YAML11_NULL.has(text) ? 'null' : YAML11_BOOL.has(text) ? 'bool' : 'string';
  }
  if (DOTTED.test(text)) return 'string'; // 1.2.3: the most common plain value here, and never a number
  if (YAML11_NONFINITE.has(text)) return 'nonfinite';
  if (c === 0x2e /* . */) return Number.isFinite(Number(text)) && YAML_STYLE_FLOAT.test(text) ? 'float' : 'string';
  if (YAML_TIMESTAMP.test(text)) return 'string';
  const plain = text.replaceAll('_', '');
  if (GO_INT.test(plain) && fitsGoInt(plain)) return 'int';
  // strconv.ParseFloat refuses what overflows float64 (1e400), and go-yaml then keeps the text.
  if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) return 'float';
  if (/^-0b[01]+$/.test(plain)) return 'int';
  return 'string';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Whether strconv.ParseInt or ParseUint (base 0, as go-yaml v2 calls them) reads the text: a GO_INT
 * beyond 64 bits is a float when it is decimal (123456789012345678901234567890) and a string otherwise.
 */
function fitsGoInt(plain: string): boolean {
  if (plain.length < 19) return true; // 18 digits or fewer fit int64 in any base
  const sign = plain[0] === '-' || plain[0] === '+' ? plain[0] : '';
  const digits = plain.slice(sign.length);
  const v = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.replace(/^0[oO]/, '0o'));
  const n = sign === '-' ? -v : v;
  return (n >= INT64_MIN && n <= INT64_MAX) || (sign === '' && n <= UINT64_MAX);
}

/** Whether go-yaml v2 reads this boolean's text as true. */
export function yamlTrue(text: string): boolean {
  return YAML11_TRUE.has(text);
}

const RFC3339_SHAPE =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;

/** Go's time.Parse(RFC3339, s), which is what Time.UnmarshalJSON falls back to (ranges checked too). */
export function goRfc3339(text: string): boolean {
  if (!RFC3339_SHAPE.test(text)) return false;
  // The shape fixed every digit's place but the hour's (one digit or two): read them as numbers.
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const colon = text.indexOf(':', 11);
  const hour = digits(text, 11, colon);
  const minute = digits(text, colon + 1, colon + 3);
  const second = digits(text, colon + 4, colon + 6);
  const days =
    month === 2
      ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
        ? 29
        : 28
      : month === 4 || month === 6 || month === 9 || month === 11
        ? 30
        : 31;
  // time.Parse takes zone offsets up to 24 hours and 60 minutes ("some people do write" them).
  const zoneOk =
    text.endsWith('Z') ||
    (digits(text, text.length - 5, text.length - 3) <= 24 && digits(text, text.length - 2, text.length) <= 60);
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour < 24 && minute < 60 && second < 60 && zoneOk;
}

/** The decimal number written in text[from, to). */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 0x30;
  return n;
}

interface Walk {
  events: readonly Event[];
  source: string;
  anchors: Map<string, number>;
  /** Chart keys YAML 1.1 reads as numbers or booleans, by their text, with the name Helm gives them. */
  renames: Map<string, string>;
  /** Where the walk is (keys and list indexes), joined into a field path only for a message. */
  path: (string | number)[];
  /** How many flow collections (`[…]`, `{…}`) the walk is inside. */
  flow: number;
}

/**
 * Checks one YAML document's events (from DOCUMENT's first node) against `root`, as Helm's typed
 * loader would decode it. Throws SourceError('InvalidIndex') naming the line and the field.
 * Returns the chart keys Helm names otherwise (`yes:` is the chart "true", `1.50:` is "1.5").
 */
export function checkYamlShape(
  events: readonly Event[],
  source: string,
  root: GoType,
  rootPath: string,
): Map<string, string> {
  const renames = new Map<string, string>();
  const first = events.findIndex((e) => e.type !== EVENT_ID.DOCUMENT);
  const doc = events[0];
  // go-yaml v2 reads YAML 1.1 only (the numbers: 01.01 is 1.1): a document declaring another is refused whole.
  const version = doc?.type === EVENT_ID.DOCUMENT ? doc.directives.find((d) => d.kind === 'yaml') : undefined;
  if (version && !/^0*1\.0*1$/.test(version.version)) {
    throw new SourceError('InvalidIndex', `Helm's loader reads YAML 1.1 only, got %YAML ${version.version}`);
  }
  if (first < 0 || events[first]!.type === EVENT_ID.POP) return renames; // an empty document: null
  const walk = { events, source, anchors: new Map(), renames, path: rootPath ? [rootPath] : [], flow: 0 };
  yamlNode(walk, first, root, root);
  return renames;
}

function yamlNode(w: Walk, i: number, type: GoType, coerce: GoType | undefined): number {
  const e = w.events[i]!;
  if (e.type === EVENT_ID.ALIAS) {
    const start = w.anchors.get(w.source.slice(e.anchorStart, e.anchorEnd));
    // The anchored node was checked where it stands: an alias in a flow collection does not move it there.
    const flow = w.flow;
    w.flow = 0;
    if (start !== undefined) yamlNode(w, start, type, coerce);
    w.flow = flow;
    return i + 1;
  }
  if (e.type === EVENT_ID.SCALAR || e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.MAPPING) {
    if (e.anchorStart >= 0) w.anchors.set(w.source.slice(e.anchorStart, e.anchorEnd), i);
  }
  // time.Time unmarshals itself, so the conversion never aims at a string below it; nor at interface{}.
  const target = coerce?.kind === 'time' || coerce?.kind === 'any' ? undefined : coerce;
  if (e.type === EVENT_ID.SCALAR) {
    yamlScalar(w, e, type, target);
    return i + 1;
  }
  if (e.type === EVENT_ID.SEQUENCE) {
    if (type.kind !== 'slice' && type.kind !== 'any') fail(w, e.start, `expected ${goTypeName(type)}, got a list`);
    const elem = type.kind === 'slice' ? type.elem : ANY;
    const elemCoerce = target?.kind === 'slice' ? target.elem : undefined;
    const flow = e.style === COLLECTION_STYLE.FLOW;
    if (flow) w.flow++;
    let j = i + 1;
    for (let n = 0; w.events[j]!.type !== EVENT_ID.POP; n++) {
      w.path.push(n);
      j = yamlNode(w, j, elem, elemCoerce);
      w.path.pop();
    }
    if (flow) w.flow--;
    return j + 1;
  }
  if (e.type === EVENT_ID.MAPPING) {
    if (type.kind !== 'struct' && type.kind !== 'map' && type.kind !== 'any')
      fail(w, e.start, `expected ${goTypeName(type)}, got a map`);
    const flow = e.style === COLLECTION_STYLE.FLOW;
    if (flow) w.flow++;
    let j = i + 1;
    while (w.events[j]!.type !== EVENT_ID.POP) {
      const keyEvent = w.events[j]!;
      if (keyEvent.type !== EVENT_ID.SCALAR)
        fail(w, offsetOf(keyEvent), 'a map key must be a plain value, as JSON needs');
      const key = yamlKey(w, keyEvent);
      if (type === HELM_ENTRIES && key.renamed) w.renames.set(key.text, key.name);
      j++;
      w.path.push(key.name);
      const childCoerce =
        target?.kind === 'struct' ? lookup(target, key.name)?.coerce : target?.kind === 'map' ? target.elem : undefined;
      if (type.kind === 'struct') {
        const field = lookup(type, key.name);
        if (!field)
          fail(
            w,
            keyEvent.valueStart,
            `Helm's loader refuses the unknown field ${JSON.stringify(key.name)} (of ${type.name})`,
          );
        j = yamlNode(w, j, field.type, childCoerce);
      } else {
        j = yamlNode(w, j, type.kind === 'map' ? type.elem : ANY, childCoerce);
      }
      w.path.pop();
    }
    if (flow) w.flow--;
    return j + 1;
  }
  return i + 1;
}

/**
 * Whether Helm's loader takes a scalar of this kind and text for `type`, converted toward `coerce`
 * (already cleared for time and interface{}, as yamlNode does): yamlScalar's rules as a predicate,
 * for the fast parser (helm-index-fast.ts), which leaves every refusal to this module's messages.
 */
export function scalarAccepted(kind: ScalarKind, text: string, type: GoType, coerce: GoType | undefined): boolean {
  if (type.kind === 'string' && (coerce?.kind === 'string' || kind === 'string')) return true;
  if (coerce?.kind === 'string' && kind !== 'null' && kind !== 'string') kind = 'string';
  if (kind === 'nonfinite') return false;
  if (kind === 'null' || type.kind === 'any') return true;
  if (type.kind === 'string') return kind === 'string';
  if (type.kind === 'bool') return kind === 'bool';
  if (type.kind === 'time') return kind === 'string' && goRfc3339(text);
  return false; // a scalar where a list, map or struct belongs
}

function yamlScalar(w: Walk, e: ScalarEvent, type: GoType, coerce: GoType | undefined): void {
  if (w.flow > 0) checkFlowPlain(w, e);
  if (e.style === SCALAR_STYLE.DOUBLE_QUOTED && !e.fast) checkEscapes(w, e);
  if (type.kind === 'string' && (coerce?.kind === 'string' || mustBeString(w, e))) return; // the common case, fast
  let kind = scalarKind(w, e);
  if (coerce?.kind === 'string' && kind !== 'null' && kind !== 'string') kind = 'string'; // sigs.k8s.io/yaml's conversion
  if (kind === 'nonfinite') fail(w, e.valueStart, "Helm's loader cannot convert .nan or .inf to JSON");
  if (kind === 'null' || type.kind === 'any') return;
  const value = (): string => getScalarValue(w.source, e);
  if (type.kind === 'string' && kind !== 'string') {
    fail(
      w,
      e.valueStart,
      `Helm's loader expects a string, got the ${kind === 'bool' ? 'boolean' : 'number'} ${value()} (quote it: "${value()}")`,
    );
  }
  if (type.kind === 'bool' && kind !== 'bool')
    fail(w, e.valueStart, `Helm's loader expects true or false, got ${JSON.stringify(value())}`);
  if (type.kind === 'time' && (kind !== 'string' || !goRfc3339(value()))) {
    fail(
      w,
      e.valueStart,
      `Helm's loader expects an RFC 3339 time (2006-01-02T15:04:05Z), got ${JSON.stringify(value())}`,
    );
  }
  if (type.kind === 'slice' || type.kind === 'map' || type.kind === 'struct') {
    fail(w, e.valueStart, `expected ${goTypeName(type)}, got ${JSON.stringify(value())}`);
  }
}

/**
 * Inside `[…]` or `{…}`, go-yaml v2 ends a plain scalar at `?` as at `,`, `[`, `]`, `{` and `}`
 * (YAML 1.2 lets `?` stand inside one), so `urls: [https://host/a.tgz?raw=true]` fails Helm's whole
 * index while js-yaml reads the URL.
 */
function checkFlowPlain(w: Walk, e: ScalarEvent): void {
  if (e.style !== SCALAR_STYLE.PLAIN) return;
  // Within the scalar only: an indexOf to the end of the text would read the rest of it for every scalar.
  for (let at = e.valueStart; at < e.valueEnd; at++) {
    if (w.source.charCodeAt(at) === 0x3f /* ? */) {
      fail(w, at, "Helm's loader ends a plain value at `?` inside [ ] or { }: quote the value");
    }
  }
}

/**
 * go-yaml v2 knows YAML 1.1's escapes: not `\/` (YAML 1.2 and JSON have it), and no `\u` or `\U`
 * escape of a surrogate or past U+10FFFF; either fails Helm's whole index.
 */
function checkEscapes(w: Walk, e: ScalarEvent): void {
  for (let at = w.source.indexOf('\\', e.valueStart); at >= 0 && at < e.valueEnd; at = w.source.indexOf('\\', at + 2)) {
    const c = w.source[at + 1];
    if (c === '/') fail(w, at, "Helm's loader (YAML 1.1) knows no \\/ escape: write / alone");
    if (c === 'u' || c === 'U') {
      const code = parseInt(w.source.slice(at + 2, at + (c === 'u' ? 6 : 10)), 16);
      if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) {
        fail(w, at, `Helm's loader refuses the escape \\${c}${code.toString(16)}: not a Unicode character`);
      }
    }
  }
}

/** go-yaml v2 (as libyaml) reads a key only when its `:` comes within 1024 characters of its start. */
function checkKeyLength(w: Walk, e: ScalarEvent): void {
  const start =
    e.anchorStart >= 0
      ? e.anchorStart - 1
      : e.tagStart >= 0
        ? e.tagStart
        : e.valueStart - (e.style === SCALAR_STYLE.PLAIN ? 0 : 1);
  let before = start - 1;
  while (before >= 0 && w.source[before] === ' ') before--;
  if (w.source[before] === '?') return; // an explicit key has no such limit
  const colon = w.source.indexOf(':', e.valueEnd);
  if (colon - start > 1024) fail(w, e.valueStart, "Helm's loader reads a key of at most 1024 characters");
}

/** Characters go-yaml v2's resolveTable marks: only a plain scalar starting with one can be other than a string. */
const RESOLVABLE_FIRST = new Uint8Array(128);
for (const c of '+-0123456789yYnNtTfFoO~.') RESOLVABLE_FIRST[c.charCodeAt(0)] = 1;

/** Quoted or block, or plain starting with a character that begins nothing but a string: no need to read it. */
function mustBeString(w: Walk, e: ScalarEvent): boolean {
  if (e.tagStart >= 0) return false;
  if (e.style !== SCALAR_STYLE.PLAIN) return true;
  const c = w.source.charCodeAt(e.valueStart);
  return e.valueEnd > e.valueStart && !(c < 128 && RESOLVABLE_FIRST[c] === 1);
}

function scalarKind(w: Walk, e: ScalarEvent): ScalarKind {
  const tag = e.tagStart >= 0 ? w.source.slice(e.tagStart, e.tagEnd) : '';
  if (tag === '' && e.style !== SCALAR_STYLE.PLAIN) return 'string';
  if (tag !== '' && !/^!!(null|bool|int|float|timestamp)$/.test(tag)) return 'string';
  if (tag === '' && mustBeString(w, e)) return 'string';
  return resolvePlain(getScalarValue(w.source, e));
}

/** A map key as the JSON conversion spells it (`name`); keys that cannot be JSON keys are refused. */
function yamlKey(w: Walk, e: ScalarEvent): { name: string; text: string; renamed: boolean } {
  if (w.flow > 0) checkFlowPlain(w, e);
  if (e.style === SCALAR_STYLE.DOUBLE_QUOTED && !e.fast) checkEscapes(w, e);
  if (e.valueEnd - e.valueStart > 1000) checkKeyLength(w, e);
  if (e.style === SCALAR_STYLE.PLAIN && mustBeString(w, e)) {
    // A plain one-line key: its text is the source itself, and a string.
    const text = w.source.slice(e.valueStart, e.valueEnd);
    if (!text.includes('\n')) return { name: text, text, renamed: false };
  }
  const text = getScalarValue(w.source, e);
  const kind = scalarKind(w, e);
  if (kind === 'null') fail(w, e.valueStart, 'a map key is empty or null, which JSON cannot hold');
  if (e.style === SCALAR_STYLE.PLAIN && e.tagStart < 0 && text === '<<')
    fail(w, e.valueStart, 'YAML merge keys (<<) are not supported in an index');
  if (kind === 'string') return { name: text, text, renamed: false };
  return { name: goKeyText(kind, text), text, renamed: true };
}

/** How sigs.k8s.io/yaml writes a number or boolean key (int: decimal; float: %g of float32). */
function goKeyText(kind: ScalarKind, text: string): string {
  if (kind === 'bool') return yamlTrue(text) ? 'true' : 'false';
  const plain = text.replaceAll('_', '');
  if (kind === 'int') {
    const sign = plain.startsWith('-') ? -1n : 1n;
    const digits = plain.replace(/^[-+]/, '');
    const n = /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits.replace(/^0[oO]/, '0o'));
    return String(sign * n);
  }
  const f = Math.fround(Number(plain));
  if (f === 0) return '0';
  for (let p = 1; p <= 9; p++) {
    const e = f.toExponential(p - 1); // shortest digits that read back as the same float32
    if (Math.fround(Number(e)) !== f) continue;
    const [mantissa, exponent] = e.split('e') as [string, string];
    const exp = Number(exponent);
    if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return String(Number(e));
  }
  return String(f);
}

export function lookup(s: Extract<GoType, { kind: 'struct' }>, key: string): GoField | undefined {
  return s.fields.get(key) ?? s.folded.get(key.toLowerCase());
}

/**
 * The same check for a JSON index (json.Unmarshal, as Helm reads JSON): types only, unknown
 * fields allowed, no conversion of numbers to strings.
 */
export function checkJsonShape(value: unknown, type: GoType, path: string): void {
  const at = (k: string | number) => (typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k);
  if (value === null || type.kind === 'any') return;
  const got = Array.isArray(value)
    ? 'a list'
    : typeof value === 'object'
      ? 'a map'
      : `${typeof value} ${JSON.stringify(value)}`;
  const refuse = (): never => {
    throw new SourceError(
      'InvalidIndex',
      `${path || 'the index'}: Helm's loader expects ${goTypeName(type)}, got ${got}`,
    );
  };
  switch (type.kind) {
    case 'string':
      if (typeof value !== 'string') refuse();
      return;
    case 'bool':
      if (typeof value !== 'boolean') refuse();
      return;
    case 'time':
      if (typeof value !== 'string' || !goRfc3339(value)) refuse();
      return;
    case 'slice':
      if (!Array.isArray(value)) refuse();
      (value as unknown[]).forEach((v, i) => checkJsonShape(v, type.elem, at(i)));
      return;
    case 'map':
    case 'struct':
      if (typeof value !== 'object' || Array.isArray(value)) refuse();
      for (const [k, v] of Object.entries(value as object)) {
        const elem = type.kind === 'struct' ? lookup(type, k)?.type : type.elem;
        if (elem) checkJsonShape(v, elem, at(k));
      }
  }
}

function goTypeName(t: GoType): string {
  switch (t.kind) {
    case 'string':
      return 'a string';
    case 'bool':
      return 'true or false';
    case 'time':
      return 'an RFC 3339 time';
    case 'any':
      return 'anything';
    case 'slice':
      return 'a list';
    case 'map':
      return 'a map';
    case 'struct':
      return `a map (${t.name})`;
  }
}

function offsetOf(e: Event): number {
  if (e.type === EVENT_ID.SCALAR) return e.valueStart;
  if (e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.MAPPING) return e.start;
  if (e.type === EVENT_ID.ALIAS) return e.anchorStart;
  return 0;
}

function fail(w: Walk, offset: number, what: string): never {
  let line = 1;
  for (let i = w.source.indexOf('\n'); i >= 0 && i < offset; i = w.source.indexOf('\n', i + 1)) line++;
  const path = w.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  throw new SourceError('InvalidIndex', `line ${line}: ${path || 'the index'}: ${what}`);
}

/** Thrown to leave a quick reader (the layout reader, the fast path) for a slower one; never escapes them. */
export const BAIL = Symbol('bail');
export function bail(): never {
  throw BAIL;
}
