// `make bench-leader-imports`: what a new leader's first reconciles import lazily (the values step, the
// Helm and OCI sources), and the longest the event loop waits meanwhile: each import() at once, as
// before, vs a part per turn (importInTurns), each in a fresh process that has imported what the
// operator imports at start. Alternated, 7 runs each; medians.
//   leader-imports.js              the benchmark
//   leader-imports.js at-once      one run, prints {worstMs, totalMs}
//   leader-imports.js in-turns     the same, parts per turn
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, printRows, ratio } from './table.js';
import { worstTimerDelay } from './timer-delay.js';

const RUNS = 7;
const mode = process.argv[2];

async function child(inTurns: boolean): Promise<void> {
  await import('../src/operator.js');
  await import('../src/reconcilers/register.js');
  const { importInTurns } = await import('../src/controller/event-loop-turn.js');
  const { VALUES_STEP_PARTS } = await import('../src/reconcilers/clusterprofile-reconciler.js');
  const { SOURCE_PARTS } = await import('../src/sources/registry-sources.js');
  const parts = (list: readonly (() => Promise<unknown>)[]) => (inTurns ? importInTurns(list) : Promise.resolve());
  let totalMs = 0;
  const worst = await worstTimerDelay(
    async () => {
      const start = performance.now();
      // As a new leader's controllers start: the first profile's values step and the first syncs, together.
      await Promise.all([
        parts(VALUES_STEP_PARTS).then(() =>
          Promise.all([
            import('../src/sources/content/resolved-contents.js'),
            import('../src/sources/content/pack-content.js'),
            import('../src/sources/content/content-cache.js'),
          ]),
        ),
        parts(SOURCE_PARTS.helm).then(() => import('../src/sources/helm-repository.js')),
        parts(SOURCE_PARTS.oci).then(() => import('../src/sources/oci/oci-registry-source.js')),
      ]);
      totalMs = performance.now() - start;
    },
    1,
    50,
  );
  process.stdout.write(JSON.stringify({ worstMs: worst, totalMs }));
}

if (mode === 'at-once' || mode === 'in-turns') {
  await child(mode === 'in-turns');
} else {
  const self = fileURLToPath(import.meta.url);
  const runs: Record<string, { worstMs: number; totalMs: number }[]> = { 'at-once': [], 'in-turns': [] };
  for (let i = 0; i < RUNS; i++) {
    for (const m of ['at-once', 'in-turns'] as const) {
      const out = spawnSync(process.execPath, [self, m], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`${m}: ${out.stderr}`);
      runs[m]!.push(JSON.parse(out.stdout) as { worstMs: number; totalMs: number });
    }
  }
  const worst = (m: string) => median(runs[m]!.map((r) => r.worstMs));
  const total = (m: string) => median(runs[m]!.map((r) => r.totalMs));
  const [inTurns, atOnce] = [worst('in-turns'), worst('at-once')];
  printRows(`A new leader's lazy imports (values step, Helm and OCI sources), medians of ${RUNS} fresh processes`, [
    {
      what: 'longest event-loop stall while importing, a part per turn vs at once',
      measured: `${inTurns.toFixed(0)} ms`,
      peer: `${atOnce.toFixed(0)} ms`,
      ratio: ratio(inTurns, atOnce),
      goal: '≤ 0.5×',
      met: inTurns <= atOnce * 0.5,
    },
    {
      what: 'time until everything is imported, a part per turn vs at once',
      measured: `${total('in-turns').toFixed(0)} ms`,
      peer: `${total('at-once').toFixed(0)} ms`,
      ratio: ratio(total('in-turns'), total('at-once')),
      goal: '—',
      met: true,
    },
  ]);
}
