// Benchmark (not a test): 1000 profiles × 10 packs resolved by the real operator on the local control
// plane; then one Pack changes. Reports the time until every affected profile has its new lock, the
// status writes that took (goal: only the affected profiles, all within 5 s), and the initial resolve.
//   node build/bench/resolve-fanout.js [profiles=1000] [packsPerProfile=10] [catalogue=50] [workers=16]
// The peer for the initial resolution is the apiserver's own floor: a bare client writing the same
// statuses to the same profiles with as many requests in flight as the operator has workers.
// Where the time goes is printed under the table: the CPU each process used in each phase (on a
// shared machine, CPU per write moves less than wall time) and the requests the operator sent.
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../src/api/clusterprofile.js';
import type { Pack } from '../src/api/pack.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY } from '../src/api/resource-types.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { content, startServer, type TestServer } from '../test/harness/http-server.js';
import { KubeClient } from '../src/controller/kube-client.js';
import { createLogger } from '../src/controller/logger.js';
import { DEFAULT_CONCURRENT_RECONCILES, Manager } from '../src/controller/manager.js';
import { repoRoot, startControlPlane } from '../src/local/control-plane.js';
import { applyCrdsFromDir } from '../src/local/crds.js';
import { registerReconcilers } from '../src/reconcilers/register.js';
import { printRows, ratio } from './table.js';

const [profiles = 1000, perProfile = 10, catalogue = 50, workers = DEFAULT_CONCURRENT_RECONCILES] = process.argv
  .slice(2)
  .map(Number);
const REGISTRY = 'bench';
const CHANGED = 'pack-7';

/** Charts the values step downloads (the versions profiles lock: the latest two), served for real. */
const charts = new Map<string, { body: Buffer; digest: string }>();
let chartServer: TestServer;
async function chartArchive(name: string, version: string): Promise<Buffer> {
  const tar = tarPack();
  tar.entry({ name: `${name}/Chart.yaml` }, `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  tar.entry({ name: `${name}/values.yaml` }, 'replicas: 1\n');
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}
async function serveChart(name: string, version: string): Promise<void> {
  const file = `${name}-${version}.tgz`;
  if (charts.has(file)) return;
  const body = await chartArchive(name, version);
  charts.set(file, { body, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` });
  chartServer.route(`/charts/${file}`, content(body));
}
const packSpec = (name: string, versions: string[]): Pack['spec'] => ({
  registry: REGISTRY,
  name,
  layer: 'addon',
  latest: versions[0],
  versionCount: versions.length,
  versions: versions.map((version) => {
    const served = charts.get(`${name}-${version}.tgz`);
    return served
      ? { version, digest: served.digest, urls: [`${chartServer.url}/charts/${name}-${version}.tgz`] }
      : {
          version,
          digest: `sha256:${'0'.repeat(60)}${version.replaceAll('.', '').padStart(4, '0')}`,
          urls: [`${chartServer.url}/charts/${name}-${version}.tgz`],
        };
  }),
});
const versionsUpTo = (minor: number) => Array.from({ length: minor + 1 }, (_, i) => `1.${minor - i}.0`);
/** Profile i uses packs i, i+1, … (mod catalogue): each pack is used by profiles × perProfile / catalogue profiles. */
const packsOf = (i: number) => Array.from({ length: perProfile }, (_, k) => `pack-${(i + k) % catalogue}`);

/** Requests the operator sent, by method, e.g. { PATCH: 1000, POST: 200 }. */
async function requestsByMethod(manager: Manager): Promise<Record<string, number>> {
  const metric = (await manager.metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === 'rest_client_requests_total',
  );
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) out[v.labels.method!] = (out[v.labels.method!] ?? 0) + v.value;
  return out;
}

async function patchCount(manager: Manager): Promise<number> {
  return (await requestsByMethod(manager)).PATCH ?? 0;
}

