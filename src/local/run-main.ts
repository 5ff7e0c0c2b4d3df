// `make run`: Packyard on the cluster in KUBECONFIG when one answers; otherwise on an embedded default,
// a local control plane with demo registries and the samples, so a newcomer sees it work at once.
// Runs the operator in the foreground; Ctrl-C stops everything it started, in order and within a
// deadline. For tests, PACKYARD_DEV_DIR (default .dev), PACKYARD_DEMO_HELM_PORT (default 8879) and
// PACKYARD_DEMO_OCI_PORT (default 5000; 0 takes any free port) keep a run apart from a person's.
// It also serves `packyard ui` for the same cluster and prints its URL (PACKYARD_UI_PORT, default any free port).
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import pretty from 'pino-pretty';
import type { ClusterProfile } from '../api/clusterprofile.js';
import { DEFAULT_OPERATOR_NAMESPACE } from '../api/names.js';
import type { Pack } from '../api/pack.js';
import type { PackRegistry } from '../api/packregistry.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY } from '../api/resource-types.js';
import { loadKubeConfig } from '../controller/kube-config.js';
import { KubeClient } from '../controller/kube-client.js';
import { createLogger } from '../controller/logger.js';
import { Manager } from '../controller/manager.js';
import { registerReconcilers } from '../reconcilers/register.js';
import { applyObjects } from './apply.js';
import { repoRoot, startControlPlane, type ControlPlane } from './control-plane.js';
import { applyCrdsFromDir } from './crds.js';
import { startDemoHelmRepository, type DemoHelmRepository } from './demo-helm-repository.js';
import { startDemoOciRegistry, type DemoOciRegistry } from './demo-oci-registry.js';
import { lockText } from '../reconcilers/profile-status.js';
import { UiServer } from '../ui/server.js';

const root = repoRoot();
const devDir = process.env.PACKYARD_DEV_DIR || join(root, '.dev');
/** Time for the whole orderly stop (operator → demo registries → apiserver → etcd); what is left then gets SIGKILL. */
const STOP_DEADLINE_MS = 15_000;
/** The operator's share of it: in-flight reconciles are cut short after this. */
const OPERATOR_GRACE_MS = 5_000;
const say = (line: string) => process.stderr.write(`run: ${line}\n`);
const log = createLogger(
  { level: 'info', name: 'packyard' },
  pretty({ colorize: process.stdout.isTTY, destination: 1, sync: true }),
);

let controlPlane: ControlPlane | undefined;
let demoHelm: DemoHelmRepository | undefined;
let demoOci: DemoOciRegistry | undefined;
let manager: Manager | undefined;
let ui: UiServer | undefined;

async function reachableCluster(): Promise<KubeConfig | undefined> {
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig();
  } catch {
    return undefined;
  }
  try {
    await new KubeClient(kc).request('GET', '/readyz', { signal: AbortSignal.timeout(5_000) });
    return kc;
  } catch (err) {
    say(
      `the cluster in your kubeconfig (${kc.getCurrentCluster()?.server}) does not answer: ${(err as Error).message}`,
    );
    return undefined;
  }
}

async function startEmbedded(): Promise<KubeConfig> {
  say('no reachable cluster: starting a local control plane (kube-apiserver + etcd; the first run builds them)');
  controlPlane = await startControlPlane({ log: say });
  await mkdir(devDir, { recursive: true });
  await copyFile(controlPlane.kubeconfigPath, join(devDir, 'kubeconfig'));
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfigPath);
  return kc;
}

