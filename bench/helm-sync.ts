// Benchmark (not a test): a whole Helm repository sync by Packyard against the real helm CLI
// fetching and loading the same index (`helm repo update`), both over loopback in the same run.
//   node build/bench/helm-sync.js [charts=500] [versions=40] [runs=5]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packRegistrySpec } from '../src/api/packregistry.js';
import { toolPath } from '../src/local/tools.js';
import { HelmRepositorySource } from '../src/sources/helm-repository.js';
import { generateIndex } from './helm-index-parse.js';

// The index server lives in this process, so helm must run without blocking the event loop.
const run = promisify(execFile);
const [charts = 500, versions = 40, runs = 5] = process.argv.slice(2).map(Number);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const index = Buffer.from(generateIndex(charts, versions));
  const etag = `"${createHash('sha256').update(index).digest('hex').slice(0, 16)}"`;
  const server = createServer((req, res) => {
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
    res.writeHead(200, { 'Content-Type': 'application/x-yaml', ETag: etag }).end(index);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const home = mkdtempSync(join(tmpdir(), 'packyard-bench-helm-'));
  const helmEnv = { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home };
  const helm = toolPath('helm');
  try {
    const spec = packRegistrySpec.parse({ type: 'helm', url, filter: { prereleases: true } });
    const source = new HelmRepositorySource();
    const request = {
      registryName: 'bench',
      spec,
      credentials: {},
      timeoutMs: 120_000,
      signal: new AbortController().signal,
    };
    await run(helm, ['repo', 'add', 'bench', url], { env: helmEnv });

    const cold: number[] = [];
    const conditional: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const c = await time(() => source.sync({ ...request, previous: {} }));
      const w = await time(() => source.sync({ ...request, previous: { etag } }));
      const p = await time(() => run(helm, ['repo', 'update', 'bench'], { env: helmEnv }));
      if (i === 0) continue; // the first round warms up
      cold.push(c);
      conditional.push(w);
      peer.push(p);
    }
    const mib = (index.length / 2 ** 20).toFixed(1);
    console.log(
      `index: ${charts} charts × ${versions} versions, ${mib} MiB; median of ${runs} runs, same machine, same run`,
    );
    const peerMs = median(peer);
    console.table([
      { what: 'helm repo update (peer: fetch + load index)', 'median ms': Math.round(peerMs), 'vs peer': '1.00×' },
      {
        what: 'packyard sync, full (fetch + parse + filter)',
        'median ms': Math.round(median(cold)),
        'vs peer': `${(median(cold) / peerMs).toFixed(2)}×`,
      },
      {
        what: 'packyard sync, unchanged (conditional GET 304)',
        'median ms': Math.round(median(conditional)),
        'vs peer': `${(median(conditional) / peerMs).toFixed(3)}×`,
      },
    ]);
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
