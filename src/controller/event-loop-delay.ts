import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';

/**
 * From 1 ms (noise) to 10 s (a lease is lost long before): where a busy operator's delays fall, finer
 * around the 100 ms p99 goal so a p99 can be told from one just under or over it.
 */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `packyard_event_loop_delay_seconds`: how late the event loop ran, sampled by perf_hooks'
 * monitorEventLoopDelay (a libuv timer every `resolutionMs`, no JS timer of ours that a busy loop would
 * also delay). At each scrape the samples since the last one are folded into the Prometheus histogram
 * from the monitor's HDR percentiles (each sample counted at the upper value of its percentile step,
 * so the buckets err towards late), then the monitor starts afresh. A sample is the time between two
 * ticks of that timer, so it includes the resolution: an idle loop reads about 10 ms.
 */
export function watchEventLoopDelay(registry: Registry, resolutionMs = 10): { stop(): void } {
  const monitor = monitorEventLoopDelay({ resolution: resolutionMs });
  monitor.enable();
  const histogram = new Histogram({
    name: 'packyard_event_loop_delay_seconds',
    help: `Delay of the event loop, sampled every ${resolutionMs} ms by perf_hooks.monitorEventLoopDelay.`,
    buckets: BUCKETS,
    registers: [registry],
    collect() {
      fold(monitor.count, monitor.percentiles, (seconds) => histogram.observe(seconds));
      monitor.reset();
    },
  });
  return { stop: () => monitor.disable() };
}

/** Spreads `count` samples over the percentile steps (percentile → nanoseconds), ascending. */
export function fold(
  count: number,
  percentiles: ReadonlyMap<number, number>,
  observe: (seconds: number) => void,
): void {
  if (count <= 0) return;
  let done = 0;
  for (const [percentile, nanos] of [...percentiles].sort(([a], [b]) => a - b)) {
    const upTo = Math.round((count * percentile) / 100);
    for (; done < upTo; done++) observe(nanos / 1e9);
  }
}
