// A control plane of a test file's own, with the CRDs applied: for tests that run reconcilers,
// which would otherwise act on (and fight over) the objects of test files running in parallel.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/controller/kube-client.js';
import { repoRoot, startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { applyCrdsFromDir } from '../../src/local/crds.js';

export interface TestCluster {
  controlPlane: ControlPlane;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  client: KubeClient;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const controlPlane = await startControlPlane({ log: () => {} });
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
    await applyCrdsFromDir(kubeConfig, `${repoRoot()}/crds`);
    return {
      controlPlane,
      kubeconfigPath: controlPlane.kubeconfigPath,
      kubeConfig,
      client: new KubeClient(kubeConfig),
      stop: () => controlPlane.stop(),
    };
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
}
