// Benchmark (not a test): Packyard's index parser against Helm's own loader (repo.LoadIndexFile, a
// tiny Go program in hack/tools/helm-index-loader) on the same large index, in the same run: median
// time and peak RSS growth, each run in a fresh process.
//   node build/bench/helm-index-vs-helm.js [charts=500] [versionsPerChart=40] [runs=5]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/local/control-plane.js';
import { generateIndex } from './helm-index-parse.js';

const [charts = 500, versions = 40, runs = 5] = process.argv.slice(2).map(Number);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** parseHelmIndex in a fresh process: its own 'rss' mode prints the peak RSS growth in bytes; time it around. */
function packyardRun(dir: string): { ms: number; growthMiB: number } {
  const script = fileURLToPath(new URL('./packyard-parse-once.js', import.meta.url));
  const out = JSON.parse(execFileSync(process.execPath, [script, join(dir, 'index.yaml')], { encoding: 'utf8' }));
  return { ms: out.ms, growthMiB: out.growthBytes / 2 ** 20 };
}

function helmRun(loader: string, dir: string): { ms: number; growthMiB: number } {
  const r = spawnSync(loader, [join(dir, 'index.yaml')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`helm-index-loader failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  return { ms: out.ms, growthMiB: (out.peakRssKiB - out.rssBeforeKiB) / 1024 };
}

function main(): void {
  const loader = execFileSync(`${repoRoot()}/hack/build-tool.sh`, ['helm-index-loader'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'helm-index-vs-helm-'));
  try {
    const text = generateIndex(charts, versions);
    writeFileSync(join(dir, 'index.yaml'), text);
    const mib = Buffer.byteLength(text) / 2 ** 20;
    const ours: { ms: number; growthMiB: number }[] = [];
    const helm: { ms: number; growthMiB: number }[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(packyardRun(dir));
      helm.push(helmRun(loader, dir));
    }
    const row = (name: string, xs: typeof ours, peerMs: number) => ({
      loader: name,
      'median ms': Math.round(median(xs.map((x) => x.ms))),
      'time vs Helm': `${(median(xs.map((x) => x.ms)) / peerMs).toFixed(2)}×`,
      'peak RSS growth MiB': Math.round(median(xs.map((x) => x.growthMiB))),
      'growth vs index size': `${(median(xs.map((x) => x.growthMiB)) / mib).toFixed(1)}×`,
    });
    const helmMs = median(helm.map((x) => x.ms));
    console.log(`index: ${charts} charts × ${versions} versions, ${mib.toFixed(1)} MiB; median of ${runs} runs, each in a fresh process`);
    console.table([row('Helm repo.LoadIndexFile (Go)', helm, helmMs), row('Packyard parseHelmIndex', ours, helmMs)]);
    console.log('goal (issue): ≥ 3× faster than Helm (time vs Helm ≤ 0.33×), peak RSS growth ≤ 3× the index size');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
