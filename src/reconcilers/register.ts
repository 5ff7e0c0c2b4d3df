import type { Manager } from '../controller/manager.js';

/** Every reconciler the operator runs. */
export function registerReconcilers(_manager: Manager): void {
  // The PackRegistry and ClusterProfile reconcilers register here.
}
