import { isAscii, isUtf8 } from 'node:buffer';
import {
  EVENT_ID,
  type Event,
  Schema,
  YAMLException,
  constructFromEvents,
  mapTag,
  nullCoreTag,
  parseEvents,
  SCALAR_STYLE,
  seqTag,
  strTag,
} from 'js-yaml';
import { compact, type CatalogPack } from './catalog.js';
import { compareStrings, newerFirst, packFace } from './newest-first.js';
import { HELM_ENTRIES, HELM_INDEX_FILE, checkJsonShape, checkYamlShape } from './helm-index-shape.js';
import {
  descriptionOf,
  isMap,
  own,
  readVersion,
  sanitize,
  urlResolver,
  type Candidate,
  type UrlResolver,
} from './helm-index-candidate.js';
import { controlFree, parseChartFast, parseMapFast, supportedText } from './helm-index-fast.js';
import { readChartLayout } from './helm-index-layout.js';
import { chartIsAscii, chartText, splitHelmLayout, splitIndex, type IndexSplit } from './helm-index-split.js';
import { packNameMatcher, selectVersions, type PackFilter } from './pack-filter.js';
import { SourceError } from './source-error.js';

export interface HelmIndexOptions {
  /** The repository URL (where index.yaml lives): relative chart URLs resolve against it. */
  repoUrl: string;
  filter?: PackFilter;
}

export interface HelmIndexResult {
  /** Packs sorted by name, each with its versions newest first. */
  packs: CatalogPack[];
  /**
   * Entries Helm drops too (null, no name, a version Masterminds/semver cannot read, a bad type…),
   * and the versions of charts no Pack can be named after: skipped rather than fatal.
   */
  skippedVersions: number;
}

const EXPECTED = 'expected a Helm repository index (apiVersion and entries)';

/** An index needs depth 7 at most (entries → chart → version → dependencies → …): 64 is generous. */
const MAX_DEPTH = 64;

/**
 * Aliases may add at most this many nodes, or one per byte of the index if that is more. js-yaml
 * shares aliased objects instead of copying them, so a "billion laughs" costs no memory while
 * parsing, but it would explode in whoever walks the result; counting the expanded size on the event
 * stream rejects it before anything is built. Helm-generated indexes contain no aliases at all.
 */
const ALIAS_NODE_BUDGET = 10_000;

/**
 * Strings, lists, maps and null only: every scalar stays the text that was written, as Helm's typed
 * Go structs read it (`version: 1.10` is "1.10", not the number 1.1), and resolving no ints, floats
 * or timestamps makes parsing faster too.
 */
const INDEX_SCHEMA = new Schema([strTag, seqTag, mapTag, nullCoreTag]);

/** The longest name a Pack's spec.name holds. */
const MAX_NAME = 253;

type YamlMap = Record<string, unknown>;

/**
 * Turns a Helm repository index into catalogue packs: the charts and versions Helm's own
 * `repo.LoadIndexFile` reads, versions as published. An index Helm refuses is refused here too
 * (helm-index-shape.ts). Pure: no I/O, throws SourceError('InvalidIndex').
 */
