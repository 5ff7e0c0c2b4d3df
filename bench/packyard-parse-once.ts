// One parseHelmIndex of a file, in a process of its own: prints {ms, growthBytes} for the benchmarks.
import { readFileSync } from 'node:fs';
import { parseHelmIndex } from '../src/sources/helm-index.js';

const bytes = readFileSync(process.argv[2]!);
const before = process.memoryUsage().rss;
const start = performance.now();
parseHelmIndex(bytes, { repoUrl: 'https://charts.example.com/stable', filter: { prereleases: true } });
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, growthBytes: process.resourceUsage().maxRSS * 1024 - before }));
