// The real operator (every reconciler) in the test's own process, quiet unless told otherwise.
import type { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../src/controller/logger.js';
import { Manager, type ManagerOptions } from '../../src/controller/manager.js';
import type { ClusterProfileReconcilerOptions } from '../../src/reconcilers/clusterprofile-reconciler.js';
import { registerReconcilers } from '../../src/reconcilers/register.js';

/** A Manager for the tests, not started: quiet, serving no metrics or probes. */
export function testManager(kubeConfig: KubeConfig, namespace: string, extra: Partial<ManagerOptions> = {}): Manager {
  return new Manager({
    kubeConfig,
    namespace,
    log: createLogger({ level: 'fatal', name: 'test' }),
    metricsBindAddress: '0',
    probeBindAddress: '0',
    ...extra,
  });
}

export async function startOperator(
  kubeConfig: KubeConfig,
  namespace: string,
  extra: Partial<ManagerOptions> = {},
  profiles: Pick<ClusterProfileReconcilerOptions, 'contentRetry'> = {},
): Promise<Manager> {
  const manager = testManager(kubeConfig, namespace, extra);
  registerReconcilers(manager, {}, profiles);
  await manager.start();
  return manager;
}
