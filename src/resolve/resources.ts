import type { MinimumResources } from '../api/clusterprofile.js';
import type { PackVersion } from '../api/pack.js';

/**
 * The profile's minimum resources: the `minLimit` of every chosen version's Palette resource
 * constraints, summed per type, as Kubernetes quantities in Palette's units (cpu millicores, memory
 * MiB, diskSize GB). Component lists are not evaluated: they depend on values. Undefined when no
 * chosen version declares any.
 */
export function minimumResources(chosen: readonly PackVersion[]): MinimumResources | undefined {
  const sums = { cpu: 0, memory: 0, diskSize: 0 };
  const seen = new Set<keyof typeof sums>();
  for (const v of chosen) {
    for (const r of v.resources ?? []) {
      if (r.minLimit === undefined) continue;
      sums[r.type] += r.minLimit;
      seen.add(r.type);
    }
  }
  if (seen.size === 0) return undefined;
  const quantity = (n: number, unit: string) => `${Number(n.toFixed(3))}${unit}`;
  return {
    ...(seen.has('cpu') && { cpu: quantity(sums.cpu, 'm') }),
    ...(seen.has('memory') && { memory: quantity(sums.memory, 'Mi') }),
    ...(seen.has('diskSize') && { disk: quantity(sums.diskSize, 'G') }),
  };
}
