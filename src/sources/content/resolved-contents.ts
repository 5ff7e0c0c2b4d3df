import type { ResolvedPack } from '../../api/clusterprofile.js';
import type { PackRegistrySpec } from '../../api/packregistry.js';
import { mapLimit } from '../oci/concurrency.js';
import type { SourceCredentials } from '../pack-source.js';
import type { PackFiles } from './pack-files.js';
import type { PackContentSource } from './pack-content.js';

/** How a caller (reconciler, CLI) finds a registry's spec and credentials; throws when it cannot. */
export type RegistryAccess = (name: string) => { spec: PackRegistrySpec; credentials: SourceCredentials };

/** Archives read at once: a profile's packs load in parallel, a bounded number at a time (memory). */
const CONCURRENCY = 4;

/**
 * The files of every registry pack of a lock, by pack name, read through `source` (so cached by
 * digest); each failure is kept as that pack's Error, for the resolver to report.
 */
export async function readResolvedContents(
  resolved: readonly ResolvedPack[],
  registries: RegistryAccess,
  source: PackContentSource,
  signal?: AbortSignal,
): Promise<Map<string, PackFiles | Error>> {
  const wanted = resolved.filter((r) => r.registry !== undefined && r.chart !== undefined && r.version !== undefined);
  const files = await mapLimit(wanted, CONCURRENCY, async (r): Promise<PackFiles | Error> => {
    try {
      return await source.files({
        registry: registries(r.registry!),
        chart: r.chart!,
        version: { version: r.version!, ...(r.digest && { digest: r.digest }), ...(r.url && { urls: [r.url] }) },
        ...(signal && { signal }),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      return e instanceof Error ? e : new Error(String(e));
    }
  });
  return new Map(wanted.map((r, i) => [r.name, files[i]!]));
}
