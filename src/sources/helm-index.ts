import { isUtf8 } from 'node:buffer';
import {
  EVENT_ID,
  type Event,
  Schema,
  YAMLException,
  constructFromEvents,
  mapTag,
  nullCoreTag,
  parseEvents,
  seqTag,
  strTag,
} from 'js-yaml';
import { SemVer, parse as parseSemVer } from 'semver';
import { layer as layerSchema, type Layer } from '../api/common.js';
import { LAYER_ANNOTATION, type PackVersion } from '../api/pack.js';
import type { CatalogPack } from './catalog.js';
import { packNameMatcher, selectVersions, type PackFilter } from './pack-filter.js';
import { SourceError } from './source-error.js';

export const DISPLAY_NAME_ANNOTATION = 'packyard.io/display-name';

export interface HelmIndexOptions {
  /** The repository URL (where index.yaml lives): relative chart URLs resolve against it. */
  repoUrl: string;
  filter?: PackFilter;
}

export interface HelmIndexResult {
  /** Packs sorted by name, each with its versions newest first. */
  packs: CatalogPack[];
  /** Versions that are not SemVer (or repeat a version of the same chart), skipped rather than fatal. */
  skippedVersions: number;
}

const EXPECTED = 'expected a Helm repository index (apiVersion v1 with entries)';

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

/** Helm's Masterminds/semver prefix: optional `v`, optional minor and patch (`v1.2` is 1.2.0). */
const HELM_VERSION_CORE = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?=$|[-+])/;

const LAYERS: ReadonlySet<string> = new Set(layerSchema.options);

/** A URI scheme: what makes a URL absolute for Go's url.IsAbs. */
const ABSOLUTE_URL = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** RFC 3339 as Go writes time.Time: what the Pack schema's date-time format accepts. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The longest name a Pack's spec.name holds. */
const MAX_NAME = 253;

type YamlMap = Record<string, unknown>;

/** One parsed chart version with what sorting and the pack-level fields need. */
interface Candidate {
  version: string;
  semver: SemVer;
  created: number;
  out: PackVersion;
  displayName?: string;
  description?: string;
  icon?: string;
  layer: Layer;
}

/** Turns a Helm repository index into catalogue packs. Pure: no I/O, throws SourceError('InvalidIndex'). */
export function parseHelmIndex(body: Buffer | string, opts: HelmIndexOptions): HelmIndexResult {
  const source = decode(body).replace(/^\uFEFF/, '');
  const start = source.trimStart();
  if (start === '') throw invalid(`${EXPECTED}, got an empty document`);
  if (start.startsWith('<')) throw invalid(`${EXPECTED}, got ${describeMarkup(start)}`);
  if (start.startsWith('{')) {
    const json = parseJson(source); // Helm accepts JSON indexes, and JSON.parse is fast and lean
    if (json !== undefined) return toPacks(Object.entries(checkIndex(json)), opts);
  }
  const charts = splitCharts(source);
  if (charts) {
    try {
      return toPacks(chartByChart(charts, aliasBudget(source)), opts);
    } catch (e) {
      if (!(e instanceof SourceError)) throw e; // else the whole document decides, with the right message
    }
  }
  return toPacks(Object.entries(checkIndex(parseYaml(source, aliasBudget(source)))), opts);
}

function toPacks(entries: Iterable<[string, unknown]>, opts: HelmIndexOptions): HelmIndexResult {
  const resolveUrl = urlResolver(opts.repoUrl);
  const includes = packNameMatcher(opts.filter);
  const packs: CatalogPack[] = [];
  let skippedVersions = 0;
  for (const [name, list] of entries) {
    if (!includes(name)) continue;
    const items = listAt(list, `entries.${name}`);
    if (name === '' || name.length > MAX_NAME) {
      skippedVersions += items.length; // no Pack can be named so
      continue;
    }
    const candidates: Candidate[] = [];
    for (const [i, item] of items.entries()) {
      const candidate = readVersion(item, `entries.${name}[${i}]`, resolveUrl);
      if (candidate) candidates.push(candidate);
      else skippedVersions++;
    }
    const unique = dedupe(candidates.sort(newestFirst));
    skippedVersions += candidates.length - unique.length;
    const kept = selectVersions(unique, opts.filter);
    if (kept.length > 0) packs.push(toPack(name, kept));
  }
  packs.sort((a, b) => compareStrings(a.name, b.name));
  return { packs, skippedVersions };
}

function decode(body: Buffer | string): string {
  if (typeof body === 'string') return body;
  if (body[0] === 0x1f && body[1] === 0x8b) throw invalid(`${EXPECTED}, got gzip-compressed data`);
  // Go's YAML decoder rejects invalid UTF-8 too; guessing another encoding would only hide the problem.
  if (!isUtf8(body)) throw invalid(`${EXPECTED}, got bytes that are not valid UTF-8 text`);
  return body.toString('utf8');
}

