import { compareHelmVersions, isStable, type HelmVersion } from '../resolve/helm-version.js';

/** A version as both sources order it: Helm's reading of it and when it was made (ms, -Infinity if unknown). */
export interface Dated {
  helm: HelmVersion;
  createdMs: number;
}

/**
 * Newest first by precedence as Helm orders them (build metadata ignored), then by creation time,
 * newest first. Both sources sort so, so a pack sorts alike whichever registry type serves it;
 * each adds its own last tie-breakers, so the order never depends on the order of the input.
 */
export function newerFirst(a: Dated, b: Dated): number {
  return compareHelmVersions(b.helm, a.helm) || compareNumbers(b.createdMs, a.createdMs);
}

/**
 * Which versions stand for a pack, given its versions newest first: `latest` is what Helm's
 * IndexFile.Get(name, "") returns, the newest stable version (none when all are prereleases);
 * `face`, whose fields (layer, description, icon) the pack shows, is latest, else the newest.
 */
export function packFace<T extends { helm: HelmVersion }>(newestFirst: readonly T[]): { latest?: T; face: T } {
  const latest = newestFirst.find((v) => isStable(v.helm));
  return { latest, face: latest ?? newestFirst[0]! };
}

/** UTF-16 code unit order, as `<` compares: the same on every machine and locale. */
export function compareStrings(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

export function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