/** The samples, pointed at the demo registries actually running. */
async function demoObjects(
  urls: { helm: string; oci: string },
  keys: { cosignPub: string; pubring: Buffer },
): Promise<KubernetesObject[]> {
  const files = [
    'packregistry-helm.yaml',
    'packregistry-oci.yaml',
    'clusterprofile-infra.yaml',
    'clusterprofile-signed.yaml',
    'clusterprofile-addon.yaml',
    'clusterprofile-values.yaml',
  ];
  const objects: KubernetesObject[] = [
    // The demo OCI registry accepts anyone; the Secret is there to show where credentials go.
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'demo-oci-credentials', namespace: DEFAULT_OPERATOR_NAMESPACE },
      stringData: { username: 'demo', password: 'demo' },
    } as KubernetesObject,
    // The public key of the demo's signed packs, for the registry's spec.verify.
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'demo-cosign-keys', namespace: DEFAULT_OPERATOR_NAMESPACE },
      stringData: { 'cosign.pub': keys.cosignPub },
    } as KubernetesObject,
    // The PGP public key of the demo charts' provenance files, for the Helm registry's spec.verify.
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'demo-helm-keys', namespace: DEFAULT_OPERATOR_NAMESPACE },
      data: { 'pubring.gpg': keys.pubring.toString('base64') },
    } as KubernetesObject,
  ];
  for (const file of files) {
    for (const doc of loadAll(await readFile(join(root, 'deploy/samples', file), 'utf8')) as KubernetesObject[]) {
      if (doc.kind === 'PackRegistry') {
        const registry = doc as PackRegistry;
        registry.spec.url = registry.spec.type === 'oci' ? urls.oci : urls.helm;
      }
      objects.push(doc);
    }
  }
  return objects;
}

async function printSummary(client: KubeClient): Promise<void> {
  const registries = (await client.list<PackRegistry & KubernetesObject>(PACKREGISTRY)).items;
  const profiles = (await client.list<ClusterProfile & KubernetesObject>(CLUSTERPROFILE)).items;
  const packs = (await client.list<Pack & KubernetesObject>(PACK)).items;
  const ready = (o: { status?: { conditions?: { type: string; status: string; reason: string }[] } }) => {
    const c = o.status?.conditions?.find((x) => x.type === 'Ready');
    return c ? `${c.status} (${c.reason})` : 'Unknown';
  };
  const table = (rows: string[][]) => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    return rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n');
  };
  const out = [
    table([
      ['PACKREGISTRY', 'TYPE', 'READY', 'PACKS', 'SIGNED', 'URL'],
      ...registries.map((r) => [
        r.metadata!.name!,
        r.spec.type,
        ready(r),
        String(r.status?.packCount ?? '-'),
        signedText(r),
        r.spec.url,
      ]),
    ]),
    table([
      ['CLUSTERPROFILE', 'TYPE', 'VERIFICATION', 'READY', 'LOCK'],
      ...profiles.map((p) => [
        `${p.metadata!.namespace}/${p.metadata!.name}`,
        p.spec.type,
        p.spec.verification ?? 'IfPresent',
        ready(p),
        (p.status?.resolved ?? []).map(lockText).join(' '),
      ]),
    ]),
    table([
      ['PACK', 'LAYER', 'LATEST', 'VERSIONS'],
      ...packs.map((p) => [
        p.metadata!.name!,
        p.spec.layer,
        p.spec.latest ?? '-',
        String(p.spec.versionCount ?? p.spec.versions.length),
      ]),
    ]),
  ];
  process.stdout.write(`\n${out.join('\n\n')}\n\n`);
}

/** `3/4`: versions verified of those checked; `-` when the registry does not verify. */
function signedText(r: PackRegistry): string {
  const v = r.status?.verification;
  return v ? `${v.verified}/${v.verified + v.unsigned + v.failed}` : '-';
}

/**
 * Waits until every profile is Ready, or settled on a failure it will keep (the values sample's
 * InvalidValues), or the time is up: the summary then shows why not.
 */
