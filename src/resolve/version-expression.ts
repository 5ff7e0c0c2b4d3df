import { Range, SemVer, compare } from 'semver';
import type { PackVersion } from '../api/pack.js';
import { VERSION_EXPRESSION, VERSION_EXPRESSION_MESSAGE, VERSION_PARTIAL_SOURCE } from '../api/version-expression.js';
import { canonicalVersion, readHelmVersion } from './helm-version.js';

/**
 * A profile pack's `version`, parsed once. Every form keeps the text it came from, for messages.
 * The grammar is `VERSION_EXPRESSION` (src/api/version-expression.ts), the one admission enforces:
 * anything it accepts reads here, anything it refuses is refused here too.
 *
 * - `latest`: the newest stable version.
 * - `exact`: `1.2.3`, `v1.2.3`, `=1.2.3`, `1.2.3-rc.1`, `3.5.0079`. Without build metadata it matches
 *   every version of equal precedence (`1.2.3` matches `1.2.3+k3s1` and `v1.2.3`); with build
 *   metadata only that exact version.
 * - `train`: Palette-style `1.27.x`, `1.x`, `1.27.*`, or a partial `1.27` / `22.04` (all mean the same to SemVer).
 * - `range`: any node-semver range: `^1.2`, `~1.2.3`, `>=1 <2`, `1.2 - 1.4`, `||` alternatives.
 *   Commas are read as AND (`>=1, <2`), as Helm's Masterminds/semver does.
 *
 * Whatever the form, a published version whose string is the expression itself is chosen first,
 * as Helm's `IndexFile.Get` does: `22.04` pins the version published as `22.04`.
 *
 * Versions are read as Helm reads them (helm-version.ts): `v` prefix, missing minor or patch and
 * leading zeros accepted, so `3.5.0079` is 3.5.79 and `22.04` is 22.4.0.
 *
 * Prereleases (the rule is node-semver's default, includePrerelease=false): a prerelease version is
 * eligible only when the expression names a prerelease of the same major.minor.patch. So
 * `>=1.0.0-rc.0` allows 1.0.0-rc.1 but not 1.1.0-rc.1, an exact prerelease allows itself, and
 * `latest` and trains never allow one. This is narrower than "any prerelease once one is named"
 * (Masterminds' rule): opting into the prereleases of one release never drags in those of later ones.
 */
export type VersionExpression =
  | { kind: 'latest'; text: string }
  | { kind: 'exact'; text: string; version: SemVer; build: boolean }
  | { kind: 'train' | 'range'; text: string; range: Range };

export type ParseResult = { ok: true; expression: VersionExpression } | { ok: false; error: string };

const TRAIN = /^v?\d+(\.\d+)?(\.[xX*])?$|^v?\d+\.[xX*](\.[xX*])?$/;
/** One version in an expression, with its parts: what is normalised for node-semver. */
const PARTIAL = new RegExp(VERSION_PARTIAL_SOURCE, 'g');
/** An exact version: three numbers, or a prerelease or build after fewer. */
const EXACT = /^(?:= *)?(v?\d+(?:\.\d+){2}(?:[-+].*)?|v?\d+(?:\.\d+)?[-+].*)$/;

export function parseVersionExpression(text: string): ParseResult {
  // No trimming: admission refuses surrounding spaces, so the resolver does too.
  if (!VERSION_EXPRESSION.test(text)) {
    return { ok: false, error: `version ${JSON.stringify(text)} ${VERSION_EXPRESSION_MESSAGE}` };
  }
  if (text === 'latest') return { ok: true, expression: { kind: 'latest', text: text } };
  const exact = EXACT.exec(text);
  const version = exact && parseVersion(exact[1]!);
  if (version) return { ok: true, expression: { kind: 'exact', text: text, version, build: version.build.length > 0 } };
  const range = parseRange(forNodeSemver(text));
  if (!range) throw new Error(`version expression ${JSON.stringify(text)} passed the grammar but not node-semver`);
  return { ok: true, expression: { kind: TRAIN.test(text) ? 'train' : 'range', text: text, range } };
}

/**
 * Each version of a range spelled as node-semver (strict) reads it: leading zeros dropped and a
 * prerelease or build after fewer than three numbers padded (`>=1.2-rc.1` is >=1.2.0-rc.1), as
 * Masterminds reads them.
 */
function forNodeSemver(range: string): string {
  return range.replace(PARTIAL, (partial) => {
    const v = /[-+]/.test(partial) ? readHelmVersion(partial) : undefined;
    if (v) return canonicalVersion(v);
    return partial.replace(/\d+/g, (n) => n.replace(/^0+(?=\d)/, ''));
  });
}