/** The entries of an index document, once it is known to be one. */
function checkIndex(doc: unknown): YamlMap {
  if (!isMap(doc)) throw invalid(`${EXPECTED}, got ${describe(doc)}`);
  if (!Object.hasOwn(doc, 'entries')) throw invalid(`${EXPECTED}, got ${describe(doc)} without entries`);
  const entries = doc.entries ?? {}; // `entries:` with no charts, as Go reads it
  if (!isMap(entries)) throw invalid(`${EXPECTED}, got entries as ${describe(entries)}`);
  if (doc.apiVersion !== 'v1') {
    const found = doc.apiVersion == null ? 'no apiVersion' : `apiVersion ${JSON.stringify(doc.apiVersion)}`;
    throw invalid(`${EXPECTED}, got ${found}`);
  }
  return entries;
}

/**
 * Helm writes one block layout: `entries:` alone on a line at column 0, then each chart as a key at
 * one indentation with its versions below. js-yaml builds an event list of about 100 bytes a node
 * (seven times the text) before any object, so parsing chart by chart keeps peak memory to the
 * result plus one chart. Returns the document without its charts (`head`) and each chart's text,
 * or undefined for any other layout, which is then parsed whole.
 */
export function splitCharts(source: string): { head: string; charts: string[] } | undefined {
  const entriesLine = /^entries:[ \t]*\r?$/m.exec(source);
  if (!entriesLine) return undefined;
  const charts: string[] = [];
  let indent = -1;
  let chart = -1;
  let end = source.length;
  for (let line = entriesLine.index + entriesLine[0].length + 1; line < source.length; ) {
    const next = source.indexOf('\n', line);
    let col = line;
    while (source[col] === ' ') col++;
    const c = source[col];
    const n = col - line;
    if (c === '\t') return undefined;
    if (c !== '#' && c !== '\r' && c !== '\n' && c !== undefined) {
      if (n === 0) {
        end = line; // the next top-level key: entries are over
        break;
      }
      if (indent < 0) indent = n;
      if (n < indent) return undefined;
      const sequenceItem = c === '-' && /\s/.test(source[col + 1] ?? ' ');
      if (n === indent && !sequenceItem) {
        if (chart >= 0) charts.push(source.slice(chart, line));
        chart = line;
      } else if (chart < 0) return undefined;
    }
    line = next < 0 ? source.length : next + 1;
  }
  if (chart >= 0) charts.push(source.slice(chart, end));
  return { head: `${source.slice(0, entriesLine.index)}entries: {}\n${source.slice(end)}`, charts };
}

/** Each chart text must be a map of one new chart name: anything else makes the caller parse the whole. */
function* chartByChart(split: { head: string; charts: string[] }, aliases: AliasBudget): Generator<[string, unknown]> {
  checkIndex(parseYaml(split.head, aliases));
  const seen = new Set<string>();
  for (const text of split.charts) {
    const chart = parseYaml(text, aliases);
    const name = isMap(chart) ? Object.keys(chart) : [];
    if (name.length !== 1 || seen.has(name[0]!)) throw invalid('not one chart per chart key');
    seen.add(name[0]!);
    yield [name[0]!, (chart as YamlMap)[name[0]!]];
  }
}

function parseJson(source: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch {
    return undefined; // a YAML flow mapping, or broken: the YAML parser says which
  }
}

interface AliasBudget {
  limit: number;
  expanded: number;
}

function aliasBudget(source: string): AliasBudget {
  return { limit: Math.max(ALIAS_NODE_BUDGET, source.length), expanded: 0 };
}

