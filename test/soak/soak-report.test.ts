import { longestQueueStall } from './soak-report.js';
import type { SeriesPoint } from './soak.js';

const point = (t: number, depth: number | undefined, reconciles: number): SeriesPoint => ({
  t,
  rssMiB: {},
  depth: depth === undefined ? {} : { clusterprofile: depth },
  reconciles: { clusterprofile: reconciles },
});

describe('longestQueueStall', () => {
  it('is the longest stretch with work queued on the leader and no reconcile anywhere', () => {
    const series = [
      point(0, 5, 10),
      point(2, 5, 10), // stalled 0 → 2
      point(4, 3, 12),
      point(6, 3, 12),
      point(8, 3, 12),
      point(10, 3, 12), // stalled 4 → 10
      point(12, 0, 12), // nothing queued: idle, not stalled
      point(14, 0, 12),
      point(16, 4, 12),
      point(18, 4, 15),
    ];
    expect(longestQueueStall(series, 'clusterprofile')).toEqual({ seconds: 6, fromS: 4 });
  });

  it('does not count a failover (no leader, so no depth) as a stall', () => {
    const series = [
      point(0, 2, 10),
      point(2, undefined, 10),
      point(4, undefined, 10),
      point(6, 2, 10),
      point(8, 2, 10), // stalled 6 → 8, after the failover
      point(10, 1, 11),
    ];
    expect(longestQueueStall(series, 'clusterprofile')).toEqual({ seconds: 2, fromS: 6 });
    expect(longestQueueStall([point(0, 0, 1), point(2, 0, 1)], 'clusterprofile')).toBeUndefined();
  });
});
