// Runs the compiled CLI as users run it: a child process, with an environment of the test's choosing.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'build/src/cli/main.js');
const GOLDEN_DIR = join(REPO_ROOT, 'test/cli/golden');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to a clean environment (PATH, and HOME in a fresh directory so no ~/.docker or ~/.kube leaks in). */
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
}

export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<CliRun> {
  const env = { PATH: process.env.PATH ?? '', HOME: tempDir('packyard-cli-home-'), ...opts.env };
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env, cwd: opts.cwd ?? REPO_ROOT, timeout: 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : undefined) : 0;
        if (code === undefined) return reject(new Error(`packyard ${args.join(' ')}: ${err?.message}\n${stderr}`));
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    else child.stdin?.end();
  });
}

export function tempDir(prefix = 'packyard-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes objects as one multi-document YAML file (undefined fields dropped, as JSON would). */
export function writeYaml(path: string, objects: readonly unknown[]): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, objects.map((o) => stringify(JSON.parse(JSON.stringify(o)))).join('---\n'));
  return path;
}

/** Replaces what differs between runs (ports, digests of freshly packaged charts) by stable text of the same width. */
export function normalise(text: string): string {
  return text
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/sha256:([0-9a-f]+)/g, (_m, hex: string) => `sha256:${'x'.repeat(hex.length)}`);
}

/** Compares with test/cli/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead. */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI && !existsSync(path)) throw new Error(`golden file ${path} is missing`);
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const registry = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'packyard.io/v1alpha1',
  kind: 'PackRegistry',
  metadata: { name },
  spec: { type: 'helm', url, ...extra },
});
const profile = (name: string, spec: Record<string, unknown>, namespace = 'default') => ({
  apiVersion: 'packyard.io/v1alpha1',
  kind: 'ClusterProfile',
  metadata: { name, namespace },
  spec,
});
export const objects = { registry, profile };
