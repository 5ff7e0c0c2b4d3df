/**
 * How the operator's Node process runs, wherever it is started: deploy/Dockerfile, `make operator`,
 * and every test, benchmark and soak that starts build/src/main.js (test/harness/operator-process.ts).
 * test/deploy/node-runtime.test.ts checks that the Dockerfile and the Makefile say the same.
 * Figures: docs/deploy.md, "Memory".
 */

/**
 * V8: a 1 MiB young generation (the default grows each semi-space to 16 MiB under allocation), and
 * V8's own memory-saving mode (smaller heap growth steps, fewer optimised-code copies).
 *
 * Maglev is the top tier, without inlining: the operator's work comes in bursts (a sync's parse, a
 * resolution) that end before TurboFan's compiles pay back, and both compilers' zones, held while
 * they compile, were most of a first sync's memory growth (a parse of the 3 MB IBM index: TurboFan
 * on, median 7.9 MiB; Maglev alone, inlining, 8–15 MiB; no inlining, median 5.9 MiB). Measured:
 * idle RSS 77 → 71.5 MiB, a first parse of that index 125–156 → 88–112 ms, the 1,000-profile
 * resolution unchanged; a parse warmed by a dozen runs is slower (38–50 → 55–65 ms). docs/deploy.md.
 *
 * An old generation of 16 MiB before V8's first full collection (the default starts lower, and a
 * first sync of a large index ran into a mark-compact mid-parse, ~12 ms); idle RSS unchanged.
 */
export const OPERATOR_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--optimize-for-size',
  '--no-turbofan',
  '--no-maglev-inlining',
  '--initial-old-space-size=16',
] as const;

/**
 * glibc malloc: two arenas instead of eight per core, and fixed mmap/trim thresholds. By default
 * glibc raises both after a large block is freed (up to 32 MiB), so the buffers of one index download
 * leave tens of MiB in the heap for good; with them fixed, large blocks go back to the system.
 */
export const OPERATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