function parseYaml(source: string, aliases: AliasBudget): unknown {
  try {
    const events = parseEvents(source, { maxDepth: MAX_DEPTH });
    checkAliasExpansion(events, source, aliases);
    const docs = constructFromEvents(events, { source, schema: INDEX_SCHEMA });
    if (docs.length > 1) throw invalid(`${EXPECTED}, got a YAML stream of ${docs.length} documents`);
    return docs[0] ?? null; // comments only
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const at = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    throw invalid(`${EXPECTED}, got YAML that cannot be read: ${e.reason}${at}`);
  }
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
          throw invalid(`${EXPECTED}, got YAML whose aliases expand to more than ${aliases.limit} nodes (an alias bomb?)`);
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

function readVersion(item: unknown, path: string, resolveUrl: (u: string) => string | undefined): Candidate | undefined {
  if (item === null) return undefined; // Helm drops empty entries too
  if (!isMap(item)) throw invalid(`${path}: expected a chart version map, got ${describe(item)}`);
  const semver = helmSemVer(item.version);
  if (!semver) return undefined;
  const annotations = mapAt(item.annotations, `${path}.annotations`);
  const version = semver.build.length ? `${semver.version}+${semver.build.join('.')}` : semver.version;
  const created = stringAt(item.created, `${path}.created`);
  const createdMs = created !== undefined && RFC3339.test(created) ? Date.parse(created) : Number.NaN;
  const validCreated = Number.isNaN(createdMs) ? undefined : created;
  const urls = listAt(item.urls, `${path}.urls`)
    .map((u, i) => stringAt(u, `${path}.urls[${i}]`))
    .map((u) => u && resolveUrl(u))
    .filter((u): u is string => !!u);
  const out: PackVersion = {
    version,
    appVersion: stringAt(item.appVersion, `${path}.appVersion`),
    digest: normaliseDigest(stringAt(item.digest, `${path}.digest`)),
    created: validCreated,
    urls: urls.length ? urls : undefined,
    kubeVersion: stringAt(item.kubeVersion, `${path}.kubeVersion`),
    deprecated: isTrue(item.deprecated) || undefined,
  };
  const layer = annotations?.[LAYER_ANNOTATION];
  return {
    version,
    semver,
    created: Number.isNaN(createdMs) ? Number.NEGATIVE_INFINITY : createdMs,
    out: compact(out),
    displayName: stringAt(annotations?.[DISPLAY_NAME_ANNOTATION], `${path}.annotations["${DISPLAY_NAME_ANNOTATION}"]`),
    description: stringAt(item.description, `${path}.description`),
    icon: stringAt(item.icon, `${path}.icon`),
    layer: typeof layer === 'string' && LAYERS.has(layer) ? (layer as Layer) : 'addon',
  };
}

/**
 * Versions as Helm reads them (Masterminds/semver): a leading `v` and missing minor or patch are
 * accepted, so `v1.2` is 1.2.0; the rest must be strict SemVer 2.0 (node-semver, loose=false, which
 * also rejects leading zeros that Helm tolerates). Packs carry the canonical form, build metadata
 * kept, so everything downstream compares plain SemVer; Helm finds `v1.2` when asked for 1.2.0.
 */
export function helmSemVer(raw: unknown): SemVer | undefined {
  if (typeof raw !== 'string') return undefined;
  const core = HELM_VERSION_CORE.exec(raw);
  if (!core) return undefined;
  const full = `${core[1]}.${core[2] ?? '0'}.${core[3] ?? '0'}${raw.slice(core[0].length)}`;
  return parseSemVer(full, { loose: false }) ?? undefined;
}

/**
 * Newest first by SemVer precedence; equal precedence (build metadata) by `created`, newest first,
 * then by version text; whole records last, so the order never depends on the order of the input.
 */
function newestFirst(a: Candidate, b: Candidate): number {
  return (
    b.semver.compare(a.semver) ||
    compareNumbers(b.created, a.created) ||
    compareStrings(a.version, b.version) ||
    compareStrings(JSON.stringify(a), JSON.stringify(b))
  );
}

/** `v1.2.3` and `1.2.3` are the same version: keep the first, i.e. the most recently created. */
function dedupe(sorted: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return sorted.filter((c) => !seen.has(c.version) && !!seen.add(c.version));
}

function toPack(name: string, kept: Candidate[]): CatalogPack {
  const newest = kept[0]!;
  const latest = kept.find((c) => c.semver.prerelease.length === 0) ?? newest;
  return compact({
    name,
    layer: newest.layer,
    displayName: newest.displayName ?? name,
    description: newest.description,
    icon: newest.icon,
    latest: latest.version,
    versionCount: kept.length,
    versions: kept.map((c) => c.out),
  });
}

/**
 * Helm's ResolveReferenceURL: absolute URLs as they are, others against the repository as a
 * directory, taking its query (which may carry a token). One that cannot be resolved is dropped.
 */
function urlResolver(repoUrl: string): (ref: string) => string | undefined {
  const base = new URL(repoUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return (ref) => {
    if (ABSOLUTE_URL.test(ref)) return ref;
    const resolved = URL.parse(ref, base.href);
    if (resolved && resolved.search !== base.search) resolved.search = base.search;
    return resolved?.href;
  };
}

/** Helm writes bare sha256 hex; Packs say which algorithm. Anything that is not a digest is dropped. */
function normaliseDigest(digest: string | undefined): string | undefined {
  if (digest === undefined) return undefined;
  if (/^[a-fA-F0-9]{64}$/.test(digest)) return `sha256:${digest.toLowerCase()}`;
  return /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest) ? digest : undefined;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === 'True' || value === 'TRUE';
}

function stringAt(value: unknown, path: string): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'object') throw invalid(`${path}: expected a string, got ${describe(value)}`);
  return String(value); // numbers and booleans only come from JSON indexes
}

function listAt(value: unknown, path: string): unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${path}: expected a list, got ${describe(value)}`);
  return value;
}

function mapAt(value: unknown, path: string): YamlMap | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isMap(value)) throw invalid(`${path}: expected a map, got ${describe(value)}`);
  return value;
}

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareStrings(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Absent rather than undefined fields, so deep comparison with the stored Pack sees no change. */
function compact<T extends object>(o: T): T {
  const out: Partial<T> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

function invalid(message: string): SourceError {
  return new SourceError('InvalidIndex', message);
}
