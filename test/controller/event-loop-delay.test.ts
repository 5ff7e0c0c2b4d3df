import { Registry } from 'prom-client';
import { fold, watchEventLoopDelay } from '../../src/controller/event-loop-delay.js';

describe('fold', () => {
  it('spreads the samples over the percentile steps, each at its step’s upper value', () => {
    const seen: number[] = [];
    fold(
      10,
      new Map([
        [0, 1e6],
        [50, 2e6],
        [90, 5e6],
        [100, 300e6],
      ]),
      (s) => seen.push(s),
    );
    expect(seen).toEqual([0.002, 0.002, 0.002, 0.002, 0.002, 0.005, 0.005, 0.005, 0.005, 0.3]);
  });

  it('observes nothing when nothing was sampled', () => {
    const seen: number[] = [];
    fold(0, new Map([[100, 1e6]]), (s) => seen.push(s));
    expect(seen).toEqual([]);
  });
});

describe('packyard_event_loop_delay_seconds', () => {
  const bucket = (text: string, le: string) => Number(new RegExp(`_bucket\\{le="${le}"\\} (\\d+)`).exec(text)?.[1]);

  it('shows a blocked event loop in the buckets above the block, and starts afresh after a scrape', async () => {
    const registry = new Registry();
    const monitor = watchEventLoopDelay(registry, 10);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const until = Date.now() + 1200;
      while (Date.now() < until); // a synchronous 1.2 s, as a long parse on a slow machine would be
      await new Promise((r) => setTimeout(r, 50));
      const first = await registry.getSingleMetricAsString('packyard_event_loop_delay_seconds');
      const total = bucket(first, '\\+Inf');
      expect(total).toBeGreaterThan(0);
      expect(bucket(first, '1')).toBeLessThan(total); // at least one sample waited > 1 s

      await new Promise((r) => setTimeout(r, 100));
      const second = await registry.getSingleMetricAsString('packyard_event_loop_delay_seconds');
      // Counts are cumulative, and the quiet 100 ms added samples only below 1 s.
      expect(bucket(second, '\\+Inf')).toBeGreaterThan(total);
      expect(bucket(second, '\\+Inf') - bucket(second, '1')).toBe(total - bucket(first, '1'));
    } finally {
      monitor.stop();
    }
  });
});
