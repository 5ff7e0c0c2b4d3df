// Benchmark (not a test): Packyard's index parser against Helm's own loader (repo.LoadIndexFile, a
// tiny Go program in hack/tools/helm-index-loader) on the same index, in the same run, each run in a
// fresh process: on the largest real index of ../shared/fixtures/helm-index/ and on a generated
// Bitnami-size one. Goals (issue 15): ≥ 4× faster than Helm in every run, peak RSS growth ≤ 2× the
// index size.
//
// Like with like: both times are in-process, reading the file and parsing it (Helm's loader reads the
// file too), neither counts its process's start. Helm's Go code is compiled ahead of time; Node
// compiles as it runs, so Packyard is measured twice: the first parse of a fresh process (the JIT
// has compiled nothing) and a later one (after a small index, as every sync of a running operator
// after its first). Packyard's processes run Node as the operator does (src/controller/node-runtime.ts).
// Whole-process times (start, load, parse, exit) are printed below the table for context.
//   node build/bench/helm-index-vs-helm.js [charts=600] [versionsPerChart=40] [runs=5]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATOR_ENV, OPERATOR_NODE_FLAGS } from '../src/controller/node-runtime.js';
import { repoRoot } from '../src/local/control-plane.js';
import { generateIndex } from './helm-index-parse.js';
import type { ResidentSplit } from './resident-split.js';
import { median, printRows, ratio, type BenchRow } from './table.js';

const [charts = 600, versions = 40, runs = 5] = process.argv.slice(2).map(Number);
const TIME_GOAL = 0.25;
const GROWTH_GOAL = 2;
const ONCE = fileURLToPath(new URL('./packyard-parse-once.js', import.meta.url));

interface Run {
  ms: number;
  growthMiB: number;
  /** What resident memory grew by when the parse returned, by kind (bytes). */
  split?: ResidentSplit;
  /** The whole process, start to exit, as the parent saw it. */
  processMs: number;
}

/** parseHelmIndex in a fresh process (its first parse, or a later one: `warm`), timed inside it. */
function packyardRun(file: string, warm: boolean): Run {
  const start = performance.now();
  const out = JSON.parse(
    execFileSync(process.execPath, [...OPERATOR_NODE_FLAGS, ONCE, file, ...(warm ? ['warm'] : [])], {
      encoding: 'utf8',
      env: { ...process.env, ...OPERATOR_ENV },
    }),
  );
  return { ms: out.ms, growthMiB: out.growthBytes / 2 ** 20, split: out.split, processMs: performance.now() - start };
}

function helmRun(loader: string, file: string): Run {
  const start = performance.now();
  const r = spawnSync(loader, [file], { encoding: 'utf8' });
  const processMs = performance.now() - start;
  if (r.status !== 0) throw new Error(`helm-index-loader failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  return { ms: out.ms, growthMiB: (out.peakRssKiB - out.rssBeforeKiB) / 1024, processMs };
}

function largestFixture(): string {
  const dir = join(repoRoot(), '..', 'shared', 'fixtures', 'helm-index');
  const name = readdirSync(dir)
    .filter((f) => f.endsWith('index.yaml'))
    .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]!;
  return join(dir, name);
}

function rowsFor(label: string, file: string, loader: string, notes: string[]): BenchRow[] {
  const mib = readFileSync(file).length / 2 ** 20;
  const first: Run[] = [];
  const later: Run[] = [];
  const helm: Run[] = [];
  for (let i = 0; i < runs; i++) {
    first.push(packyardRun(file, false));
    helm.push(helmRun(loader, file));
    later.push(packyardRun(file, true));
  }
  const what = `${label} (${mib.toFixed(1)} MiB)`;
  const helmMs = `${Math.round(median(helm.map((h) => h.ms)))} ms (Helm)`;
  const helmGrowth = `Helm ${median(helm.map((h) => h.growthMiB)).toFixed(0)} MiB`;
  const rows: BenchRow[] = [];
  for (const [when, ours] of [
    ['first parse of a process', first],
    ['a later parse', later],
  ] as const) {
    // Each run's ratio against Helm's run beside it: the goal holds in every run, so the worst one decides.
    const ratios = ours.map((o, i) => o.ms / helm[i]!.ms);
    const worst = Math.max(...ratios);
    const growth = Math.max(...ours.map((o) => o.growthMiB));
    rows.push(
      {
        what: `parse time, ${what}, ${when}, worst of ${runs}`,
        measured: `${Math.round(median(ours.map((o) => o.ms)))} ms`,
        peer: helmMs,
        ratio: `${worst.toFixed(2)}× (runs ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
        goal: `≤ ${TIME_GOAL}×`,
        met: worst <= TIME_GOAL,
      },
      {
        what: `peak RSS growth, ${what}, ${when}, worst of ${runs}`,
        measured: `${growth.toFixed(1)} MiB`,
        peer: `${mib.toFixed(1)} MiB (index); ${helmGrowth}`,
        ratio: ratio(growth, mib),
        goal: `≤ ${GROWTH_GOAL}×`,
        met: growth <= GROWTH_GOAL * mib,
      },
    );
  }
  const whole = (xs: Run[]) => `${Math.round(median(xs.map((x) => x.processMs)))} ms`;
  notes.push(
    `whole process, ${what}, median: Packyard ${whole(first)} (Node start, module load, first parse), Helm ${whole(helm)}`,
  );
  for (const [when, ours] of [
    ['first parse', first],
    ['later parse', later],
  ] as const) {
    notes.push(`RSS growth, ${what}, ${when}, median of ${runs} when the parse returned: ${growthSplit(ours)}`);
  }
  return rows;
}

