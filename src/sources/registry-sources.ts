import type { PackRegistrySpec } from '../api/packregistry.js';
import type { PackSource } from './pack-source.js';

export type PackSources = Record<PackRegistrySpec['type'], PackSource | undefined>;

/** One source per registry type, for the operator and the CLI alike: a new type is one line here. */
export function createSources(): PackSources {
  return {
    helm: lazySource(async () => new (await import('./helm-repository.js')).HelmRepositorySource()),
    oci: lazySource(async () => new (await import('./oci/oci-registry-source.js')).OciRegistrySource()),
  };
}

/**
 * A source whose code is imported at its first sync, then kept: an idle operator, or one with no
 * registry of a type, never loads that type's parsers (the OCI source reads pack.json with zod,
 * the Helm source brings js-yaml's event parser and Helm's shape checks).
 */
function lazySource(load: () => Promise<PackSource>): PackSource {
  let source: Promise<PackSource> | undefined;
  return {
    sync: async (request) => {
      source ??= load().catch((err: unknown) => {
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
