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
 * - notSupported: must not be present.
 * Checks against a pack that did not resolve are skipped: its own problem says why.
 */
export function dependencyProblems(members: readonly ProfileMember[]): { pack: string; message: string }[] {
  const problems: { pack: string; message: string }[] = [];
  for (const m of members) {
    for (const dep of m.chosen?.dependencies ?? []) {
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
  if (dep.type === 'notSupported') {
    const o = present[0];
    return o && `${who} does not support ${dep.packName}, which the profile includes${aka(o)}`;
  }
  if (present.length === 0) {
    const layer = dep.layer ? ` (layer ${dep.layer})` : '';
    return dep.type === 'required' ? `${who} requires pack ${dep.packName}${layer}, which the profile does not include` : undefined;
  }
  const min = dependencyBound(dep.minVersion);
  const max = dependencyBound(dep.maxVersion);
  const invalid = (field: 'minVersion' | 'maxVersion') =>
    `${who} declares ${field} ${JSON.stringify(dep[field])} for ${dep.packName}, which is not a version`;
  if (min === 'invalid') return invalid('minVersion');
  if (max === 'invalid') return invalid('maxVersion');
  for (const o of present) {
    const v = o.chosen && parseVersion(o.chosen.version);
    if (!v || inBounds(v, min, max)) continue;
    const range = [min && `>=${dep.minVersion}`, max && `<=${dep.maxVersion}`].filter(Boolean).join(' ');
    const verb = dep.type === 'required' ? 'requires' : 'supports only';
    return `${who} ${verb} ${dep.packName} ${range}, but the profile has ${o.chosen!.version}${aka(o)}`;
  }
  return undefined;
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
