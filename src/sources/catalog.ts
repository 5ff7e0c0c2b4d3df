import type { PackSpec } from '../api/pack.js';

/** Absent rather than undefined fields, so deep comparison with the stored Pack sees no change. */
export function compact<T extends object>(o: T): T {
  const out: Partial<T> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

/** One pack as a source reports it: a Pack's spec without the registry it came from. */
export type CatalogPack = Omit<PackSpec, 'registry'>;

/** What a source hands back from a sync. */
export type SyncResult =
  | { changed: false; etag?: string; lastModified?: string }
  | {
      changed: true;
      /** sha256 of the content the catalogue was built from. */
      revision: string;
      etag?: string;
      lastModified?: string;
      packs: CatalogPack[];
      /** Versions that were not SemVer and were skipped, counted rather than fatal. */
      skippedVersions: number;
    };
