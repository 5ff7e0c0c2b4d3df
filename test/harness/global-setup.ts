// Jest globalSetup: one real control plane (etcd + kube-apiserver) for the whole run, with the
// project's CRDs installed. Workers find it through PACKYARD_TEST_KUBECONFIG (they inherit our env).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { repoRoot, startControlPlane, type ControlPlane } from '../../src/local/control-plane.js';
import { applyCrdsFromDir } from '../../src/local/crds.js';

declare global {
  var __packyardControlPlane: ControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  // PACKYARD_CRDS_DIR points the harness at other CRDs (e.g. while crds/ is being regenerated).
  const crdsDir = process.env.PACKYARD_CRDS_DIR ?? join(repoRoot(), 'crds');
  if (!existsSync(crdsDir)) {
    throw new Error(
      `test harness: CRD directory ${crdsDir} does not exist; generate it (npm run crds) or set PACKYARD_CRDS_DIR`,
    );
  }
  const log = (line: string) => process.stderr.write(`[control-plane] ${line}\n`);
  process.stderr.write('\n');
  const cp = await startControlPlane({ log });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const names = await applyCrdsFromDir(kc, crdsDir);
    log(`applied ${names.length} CRDs from ${crdsDir}`);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  process.env.PACKYARD_TEST_KUBECONFIG = cp.kubeconfigPath;
  globalThis.__packyardControlPlane = cp;
}
