// One parseHelmIndex of a file, in a process of its own: prints {ms, growthBytes} for the benchmarks.
// With `loop` after the file: how late a 5 ms timer runs during a blocking parse and during a
// yielding one (parseHelmIndexYielding, as the operator parses), as {blockingMs, yieldingMs}.
import { readFileSync } from 'node:fs';
import { parseHelmIndex, parseHelmIndexYielding, type HelmIndexOptions } from '../src/sources/helm-index.js';

const bytes = readFileSync(process.argv[2]!);
const opts: HelmIndexOptions = { repoUrl: 'https://charts.example.com/stable', filter: { prereleases: true } };

/** The largest lateness of a 5 ms interval timer while `work` runs. */
async function worstTimerDelay(work: () => unknown): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await work();
  await new Promise((resolve) => setTimeout(resolve, 20)); // the timer's first run after a blocking parse counts
  clearInterval(timer);
  return worst;
}

if (process.argv[3] === 'loop') {
  const blockingMs = await worstTimerDelay(() => parseHelmIndex(bytes, opts));
  const yieldingMs = await worstTimerDelay(() => parseHelmIndexYielding(bytes, opts));
  process.stdout.write(JSON.stringify({ blockingMs, yieldingMs }));
} else {
  const before = process.memoryUsage().rss;
  const start = performance.now();
  parseHelmIndex(bytes, opts);
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, growthBytes: process.resourceUsage().maxRSS * 1024 - before }));
}
