import { DISPLAY_NAME_ANNOTATION, isLayer, LAYER_ANNOTATION, type Layer } from '../api/names.js';
import type { PackVersion } from '../api/pack.js';
import { rfc3339Millis } from '../api/time.js';
import { isStable, readHelmVersion, type HelmVersion } from '../resolve/helm-version.js';
import { CHART_VERSION_FIELDS, yamlTrue } from './helm-index-shape.js';

/** One parsed chart version with what sorting and the pack-level fields need. */
export interface Candidate {
  /** As published: the identity of the version everywhere (pins, locks, URLs). */
  version: string;
  helm: HelmVersion;
  createdMs: number;
  out: PackVersion;
  displayName?: string;
  /** As written when `descriptionWrapped` (faceText folds it): only the one version a pack shows is read. */
  description?: string;
  descriptionWrapped?: boolean;
  icon?: string;
  layer: Layer;
}

/**
 * The fields of one entry that a catalogue reads, as a reader found them: strings for strings,
 * undefined for absent or null. Each reader fills one and reuses it for every entry, so an entry is
 * built once, straight into its Candidate (toCandidate), with no map of its own in between.
 */
export class EntryFields {
  name: string | undefined = undefined;
  version: string | undefined = undefined;
  type: string | undefined = undefined;
  appVersion: string | undefined = undefined;
  digest: string | undefined = undefined;
  created: string | undefined = undefined;
  kubeVersion: string | undefined = undefined;
  /** The one URL of the common entry; `urls` instead when the entry lists none or several. */
  url: string | undefined = undefined;
  urls: readonly unknown[] | undefined = undefined;
  deprecated = false;
  description: string | undefined = undefined;
  descriptionWrapped = false;
  icon: string | undefined = undefined;
  displayName: string | undefined = undefined;
  layer: unknown = undefined;
  /** Helm drops the entry: a null maintainer or dependency, or a dependency alias its pattern refuses. */
  dropped = false;
  /** The strings hold their own characters (read from the bytes), so own() need not copy them. */
  owned = false;
  /** The strings are printable ASCII (read from such a text), which sanitize leaves as they are. */
  printable = false;

  reset(): void {
    this.name = undefined;
    this.version = undefined;
    this.type = undefined;
    this.appVersion = undefined;
    this.digest = undefined;
    this.created = undefined;
    this.kubeVersion = undefined;
    this.url = undefined;
    this.urls = undefined;
    this.deprecated = false;
    this.description = undefined;
    this.descriptionWrapped = false;
    this.icon = undefined;
    this.displayName = undefined;
    this.layer = undefined;
    this.dropped = false;
    this.owned = false;
    this.printable = false;
  }
}

/**
 * One entry as Helm's loader keeps it, or undefined when Helm drops it (failing
 * chart.Metadata.Validate: no name, a name with `/`, a version Masterminds cannot read, a type
 * other than application or library, a null maintainer or dependency, a bad dependency alias).
 */
