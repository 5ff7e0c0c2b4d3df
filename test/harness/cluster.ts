// What tests use to reach the control plane started by global-setup.
import { KubeConfig } from '@kubernetes/client-node';

export function testKubeConfig(): KubeConfig {
  const path = process.env.PACKYARD_TEST_KUBECONFIG;
  if (!path) {
    throw new Error(
      'PACKYARD_TEST_KUBECONFIG is not set: run tests through jest (npm test), whose globalSetup starts the control plane',
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}
