import { Histogram, Registry } from 'prom-client';
import { histogramQuantile, parsePrometheusText } from './prometheus.js';

describe('histogramQuantile', () => {
  it('reads the bucket holding a quantile of what was observed between two scrapes', async () => {
    const registry = new Registry();
    const h = new Histogram({ name: 'delay_seconds', help: 'x', buckets: [0.01, 0.1, 1], registers: [registry] });
    for (let i = 0; i < 1000; i++) h.observe(0.5); // before the first scrape: not counted
    const before = parsePrometheusText(await registry.metrics());
    for (let i = 0; i < 98; i++) h.observe(0.005);
    h.observe(0.05);
    h.observe(5);
    const after = parsePrometheusText(await registry.metrics());
    expect(histogramQuantile(before, after, 'delay_seconds', 0.5)).toBe(0.01);
    expect(histogramQuantile(before, after, 'delay_seconds', 0.99)).toBe(0.1);
    expect(histogramQuantile(before, after, 'delay_seconds', 1)).toBe(Infinity);
    // Since the start, the thousand 0.5 s delays dominate.
    expect(histogramQuantile(undefined, after, 'delay_seconds', 0.5)).toBe(1);
    expect(histogramQuantile(after, after, 'delay_seconds', 0.99)).toBeUndefined();
  });
});