/**
 * A published version string read as Helm reads it (helm-version.ts), as a node-semver SemVer of its
 * plain spelling, or undefined when it is not a version (or has a number beyond 2^53, which
 * node-semver cannot hold). Strings are parsed once (versions come from long-lived informer
 * objects, so one profile after another asks about the same strings): the SemVer is shared, never mutate it.
 */
export function parseVersion(text: string): SemVer | undefined {
  let parsed = versionCache.get(text);
  if (parsed === undefined && !versionCache.has(text)) {
    parsed = toSemVer(text);
    if (versionCache.size >= VERSION_CACHE_LIMIT) versionCache.clear();
    versionCache.set(text, parsed);
  }
  return parsed;
}
const VERSION_CACHE_LIMIT = 100_000;
const versionCache = new Map<string, SemVer | undefined>();

function toSemVer(text: string): SemVer | undefined {
  const v = readHelmVersion(text);
  if (!v) return undefined;
  try {
    return new SemVer(canonicalVersion(v), { loose: false });
  } catch {
    return undefined;
  }
}

/** A node-semver range, commas read as AND (Masterminds/Helm syntax), or undefined when invalid. */
export function parseRange(text: string, includePrerelease = false): Range | undefined {
  const normalized = text.replace(/\s*,\s*/g, ' ').trim();
  // node-semver reads an empty range as `*`; an empty expression is a mistake, not "anything".
  if (normalized === '') return undefined;
  try {
    return new Range(normalized, { loose: false, includePrerelease });
  } catch {
    return undefined;
  }
}

export interface MatchOptions {
  /** Ignore the prerelease rule: only for hints ("1.16.0-rc.1 would match"), never for choosing. */
  includePrerelease?: boolean;
}

export function matches(expr: VersionExpression, version: string | SemVer, opts: MatchOptions = {}): boolean {
  const v = typeof version === 'string' ? parseVersion(version) : version;
  if (!v) return false;
  switch (expr.kind) {
    case 'latest':
      return opts.includePrerelease === true || v.prerelease.length === 0;
    case 'exact':
      return compare(v, expr.version) === 0 && (!expr.build || v.build.join('.') === expr.version.build.join('.'));
    case 'train':
    case 'range':
      return opts.includePrerelease ? (parseRange(expr.range.raw, true)?.test(v) ?? false) : expr.range.test(v);
  }
}

/**
 * Newest first: SemVer precedence, then `created` (newest first; missing or unreadable is oldest),
 * then version text and finally the whole record, so the order never depends on the input order.
 * Versions that are not SemVer sort last.
 */
export function compareNewestFirst(a: PackVersion, b: PackVersion): number {
  const va = parseVersion(a.version);
  const vb = parseVersion(b.version);
  if (!va || !vb) return (va ? 0 : 1) - (vb ? 0 : 1) || compareText(a.version, b.version);
  return (
    compare(vb, va) ||
    createdMs(b) - createdMs(a) ||
    compareText(a.version, b.version) ||
    compareText(JSON.stringify(a), JSON.stringify(b))
  );
}

/**
 * The version the expression picks from `versions`, or undefined when none matches: the one published
 * as the expression's own text if there is one (Helm's IndexFile.Get), else the newest match.
 */
export function newestMatch(expr: VersionExpression, versions: readonly PackVersion[]): PackVersion | undefined {
  let answers = newestMatches.get(versions);
  if (answers === undefined) newestMatches.set(versions, (answers = new Map()));
  const known = answers.get(expr.text);
  if (known !== undefined || answers.has(expr.text)) return known;
  const answer = findNewestMatch(expr, versions);
  answers.set(expr.text, answer);
  return answer;
}

/**
 * newestMatch's answers by versions list and expression text (which alone decides the expression):
 * a fleet's profiles ask the same few questions of each Pack, and a list with hundreds of versions
 * takes ~0.3 ms to scan. A list is a Pack's from the informer cache, never changed in place (a
 * changed Pack is a new object), and its answers go with it.
 */
const newestMatches = new WeakMap<readonly PackVersion[], Map<string, PackVersion | undefined>>();

function findNewestMatch(expr: VersionExpression, versions: readonly PackVersion[]): PackVersion | undefined {
  let literal: PackVersion | undefined;
  let best: PackVersion | undefined;
  for (const v of versions) {
    if (v.version === expr.text && (!literal || compareNewestFirst(v, literal) < 0)) literal = v;
    if (matches(expr, v.version) && (!best || compareNewestFirst(v, best) < 0)) best = v;
  }
  return literal ?? best;
}

/** The SemVer-valid versions, newest first (for messages and hints). */
export function sortNewestFirst(versions: readonly PackVersion[]): PackVersion[] {
  return versions.filter((v) => parseVersion(v.version)).sort(compareNewestFirst);
}

function createdMs(v: PackVersion): number {
  const ms = v.created === undefined ? NaN : Date.parse(v.created);
  return Number.isNaN(ms) ? Number.MIN_SAFE_INTEGER : ms;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
