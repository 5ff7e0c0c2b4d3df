/**
 * How the operator's Node process runs, wherever it is started: deploy/Dockerfile, `make operator`,
 * and every test, benchmark and soak that starts build/src/main.js (test/harness/operator-process.ts).
 * test/deploy/node-runtime.test.ts checks that the Dockerfile and the Makefile say the same.
 * Figures: docs/deploy.md, "Memory".
 */

/**
 * V8: a 1 MiB young generation (the default grows each semi-space to 16 MiB under allocation), and
 * V8's own memory-saving mode (smaller heap growth steps, fewer optimised-code copies).
 */
export const OPERATOR_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'] as const;

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
