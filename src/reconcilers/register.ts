import type { Manager } from '../controller/manager.js';
import { createSources } from '../sources/registry-sources.js';
import { registerClusterProfileReconciler } from './clusterprofile-reconciler.js';
import { registerPackRegistryReconciler } from './packregistry-reconciler.js';

/** Every reconciler the operator runs. */
export function registerReconcilers(manager: Manager): void {
  registerPackRegistryReconciler(manager, { sources: createSources() });
  registerClusterProfileReconciler(manager);
}
