import type { KubernetesObject } from '@kubernetes/client-node';
import type { Pack } from '../api/pack.js';

/**
 * What the catalogue lists and filters on for one Pack: enough to search and filter 500 packs in
 * the page without shipping their 20,000 versions; a pack's versions are fetched when it is opened.
 */
export interface PackSummary {
  /** The Pack object's name, the key its versions are fetched by. */
  id: string;
  /** Changes whenever the content does: the page refetches open versions then. */
  generation: number;
  registry: string;
  name: string;
  layer: string;
  displayName?: string;
  description?: string;
  icon?: string;
  latest?: string;
  versionCount: number;
  /** addonType of the versions (Palette pack.json), newest first, each once. */
  addonTypes: string[];
  /** Every version deprecated / some version a prerelease: badges in the list. */
  deprecated: boolean;
  prereleases: boolean;
}

export function packSummary(pack: Pack & KubernetesObject): PackSummary {
  const { spec } = pack;
  const versions = spec.versions ?? [];
  return {
    id: pack.metadata?.name ?? '',
    generation: pack.metadata?.generation ?? 0,
    registry: spec.registry,
    name: spec.name,
    layer: spec.layer ?? 'addon',
    ...(spec.displayName !== undefined && { displayName: spec.displayName }),
    ...(spec.description !== undefined && { description: spec.description }),
    ...(spec.icon !== undefined && { icon: spec.icon }),
    ...(spec.latest !== undefined && { latest: spec.latest }),
    versionCount: spec.versionCount ?? versions.length,
    addonTypes: [...new Set(versions.map((v) => v.addonType).filter((t): t is string => t !== undefined && t !== ''))],
    deprecated: versions.length > 0 && versions.every((v) => v.deprecated === true),
    prereleases: versions.some((v) => v.prerelease === true),
  };
}
