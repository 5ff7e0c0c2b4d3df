import { existsSync } from 'node:fs';
import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { startControlPlane } from '../../src/local/control-plane.js';
import { testKubeConfig } from '../harness/cluster.js';

const TIMEOUT = 120_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('shared test control plane', () => {
  it('serves Kubernetes v1.36.3 with the default namespaces', async () => {
    const kc = testKubeConfig();
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.36.3');
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((ns) => ns.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
  });
});

describe('startControlPlane', () => {
  it(
    'restarts kube-apiserver on the same etcd, then stops without leftovers',
    async () => {
      const cp = await startControlPlane({ log: () => undefined });
      try {
        const kc = new KubeConfig();
        kc.loadFromFile(cp.kubeconfigPath);
        const core = kc.makeApiClient(CoreV1Api);
        await core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name: 'survives-restart' }, data: { answer: '42' } },
        });

        const firstApiserver = cp.pids.apiserver;
        await cp.stopApiserver();
        expect(cp.pids.apiserver).toBeUndefined();
        expect(isAlive(firstApiserver!)).toBe(false);
        await expect(core.listNamespace()).rejects.toThrow();

        await cp.startApiserver();
        const cm = await core.readNamespacedConfigMap({ namespace: 'default', name: 'survives-restart' });
        expect(cm.data).toEqual({ answer: '42' });
      } finally {
        const { etcd, apiserver } = cp.pids;
        await cp.stop();
        expect([etcd, apiserver].filter((pid) => pid !== undefined && isAlive(pid))).toEqual([]);
        expect(existsSync(cp.dir)).toBe(false);
      }
    },
    TIMEOUT,
  );
});
