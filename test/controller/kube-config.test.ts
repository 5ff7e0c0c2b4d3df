import { loadKubeConfig } from '../../src/controller/kube-config.js';

describe('loadKubeConfig', () => {
  it('fails clearly instead of falling back to localhost:8080', () => {
    expect(() => loadKubeConfig({ HOME: '/nonexistent' })).toThrow(/no cluster configured: set KUBECONFIG/);
  });

  it('names a KUBECONFIG that does not exist', () => {
    expect(() => loadKubeConfig({ KUBECONFIG: '/nonexistent/kubeconfig' })).toThrow(
      'KUBECONFIG names /nonexistent/kubeconfig, which does not exist',
    );
  });

  it('loads the test cluster from KUBECONFIG', () => {
    const kc = loadKubeConfig({ KUBECONFIG: process.env.PACKYARD_TEST_KUBECONFIG });
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });
});
