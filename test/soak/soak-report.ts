// The soak's report: report.txt (figures), report.png (RSS, queue depth and reconcile rate over
// time) and report.json (everything, for a dashboard), written to one results folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultKind } from './faults.js';
import { PALETTE, renderChartPng, type Marker, type Panel, type Series } from './png-chart.js';
import { histogramQuantile, percentile, type Sample } from './prometheus.js';
import type { MarkerKind, SeriesPoint } from './soak.js';

export interface ProcessFigures {
  idx: number;
  pid: number;
  identity: string;
  livedS: number;
  exit: string;
  rssFirstKiB: number;
  rssPeakKiB: number;
  rssLastKiB: number;
  logLines: number;
  warnLines: number;
  errorLines: number;
  loopDelay: LoopDelay;
}

/** Event-loop delay quantiles in seconds: the upper bound of the histogram bucket each falls in. */
export interface LoopDelay {
  p50?: number;
  p99?: number;
  max?: number;
}

/** packyard_event_loop_delay_seconds between two scrapes of one process (`before` undefined: since it started). */
export function loopDelay(before: readonly Sample[] | undefined, after: readonly Sample[]): LoopDelay {
  const q = (q: number) => histogramQuantile(before, after, 'packyard_event_loop_delay_seconds', q);
  return { p50: q(0.5), p99: q(0.99), max: q(1) };
}

export function formatLoopDelay(d: LoopDelay): string {
  const ms = (le: number | undefined) => (le === undefined ? '?' : `≤ ${Math.round(le * 1000)} ms`);
  return `p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)}`;
}

export interface SoakReport {
  config: Record<string, unknown>;
  seed: number;
  durationMs: number;
  objects: {
    helmRegistries: number;
    ociRegistries: number;
    withAuth: number;
    behindFaults: number;
    tls: number;
    profiles: number;
    packs: number;
    versions: number;
    events: number;
    eventsByReason: Record<string, number>;
  };
  injected: Record<string, number>;
  skipped: Record<string, number>;
  faults: Record<FaultKind | 'pass', number>;
  convergence: Record<string, number[]>;
  unconverged: Record<string, number>;
  superseded: Record<string, number>;
  failoversMs: number[];
  apiserverDowntimesMs: number[];
  /** longestQueueStall of the profiles' controller. */
  profileQueueStall?: { seconds: number; fromS: number };
  /** Processes that exited after losing the lease to another replica. */
  leasesLost: number;
  /** Each time a leader's lease was in doubt past the renew deadline (writes held) and renewed again: for how long. */
  leaseDoubtsMs: number[];
  initialConvergenceMs: number;
  finalConvergenceMs: number;
  /** The leader's, while the profiles first converged (goal: p99 ≤ 100 ms). */
  initialLoopDelay?: LoopDelay & { proc: number };
  conditionChecks: { passed: number; failed: number };
  packDeletionsDuringGc: number;
  staleness: { maxMs: number; maxWhat: string; samples: number; staleProfiles: number };
  rss: {
    startKiB: number;
    startProc: number;
    endKiB: number;
    endProc: number;
    peakKiB: number;
    survivors: { proc: number; runStartKiB: number; endKiB: number }[];
  };
  processes: ProcessFigures[];
  reconciles: { packregistry: number; clusterprofile: number };
  reconcileErrors: number;
  informerRestarts: number;
  requestsByMethod: Record<string, number>;
  secretsWatched: number;
  violations: string[];
  violationCounts: Record<string, number>;
}

