// Runs an operator entry point as a real child process and reads its JSON logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OPERATOR_ENV, OPERATOR_NODE_FLAGS } from '../../src/controller/node-runtime.js';
import { waitFor } from './wait.js';

export interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  metricsPort: number;
  logs: Record<string, unknown>[];
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  rssKiB(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startOperatorProcess(script: URL, kubeconfig: string, args: string[]): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    // As the image runs it (src/controller/node-runtime.ts).
    [
      ...OPERATOR_NODE_FLAGS,
      fileURLToPath(script),
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
      ...args,
    ],
    {
      env: { ...OPERATOR_ENV, ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  createInterface(child.stdout!).on('line', (line) => {
    try {
      logs.push(JSON.parse(line));
    } catch {
      logs.push({ msg: line });
    }
  });
  createInterface(child.stderr!).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = await waitFor(
    'the operator process to start',
    () => {
      if (child.exitCode !== null) throw new Error(`operator exited ${child.exitCode}: ${stderr.join('\n')}`);
      return logs.find((l) => l.msg === 'manager started');
    },
    30_000,
  ).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  const metricsPort = started.metricsPort as number;
  return {
    child,
    identity: started.identity as string,
    metricsPort,
    logs,
    async metric(name, labels = {}) {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
        .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    },
    rssKiB() {
      return Number(/VmRSS:\s+(\d+)/.exec(procStatus(child.pid!))?.[1] ?? 0);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function procStatus(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}
