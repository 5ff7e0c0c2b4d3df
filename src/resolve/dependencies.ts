import { compare, type SemVer } from 'semver';
import type { Layer } from '../api/common.js';
import type { PackDependency, PackVersion } from '../api/pack.js';
import { parseVersion } from './version-expression.js';

/** A pack of the profile; `chosen` is unset when it did not resolve (its own problem is reported). */
export interface ProfileMember {
  name: string;
  chart: string;
  layer: Layer;
  chosen?: PackVersion;
}

/**
 * Palette pack constraints of every chosen version, checked across the profile. A dependency's
 * `packName` is a registry pack name, so it matches a profile pack by chart (or by profile name,
 * which is the chart unless renamed); a `layer` narrows the match. Bounds are inclusive.
 * - required: the pack must be present, within the bounds;
 * - optional: if present, within the bounds;
 * - notSupported: must not be present within the bounds (with none, not at all), as Palette's docs say;
 * - upgrade: not about the profile but about moving a lock; see upgradeProblem.
 * Checks against a pack that did not resolve are skipped: its own problem says why.
 */
export function dependencyProblems(members: readonly ProfileMember[]): { pack: string; message: string }[] {
  const problems: { pack: string; message: string }[] = [];
  for (const m of members) {
    for (const dep of m.chosen?.dependencies ?? []) {
      if (dep.type === 'upgrade') continue;
      const message = checkDependency(m, dep, members);
      if (message) problems.push({ pack: m.name, message });
    }
  }
  return problems;
}

function checkDependency(m: ProfileMember, dep: PackDependency, members: readonly ProfileMember[]): string | undefined {
  const who = `${m.name} ${m.chosen!.version}`;
  const present = members.filter(
    (o) => o !== m && (o.chart === dep.packName || o.name === dep.packName) && (!dep.layer || o.layer === dep.layer),
  );
  const aka = (o: ProfileMember) => (o.name === dep.packName ? '' : ` (pack ${o.name})`);
  if (present.length === 0) {
    const layer = dep.layer ? ` (layer ${dep.layer})` : '';
    return dep.type === 'required'
      ? `${who} requires pack ${dep.packName}${layer}, which the profile does not include`
      : undefined;
  }
  const bounds = readBounds(dep);
  if (typeof bounds === 'string') return `${who} ${bounds}`;
  const { min, max } = bounds;
  const range = rangeText(dep);
  if (dep.type === 'notSupported') {
    if (!min && !max) return `${who} does not support ${dep.packName}, which the profile includes${aka(present[0]!)}`;
    for (const o of present) {
      const v = o.chosen && parseVersion(o.chosen.version);
      if (v && inBounds(v, min, max))
        return `${who} does not support ${dep.packName} ${range}, but the profile has ${o.chosen!.version}${aka(o)}`;
    }
    return undefined;
  }
  for (const o of present) {
    const v = o.chosen && parseVersion(o.chosen.version);
    if (!v || inBounds(v, min, max)) continue;
    const verb = dep.type === 'required' ? 'requires' : 'supports only';
    return `${who} ${verb} ${dep.packName} ${range}, but the profile has ${o.chosen!.version}${aka(o)}`;
  }
  return undefined;
}

/**
 * Why `to` may not replace the locked version `from` of the same pack, or undefined. A version's
 * `upgrade` constraints naming its own pack (by chart or profile name) list the versions it may be
 * upgraded from; several are alternatives (any one admitting `from` is enough). A version without
 * one may be upgraded to from anything; a locked version that is not a version cannot be checked.
 */
export function upgradeProblem(
  pack: { name: string; chart: string },
  to: PackVersion,
  from: string,
): string | undefined {
  const rules = (to.dependencies ?? []).filter(
    (d) => d.type === 'upgrade' && (d.packName === pack.chart || d.packName === pack.name),
  );
  const v = parseVersion(from);
  if (rules.length === 0 || !v) return undefined;
  const who = `${pack.name} ${to.version}`;
  const ranges: string[] = [];
  for (const rule of rules) {
    const bounds = readBounds(rule);
    if (typeof bounds === 'string') return `${who} ${bounds}, so an upgrade from ${from} cannot be checked`;
    if (inBounds(v, bounds.min, bounds.max)) return undefined;
    ranges.push(rangeText(rule));
  }
  return `${who} can be upgraded to only from ${ranges.join(' or ')}, not from the locked ${from}`;
}

/** Both bounds, or the message saying which one is not a version. */
function readBounds(dep: PackDependency): { min?: SemVer; max?: SemVer } | string {
  const min = dependencyBound(dep.minVersion);
  const max = dependencyBound(dep.maxVersion);
  const invalid = (field: 'minVersion' | 'maxVersion') =>
    `declares ${field} ${JSON.stringify(dep[field])} for ${dep.packName}, which is not a version`;
  if (min === 'invalid') return invalid('minVersion');
  if (max === 'invalid') return invalid('maxVersion');
  return { min, max };
}

function rangeText(dep: PackDependency): string {
  const min = dependencyBound(dep.minVersion);
  const max = dependencyBound(dep.maxVersion);
  return (
    [min && `>=${dep.minVersion!.trim()}`, max && `<=${dep.maxVersion!.trim()}`].filter(Boolean).join(' ') ||
    'any version'
  );
}

/**
 * A dependency's minVersion or maxVersion: Palette writes bounds like versions, sometimes partial
 * (`1.20`): missing parts are zero; empty means no bound. `packyard pack lint` checks with this too.
 */
export function dependencyBound(text: string | undefined): SemVer | undefined | 'invalid' {
  if (text === undefined || text.trim() === '') return undefined;
  const t = text.trim();
  const padded = /^v?\d+(\.\d+)?$/.test(t) ? `${t}${t.split('.').length === 1 ? '.0.0' : '.0'}` : t;
  return parseVersion(padded) ?? 'invalid';
}

function inBounds(v: SemVer, min: SemVer | undefined, max: SemVer | undefined): boolean {
  return (!min || compare(v, min) >= 0) && (!max || compare(v, max) <= 0);
}