export function toCandidate(f: EntryFields, resolveUrl: UrlResolver): Candidate | undefined {
  if (f.dropped) return undefined;
  const clean = f.printable ? printable : sanitize;
  const name = clean(f.name ?? '');
  if (name === '' || name === '.' || name === '..' || name.includes('/')) return undefined;
  const version = f.owned ? f.version : own(f.version);
  const helm = version === undefined ? undefined : readHelmVersion(version);
  if (!helm || version === undefined) return undefined;
  if (!CHART_TYPES.has(f.type ?? '')) return undefined;
  const keep = f.owned ? owned : own;
  // RFC 3339 as Go writes time.Time: what the Pack schema's date-time format accepts.
  const createdMs = rfc3339Millis(f.created);
  // Fields in PackVersion's order, absent rather than undefined (compact's result, without its copy);
  // from `{}`, which V8 gives room for four fields in the object itself ({ version } has one).
  const out = {} as PackVersion;
  out.version = version;
  if (!isStable(helm)) out.prerelease = true;
  const appVersion = clean(f.appVersion);
  if (appVersion !== undefined) out.appVersion = keep(appVersion);
  const digest = normaliseDigest(f.digest);
  if (digest !== undefined) out.digest = digest;
  if (!Number.isNaN(createdMs)) out.created = keep(f.created);
  if (f.urls === undefined) {
    // The common case, as a literal: push onto [] would reserve 16 more places, kept with the catalogue.
    const url = f.url && resolveUrl(f.url);
    if (url) out.urls = [url === f.url ? keep(url) : url];
  } else if (f.urls.length > 0) {
    const urls: string[] = [];
    // Indexed: a for-of allocates an iterator each time until the JIT removes it.
    for (let i = 0; i < f.urls.length; i++) {
      const listed = stringAt(f.urls[i]);
      const url = listed && resolveUrl(listed);
      if (url) urls.push(url === listed ? keep(url) : url);
    }
    if (urls.length > 0) out.urls = urls.slice();
  }
  const kubeVersion = clean(f.kubeVersion);
  if (kubeVersion !== undefined) out.kubeVersion = keep(kubeVersion);
  if (f.deprecated) out.deprecated = true;
  return {
    version,
    helm,
    createdMs: Number.isNaN(createdMs) ? Number.NEGATIVE_INFINITY : createdMs,
    out,
    displayName: f.displayName,
    description: f.description, // sanitized in toPack, for the one version a pack shows
    descriptionWrapped: f.descriptionWrapped,
    icon: f.icon,
    layer: isLayer(f.layer) ? f.layer : 'addon',
  };
}

/** A candidate's description as the value it stands for: a wrapped scalar's lines folded into one. */
export function descriptionOf(c: Candidate): string | undefined {
  return c.descriptionWrapped && c.description !== undefined ? foldLines(c.description) : c.description;
}

/**
 * A plain or quoted scalar written over several lines (no blank line, no escape) as its value:
 * each line break, with the spaces around it, becomes one space.
 */
export function foldLines(text: string): string {
  return text.replace(/ *\n */g, ' ');
}

const fields = new EntryFields();

/** readVersion's entry of a parsed document (a map), or undefined for null, which Helm drops. */
export function readVersion(entry: unknown, resolveUrl: UrlResolver, goNamed = false): Candidate | undefined {
  if (!isMap(entry)) return undefined; // null: Helm drops empty entries too
  const item = goNamed ? entry : goFields(entry);
  const f = fields;
  f.reset();
  f.name = stringAt(item.name);
  f.version = stringAt(item.version);
  f.type = stringAt(item.type);
  if (listOf(item.maintainers).includes(null)) f.dropped = true;
  const dependencies = listOf(item.dependencies);
  for (let i = 0; i < dependencies.length; i++) {
    const d = dependencies[i];
    if (d === null || (isMap(d) && !validAlias(goValue(d, 'alias')))) f.dropped = true;
  }
  f.appVersion = stringAt(item.appVersion);
  f.digest = stringAt(item.digest);
  f.created = stringAt(item.created);
  const urls = listOf(item.urls);
  if (urls.length === 1) f.url = stringAt(urls[0]);
  else f.urls = urls;
  f.kubeVersion = stringAt(item.kubeVersion);
  f.deprecated = item.deprecated === true || (typeof item.deprecated === 'string' && yamlTrue(item.deprecated));
  const annotations = isMap(item.annotations) ? item.annotations : undefined;
  f.displayName = stringAt(annotations?.[DISPLAY_NAME_ANNOTATION]);
  f.layer = annotations?.[LAYER_ANNOTATION];
  f.description = stringAt(item.description);
  f.icon = stringAt(item.icon);
  return toCandidate(f, resolveUrl);
}

/** Chart types Helm's Metadata.Validate accepts ('' is application). */
const CHART_TYPES: ReadonlySet<string> = new Set(['', 'application', 'library']);

type YamlMap = Record<string, unknown>;

/**
 * An entry's fields by their Go names. encoding/json matches keys without regard to case, and the
 * YAML-to-JSON step sorts keys, so of `Version` and `version` the later in byte order wins; JSON
 * indexes may carry unknown fields, which Helm ignores.
 */
