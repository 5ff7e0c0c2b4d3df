// The long-lived process behind `hack/dev-cluster.sh up`: a local control plane for people, with the
// project's CRDs installed, kept in .dev/ and stopped cleanly on SIGTERM/SIGINT.
import { existsSync, rmSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { repoRoot, startControlPlane, type ControlPlane } from './control-plane.js';
import { applyCrdsFromDir } from './crds.js';

const root = repoRoot();
// hack/dev-cluster.sh passes PACKYARD_DEV_DIR through the environment when it sets one.
const devDir = process.env.PACKYARD_DEV_DIR || join(root, '.dev');
const kubeconfig = join(devDir, 'kubeconfig');
const pidfile = join(devDir, 'dev-cluster.pid');
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

let cp: ControlPlane | undefined;
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the control plane`);
  // Before start() resolves there is no handle yet; process.exit's 'exit' hook kills the children.
  await cp?.stop();
  log('stopped');
  process.exit(0);
}
// However we exit (signal, failure, or the children dying and leaving nothing to wait for), leave no
// pidfile or kubeconfig that claims a running cluster.
process.on('exit', () => {
  rmSync(kubeconfig, { force: true });
  rmSync(pidfile, { force: true });
});
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await mkdir(devDir, { recursive: true });
await writeFile(pidfile, `${process.pid}\n`);
// A stale kubeconfig would point at a dead server; its appearance is the "ready" signal.
await rm(kubeconfig, { force: true });
// Every `up` is a fresh cluster, like `kind create cluster`.
const cpDir = join(devDir, 'control-plane');
await rm(cpDir, { recursive: true, force: true });

try {
  cp = await startControlPlane({ dir: cpDir, log });
  const crdsDir = join(root, 'crds');
  if (existsSync(crdsDir)) {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const names = await applyCrdsFromDir(kc, crdsDir);
    log(`applied ${names.length} CRDs from crds/`);
  } else {
    log('no crds/ directory yet: no CRDs applied (generate them with `npm run crds`)');
  }
  await copyFile(cp.kubeconfigPath, kubeconfig);
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await cp?.stop();
  process.exit(1);
}

log(`dev cluster ready at ${cp.server} (pid ${process.pid})`);
log(`  export KUBECONFIG=${kubeconfig}`);
log('  kubectl get crd');
