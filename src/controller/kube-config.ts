import { existsSync } from 'node:fs';
import { KubeConfig } from './client-node/index.js';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads the cluster configuration from KUBECONFIG (or ~/.kube/config), or the in-cluster service
 * account. Unlike client-node's loadFromDefault, it never falls back to localhost:8080: with no
 * configuration it fails and says where it looked.
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  const kubeconfigPaths = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
  const homeConfig = env.HOME ? `${env.HOME}/.kube/config` : undefined;
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(SERVICE_ACCOUNT_TOKEN);

  if (kubeconfigPaths.length > 0) {
    const missing = kubeconfigPaths.filter((p) => !existsSync(p));
    if (missing.length === kubeconfigPaths.length) {
      throw new Error(`KUBECONFIG names ${missing.join(', ')}, which does not exist`);
    }
    // kubectl merges several files; the operator takes the first that exists, which is enough for it.
    kc.loadFromFile(kubeconfigPaths.find((p) => existsSync(p))!);
  } else if (inCluster) {
    kc.loadFromCluster();
  } else if (homeConfig && existsSync(homeConfig)) {
    kc.loadFromFile(homeConfig);
  } else {
    throw new Error(
      'no cluster configured: set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account ' +
        '(try `make dev-cluster` and KUBECONFIG=.dev/kubeconfig)',
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(`kubeconfig has no current cluster (current context: "${kc.getCurrentContext()}")`);
  }
  return kc;
}
