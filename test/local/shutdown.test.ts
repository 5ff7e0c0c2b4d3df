// The runners people start by hand stop cleanly however they are stopped: `make run` by a terminal's
// Ctrl-C (SIGINT to its whole process group) or by SIGKILL (the watchdog cleans up), and the dev
// cluster by `down`, Ctrl-C or SIGKILL; and each starts again afterwards. Real processes throughout.
// The tests run hack/run.sh and hack/dev-cluster.sh (what `make run` and `make dev-cluster` run after
// building, which a test must not redo under jest) in a temp PACKYARD_DEV_DIR on ports of their own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/controller/kube-client.js';
import { repoRoot } from '../../src/local/control-plane.js';
import { describeProcesses, isRunning, processTree, type ProcessRef } from '../harness/process-tree.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const root = repoRoot();
/** What the issue asks of a Ctrl-C or a `down`; of a SIGKILLed runner's watchdog. */
const STOP_LIMIT_MS = 20_000;
const WATCHDOG_LIMIT_MS = 10_000;
const START_LIMIT_MS = 240_000;

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'packyard-shutdown-'));
  env = {
    ...process.env,
    KUBECONFIG: join(dir, 'no-kubeconfig'), // no cluster: the embedded default
    PACKYARD_DEV_DIR: join(dir, 'dev'),
    PACKYARD_DEMO_HELM_PORT: '0',
    PACKYARD_DEMO_OCI_PORT: '0',
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Waits until none of `procs` runs; returns how long that took. */
async function allGone(procs: ProcessRef[], limitMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    `${what}: still running ${describeProcesses(procs.filter(isRunning))}`,
    () => !procs.some(isRunning),
    limitMs,
    50,
  ).catch((err) => {
    for (const p of procs.filter(isRunning)) process.kill(p.pid, 'SIGKILL'); // leave nothing for the next test
    throw new Error(`${(err as Error).message}; left: ${describeProcesses(procs.filter(isRunning))}`);
  });
  return Date.now() - t0;
}

function expectChildren(procs: ProcessRef[], names: string[]): void {
  for (const n of names) expect(procs.map((p) => p.name).filter((x) => x.startsWith(n))).not.toEqual([]);
}

async function apiserverAnswers(kubeconfig: string): Promise<boolean> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await new KubeClient(kc).request('GET', '/readyz', { signal: AbortSignal.timeout(5_000) });
  return true;
}

interface Runner {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** hack/run.sh in a session of its own (setsid), as a terminal would hold it; resolves once it serves. */
async function startRunner(): Promise<Runner> {
  const child = spawn('setsid', [join(root, 'hack/run.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    'make run to serve',
    () => {
      if (child.exitCode !== null) throw new Error(`the runner exited ${child.exitCode}:\n${output}`);
      return output.includes('Ctrl-C stops everything');
    },
    START_LIMIT_MS,
    200,
  ).catch((err) => {
    for (const p of processTree(child.pid!)) process.kill(p.pid, 'SIGKILL');
    throw err;
  });
  return { child, output: () => output, exited };
}

describe('make run (hack/run.sh)', () => {
  it(
    'stops everything it started within 20 s of a Ctrl-C to its process group, and starts again',
    async () => {
      const first = await startRunner();
      const procs = processTree(first.child.pid!);
      expectChildren(procs, ['node', 'etcd', 'kube-apiserver', 'registry']);
      expect(await apiserverAnswers(join(env.PACKYARD_DEV_DIR!, 'kubeconfig'))).toBe(true);
      // It serves `packyard ui` too, and prints its URL (with the token).
      const ui = /run: packyard ui .*?:\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(first.output())?.[1];
      expect(ui).toBeDefined();
      expect((await fetch(ui!)).status).toBe(200);
      expect((await fetch(new URL('/', ui!))).status).toBe(401);

      const t0 = Date.now();
      process.kill(-first.child.pid!, 'SIGINT'); // what a terminal's Ctrl-C does: the whole foreground group
      const took = await allGone(procs, STOP_LIMIT_MS, 'after Ctrl-C');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('run: stopped');
      process.stderr.write(
        `[shutdown] make run: Ctrl-C to no process left in ${Date.now() - t0} ms (${took} ms of polling)\n`,
      );

      // The next run reuses .dev (charts, pushed packs) and must start cleanly.
      const second = await startRunner();
      const again = processTree(second.child.pid!);
      expect(await apiserverAnswers(join(env.PACKYARD_DEV_DIR!, 'kubeconfig'))).toBe(true);
      process.kill(-second.child.pid!, 'SIGINT');
      await allGone(again, STOP_LIMIT_MS, 'after the second Ctrl-C');
    },
    2 * START_LIMIT_MS + 60_000,
  );

  it(
    'leaves nothing running within 10 s when the runner itself is SIGKILLed',
    async () => {
      const runner = await startRunner();
      const procs = processTree(runner.child.pid!);
      expectChildren(procs, ['etcd', 'kube-apiserver', 'registry']);
      const t0 = Date.now();
      process.kill(runner.child.pid!, 'SIGKILL'); // the runner only: its children must not outlive it
      await allGone(procs, WATCHDOG_LIMIT_MS, 'after SIGKILL of the runner');
      process.stderr.write(`[shutdown] make run: SIGKILL to no process left in ${Date.now() - t0} ms\n`);
    },
    START_LIMIT_MS + 60_000,
  );
});

describe('make dev-cluster / dev-cluster-down (hack/dev-cluster.sh)', () => {
  const devCluster = (cmd: string) => run('setsid', [join(root, 'hack/dev-cluster.sh'), cmd], { env });
  const pidfile = () => join(env.PACKYARD_DEV_DIR!, 'dev-cluster.pid');

  async function up(): Promise<ProcessRef[]> {
    await devCluster('up');
    const pid = Number(readFileSync(pidfile(), 'utf8'));
    const procs = processTree(pid);
    expectChildren(procs, ['node', 'etcd', 'kube-apiserver']);
    expect(await apiserverAnswers(join(env.PACKYARD_DEV_DIR!, 'kubeconfig'))).toBe(true);
    return procs;
  }

  it(
    'down, Ctrl-C and SIGKILL each leave nothing running, and up works after each',
    async () => {
      let procs = await up();
      await devCluster('down');
      await allGone(procs, STOP_LIMIT_MS, 'after down');

      procs = await up();
      process.kill(-procs[0]!.pid, 'SIGINT'); // the dev cluster is a session of its own: its group leader is the node process
      await allGone(procs, STOP_LIMIT_MS, 'after Ctrl-C');
      expect(existsSync(pidfile())).toBe(false);

      procs = await up();
      process.kill(procs[0]!.pid, 'SIGKILL');
      await allGone(procs, WATCHDOG_LIMIT_MS, 'after SIGKILL');
      expect((await devCluster('down')).stdout).toContain('not running');
      await expect(devCluster('status')).rejects.toThrow();

      procs = await up();
      await devCluster('down');
      await allGone(procs, STOP_LIMIT_MS, 'after the last down');
    },
    4 * 60_000,
  );
});
