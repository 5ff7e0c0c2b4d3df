// One parseHelmIndex of a file, in a process of its own: prints {ms, growthBytes, split} for the
// benchmarks. The time covers reading the file and parsing it, as Helm's repo.LoadIndexFile reads and
// parses; the growth is the parse's peak, above the RSS once the file is read. `split` says what the
// resident memory grew by when the parse returned (/proc/self/status): RssAnon (of which V8's heap
// committed, and what else: the compilers' and GC threads' malloc arenas) and RssFile (pages of the
// node binary run for the first time: compiler and GC code, once per process).
//   packyard-parse-once.js FILE        the process's first parse (the JIT has compiled nothing yet)
//   packyard-parse-once.js FILE warm   after a parse of a small generated index, as every sync of a
//                                      running operator after its first; growth is above the RSS
//                                      before FILE's parse
//   packyard-parse-once.js FILE loop   how late a 5 ms timer runs during a blocking parse and during a
//                                      yielding one (parseHelmIndexYielding, as the operator parses),
//                                      as {blockingMs, yieldingMs}
import { readFileSync } from 'node:fs';
import { parseHelmIndex, parseHelmIndexYielding, type HelmIndexOptions } from '../src/sources/helm-index.js';
import { generateIndex } from './helm-index-parse.js';
import { residentSplit } from './resident-split.js';
import { worstTimerDelay } from './timer-delay.js';

const file = process.argv[2]!;
const mode = process.argv[3];
const opts: HelmIndexOptions = { repoUrl: 'https://charts.example.com/stable', filter: { prereleases: true } };

if (mode === 'loop') {
  const bytes = readFileSync(file);
  const blockingMs = await worstTimerDelay(() => parseHelmIndex(bytes, opts), 5);
  const yieldingMs = await worstTimerDelay(() => parseHelmIndexYielding(bytes, opts), 5);
  process.stdout.write(JSON.stringify({ blockingMs, yieldingMs }));
} else {
  if (mode === 'warm') parseHelmIndex(Buffer.from(generateIndex(20, 20)), opts); // 0.4 MiB, another index
  const start = performance.now();
  const bytes = readFileSync(file);
  // Growth is the parse's own: above the RSS with the index read (the operator holds the body it fetched).
  const before = process.memoryUsage().rss;
  const statusBefore = residentSplit();
  parseHelmIndex(bytes, opts);
  const ms = performance.now() - start;
  const growthBytes = process.resourceUsage().maxRSS * 1024 - before;
  const statusAfter = residentSplit();
  const split = Object.fromEntries(
    Object.entries(statusAfter).map(([k, v]) => [k, v - statusBefore[k as keyof typeof statusBefore]]),
  );
  process.stdout.write(JSON.stringify({ ms, growthBytes, split }));
}
