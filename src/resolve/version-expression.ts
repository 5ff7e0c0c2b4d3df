import { Range, SemVer, compare, parse as parseSemVer } from 'semver';
import type { PackVersion } from '../api/pack.js';

/**
 * A profile pack's `version`, parsed once. Every form keeps the text it came from, for messages.
 *
 * - `latest`: the newest stable version.
 * - `exact`: `1.2.3`, `v1.2.3`, `=1.2.3`, `1.2.3-rc.1`. Without build metadata it matches every
 *   version of equal SemVer precedence (`1.2.3` matches `1.2.3+k3s1`); with build metadata only that
 *   exact version, as Helm looks for the literal version string first.
 * - `train`: Palette-style `1.27.x`, `1.x`, `1.27.*`, or a partial `1.27` (all mean the same to SemVer).
 * - `range`: any node-semver range: `^1.2`, `~1.2.3`, `>=1 <2`, `1.2 - 1.4`, `||` alternatives.
 *   Commas are read as AND (`>=1, <2`), as Helm's Masterminds/semver does.
 *
 * Prereleases (the rule is node-semver's default, includePrerelease=false): a prerelease version is
 * eligible only when the expression names a prerelease of the same major.minor.patch. So
 * `>=1.0.0-rc.0` allows 1.0.0-rc.1 but not 1.1.0-rc.1, an exact prerelease allows itself, and
 * `latest` and trains never allow one. This is narrower than "any prerelease once one is named":
 * opting into the prereleases of one release never drags in those of later ones.
 */
export type VersionExpression =
  | { kind: 'latest'; text: string }
  | { kind: 'exact'; text: string; version: SemVer; build: boolean }
  | { kind: 'train' | 'range'; text: string; range: Range };

export type ParseResult = { ok: true; expression: VersionExpression } | { ok: false; error: string };

const TRAIN = /^v?\d+(\.\d+)?(\.[xX*])?$|^v?\d+\.[xX*](\.[xX*])?$/;

export function parseVersionExpression(text: string): ParseResult {
  const trimmed = text.trim();
  if (trimmed === 'latest') return { ok: true, expression: { kind: 'latest', text: trimmed } };
  const exact = parseVersion(trimmed.replace(/^=\s*/, ''));
  if (exact) return { ok: true, expression: { kind: 'exact', text: trimmed, version: exact, build: exact.build.length > 0 } };
  const range = parseRange(trimmed);
  if (range) return { ok: true, expression: { kind: TRAIN.test(trimmed) ? 'train' : 'range', text: trimmed, range } };
  return {
    ok: false,
    error: `version ${JSON.stringify(text)} is not an exact version (1.2.3), a range (^1.2, >=1 <2), a train (1.27.x) or latest`,
  };
}

/**
 * A version string as packs carry it: strict SemVer 2.0 with an optional leading `v`.
 * Anything else is never eligible. Strings are parsed once (versions come from long-lived informer
 * objects, so one profile after another asks about the same strings): the SemVer is shared, never mutate it.
 */
export function parseVersion(text: string): SemVer | undefined {
  let parsed = versionCache.get(text);
  if (parsed === undefined && !versionCache.has(text)) {
    parsed = parseSemVer(text.startsWith('v') ? text.slice(1) : text, { loose: false }) ?? undefined;
    if (versionCache.size >= VERSION_CACHE_LIMIT) versionCache.clear();
    versionCache.set(text, parsed);
  }
  return parsed;
}
const VERSION_CACHE_LIMIT = 100_000;
const versionCache = new Map<string, SemVer | undefined>();

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

/** The version the expression picks from `versions`, or undefined when none matches. */
export function newestMatch(expr: VersionExpression, versions: readonly PackVersion[]): PackVersion | undefined {
  let best: PackVersion | undefined;
  for (const v of versions) {
    if (matches(expr, v.version) && (!best || compareNewestFirst(v, best) < 0)) best = v;
  }
  return best;
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
