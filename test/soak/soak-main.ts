// `make soak`: the long soak run. Sizes come from the environment:
//   SOAK_DURATION (Go duration, default 30m), SOAK_REGISTRIES (Helm registries, default 100),
//   SOAK_OCI_REGISTRIES (default 4: even ones on an htpasswd registry, odd ones on a token-auth one), SOAK_PROFILES (default 2000), SOAK_SEED (default: from the clock,
//   printed so a run can be replayed), SOAK_RESULTS (default soak-results), SOAK_RESTARTS and
//   SOAK_KILLS (apiserver restarts and leader kills; default one per 5 and per 4 minutes),
//   SOAK_OPERATOR_NODE_OPTIONS (NODE_OPTIONS for the operator processes only, e.g. --max-old-space-size=256).
// Exits 1 when an invariant was violated; the report is in soak-results/<timestamp>-long-seed<seed>/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGoDuration } from '../../src/api/duration.js';
import { runSoak, soakConfig } from './soak.js';

const env = process.env;
const int = (name: string, fallback: number) => {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};

const durationMs = parseGoDuration(env.SOAK_DURATION || '30m');
const seed = int('SOAK_SEED', Date.now() % 1_000_000);
const cfg = soakConfig({
  durationMs,
  registries: int('SOAK_REGISTRIES', 100),
  ociRegistries: int('SOAK_OCI_REGISTRIES', 4),
  profiles: int('SOAK_PROFILES', 2000),
  seed,
  ...(env.SOAK_RESULTS && { resultsRoot: env.SOAK_RESULTS }),
  label: 'long',
  // The operator's own defaults (controller-runtime's): the long soak checks leases as deployments run
  // them; the quick soak in make test keeps shorter ones so a failover fits in its few minutes.
  leaseDuration: '15s',
  renewDeadline: '10s',
  retryPeriod: '2s',
  apiserverRestarts: int('SOAK_RESTARTS', Math.max(1, Math.round(durationMs / (5 * 60_000)))),
  leaderKills: int('SOAK_KILLS', Math.max(1, Math.round(durationMs / (4 * 60_000)))),
});
// Set after this process started, so only the processes it spawns (the operators) see it.
if (env.SOAK_OPERATOR_NODE_OPTIONS) process.env.NODE_OPTIONS = env.SOAK_OPERATOR_NODE_OPTIONS;
process.stderr.write(`soak: seed ${seed} (SOAK_SEED=${seed} replays this schedule)\n`);
const outcome = await runSoak(cfg);
process.stdout.write(readFileSync(join(outcome.reportDir, 'report.txt'), 'utf8'));
process.stdout.write(`\nreport: ${outcome.reportDir}/report.txt and report.png\n`);
process.exit(outcome.ok ? 0 : 1);
