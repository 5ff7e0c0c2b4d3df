import type { PackRegistrySpec } from '../api/packregistry.js';
import { HelmRepositorySource } from './helm-repository.js';
import { OciRegistrySource } from './oci/oci-registry-source.js';
import type { PackSource } from './pack-source.js';

export type PackSources = Record<PackRegistrySpec['type'], PackSource | undefined>;

/** One source per registry type, for the operator and the CLI alike: a new type is one line here. */
export function createSources(): PackSources {
  return { helm: new HelmRepositorySource(), oci: new OciRegistrySource() };
}

/** The message for a type without a source, the same as the operator's Ready condition says. */
export function unsupportedType(type: string): string {
  return `registries of type ${type} are not supported yet`;
}
