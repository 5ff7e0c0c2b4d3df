import type { PackVersion } from '../../api/pack.js';
import type { VersionVerification } from '../../api/verification.js';
import { isStable, type HelmVersion } from '../../resolve/helm-version.js';
import { compareStrings, newerFirst, packFace } from '../newest-first.js';
import type { CatalogPack } from '../catalog.js';
import { compact, type VersionMetadata } from './version-metadata.js';

/** A tag that became a version, with what the registry said about it. */
export interface ResolvedVersion {
  pack: string;
  repository: string;
  tag: string;
  /** The tag with `_` read as `+`: the published version. */
  version: string;
  helm: HelmVersion;
  digest: string;
  meta: VersionMetadata;
  /** The signature check, when the registry verifies. */
  verification?: VersionVerification;
}

/**
 * Newest first by SemVer precedence, then by `created`, then by repository and tag: the same order
 * rules as the Helm index (helm-index.ts), so a pack sorts alike whichever registry type serves it.
 */
export function newestFirst(
  a: Omit<ResolvedVersion, 'digest' | 'meta'> & { meta?: VersionMetadata },
  b: typeof a,
): number {
  const dated = (v: typeof a) => ({
    helm: v.helm,
    createdMs: v.meta?.created ? Date.parse(v.meta.created) : Number.NEGATIVE_INFINITY,
  });
  return newerFirst(dated(a), dated(b)) || compareStrings(a.repository, b.repository) || compareStrings(a.tag, b.tag);
}

/**
 * Catalogue packs from resolved versions (already filtered and deduplicated), sorted by name.
 * Pack-level fields come from the newest stable version (the newest when all are prereleases);
 * `latest` is the newest stable one, unset when there is none (as for a Helm index).
 */
export function toCatalogPacks(host: string, versions: ResolvedVersion[]): CatalogPack[] {
  const byPack = new Map<string, ResolvedVersion[]>();
  for (const v of versions) byPack.set(v.pack, [...(byPack.get(v.pack) ?? []), v]);
  return [...byPack.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([name, list]) => {
      const sorted = list.sort(newestFirst);
      const { latest, face } = packFace(sorted);
      return compact({
        name,
        layer: face.meta.layer,
        displayName: face.meta.displayName ?? name,
        description: face.meta.description,
        icon: face.meta.icon,
        latest: latest?.version,
        versionCount: sorted.length,
        versions: sorted.map((v) => packVersion(host, v)),
      });
    });
}

function packVersion(host: string, v: ResolvedVersion): PackVersion {
  return compact({
    version: v.version,
    prerelease: isStable(v.helm) ? undefined : true,
    appVersion: v.meta.appVersion,
    digest: v.digest,
    created: v.meta.created,
    urls: [`oci://${host}/${v.repository}:${v.tag}`],
    kubeVersion: v.meta.kubeVersion,
    deprecated: v.meta.deprecated,
    eol: v.meta.eol,
    dependencies: v.meta.dependencies,
    resources: v.meta.resources,
    addonType: v.meta.addonType,
    cloudTypes: v.meta.cloudTypes,
    verification: v.verification,
  });
}
