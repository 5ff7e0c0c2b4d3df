import type { Manager } from '../controller/manager.js';
import { HelmRepositorySource } from '../sources/helm-repository.js';
import { OciRegistrySource } from '../sources/oci/oci-registry-source.js';
import { registerClusterProfileReconciler } from './clusterprofile-reconciler.js';
import { registerPackRegistryReconciler } from './packregistry-reconciler.js';

/** Every reconciler the operator runs. */
export function registerReconcilers(manager: Manager): void {
  registerPackRegistryReconciler(manager, { sources: { helm: new HelmRepositorySource(), oci: new OciRegistrySource() } });
  registerClusterProfileReconciler(manager);
}
