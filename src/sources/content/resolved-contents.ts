import type { ClusterProfileSpec, ResolvedPack } from '../../api/clusterprofile.js';
import type { PackRegistrySpec } from '../../api/packregistry.js';
import { mapLimit } from '../oci/concurrency.js';
import type { SourceCredentials } from '../pack-source.js';
import type { PackFiles } from './pack-files.js';
import type { PackContentSource } from './pack-content.js';
import type { ResolveResult } from '../../resolve/resolve-profile.js';
import type { ValuesSourceLookup } from '../../resolve/values.js';
import { withEffectiveValues } from '../../resolve/values-step.js';

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

export interface ValuesCheckInput {
  spec: ClusterProfileSpec;
  namespace: string;
  valuesSources: ValuesSourceLookup;
  registries: RegistryAccess;
  source: PackContentSource;
  signal?: AbortSignal;
}

/**
 * The values step of a resolution, for the operator and the CLI alike: a resolved lock's archives
 * are read (cached by digest), then each pack's effective values computed, validated and digested.
 * A failed resolution is returned as it is: there is no version to read.
 */
export async function checkResolvedValues(result: ResolveResult, input: ValuesCheckInput): Promise<ResolveResult> {
  if (!result.ok) return result;
  const contents = await readResolvedContents(result.resolved, input.registries, input.source, input.signal);
  return withEffectiveValues(result, {
    spec: input.spec,
    namespace: input.namespace,
    valuesSources: input.valuesSources,
    contents,
  });
}
