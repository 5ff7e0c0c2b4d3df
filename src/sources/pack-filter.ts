import picomatch from 'picomatch';
import type { PackRegistrySpec } from '../api/packregistry.js';

/**
 * A registry's `spec.filter`. No filter, or no `prereleases`, means the spec's defaults: every name,
 * every version, prereleases included.
 */
export type PackFilter = Omit<NonNullable<PackRegistrySpec['filter']>, 'prereleases'> & { prereleases?: boolean };

/**
 * Compiles the include/exclude globs once into a predicate on pack names: a sync tests thousands of
 * names. No include list (or an empty one) keeps every name; exclude is applied after include.
 * Globs use picomatch semantics, so `*` does not cross `/` (OCI repository paths): use `**` for that.
 */
export function packNameMatcher(filter?: PackFilter): (name: string) => boolean {
  const include = filter?.include?.length ? picomatch(filter.include, { dot: true }) : () => true;
  const exclude = filter?.exclude?.length ? picomatch(filter.exclude, { dot: true }) : () => false;
  return (name) => include(name) && !exclude(name);
}

/**
 * The versions a filter keeps from a list sorted newest first: prereleases unless `prereleases: false`,
 * then the newest `maxVersionsPerPack`. Versions must be ones Helm reads (helm-version.ts).
 */
export function selectVersions<T extends { version: string }>(newestFirst: readonly T[], filter?: PackFilter): T[] {
  const kept = filter?.prereleases === false ? newestFirst.filter((v) => !isPrerelease(v.version)) : [...newestFirst];
  return filter?.maxVersionsPerPack === undefined ? kept : kept.slice(0, filter.maxVersionsPerPack);
}

/** For a version Helm reads: `v`, digits and dots before any `-`, so a `-` before any `+` starts a prerelease. */
export function isPrerelease(version: string): boolean {
  const plus = version.indexOf('+');
  return (plus < 0 ? version : version.slice(0, plus)).includes('-');
}
