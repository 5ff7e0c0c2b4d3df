import type { Manager } from '../controller/manager.js';
import { createSources } from '../sources/registry-sources.js';
import { registerClusterProfileReconciler, type ClusterProfileReconcilerOptions } from './clusterprofile-reconciler.js';
import { registerPackRegistryReconciler } from './packregistry-reconciler.js';

/** Every reconciler the operator runs; `flags` carry the content cache's place and size, `profiles` what tests change. */
export function registerReconcilers(
  manager: Manager,
  flags: { cacheDir?: string; contentCacheMemoryBytes?: number } = {},
  profiles: Pick<ClusterProfileReconcilerOptions, 'contentRetry'> = {},
): void {
  registerPackRegistryReconciler(manager, { sources: createSources() });
  registerClusterProfileReconciler(manager, {
    ...profiles,
    content: { cacheDir: flags.cacheDir, memoryBytes: flags.contentCacheMemoryBytes },
  });
}