function goFields(item: YamlMap): YamlMap {
  let exact = true;
  for (const k in item) {
    if (!GO_NAMES.has(k)) {
      exact = false;
      break;
    }
  }
  if (exact) return item;
  const out: YamlMap = {};
  for (const k of Object.keys(item).sort()) {
    const field = CHART_VERSION_FIELDS.get(k.toLowerCase());
    if (field !== undefined && item[k] !== null && item[k] !== undefined) out[field] = item[k];
  }
  return out;
}

const GO_NAMES: ReadonlySet<string> = new Set(CHART_VERSION_FIELDS.values());

/** A field of a nested struct (a dependency), matched without regard to case like goFields (the last key in byte order). */
function goValue(item: YamlMap, field: string): unknown {
  if (Object.hasOwn(item, field)) return item[field];
  let key: string | undefined;
  for (const k in item) {
    if (k.length === field.length && k.toLowerCase() === field && (key === undefined || k > key)) key = k;
  }
  return key === undefined ? undefined : item[key];
}

const ALIAS = /^[a-zA-Z0-9_-]+$/;

/** Helm's aliasNameFormat, for a dependency alias that is set. */
export function validAlias(alias: unknown): boolean {
  return typeof alias !== 'string' || alias === '' || ALIAS.test(alias);
}

const UNPRINTABLE_OR_SPACE = /[^\x20-\x7e]/;
const WHITESPACE = /\s/g;
const NOT_GRAPHIC = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu;

/** Helm's sanitizeString: whitespace becomes a space, what is not printable goes. */
export function sanitize<T extends string | undefined>(s: T): T {
  if (s === undefined || !UNPRINTABLE_OR_SPACE.test(s)) return s;
  return s.replace(WHITESPACE, ' ').replace(NOT_GRAPHIC, '') as T;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Helm writes bare sha256 hex; Packs say which algorithm. Anything that is not a digest is dropped. */
function normaliseDigest(digest: string | undefined): string | undefined {
  if (digest === undefined) return undefined;
  // Lower-casing the joined text makes one new flat string: nothing of the chart's text is kept.
  if (isHex64(digest)) return ('sha256:' + digest).toLowerCase();
  return DIGEST.test(digest) ? own(digest) : undefined;
}

/** Bare hex as Helm writes a sha256 digest (a regular expression: native code from the first index on). */
const HEX64 = /^[a-fA-F0-9]{64}$/;

function isHex64(s: string): boolean {
  return s.length === 64 && HEX64.test(s);
}

/**
 * A copy of a value that does not keep the text it was read from alive: V8 makes a substring of 13
 * or more characters a view of its parent, and the catalogue outlives each chart's text. Of the
 * copies measured (slicing a concatenation, flattening one), a JSON round trip is the one that
 * leaves a plain string with no view or pair around it, which the catalogue keeps smallest
 * (bench/helm-index-vs-helm.ts's RSS rows; a test keeps the chart texts unreferenced).
 */
export function own<T extends string | undefined>(s: T): T {
  return s === undefined || s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as T);
}

/** sanitize() for a string of printable ASCII. */
function printable<T extends string | undefined>(s: T): T {
  return s;
}

/** own() for a string that holds its characters already. */
function owned<T extends string | undefined>(s: T): T {
  return s;
}

/** A string field's value; types were checked against Helm's, so anything else is null. */
function stringAt(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A list field's items; types were checked against Helm's, so anything else is null. */
function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Helm's ResolveReferenceURL: absolute URLs as they are, others against the repository as a
 * directory, taking its query (which may carry a token). One that cannot be resolved is dropped.
 */
export type UrlResolver = (ref: string) => string | undefined;

/** A URI scheme: what makes a URL absolute for Go's url.IsAbs. */
const ABSOLUTE_URL = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

export function urlResolver(repoUrl: string): UrlResolver {
  const base = new URL(repoUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return (ref) => {
    if (ABSOLUTE_URL.test(ref)) return ref;
    const resolved = URL.parse(ref, base.href);
    if (resolved && resolved.search !== base.search) resolved.search = base.search;
    return resolved?.href;
  };
}