async function waitForProfiles(client: KubeClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const isReady = (p: ClusterProfile) =>
    p.status?.conditions?.some((c) => c.type === 'Ready' && (c.status === 'True' || c.reason === 'InvalidValues'));
  while (Date.now() < deadline) {
    const profiles = (await client.list<ClusterProfile & KubernetesObject>(CLUSTERPROFILE)).items;
    if (profiles.length > 0 && profiles.every(isReady)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

let stopping = false;

/**
 * Stops what this run started, in order, each step bounded by what is left of STOP_DEADLINE_MS; then
 * exits, and the 'exit' hooks of the child processes SIGKILL whatever is still running. A second
 * Ctrl-C skips the waiting.
 */
async function shutdown(code: number): Promise<void> {
  if (stopping) {
    say('stopping now');
    process.exit(code);
  }
  stopping = true;
  say('stopping (Ctrl-C again to stop at once)');
  const deadline = Date.now() + STOP_DEADLINE_MS;
  const step = async (what: string, stop: (() => Promise<void>) | undefined) => {
    if (!stop) return;
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(0, deadline - Date.now());
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), left)));
    const stopped = stop().then(
      () => false,
      (err: unknown) => (say(`stopping ${what} failed: ${(err as Error).message}`), false),
    );
    if (await Promise.race([stopped, timedOut])) say(`${what} did not stop in time; killing what is left`);
    clearTimeout(timer);
  };
  await step('the UI', ui && (() => ui!.close()));
  await step('the operator', manager && (() => manager!.stop()));
  await step('the demo Helm repository', demoHelm?.close);
  await step('the demo OCI registry', demoOci?.close);
  await step('the control plane', controlPlane?.stop);
  say('stopped');
  process.exit(code);
}

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number (0 for any), got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  // Children run in process groups of their own (see managed-process.ts): these signals reach only us.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
  const external = await reachableCluster();
  const kc = external ?? (await startEmbedded());
  const client = new KubeClient(kc);
  await applyCrdsFromDir(kc, join(root, 'crds'));
  say('CRDs installed');
  await applyObjects(client, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEFAULT_OPERATOR_NAMESPACE } }]);
  if (!external) {
    demoHelm = await startDemoHelmRepository(join(devDir, 'demo-helm'), port('PACKYARD_DEMO_HELM_PORT', 8879));
    say(`demo Helm repository at ${demoHelm.url}`);
    demoOci = await startDemoOciRegistry(join(devDir, 'demo-oci'), say, port('PACKYARD_DEMO_OCI_PORT', 5000));
    say(`demo OCI registry with Palette packs at ${demoOci.url}`);
    await applyObjects(
      client,
      await demoObjects(
        { helm: demoHelm.url, oci: demoOci.url },
        { cosignPub: demoOci.publicKeyPem, pubring: demoHelm.pubring },
      ),
    );
    say('applied deploy/samples (registries and profiles)');
  }

  manager = new Manager({
    kubeConfig: kc,
    namespace: DEFAULT_OPERATOR_NAMESPACE,
    name: 'packyard',
    log,
    metricsBindAddress: '127.0.0.1:0',
    probeBindAddress: '127.0.0.1:0',
    gracefulShutdownMs: OPERATOR_GRACE_MS,
  });
  registerReconcilers(manager);
  await manager.start();
  if (!external) {
    await waitForProfiles(client, 30_000);
    await printSummary(client);
    say(`point kubectl at this cluster:  export KUBECONFIG=${join(devDir, 'kubeconfig')}`);
    say('then try:  kubectl get preg,cprof,pk   |   kubectl get cprof edge-infra -o yaml');
  }
  ui = new UiServer({ kubeConfig: kc, port: port('PACKYARD_UI_PORT', 0), namespace: DEFAULT_OPERATOR_NAMESPACE });
  await ui.start();
  say(`packyard ui (registries, catalogue, profiles, composer):  ${ui.url}`);
  say(`the operator runs in the foreground (metrics on 127.0.0.1:${manager.ports().metrics}); Ctrl-C stops everything`);
}

main().catch(async (err) => {
  say(`failed: ${(err as Error).stack ?? err}`);
  await shutdown(1);
});