export function parseHelmIndex(body: Buffer | string, opts: HelmIndexOptions): HelmIndexResult {
  const steps = parseSteps(body, opts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * parseHelmIndex for a process with other work: between charts it lets the event loop run once
 * `sliceMs` have passed, so a large index (a Bitnami-size one takes seconds) does not hold back
 * timers, lease renewals, probes and watches (bench/helm-index-vs-helm.ts measures the delay). Not a
 * worker thread: an idle one costs about 18 MiB resident for the operator's lifetime (measured on
 * Node 24), and its result would be copied back.
 */
export async function parseHelmIndexYielding(
  body: Buffer | string,
  opts: HelmIndexOptions,
  sliceMs = SLICE_MS,
): Promise<HelmIndexResult> {
  const steps = parseSteps(body, opts);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** How long a parse may hold the event loop before it lets other work run: a tenth of the 100 ms p99 goal. */
const SLICE_MS = 10;

/** The parse, one step per chart: parseHelmIndex runs it through, parseHelmIndexYielding pauses between steps. */
function* parseSteps(body: Buffer | string, opts: HelmIndexOptions): Generator<void, HelmIndexResult> {
  if (body.length === 0) throw invalid(`${EXPECTED}, got an empty file`);
  // A byte-order mark is not JSON, so Helm reads such a file as YAML, whose reader takes UTF-16 too.
  const marked = typeof body === 'string' ? body.startsWith('\uFEFF') : hasBom(body);
  const utf16 = typeof body === 'string' ? undefined : fromUtf16(body);
  let bytes =
    utf16 !== undefined
      ? Buffer.from(utf16)
      : withoutBom(typeof body === 'string' ? Buffer.from(body) : checkedText(body));
  // The whole index as one string only where a whole-document parse needs it; a string with lone
  // surrogates keeps them (Buffer.from would turn them into U+FFFD), so js-yaml refuses it as before.
  let whole = () => (typeof body === 'string' ? body.replace(/^\uFEFF/, '') : (utf16 ?? bytes.toString()));
  const resolveUrl = urlResolver(opts.repoUrl);
  const start = startOf(bytes);
  if (start === '') throw invalid(`${EXPECTED}, got an empty document`);
  if (start.startsWith('<')) throw invalid(`${EXPECTED}, got ${describeMarkup(start)}`);
  if (start.startsWith('{') && !marked) {
    const json = parseJson(whole()); // Helm accepts JSON indexes, and JSON.parse is fast and lean
    if (json !== undefined) {
      checkJsonShape(json, HELM_INDEX_FILE, '');
      return yield* toPacks(readEntries(Object.entries(checkIndex(json)), resolveUrl), opts);
    }
  }
  if (hasGoLineBreaks(bytes)) {
    // One decode and one replace; the bytes are that text's (what Buffer.from made of the original).
    const text = whole().replace(GO_LINE_BREAKS, '\n');
    bytes = Buffer.from(text);
    whole = () => text;
  }
  // Helm's own layout split by its chart keys alone (each chart's lines are then read by the layout
  // reader, or the split is made again line by line); any other layout line by line at once.
  const split =
    typeof body === 'string' && !body.isWellFormed() ? undefined : (splitHelmLayout(bytes) ?? splitIndex(bytes));
  if (split) {
    try {
      return yield* toPacks(
        chartByChart(
          bytes,
          split,
          aliasBudget(() => whole().length),
          resolveUrl,
        ),
        opts,
      );
    } catch (e) {
      if (!(e instanceof SourceError)) throw e; // else the whole document decides, with the right message
    }
  }
  yield; // the chart-by-chart attempt may have taken a while
  const source = whole();
  const { doc, renames } = parseYaml(
    source,
    aliasBudget(() => source.length),
    HELM_INDEX_FILE,
    '',
  );
  yield;
  return yield* toPacks(
    readEntries(
      Object.entries(checkIndex(doc)).map(([name, list]) => [renames.get(name) ?? name, list]),
      resolveUrl,
    ),
    opts,
  );
}

/** A chart's entries as read: undefined for each one Helm drops. */
type Versions = (Candidate | undefined)[];

/** Entries of a parsed document (JSON, or YAML read whole), read a chart at a time. */
function* readEntries(entries: Iterable<[string, unknown]>, resolveUrl: UrlResolver): Generator<[string, Versions]> {
  for (const [name, list] of entries) {
    yield [name, listAt(list, `entries.${name}`).map((item) => readVersion(item, resolveUrl))];
  }
}

/** Packs from the entries (which may be parsed lazily, chart by chart), a step per chart. */
function* toPacks(entries: Iterable<[string, Versions]>, opts: HelmIndexOptions): Generator<void, HelmIndexResult> {
  const includes = packNameMatcher(opts.filter);
  const packs: CatalogPack[] = [];
  let skippedVersions = 0;
  for (const [name, items] of entries) {
    yield; // a chart was parsed to get here
    if (!includes(name)) continue;
    if (name === '' || name.length > MAX_NAME) {
      skippedVersions += items.length; // no Pack can be named so
      continue;
    }
    // Usually every entry reads: then the list itself, with no loop over it here (a generator's
    // loop stays in unoptimised code) and no copy.
    let candidates = items as Candidate[];
    if (items.includes(undefined)) {
      candidates = items.filter((c): c is Candidate => c !== undefined);
      skippedVersions += items.length - candidates.length;
    }
    // Helm keeps every entry, repeats and two spellings of one version included, and so do we.
    const kept = selectVersions(candidates.sort(newestFirst), opts.filter);
    if (kept.length > 0) packs.push(toPack(name, kept));
  }
  packs.sort((a, b) => compareStrings(a.name, b.name));
  return { packs, skippedVersions };
}

function checkedText(body: Buffer): Buffer {
  if (body[0] === 0x1f && body[1] === 0x8b) throw invalid(`${EXPECTED}, got gzip-compressed data`);
  // Go's YAML decoder rejects invalid UTF-8 too; guessing another encoding would only hide the problem.
  if (!isUtf8(body)) throw invalid(`${EXPECTED}, got bytes that are not valid UTF-8 text`);
  return body;
}

function hasBom(bytes: Buffer): boolean {
  return (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) || fromUtf16Bom(bytes) !== undefined;
}

function withoutBom(bytes: Buffer): Buffer {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

function fromUtf16Bom(bytes: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** A UTF-16 text with its byte-order mark (go-yaml v2 reads those, as a Windows editor may save them), as a string. */
function fromUtf16(bytes: Buffer): string | undefined {
  const encoding = fromUtf16Bom(bytes);
  if (encoding === undefined) return undefined;
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalid(`${EXPECTED}, got bytes that are not valid ${encoding.toUpperCase()} text`);
  }
}

/**
 * go-yaml v2 (YAML 1.1) ends lines at NEL, LS and PS too, where js-yaml (YAML 1.2) reads them as
 * text: made `\n` on the YAML path, so a description pasted with U+2028 fails the index as in Helm,
 * and one that breaks lines with them reads. (JSON takes them as text, and so does that path.)
 */
const GO_LINE_BREAKS = /[\u0085\u2028\u2029]/g;
const NEL = Buffer.from('\u0085');
const LS = Buffer.from('\u2028');
const PS = Buffer.from('\u2029');

function hasGoLineBreaks(bytes: Buffer): boolean {
  return !isAscii(bytes) && (bytes.includes(NEL) || bytes.includes(LS) || bytes.includes(PS));
}

/** How the text starts, after whitespace (as trimStart reads it): enough to tell JSON and markup, '' for none. */
function startOf(bytes: Buffer): string {
  let at = 0;
  while (at < bytes.length && (bytes[at] === 0x20 || (bytes[at]! >= 0x09 && bytes[at]! <= 0x0d))) at++;
  if (at === bytes.length) return '';
  // 16 KiB holds the 4,096 characters describeMarkup reads; a longer run of Unicode spaces is read whole.
  const start = bytes.toString('utf8', at, at + 16384).trimStart();
  return start !== '' || at + 16384 >= bytes.length ? start : bytes.toString('utf8', at).trimStart();
}

/**
 * The entries of an index document, once its types are Helm's. Helm needs a non-empty apiVersion
 * (any value) and nothing else: no entries, or `entries:` with nothing under it, is an empty index.
 */
function checkIndex(doc: unknown): YamlMap {
  if (doc !== null && doc !== undefined && !isMap(doc)) throw invalid(`${EXPECTED}, got ${describe(doc)}`);
  const apiVersion = (doc as YamlMap | null | undefined)?.apiVersion;
  if (apiVersion === null || apiVersion === undefined || apiVersion === '') {
    throw invalid(`${EXPECTED}, got no apiVersion (Helm: "no API version specified")`);
  }
  const entries = (doc as YamlMap).entries ?? {};
  if (!isMap(entries)) throw invalid(`${EXPECTED}, got entries as ${describe(entries)}`);
  return entries;
}

/**
 * Each chart text must be a map of one new chart name: anything else makes the caller parse the
 * whole. So does any refusal, and the whole document's parse then names the index's own line.
 */
function* chartByChart(
  bytes: Buffer,
  layoutSplit: IndexSplit,
  aliases: AliasBudget,
  resolveUrl: UrlResolver,
): Generator<[string, Versions]> {
  let split = layoutSplit;
  // The head as the fast path reads it: js-yaml's first parse in a process costs more than all of it.
  checkIndex(parseMapFast(split.head, HELM_INDEX_FILE) ?? parseYaml(split.head, aliases, HELM_INDEX_FILE, '').doc);
  const seen = new Set<string>();
  const read = (item: unknown) => readVersion(item, resolveUrl);
  // Each entry read as the fast path finishes it: its map is garbage at once rather than after the
  // chart, so less survives a young-generation collection into the old one (peak RSS). Its fields
  // already have their Go names.
  const readFast = (item: unknown) => readVersion(item, resolveUrl, true);
  const clean = controlFreeBlocks(bytes); // an ASCII chart of clean bytes needs no character check
  for (let i = 0; i + 1 < split.bounds.length; i++) {
    let ascii = chartIsAscii(bytes, split, i);
    const start = split.bounds[i]!;
    let text: string | undefined;
    let name: string | undefined;
    let versions: Versions | null | undefined;
    if (ascii && clean(start, split.bounds[i + 1]!)) {
      ({ name, versions } = readChartLayout(bytes, start, split.bounds[i + 1]!, true, resolveUrl) ?? {});
    } else {
      text = chartText(bytes, split, i, ascii);
      if (supportedText(text, ascii)) {
        ({ name, versions } = readChartLayout(bytes, start, split.bounds[i + 1]!, ascii, resolveUrl, text) ?? {});
      }
    }
    if (versions === undefined) {
      if (!split.checked) {
        // The layout reader did not take this chart: split line by line from here, which agrees on
        // every chart taken so far; where it does not, or refuses the layout, the whole document decides.
        const checked = splitIndex(bytes);
        const at = checked?.bounds.indexOf(start) ?? -1;
        if (checked === undefined || at < 0 || checked.head !== split.head) throw invalid("not in Helm's layout");
        split = checked;
        i = at;
        ascii = chartIsAscii(bytes, split, i);
        text = undefined;
      }
      text ??= chartText(bytes, split, i, ascii);
      const fast = parseChartFast(text, HELM_ENTRIES, ascii, readFast);
      if (fast) ({ name, versions } = fast as { name: string; versions: Versions | null });
      else {
        const { doc: chart, renames } = parseYaml(text, aliases, HELM_ENTRIES, 'entries');
        const keys = isMap(chart) ? Object.keys(chart) : [];
        name = keys.length === 1 ? (renames.get(keys[0]!) ?? keys[0]!) : undefined;
        versions = listAt((chart as YamlMap | null)?.[keys[0]!], `entries.${name}`).map(read);
      }
    }
    if (name === undefined || seen.has(name)) throw invalid('not one chart per chart key');
    seen.add(name);
    yield [name, versions ?? []];
  }
}

/**
 * Whether bytes [start, end) hold no control byte (controlFree), asked chart after chart: the bytes
 * are looked at a block of at least BLOCK at a time, so a 26 MB index is not searched 31 times over
 * before its first chart (46 ms of a blocked event loop), and no ASCII chart needs its characters
 * checked one by one. After a block with one, every chart from it is checked on its own.
 */
function controlFreeBlocks(bytes: Buffer): (start: number, end: number) => boolean {
  let cleanFrom = -1; // bytes [cleanFrom, cleanTo) hold none
  let cleanTo = -1;
  let dirty = false;
  return (start, end) => {
    if (cleanFrom < 0) cleanFrom = cleanTo = start;
    if (end > cleanTo && !dirty) {
      const to = Math.min(bytes.length, Math.max(end, cleanTo + BLOCK));
      if (controlFree(bytes.subarray(cleanTo, to))) cleanTo = to;
      else dirty = true;
    }
    return start >= cleanFrom && end <= cleanTo;
  };
}

const BLOCK = 1 << 20;

function parseJson(source: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch {
    return undefined; // a YAML flow mapping, or broken: the YAML parser says which
  }
}

interface AliasBudget {
  readonly limit: number;
  expanded: number;
}

/** One per byte of the text (in characters, as the whole text counts them: read only once an alias appears). */
function aliasBudget(textLength: () => number): AliasBudget {
  let limit: number | undefined;
  return {
    expanded: 0,
    get limit() {
      return (limit ??= Math.max(ALIAS_NODE_BUDGET, textLength()));
    },
  };
}

/**
 * The first document of a YAML text (go-yaml reads no further), after its types are checked
 * against Helm's (`type`, at `path`).
 */
function parseYaml(
  text: string,
  aliases: AliasBudget,
  type: typeof HELM_INDEX_FILE,
  path: string,
): { doc: unknown; renames: Map<string, string> } {
  try {
    const { events, source } = parseEventsAsGo(text);
    if (source.includes('*')) checkAliasExpansion(events, source, aliases); // no `*`, no alias
    const renames = checkYamlShape(events, source, type, path);
    const docs = constructFromEvents(events, { source, schema: INDEX_SCHEMA });
    return { doc: docs[0] ?? null, renames }; // null: comments only
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const at = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    throw invalid(`${EXPECTED}, got YAML that cannot be read: ${e.reason}${at}`);
  }
}

/** More continuation lines than this indented too little, and the first refusal stands. */
const MAX_REINDENTED = 64;
const REINDENT = ' '.repeat(64);

/**
 * js-yaml's events for the text, where a quoted scalar's continuation line may stand at any
 * indentation, as go-yaml v2 reads it: js-yaml (YAML 1.2) refuses one indented less than its node
 * (`description: "a long text` then `that goes on"` at the key's column, as a hand edit writes it).
 * Each such line is indented further and the text parsed again; the leading spaces of a quoted
 * scalar's line are not part of its value, and lines stay where they were. Kept only when every
 * line so moved is inside a quoted scalar of the result; otherwise js-yaml's first refusal stands.
 */
function parseEventsAsGo(text: string): { events: Event[]; source: string } {
  let source = text;
  let first: YAMLException | undefined;
  let moved: number[] = [];
  for (;;) {
    try {
      const events = parseEvents(source, { maxDepth: MAX_DEPTH });
      if (first && !moved.every((at) => insideQuoted(events, at))) throw first;
      return { events, source };
    } catch (e) {
      if (!(e instanceof YAMLException)) throw e;
      if (e.reason !== 'deficient indentation' || !e.mark || moved.length >= MAX_REINDENTED) throw first ?? e;
      first ??= e;
      const lineStart = source.lastIndexOf('\n', e.mark.position - 1) + 1;
      source = source.slice(0, lineStart) + REINDENT + source.slice(lineStart);
      moved = moved.map((at) => (at >= lineStart ? at + REINDENT.length : at));
      moved.push(lineStart + REINDENT.length);
    }
  }
}

function insideQuoted(events: readonly Event[], at: number): boolean {
  return events.some(
    (e) =>
      e.type === EVENT_ID.SCALAR &&
      (e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED) &&
      e.valueStart < at &&
      at <= e.valueEnd, // a moved line may hold just the closing quote
  );
}

/** Sums the nodes every alias stands for, nested aliases included, and stops at the budget. */
function checkAliasExpansion(events: readonly Event[], source: string, aliases: AliasBudget): void {
  const anchorSizes = new Map<string, number>();
  const open: { anchor?: string; size: number }[] = [{ size: 0 }];
  const anchorOf = (e: { anchorStart: number; anchorEnd: number }) =>
    e.anchorStart < 0 ? undefined : source.slice(e.anchorStart, e.anchorEnd);
  for (const e of events) {
    const top = open[open.length - 1]!;
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        open.push({ size: 0 });
        break;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        open.push({ anchor: anchorOf(e), size: 1 });
        break;
      case EVENT_ID.SCALAR: {
        const anchor = anchorOf(e);
        if (anchor !== undefined) anchorSizes.set(anchor, 1);
        top.size++;
        break;
      }
      case EVENT_ID.ALIAS: {
        const size = anchorSizes.get(source.slice(e.anchorStart, e.anchorEnd)) ?? 1;
        top.size += size;
        aliases.expanded += size;
        if (aliases.expanded > aliases.limit) {
          throw invalid(
            `${EXPECTED}, got YAML whose aliases expand to more than ${aliases.limit} nodes (an alias bomb?)`,
          );
        }
        break;
      }
      case EVENT_ID.POP: {
        const closed = open.pop()!;
        if (closed.anchor !== undefined) anchorSizes.set(closed.anchor, closed.size);
        open[open.length - 1]!.size += closed.size;
        break;
      }
    }
  }
}

/**
 * Newest first (newerFirst), then by version text; whole records last, so the order never depends on
 * the order of the input (Helm's own sort is not stable, so it has no order of its own for ties).
 */
function newestFirst(a: Candidate, b: Candidate): number {
  return (
    newerFirst(a, b) ||
    compareStrings(a.version, b.version) ||
    compareStrings(JSON.stringify(a.out), JSON.stringify(b.out))
  );
}

/** A pack of versions newest first: its fields from the version packFace picks. */
function toPack(name: string, kept: Candidate[]): CatalogPack {
  const { latest, face } = packFace(kept);
  return compact({
    name: own(name),
    layer: face.layer,
    displayName: own(face.displayName ?? name),
    description: own(sanitize(descriptionOf(face))),
    icon: own(sanitize(face.icon)),
    latest: latest?.version,
    versionCount: kept.length,
    versions: kept.map((c) => c.out),
  });
}

function listAt(value: unknown, path?: string): unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${path ?? 'a field'}: expected a list, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'an empty document';
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  if (isMap(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty map';
    return `a map with keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
  }
  if (typeof value === 'string') return `the text ${JSON.stringify(truncate(value, 60))}`;
  return `a ${typeof value}`;
}

function describeMarkup(text: string): string {
  const title = /<title[^>]*>([^<]*)</i.exec(text.slice(0, 4096))?.[1]?.trim();
  const kind = /^<(!doctype html|html|head|body)\b/i.test(text) ? 'an HTML document' : 'HTML or XML markup';
  return title ? `${kind} (${JSON.stringify(truncate(title, 80))})` : kind;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function invalid(message: string): SourceError {
  return new SourceError('InvalidIndex', message);
}