/** CPU time (user + system, ms) of the apiserver, etcd and this process; the first two from /proc (Linux). */
function cpuNow(pids: { apiserver: number | undefined; etcd: number | undefined }) {
  const ofPid = (pid: number | undefined) => {
    if (!pid) return NaN;
    // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (USER_HZ, 100 on Linux); the name in ( ) may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const self = process.cpuUsage();
  return { apiserver: ofPid(pids.apiserver), etcd: ofPid(pids.etcd), self: (self.user + self.system) / 1000 };
}
type Cpu = ReturnType<typeof cpuNow>;
const cpuSince = (from: Cpu, to: Cpu) =>
  `apiserver ${Math.round(to.apiserver - from.apiserver)} ms, etcd ${Math.round(to.etcd - from.etcd)} ms, ` +
  `this process ${Math.round(to.self - from.self)} ms`;

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 600_000): Promise<number> {
  const start = performance.now();
  while (!(await probe())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - start;
}

async function main(): Promise<void> {
  const cp = await startControlPlane({ log: () => {} });
  chartServer = await startServer();
  for (let p = 0; p < catalogue; p++) for (const v of ['1.19.0', '1.20.0']) await serveChart(`pack-${p}`, v);
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const client = new KubeClient(kc);
  let manager: Manager | undefined;
  try {
    await applyCrdsFromDir(kc, `${repoRoot()}/crds`);
    // A registry that is ready and suspended: the catalogue below is written directly, as if synced.
    await client.create(PACKREGISTRY, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      metadata: { name: REGISTRY },
      spec: { type: 'helm', url: 'https://charts.example.com', default: true, suspend: true },
    } as never);
    const registry = await client.get<KubernetesObject>(PACKREGISTRY, REGISTRY);
    await client.mergePatch(
      PACKREGISTRY,
      REGISTRY,
      undefined,
      {
        status: {
          lastSyncTime: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Synced',
              message: 'bench',
              lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
            },
          ],
        },
      },
      'status',
    );
    const owner = {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      name: REGISTRY,
      uid: registry.metadata!.uid!,
      controller: true,
    };
    for (let p = 0; p < catalogue; p++) {
      const name = `pack-${p}`;
      await client.create(PACK, {
        apiVersion: 'packyard.io/v1alpha1',
        kind: 'Pack',
        metadata: {
          name: `${REGISTRY}.${name}`,
          labels: { 'packyard.io/registry': REGISTRY, 'packyard.io/pack': name },
          ownerReferences: [owner],
        },
        spec: packSpec(name, versionsUpTo(19)),
      } as never);
    }
    const createStart = performance.now();
    // Created a few at a time: one by one, 1,000 creates took longer than what is measured.
    const createProfile = (i: number) =>
      client.create(CLUSTERPROFILE, {
        apiVersion: 'packyard.io/v1alpha1',
        kind: 'ClusterProfile',
        metadata: { name: `profile-${i}`, namespace: 'default' },
        spec: { type: 'add-on', packs: packsOf(i).map((name) => ({ name, layer: 'addon', version: '^1' })) },
      } as never);
    for (let i = 0; i < profiles; i += 16)
      await Promise.all(Array.from({ length: Math.min(16, profiles - i) }, (_, k) => createProfile(i + k)));
    console.log(
      `created ${catalogue} Packs (20 versions each) and ${profiles} profiles × ${perProfile} packs in ${Math.round(performance.now() - createStart)} ms`,
    );

    // Read from the operator's own informer cache (fed by the watch): polling the apiserver for 1000
    // profiles every 50 ms would load the very apiserver and event loop being measured.
    const list = async () => manager!.informer<ClusterProfile & KubernetesObject>(CLUSTERPROFILE).list();
    const lockOf = (p: ClusterProfile) => p.status?.resolved?.find((r) => r.name === CHANGED)?.version;
    manager = new Manager({
      kubeConfig: kc,
      namespace: 'default',
      log: createLogger({ level: 'error', name: 'bench' }),
      metricsBindAddress: '0',
      probeBindAddress: '0',
      concurrentReconciles: workers,
    });
    registerReconcilers(manager);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpuAtStart = cpuNow(cp.pids);
    const startAt = performance.now();
    await manager.start();
    const initialMs = await until('every profile resolved', async () =>
      (await list()).every((p) => p.status?.resolved?.length === perProfile),
    );
    const initialMsTotal = performance.now() - startAt;
    const cpuInitial = cpuSince(cpuAtStart, cpuNow(cp.pids));
    const initialRequests = await requestsByMethod(manager);
    loopDelay.disable();
    const eventsPending = manager.events.pending;
    await until('the queued events written', async () => manager!.events.pending === 0);
    await new Promise((r) => setTimeout(r, 2_000)); // let the queue drain before measuring one change

    const affected = (await list()).filter((p) => p.spec.packs.some((pk) => pk.name === CHANGED)).length;
    const patchesBefore = await patchCount(manager);
    const pack = await client.get<Pack & KubernetesObject>(PACK, `${REGISTRY}.${CHANGED}`);
    await client.update(PACK, { ...pack, spec: packSpec(CHANGED, versionsUpTo(20)) } as never);
    const fanOutMs = await until(
      'every affected profile updated',
      async () => (await list()).filter((p) => lockOf(p) === '1.20.0').length === affected,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const writes = (await patchCount(manager)) - patchesBefore;
    const statuses = (await list()).map((p) => ({ name: p.metadata!.name!, status: p.status! }));
    await manager.stop();
    manager = undefined;

    // Peer: the same status writes, nothing else (a later lastResolvedTime, so each is a real write).
    const later = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z/, 'Z');
    const cpuAtPeer = cpuNow(cp.pids);
    const peerStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = next++; i < statuses.length; i = next++) {
          const { name, status } = statuses[i]!;
          await client.mergePatch(
            CLUSTERPROFILE,
            name,
            'default',
            { status: { ...status, lastResolvedTime: later } },
            'status',
          );
        }
      }),
    );
    const peerMs = performance.now() - peerStart;
    const cpuPeer = cpuSince(cpuAtPeer, cpuNow(cp.pids));
    const loopP99Ms = loopDelay.percentile(99) / 1e6;
    printRows(
      `Resolution: ${profiles} profiles × ${perProfile} packs, ${workers} workers; caches synced, then ${Math.round(initialMs)} ms to resolve; ${eventsPending} events still queued then, written after`,
      [
        {
          what: `initial resolution, ${profiles} profiles × ${perProfile} packs (peer: the same status PATCHes, bare client)`,
          measured: `${Math.round(initialMsTotal)} ms`,
          peer: `${Math.round(peerMs)} ms`,
          ratio: ratio(initialMsTotal, peerMs),
          goal: '≤ 4000 ms',
          met: initialMsTotal <= 4000,
        },
        {
          what: `event-loop delay p99 while ${profiles} profiles converge (this process)`,
          measured: `${loopP99Ms.toFixed(1)} ms`,
          peer: '—',
          ratio: ratio(loopP99Ms, 100),
          goal: '≤ 100 ms',
          met: loopP99Ms <= 100,
        },
        {
          what: `one Pack change → ${affected} affected profiles updated`,
          measured: `${Math.round(fanOutMs)} ms`,
          peer: '—',
          ratio: ratio(fanOutMs, 5000),
          goal: '≤ 5000 ms',
          met: fanOutMs <= 5000,
        },
        {
          what: 'status writes (PATCH) for that change',
          measured: `${writes}`,
          peer: `${affected} affected`,
          ratio: ratio(writes, affected),
          goal: '= 1.00×',
          met: writes === affected,
        },
      ],
    );
    const sent = Object.entries(initialRequests)
      .map(([method, n]) => `${n} ${method}`)
      .join(', ');
    console.log(
      `CPU used: initial resolution (operator): ${cpuInitial}; peer: ${cpuPeer}.\n` +
        `Requests the operator sent until every profile was resolved: ${sent} (POST: events).`,
    );
  } finally {
    await manager?.stop();
    await cp.stop();
    await chartServer?.close();
  }
}

await main();
