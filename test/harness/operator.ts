// The real operator (every reconciler) in the test's own process, quiet unless told otherwise.
import type { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../src/controller/logger.js';
import { Manager, type ManagerOptions } from '../../src/controller/manager.js';
import type { ClusterProfileReconcilerOptions } from '../../src/reconcilers/clusterprofile-reconciler.js';
import { registerReconcilers } from '../../src/reconcilers/register.js';

export async function startOperator(
  kubeConfig: KubeConfig,
  namespace: string,
  extra: Partial<ManagerOptions> = {},
  profiles: Pick<ClusterProfileReconcilerOptions, 'contentRetry'> = {},
): Promise<Manager> {
  const manager = new Manager({
    kubeConfig,
    namespace,
    log: createLogger({ level: 'fatal', name: 'test' }),
    metricsBindAddress: '0',
    probeBindAddress: '0',
    ...extra,
  });
  registerReconcilers(manager, {}, profiles);
  await manager.start();
  return manager;
}
