import type { Manager } from '../../src/controller/manager.js';

/** Sum of a metric's samples in an in-process manager whose labels include `labels`. */
export async function metricValue(
  manager: Manager,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await manager.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))
    .reduce((sum, v) => sum + v.value, 0);
}