/**
 * Where the RSS growth is (the goal stays the peak): anonymous pages, of which V8's heap (new, old and
 * code space, as committed) and the rest (malloc: the compiler and GC threads' arenas, the parse's
 * buffers), and file-backed pages (the node binary's code run for the first time).
 */
function growthSplit(runs: readonly Run[]): string {
  const mib = (pick: (s: ResidentSplit) => number) =>
    (median(runs.map((r) => (r.split ? pick(r.split) : Number.NaN))) / 2 ** 20).toFixed(1);
  return (
    `anonymous ${mib((s) => s.anon)} MiB (V8 heap ${mib((s) => s.heap)}: new ${mib((s) => s.newSpace)}, ` +
    `old ${mib((s) => s.oldSpace)}, code ${mib((s) => s.code)}; other ${mib((s) => s.anon - s.heap)}), ` +
    `file-backed ${mib((s) => s.file)} MiB`
  );
}

/** The event loop during a parse: the worst lateness of a 5 ms timer, the operator's yielding parse against a blocking one. */
function loopRow(label: string, file: string): BenchRow {
  const runs3 = [0, 1, 2].map(() =>
    JSON.parse(
      execFileSync(process.execPath, [...OPERATOR_NODE_FLAGS, ONCE, file, 'loop'], {
        encoding: 'utf8',
        env: { ...process.env, ...OPERATOR_ENV },
      }),
    ),
  );
  const yielding = Math.max(...runs3.map((r) => r.yieldingMs as number));
  const blocking = median(runs3.map((r) => r.blockingMs as number));
  return {
    what: `event-loop delay during a parse, ${label}, worst of 3`,
    measured: `${Math.round(yielding)} ms`,
    peer: `${Math.round(blocking)} ms (blocking parse)`,
    ratio: ratio(yielding, blocking),
    goal: '≤ 100 ms',
    met: yielding <= 100,
  };
}

function main(): void {
  const loader = execFileSync(`${repoRoot()}/hack/build-tool.sh`, ['helm-index-loader'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'helm-index-vs-helm-'));
  try {
    const generated = join(dir, 'index.yaml');
    writeFileSync(generated, generateIndex(charts, versions));
    const fixture = largestFixture();
    const notes: string[] = [];
    const rows = [
      ...rowsFor(fixture.split('/').pop()!.replace('__index.yaml', ''), fixture, loader, notes),
      ...rowsFor(`generated, ${charts} charts × ${versions} versions`, generated, loader, notes),
      loopRow('generated index', generated),
    ];
    printRows(
      `Helm index parse: Packyard parseHelmIndex vs Helm repo.LoadIndexFile (Go), in-process times (file read and parse), each run a fresh process`,
      rows,
    );
    for (const note of notes) console.log(note);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
