import type { PackRegistrySpec } from '../api/packregistry.js';
import { ZOD_PARTS } from '../api/zod-parts.js';
import { importInTurns } from '../controller/event-loop-turn.js';
import type { PackSource } from './pack-source.js';

export type PackSources = Record<PackRegistrySpec['type'], PackSource | undefined>;

/** What each type's source builds on, bottom up, imported a part per turn (importInTurns) before the source. */
export const SOURCE_PARTS: Record<PackRegistrySpec['type'], readonly (() => Promise<unknown>)[]> = {
  helm: [() => import('./http-client.js'), () => import('./helm-index.js')],
  oci: [
    ...ZOD_PARTS,
    () => import('../api/pack.js'),
    () => import('./http-client.js'),
    () => import('./helm-index.js'),
    () => import('./oci/oci-client.js'),
    () => import('./oci/token-service.js'),
  ],
};

/** One source per registry type, for the operator and the CLI alike: a new type is one line here. */
export function createSources(): PackSources {
  return {
    helm: lazySource(SOURCE_PARTS.helm, async () => new (await import('./helm-repository.js')).HelmRepositorySource()),
    oci: lazySource(
      SOURCE_PARTS.oci,
      async () => new (await import('./oci/oci-registry-source.js')).OciRegistrySource(),
    ),
  };
}

/**
 * A source whose code is imported at its first sync, then kept: an idle operator, or one with no
 * registry of a type, never loads that type's parsers (the OCI source reads pack.json with zod,
 * the Helm source brings js-yaml's event parser and Helm's shape checks).
 */
function lazySource(parts: readonly (() => Promise<unknown>)[], load: () => Promise<PackSource>): PackSource {
  let source: Promise<PackSource> | undefined;
  return {
    sync: async (request) => {
      source ??= importInTurns(parts)
        .then(load)
        .catch((err: unknown) => {
          source = undefined; // try again at the next sync
          throw err;
        });
      return (await source).sync(request);
    },
  };
}

/** The message for a type without a source, the same as the operator's Ready condition says. */
export function unsupportedType(type: string): string {
  return `registries of type ${type} are not supported yet`;
}