const s = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)}s`);
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

/**
 * The longest time the leader had `controller`'s work queued while no process reconciled any of it
 * (workers all held: a hung download, a lock). Between samples with no leader it does not count: that
 * is a failover, measured on its own.
 */
export function longestQueueStall(
  series: readonly SeriesPoint[],
  controller: string,
): { seconds: number; fromS: number } | undefined {
  let longest: { seconds: number; fromS: number } | undefined;
  let from: SeriesPoint | undefined;
  for (const point of series) {
    const queued = (point.depth[controller] ?? 0) > 0;
    if (!queued || !from || point.reconciles[controller] !== from.reconciles[controller]) {
      from = queued ? point : undefined;
      continue;
    }
    const seconds = point.t - from.t;
    if (!longest || seconds > longest.seconds) longest = { seconds, fromS: from.t };
  }
  return longest;
}

export function formatReport(r: SoakReport): string {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  const cfg = r.config;
  out(`Packyard soak report, ${new Date().toISOString()}`);
  out(
    `seed ${r.seed}; ran ${s(r.durationMs)} of faults (configured ${s(Number(cfg.durationMs))}); ` +
      `lease ${cfg.leaseDuration}/${cfg.renewDeadline}/${cfg.retryPeriod}; registry interval ${cfg.registryInterval}`,
  );
  out(
    `verdict: ${
      r.violations.length === 0
        ? 'PASS (every invariant held)'
        : `FAIL (${Object.entries(r.violationCounts)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')})`
    }`,
  );
  out();
  out('== Objects');
  const o = r.objects;
  out(
    `registries: ${o.helmRegistries} helm + ${o.ociRegistries} oci; ${o.withAuth} with basic auth from Secrets, ${o.behindFaults} behind the fault layer, ${o.tls} over TLS`,
  );
  out(`profiles: ${o.profiles}; Packs at the end: ${o.packs} holding ${o.versions} versions`);
  out(
    `Kubernetes Events at the end: ${o.events} (${Object.entries(o.eventsByReason)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
  );
  out();
  out('== Events injected (per kind; skipped = target busy or too many in flight)');
  for (const [kind, n] of Object.entries(r.injected).sort())
    out(`${kind.padEnd(20)} ${String(n).padStart(6)}${r.skipped[kind] ? `   skipped ${r.skipped[kind]}` : ''}`);
  const faultTotal = Object.entries(r.faults)
    .filter(([k]) => k !== 'pass')
    .reduce((n, [, v]) => n + v, 0);
  out(
    `requests through the fault layer: ${faultTotal + (r.faults.pass ?? 0)}, faults ${faultTotal}: ${Object.entries(
      r.faults,
    )
      .filter(([k]) => k !== 'pass')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out();
  out('== Convergence after each event kind (event → what it changes is reflected in status)');
  out(
    `${'kind'.padEnd(20)} ${'n'.padStart(5)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}  not converged in 10 min`,
  );
  for (const [kind, values] of Object.entries(r.convergence).sort()) {
    out(
      `${kind.padEnd(20)} ${String(values.length).padStart(5)} ${s(percentile(values, 50)).padStart(8)} ${s(percentile(values, 90)).padStart(8)} ${s(percentile(values, 99)).padStart(8)} ${s(Math.max(...values)).padStart(8)}  ${r.unconverged[kind] ?? 0}`,
    );
  }
  for (const [kind, n] of Object.entries(r.unconverged))
    if (!r.convergence[kind]) out(`${kind.padEnd(20)} ${'0'.padStart(5)}  not converged: ${n}`);
  for (const [kind, n] of Object.entries(r.superseded))
    out(`${kind}: ${n} not measured, superseded (the registry was re-created meanwhile)`);
  out(
    'publish: a sync request after helm package/push until the Pack lists the version and every profile using it matches the resolver;',
  );
  out(
    'profileEdit: until observedGeneration and status match; outage: from its end; rotateCredentials: from the Secret update (no sync request);',
  );
  out(
    'recreateRegistry: from the re-create; apiserverRestart: from the apiserver being ready, leaderKill: from the kill, each to a canary edit reflected.',
  );
  out(
    `initial convergence (all registries synced, all profiles resolved): ${s(r.initialConvergenceMs)}; final, after faults stop: ${s(r.finalConvergenceMs)}`,
  );
  out(
    `event-loop delay of the leader (#${r.initialLoopDelay?.proc ?? '?'}) during initial convergence (histogram buckets): ${r.initialLoopDelay ? formatLoopDelay(r.initialLoopDelay) : 'not read'}`,
  );
  out();
  out('== Failover after kill -9 of the leader (until another live process holds the lease)');
  out(
    r.failoversMs.length
      ? `${r.failoversMs.map(s).join(', ')}; p50 ${s(percentile(r.failoversMs, 50))}, max ${s(Math.max(...r.failoversMs))}`
      : 'none',
  );
  out(`apiserver restarts, downtime each: ${r.apiserverDowntimesMs.map(s).join(', ') || 'none'}`);
  out(
    `longest time profiles were queued on the leader and none was reconciled: ${r.profileQueueStall ? `${r.profileQueueStall.seconds.toFixed(1)}s, from ${r.profileQueueStall.fromS.toFixed(0)}s` : 'never'}`,
  );
  out(
    `leases lost: ${r.leasesLost}; leader lease in doubt past the renew deadline, writes held, then renewed: ${r.leaseDoubtsMs.length ? r.leaseDoubtsMs.map(s).join(', ') : 'never'}`,
  );
  out();
  out('== Memory (RSS)');
  out(
    `leader after initial convergence: ${mib(r.rss.startKiB)} (process #${r.rss.startProc}); peak of any process: ${mib(r.rss.peakKiB)}; leader after the final settle: ${mib(r.rss.endKiB)} (process #${r.rss.endProc})`,
  );
  for (const sv of r.rss.survivors)
    out(
      `process #${sv.proc} lived through the whole run: ${mib(sv.runStartKiB)} when the faults started, ${mib(sv.endKiB)} at the end`,
    );
  out(
    `${'process'.padEnd(8)} ${'pid'.padStart(7)} ${'lived'.padStart(9)} ${'first'.padStart(8)} ${'peak'.padStart(8)} ${'last'.padStart(8)} ${'log'.padStart(6)} ${'warn'.padStart(5)} ${'error'.padStart(5)}  exit`,
  );
  for (const p of r.processes) {
    out(
      `#${String(p.idx).padEnd(7)} ${String(p.pid).padStart(7)} ${`${p.livedS.toFixed(0)}s`.padStart(9)} ${mib(p.rssFirstKiB).padStart(8)} ${mib(p.rssPeakKiB).padStart(8)} ${mib(p.rssLastKiB).padStart(8)} ${String(p.logLines).padStart(6)} ${String(p.warnLines).padStart(5)} ${String(p.errorLines).padStart(5)}  ${p.exit}`,
    );
  }
  out('event-loop delay of each process over its life (histogram buckets; a killed one up to its last scrape):');
  for (const p of r.processes) out(`#${String(p.idx).padEnd(7)} ${formatLoopDelay(p.loopDelay)}`);
  out();
  out(
    '== API requests per reconcile (rest_client_requests_total without WATCH / controller_runtime_reconcile_total, all processes)',
  );
  const requests = Object.values(r.requestsByMethod).reduce((n, v) => n + v, 0);
  const reconciles = r.reconciles.packregistry + r.reconciles.clusterprofile;
  out(
    `requests ${requests} (${Object.entries(r.requestsByMethod)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}); reconciles ${reconciles} (packregistry ${r.reconciles.packregistry}, clusterprofile ${r.reconciles.clusterprofile}); errors ${r.reconcileErrors}`,
  );
  const writes = Object.entries(r.requestsByMethod)
    .filter(([k]) => k !== 'GET')
    .reduce((n, [, v]) => n + v, 0);
  out(
    `requests per reconcile: ${(requests / Math.max(1, reconciles)).toFixed(2)}; writes (POST/PUT/PATCH/DELETE) per reconcile: ${(writes / Math.max(1, reconciles)).toFixed(2)}`,
  );
  out(
    '(GETs include lease renewals and informer LISTs of every process; lost samples of killed processes make the totals a lower bound)',
  );
  out(`informer restarts: ${r.informerRestarts}`);
  out();
  out('== Invariants');
  out(
    `condition reason checks while a registry was failing on purpose: ${r.conditionChecks.passed} passed, ${r.conditionChecks.failed} failed`,
  );
  out(
    `Pack deletions outside a registry's delete/re-create window: ${r.violationCounts['pack-disappeared'] ?? 0} (inside: ${r.packDeletionsDuringGc}, done by the soak as the garbage collector would)`,
  );
  out(
    `longest time a profile's status differed from the resolver while the run went on: ${s(r.staleness.maxMs)} (${r.staleness.maxWhat || '-'}); most profiles stale beyond ${s(Number(r.config.staleAfterMs))} at once: ${r.staleness.staleProfiles}`,
  );
  out(
    `secret material (${r.secretsWatched} passwords and auth headers) in logs, Events or statuses: ${r.violationCounts.secret ?? 0}`,
  );
  out(
    `work queue drained at the end: ${r.violationCounts.queue ? 'NO' : 'yes'}; RSS growth within bounds: ${r.violationCounts.rss ? 'NO' : 'yes'}; crashes: ${r.violationCounts.crash ?? 0}`,
  );
  if (r.violations.length) {
    out();
    out('== Violations (first 20 of each kind)');
    for (const v of r.violations) out(`- ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

export function chartPanels(
  series: readonly SeriesPoint[],
  markers: readonly { t: number; kind: MarkerKind }[],
): Panel[] {
  const procs = [...new Set(series.flatMap((p) => Object.keys(p.rssMiB)))];
  const rss: Series[] = procs.map((key, i) => ({
    label: `RSS process ${key}`,
    color: PALETTE[i % PALETTE.length]!,
    points: series.filter((p) => p.rssMiB[key] !== undefined).map((p) => [p.t, p.rssMiB[key]!] as const),
  }));
  const controllers = ['packregistry', 'clusterprofile'];
  const depth: Series[] = controllers.map((c, i) => ({
    label: `${c} queue`,
    color: PALETTE[i]!,
    points: series.filter((p) => p.depth[c] !== undefined).map((p) => [p.t, p.depth[c]!] as const),
  }));
  const rate: Series[] = controllers.map((c, i) => ({
    label: `${c} /s`,
    color: PALETTE[i]!,
    points: series.slice(1).map((p, k) => {
      const prev = series[k]!;
      const dt = p.t - prev.t;
      return [p.t, dt > 0 ? Math.max(0, ((p.reconciles[c] ?? 0) - (prev.reconciles[c] ?? 0)) / dt) : 0] as const;
    }),
  }));
  const style: Record<MarkerKind, [string, Marker['color']]> = {
    apiserverRestart: ['apiserver restart', [0, 0, 0]],
    leaderKill: ['kill -9 of the leader', [255, 0, 255]],
    faultsStart: ['faults start / stop', [0, 150, 0]],
    faultsEnd: ['faults start / stop', [0, 150, 0]],
  };
  const marks: Marker[] = markers.map((m) => ({ x: m.t, label: style[m.kind][0], color: style[m.kind][1] }));
  return [
    { title: 'Operator RSS (MiB) per process', yLabel: 'MiB', series: rss, markers: marks },
    { title: 'Work queue depth of the leader', yLabel: 'items', series: depth, markers: marks },
    { title: 'Reconcile rate (all processes)', yLabel: 'per s', series: rate, markers: marks },
  ];
}

export function writeReport(
  dir: string,
  report: SoakReport,
  series: readonly SeriesPoint[],
  markers: readonly { t: number; kind: MarkerKind }[],
): void {
  writeFileSync(join(dir, 'report.txt'), formatReport(report));
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify({ report, series, markers }, null, 1)}\n`);
  const title = `Packyard soak, seed ${report.seed}: ${report.objects.helmRegistries + report.objects.ociRegistries} registries, ${report.objects.profiles} profiles`;
  writeFileSync(
    join(dir, 'report.png'),
    renderChartPng(chartPanels(series, markers), { title, xLabel: 'seconds since start' }),
  );
}
