// Benchmark (not a test): the operator's resident memory, as a real process (build/src/main.js) on a
// real apiserver. Row 1: idle, nothing to reconcile. Row 2: after syncing the largest real index in
// ../shared/fixtures/helm-index/ and settling. The peer is a bare Node process of the same binary
// holding a timer, measured in the same run: the floor no operator written for Node goes below.
//   node build/bench/operator-rss.js [runs=3]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { PACKREGISTRY } from '../src/api/resource-types.js';
import { OPERATOR_ENV, OPERATOR_NODE_FLAGS } from '../src/controller/node-runtime.js';
import { repoRoot } from '../src/local/control-plane.js';
import { startServer } from '../test/harness/http-server.js';
import { startOperatorProcess, type OperatorProcess } from '../test/harness/operator-process.js';
import { startTestCluster, type TestCluster } from '../test/harness/own-cluster.js';
import { waitFor } from '../test/harness/wait.js';
import { median, printRows, ratio, type BenchRow } from './table.js';

const [runs = 3] = process.argv.slice(2).map(Number);
const MAIN = new URL('../src/main.js', import.meta.url);
const FIXTURES = join(repoRoot(), '..', 'shared', 'fixtures', 'helm-index');
const IDLE_GOAL_MIB = 80;
const SYNCED_GOAL_MIB = 110;
const mib = (kib: number) => kib / 1024;

/** The largest index of the fixtures: the one the row is written against. */
function largestIndex(): { name: string; bytes: Buffer } {
  const name = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('index.yaml'))
    .sort((a, b) => statSync(join(FIXTURES, b)).size - statSync(join(FIXTURES, a)).size)[0]!;
  return { name, bytes: readFileSync(join(FIXTURES, name)) };
}

/**
 * RSS once it stops falling: sampled every 500 ms, settled when the last 6 samples (3 s) are within
 * 1 MiB of each other, or after a minute. V8 returns memory lazily, so one early sample overstates.
 */
async function settledRssKiB(rss: () => number): Promise<number> {
  const samples: number[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    samples.push(rss());
    const last = samples.slice(-6);
    if (last.length === 6 && Math.max(...last) - Math.min(...last) <= 1024) return median(last);
    if (Date.now() > deadline) return median(last);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function bareNodeKiB(): Promise<number> {
  // Under the same runtime settings as the operator (src/controller/node-runtime.ts), so the ratio is ours alone.
  const child = spawn(process.execPath, [...OPERATOR_NODE_FLAGS, '-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
    env: { ...OPERATOR_ENV, ...process.env },
  });
  try {
    await waitFor('a bare node process', () => child.pid !== undefined);
    await new Promise((r) => setTimeout(r, 1000)); // let it finish starting before sampling
    return await settledRssKiB(() =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]),
    );
  } finally {
    child.kill('SIGKILL');
  }
}

async function oneRun(cluster: TestCluster, serverUrl: string, run: number): Promise<{ idle: number; synced: number }> {
  const operator: OperatorProcess = await startOperatorProcess(MAIN, cluster.kubeconfigPath, ['--namespace=default']);
  try {
    const idle = await settledRssKiB(() => operator.rssKiB());
    const name = `largest-${run}`;
    await cluster.client.create(PACKREGISTRY, {
      apiVersion: 'packyard.io/v1alpha1',
      kind: 'PackRegistry',
      metadata: { name },
      spec: { type: 'helm', url: `${serverUrl}/charts` },
    } as never);
    const registry = await waitFor(
      'the registry to sync',
      async () => {
        const r = await cluster.client.get<KubernetesObject & { status?: Record<string, unknown> }>(PACKREGISTRY, name);
        const ready = (r.status?.conditions as { type: string; status: string; reason: string }[] | undefined)?.find(
          (c) => c.type === 'Ready',
        );
        if (ready?.status === 'False' && ready.reason !== 'Progressing')
          throw new Error(`sync failed: ${JSON.stringify(r.status)}`);
        return ready?.status === 'True' ? r : undefined;
      },
      300_000,
      500,
    );
    const packs = Number(registry.status?.packCount ?? 0);
    const synced = await settledRssKiB(() => operator.rssKiB());
    console.log(
      `run ${run + 1}: idle ${mib(idle).toFixed(1)} MiB; after syncing ${packs} packs ${mib(synced).toFixed(1)} MiB`,
    );
    return { idle, synced };
  } finally {
    await operator.stop('SIGKILL');
  }
}

async function main(): Promise<void> {
  const index = largestIndex();
  const server = await startServer({
    routes: {
      '/charts/index.yaml': (_req, res) =>
        void res.writeHead(200, { 'Content-Type': 'application/x-yaml' }).end(index.bytes),
    },
  });
  try {
    const results: { idle: number; synced: number; bare: number }[] = [];
    for (let run = 0; run < runs; run++) {
      const bare = await bareNodeKiB();
      // A fresh apiserver each run: the test control plane has no garbage collector to remove the Packs.
      const cluster = await startTestCluster();
      try {
        results.push({ ...(await oneRun(cluster, server.url, run)), bare });
      } finally {
        await cluster.stop();
      }
    }
    const bare = median(results.map((r) => r.bare));
    const idle = median(results.map((r) => r.idle));
    const synced = median(results.map((r) => r.synced));
    const rows: BenchRow[] = [
      {
        what: 'idle operator RSS',
        measured: `${mib(idle).toFixed(1)} MiB`,
        peer: `${mib(bare).toFixed(1)} MiB (bare node)`,
        ratio: ratio(idle, bare),
        goal: `≤ ${IDLE_GOAL_MIB} MiB`,
        met: mib(idle) <= IDLE_GOAL_MIB,
      },
      {
        what: `RSS after syncing ${index.name} (${(index.bytes.length / 2 ** 20).toFixed(1)} MiB) and settling`,
        measured: `${mib(synced).toFixed(1)} MiB`,
        peer: `${mib(bare).toFixed(1)} MiB (bare node)`,
        ratio: ratio(synced, bare),
        goal: `≤ ${SYNCED_GOAL_MIB} MiB`,
        met: mib(synced) <= SYNCED_GOAL_MIB,
      },
    ];
    printRows(
      `operator RSS (VmRSS), median of ${runs} runs, each a fresh operator process on one real apiserver`,
      rows,
    );
  } finally {
    await server.close();
  }
}

await main();
